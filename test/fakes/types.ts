// The shapes the fake programs share: their state (one JSON text in the server, fakes.ts), the Kubernetes
// objects, CRDs and helm releases a fake cluster keeps, one call and its answer; and small readers for the
// parts of an object that are arbitrary JSON (a CR's spec as the user applied it).

/** A JSON object whose fields the fakes do not know in advance. */
export type Json = Record<string, unknown>;

/** x when it is a JSON object (not an array), else an empty one: reads into unknown JSON without a cast. */
export const rec = (x: unknown): Json => (x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Json) : {});
/** x when it is an array, else an empty one. */
export const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
/** The objects of a list (each element read with rec). */
export const recs = (x: unknown): Json[] => arr(x).map(rec);
/** x when it is a string. */
export const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
/** x when it is a number. */
export const num = (x: unknown): number | undefined => (typeof x === 'number' ? x : undefined);
/** The strings of a list. */
export const strs = (x: unknown): string[] => arr(x).filter((v): v is string => typeof v === 'string');

/** One entry of metadata.managedFields as the fakes keep it: fields as JSON-encoded key paths. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: string;
  apiVersion?: string;
  fields: string[];
}

export interface ObjectMeta {
  name: string;
  namespace?: string | undefined;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  uid?: string;
  generation?: number;
  managedFields?: ManagedFieldsEntry[];
  [field: string]: unknown;
}

/** A Kubernetes object as the fake API server stores it. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: Json;
  status?: Json;
  /** ConfigMap and Secret data (a Secret's base64-encoded). */
  data?: Record<string, string>;
  /** A Secret's write-only stringData (merged into data when applied). */
  stringData?: Json;
  /** The object that made this one (a Gateway's Deployment). */
  ownedBy?: string;
  [field: string]: unknown;
}

/** A CRD: the kind it serves, the release that installed it, and the object as the API server holds it. */
export interface FakeCrd {
  group: string;
  kind: string;
  release?: string;
  object?: K8sObject;
}

export interface HelmRelease {
  name: string;
  namespace: string;
  chart: string;
  chartName?: string;
  repo?: string | undefined;
  version: string;
  values: unknown;
  revision?: number;
  /** helm's word: deployed, pending-install, pending-upgrade… */
  status?: string;
  /** The earlier revisions (helm rollback goes back to one of them). */
  history?: (HelmRelease | Omit<HelmRelease, 'history'>)[] | undefined;
}

/** A ServiceAccount token minted by `kubectl create token`: who it stands for, until when, bound to which uid. */
export interface MintedToken {
  namespace: string;
  name: string;
  expires: string;
  uid: string | undefined;
}

/** A local rate limit's token bucket (policies.ts). */
export interface RateLimitBucket {
  spec: string;
  builtAt: number;
  refillAt: number;
  available: number;
}

/** One line a workload logged, with its time (RFC 3339 with milliseconds). */
export interface LogLine {
  at: string;
  line: string;
}

export interface FakeCluster {
  platform: 'kind' | 'gke';
  server: string;
  uid?: string;
  name?: string | undefined;
  project?: string | undefined;
  location?: string | undefined;
  /** kind: the CNI (kindnet enforces NetworkPolicy; none when disableDefaultCNI). */
  cni?: 'kindnet' | 'none';
  /** kind: the number of nodes its config asked for. */
  nodes?: number;
  /** kind: the images loaded into its nodes. */
  images?: string[];
  /** GKE: who created it (`gcloud create` for the fake gcloud). */
  createdBy?: string;
  /** GKE: what `gcloud container clusters describe` shows of its networking. */
  networkConfig?: { datapathProvider?: string };
  networkPolicy?: { enabled?: boolean; provider?: string };
  addonsConfig?: { networkPolicyConfig?: { disabled?: boolean } };
  /** GKE: the cluster's mode, as the GKE API's Cluster.autopilot (absent: a Standard cluster, as gcloud creates). */
  autopilot?: { enabled: boolean };
  /** GKE: the cluster's resource labels (`gcloud container clusters create --labels`). */
  resourceLabels?: Record<string, string>;
  crds: Record<string, FakeCrd>;
  /** The objects by `Kind|namespace|name`. */
  objects: Record<string, K8sObject>;
  /** The releases by `namespace/name`. */
  releases: Record<string, HelmRelease>;
  namespaces: string[];
  /** The tokens `kubectl create token` minted. */
  tokens?: Record<string, MintedToken>;
  /** The local rate limits' buckets by policy and entry. */
  rateLimitBuckets?: Record<string, RateLimitBucket>;
  /** What each workload logged, by `namespace/workload`. */
  logs?: Record<string, LogLine[]>;
}

/** An injected failure of the calls matching `match` (a regular expression over `bin argv…`). */
export interface Fault {
  match: string;
  nth?: number;
  /** How many matching calls the fault has seen. */
  seen?: number;
  exitCode?: number;
  stderr?: string;
  hang?: boolean;
  afterObjects?: number;
  leavePending?: boolean;
}

/** The knobs of the lab's emulated traffic (programs.ts emulateCurl). */
export interface Scenario {
  squidDown?: boolean;
  squidDenies?: boolean;
  squidBypassed?: boolean;
  otherClients?: boolean;
  extAuthzDenyAll?: boolean;
  extAuthzDown?: boolean;
  bypassGateway?: boolean;
  warmupFailures?: number;
}

export interface GcloudConfig {
  account?: string | undefined;
  project?: string | undefined;
  projects?: string[];
  disabledApis?: string[];
  plugin?: boolean;
}

export interface FakeState {
  docker: boolean;
  /** The images in the host's Docker (pulled or loaded). */
  images?: string[];
  /** The images docker pull fetched, in order. */
  pulled?: string[];
  /** Images whose pull fails (manifest unknown). */
  unpullable?: string[];
  /** The fake gcloud's login, default project, disabled APIs and whether gke-gcloud-auth-plugin is installed. */
  gcloud?: GcloudConfig;
  clusters: Record<string, FakeCluster>;
  /** The port of the last cluster made (each new one serves on the next). */
  nextPort?: number;
  /**
   * `afterObjects`: a kubectl apply that applies that many objects, then fails (a dropped connection);
   * `leavePending`: a helm upgrade killed half-way, its release left pending-install or pending-upgrade.
   */
  faults: Fault[];
  delays: { match: string; ms: number }[];
  /** Folders removed (as by someone else) while the first call matching `match` runs. */
  removes?: { match: string; path: string; done?: boolean }[];
  /** No internet: docker pull, helm from a repository, kubectl apply of a URL, curl and kind's node image pull fail. */
  offline?: boolean;
  /** What `helm version` and `kubectl version` answer (defaults: v3.20.0, v1.35.0). */
  versions?: { helm?: string; kubectl?: string };
  /** The lab's emulated traffic. */
  scenario?: Scenario;
}

/** The fakes' state as JSON text (each call parses its own copy) and every call so far, one JSON text each. */
export interface Store {
  json: string;
  calls: string[];
}

/** One call of a fake program, as its bash client sends it. */
export interface CallRequest {
  bin: string;
  argv: string[];
  stdin: string | null;
  cwd: string;
  kubeconfigEnv: string;
  home: string;
  killed: () => boolean;
}

/** What the program answers: its output and exit code. */
export interface CallAnswer {
  stdout: string;
  stderr: string;
  code: number;
}

/** The API group of an apiVersion (`apps/v1` → apps; `v1` → v1, as its first part). */
export const groupOf = (apiVersion: string): string => apiVersion.split('/')[0] ?? '';

/** The value at a path of keys (and list indexes) into unknown JSON, as optional chaining reads it; undefined where the path leads nowhere. */
export function at(x: unknown, ...path: (string | number)[]): unknown {
  let v = x;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = Array.isArray(v) ? v[Number(k)] : rec(v)[String(k)];
  }
  return v;
}

/** A status condition as the fakes' controllers write it. */
export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}
