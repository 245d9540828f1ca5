// The behaviour of the fake kind, kubectl, helm, gcloud and docker (test/fakes/fakes.ts serves it; the
// programs on PATH are small bash clients). State (clusters, CRDs, objects, releases) lives in the server's
// memory as one JSON text (store.json); every call is appended to store.calls with argv, stdin, start and end
// times. Faults and delays come from the state too.
// It behaves like the real programs where egress-lab depends on it: kubectl refuses a kind whose CRD is
// not installed and an object whose namespace does not exist; every kube call needs --kubeconfig and a
// context that the kubeconfig file holds.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { backendTranslationError, destinationHeaders, podEnv, squidLogin, tunnelToken } from './backend-auth.ts';
import { withLiveStatus } from './controllers.ts';
import {
  ambientEnrolled,
  extAuthAttached,
  ossRouteBackend,
  podsAdmitted,
  serviceEntryAddressed,
  tunnelFor,
  tunnelOf,
  waypointTerminatesHbone,
} from './dataplane.ts';
import { reconcileIstio, serviceWaypoint } from './istio.ts';
import {
  extAuthzLogLine,
  type GatewayLine,
  gatewayLogLine,
  otherClientLines,
  type SquidLine,
  squidLogLine,
  stripsQuery,
} from './logs.ts';
import { accessLogAttributes, celContext, rateLimitApplied, routePolicyAnswer } from './policies.ts';
import { type AccessRequest, allowed, type Caller, callerOf, forbidden, mintToken, resourceOf } from './rbac.ts';
import {
  arr,
  at,
  type CallAnswer,
  type CallRequest,
  type FakeCluster,
  type FakeState,
  type Fault,
  type GcloudConfig,
  groupOf,
  type Json,
  type K8sObject,
  type LogLine,
  type ObjectMeta,
  rec,
  recs,
  type Store,
  str,
  strs,
} from './types.ts';

/** What a fake program gets besides its arguments: the call, and an injected cut of a kubectl apply. */
type Ctx = CallRequest & { cut?: { after: number; stderr?: string | undefined } | undefined };

class Fail extends Error {
  readonly code: number;
  readonly stdout: string;
  /** `stdout`: what the program printed before it failed (kubectl apply prints each object it applied). */
  constructor(message: string, code = 1, stdout = '') {
    super(message);
    this.code = code;
    this.stdout = stdout;
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const randomUid = () => `${Math.random().toString(16).slice(2, 10)}-${Math.random().toString(16).slice(2, 6)}`;

/**
 * Read, change, write: the server runs one handler at a time between awaits, so no lock is needed. The state
 * is kept as JSON text, so each call works on its own copy, as a program reading and writing a file would.
 */
function withState<T>(store: Store, fn: (state: FakeState) => T): T {
  // What a call changed before it failed stays changed, as with the real programs (a partly applied file).
  const state = JSON.parse(store.json) as FakeState;
  try {
    return fn(state);
  } finally {
    store.json = JSON.stringify(state);
  }
}

// ---- what the charts and the Gateway API release install -------------------------------------------------
const GATEWAY_API_CRDS: [string, string, string][] = [
  ['gatewayclasses', 'gateway.networking.k8s.io', 'GatewayClass'],
  ['gateways', 'gateway.networking.k8s.io', 'Gateway'],
  ['httproutes', 'gateway.networking.k8s.io', 'HTTPRoute'],
  ['grpcroutes', 'gateway.networking.k8s.io', 'GRPCRoute'],
  ['referencegrants', 'gateway.networking.k8s.io', 'ReferenceGrant'],
  ['backendtlspolicies', 'gateway.networking.k8s.io', 'BackendTLSPolicy'],
  ['tcproutes', 'gateway.networking.k8s.io', 'TCPRoute'],
  ['tlsroutes', 'gateway.networking.k8s.io', 'TLSRoute'],
  ['udproutes', 'gateway.networking.k8s.io', 'UDPRoute'],
  ['xbackendtrafficpolicies', 'gateway.networking.x-k8s.io', 'XBackendTrafficPolicy'],
  ['xlistenersets', 'gateway.networking.x-k8s.io', 'XListenerSet'],
  ['xmeshes', 'gateway.networking.x-k8s.io', 'XMesh'],
];
/**
 * What a chart installs: CRDs as [plural, group, kind] (kept on uninstall with keepCrds), workloads as [kind, name,
 * priority class], GatewayClasses by name.
 */
interface ChartEffects {
  keepCrds?: boolean;
  crds?: [string, string, string][];
  workloads?: ([string, string] | [string, string, string])[];
  classes?: string[];
}
const CHARTS: Record<string, ChartEffects> = {
  // istio 1.30.3 base: templates/crds.yaml renders files/crd-all.gen.yaml, each CRD with helm.sh/resource-policy: keep.
  base: {
    keepCrds: true,
    crds: [
      ['trafficextensions', 'extensions.istio.io', 'TrafficExtension'],
      ['wasmplugins', 'extensions.istio.io', 'WasmPlugin'],
      ['destinationrules', 'networking.istio.io', 'DestinationRule'],
      ['envoyfilters', 'networking.istio.io', 'EnvoyFilter'],
      ['gateways', 'networking.istio.io', 'Gateway'],
      ['proxyconfigs', 'networking.istio.io', 'ProxyConfig'],
      ['serviceentries', 'networking.istio.io', 'ServiceEntry'],
      ['sidecars', 'networking.istio.io', 'Sidecar'],
      ['virtualservices', 'networking.istio.io', 'VirtualService'],
      ['workloadentries', 'networking.istio.io', 'WorkloadEntry'],
      ['workloadgroups', 'networking.istio.io', 'WorkloadGroup'],
      ['authorizationpolicies', 'security.istio.io', 'AuthorizationPolicy'],
      ['peerauthentications', 'security.istio.io', 'PeerAuthentication'],
      ['requestauthentications', 'security.istio.io', 'RequestAuthentication'],
      ['telemetries', 'telemetry.istio.io', 'Telemetry'],
    ],
  },
  istiod: { workloads: [['Deployment', 'istiod']] },
  // Both DaemonSets run at priority class system-node-critical (istio/istio 1.30.3 templates/daemonset.yaml).
  cni: { workloads: [['DaemonSet', 'istio-cni-node', 'system-node-critical']] },
  ztunnel: { workloads: [['DaemonSet', 'ztunnel', 'system-node-critical']] },
  'agentgateway-crds': {
    crds: [
      ['agentgatewaypolicies', 'agentgateway.dev', 'AgentgatewayPolicy'],
      ['agentgatewaybackends', 'agentgateway.dev', 'AgentgatewayBackend'],
      ['agentgatewayparameters', 'agentgateway.dev', 'AgentgatewayParameters'],
    ],
  },
  agentgateway: { workloads: [['Deployment', 'agentgateway']], classes: ['agentgateway'] },
  'enterprise-agentgateway-crds': {
    crds: [
      ['enterpriseagentgatewayparameters', 'enterpriseagentgateway.solo.io', 'EnterpriseAgentgatewayParameters'],
      ['enterpriseagentgatewaypolicies', 'enterpriseagentgateway.solo.io', 'EnterpriseAgentgatewayPolicy'],
      ['agentgatewaypolicies', 'agentgateway.dev', 'AgentgatewayPolicy'],
      ['agentgatewaybackends', 'agentgateway.dev', 'AgentgatewayBackend'],
      ['agentgatewayparameters', 'agentgateway.dev', 'AgentgatewayParameters'],
    ],
  },
  'enterprise-agentgateway': { workloads: [['Deployment', 'enterprise-agentgateway']] },
  'gloo-gateway-crds': {
    crds: [
      ['gatewayparameters', 'gateway.kgateway.dev', 'GatewayParameters'],
      ['agentgatewaypolicies', 'gateway.kgateway.dev', 'AgentgatewayPolicy'],
    ],
  },
  'gloo-gateway': { workloads: [['Deployment', 'gloo-gateway']] },
};
const CORE: Record<string, string> = {
  Namespace: 'v1',
  ConfigMap: 'v1',
  Secret: 'v1',
  Service: 'v1',
  ServiceAccount: 'v1',
  ResourceQuota: 'v1',
  Deployment: 'apps/v1',
  DaemonSet: 'apps/v1',
  NetworkPolicy: 'networking.k8s.io/v1',
  Role: 'rbac.authorization.k8s.io/v1',
  RoleBinding: 'rbac.authorization.k8s.io/v1',
};
const CLUSTER_SCOPED = new Set(['Namespace', 'GatewayClass', 'CustomResourceDefinition']);
const BASE_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

// ---- helpers ---------------------------------------------------------------------------------------------
/** A flag's value, removed from args; as in the real programs, nothing after `--` is a flag of theirs. */
function take(args: string[], ...names: string[]): string | undefined {
  const end = args.includes('--') ? args.indexOf('--') : args.length;
  for (const name of names) {
    const i = args.indexOf(name);
    if (i >= 0 && i < end) {
      const v = args[i + 1];
      args.splice(i, 2);
      return v;
    }
    const eq = args.findIndex((a) => a.startsWith(`${name}=`));
    if (eq >= 0 && eq < end) {
      const v = (args[eq] ?? '').slice(name.length + 1);
      args.splice(eq, 1);
      return v;
    }
  }
  return undefined;
}
const flag = (args: string[], name: string): boolean => {
  const i = args.indexOf(name);
  if (i >= 0) {
    args.splice(i, 1);
    return true;
  }
  return false;
};
const objKey = (kind: string, ns: string | undefined, name: unknown) => `${kind}|${ns ?? ''}|${name}`;

/** A kubeconfig file's content (or anything else YAML there holds). */
const readYaml = (file: string): unknown => parse(readFileSync(file, 'utf8'));

function writeKubeconfig(file: string, context: string, server: string): void {
  const cfg = existsSync(file) ? rec(readYaml(file) ?? {}) : {};
  cfg['apiVersion'] = 'v1';
  cfg['kind'] = 'Config';
  const put = (list: unknown, entry: Json) => [
    ...arr(list ?? []).filter((e) => rec(e)['name'] !== entry['name']),
    entry,
  ];
  // kind and gcloud embed the cluster's CA (kind's kubeconfig and GKE's get-credentials entry alike).
  const ca = Buffer.from(`fake CA of ${server}\n`).toString('base64');
  cfg['clusters'] = put(cfg['clusters'], { name: context, cluster: { server, 'certificate-authority-data': ca } });
  cfg['users'] = put(cfg['users'], { name: context, user: { token: 'fake-token' } });
  cfg['contexts'] = put(cfg['contexts'], { name: context, context: { cluster: context, user: context } });
  cfg['current-context'] = context;
  mkdirSync(resolve(file, '..'), { recursive: true });
  writeFileSync(file, stringify(cfg));
}

function removeContext(file: string | undefined, context: string): void {
  if (!file || !existsSync(file)) return;
  const cfg = rec(readYaml(file) ?? {});
  for (const key of ['clusters', 'users', 'contexts'])
    cfg[key] = arr(cfg[key] ?? []).filter((e) => rec(e)['name'] !== context);
  // gcloud clears current-context when it pointed at the removed entry.
  if (cfg['current-context'] === context) cfg['current-context'] = '';
  writeFileSync(file, stringify(cfg));
}

/** The kubeconfig gcloud writes: the first path of KUBECONFIG, else HOME/.kube/config (gcloud reference, get-credentials). */
function gcloudKubeconfig(ctx: Ctx): string {
  const first = (ctx.kubeconfigEnv ?? '').split(':').find(Boolean);
  if (first) return resolve(ctx.cwd ?? '.', first);
  if (!ctx.home) throw new Fail('ERROR: (gcloud) could not find a home directory for the kubeconfig');
  return join(ctx.home, '.kube', 'config');
}

/**
 * Whether the cluster enforces NetworkPolicy. kind: kindnetd enforces it since kind v0.24.0
 * (kubernetes-sigs/kind images/kindnetd/cmd/kindnetd/main.go@v0.32.0, kube-network-policies). GKE Standard:
 * only with Dataplane V2 (networkConfig.datapathProvider ADVANCED_DATAPATH) or the network policy add-on
 * (networkPolicy.enabled with addonsConfig.networkPolicyConfig not disabled).
 */
export function enforcesNetworkPolicy(cluster: FakeCluster): boolean {
  if (cluster.platform === 'kind') return cluster.cni !== 'none';
  if (cluster.networkConfig?.datapathProvider === 'ADVANCED_DATAPATH') return true;
  return cluster.networkPolicy?.enabled === true && cluster.addonsConfig?.networkPolicyConfig?.disabled !== true;
}

/** The cluster a kube call targets: --kubeconfig and --context are required, as egress-lab promises. */
function targetCluster(
  state: FakeState,
  kubeconfig: string | undefined,
  context: string | undefined,
  bin: string,
): FakeCluster {
  if (!kubeconfig)
    throw new Fail(
      `fake ${bin}: called without --kubeconfig (egress-lab must never fall back to the user's KUBECONFIG)`,
    );
  if (!context) throw new Fail(`fake ${bin}: called without a context flag`);
  if (!existsSync(kubeconfig)) throw new Fail(`error: stat ${kubeconfig}: no such file or directory`);
  const cfg = rec(readYaml(kubeconfig));
  const ctx = recs(cfg['contexts']).find((c) => c['name'] === context);
  if (!ctx) throw new Fail(`error: context "${context}" does not exist`);
  const clusterName = at(ctx, 'context', 'cluster');
  const server = at(
    recs(cfg['clusters']).find((c) => c['name'] === clusterName),
    'cluster',
    'server',
  );
  const found = Object.values(state.clusters).find((c) => c.server === server);
  if (!found) throw new Fail(`Unable to connect to the server: dial tcp ${server}: connect: connection refused`);
  return found;
}

function newCluster(
  state: FakeState,
  platform: FakeCluster['platform'],
  extra: Partial<FakeCluster> = {},
): FakeCluster {
  const port = (state.nextPort ?? 40000) + 1;
  state.nextPort = port;
  const uid = `${port.toString(16)}-${Math.random().toString(16).slice(2, 10)}`;
  return {
    platform,
    server: `https://127.0.0.1:${port}`,
    uid,
    crds: {},
    objects: {},
    releases: {},
    namespaces: [...BASE_NAMESPACES],
    ...extra,
  };
}

function kindKnown(cluster: FakeCluster, apiVersion: string, kind: string): boolean {
  if (CORE[kind] === apiVersion) return true;
  const group = groupOf(apiVersion);
  return Object.values(cluster.crds).some((c) => c.group === group && c.kind === kind);
}

// ---- server-side apply: field managers (kubernetes.io/docs/reference/using-api/server-side-apply) ----------
// Each object keeps metadata.managedFields: [{ manager, operation, fields }], fields as JSON-encoded key paths.
// An apply by one manager conflicts on a field another manager owns with a different value (409, unless
// --force-conflicts); fields equal in value are shared; a field the applier owned before, no longer applies and
// nobody else owns is removed. Lists are treated as atomic leaves.
const isMap = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
/** A field path's keys: the fakes encode each path as a JSON list of strings (leafPaths). */
const keysOf = (path: string) => JSON.parse(path) as string[];
const IDENTITY = new Set(['["apiVersion"]', '["kind"]', '["metadata","name"]', '["metadata","namespace"]']);
function leafPaths(obj: Json, prefix: string[] = []): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [k, v] of Object.entries(obj ?? {})) {
    const path = [...prefix, k];
    if (prefix.length === 0 && ['status', 'ownedBy'].includes(k)) continue;
    if (prefix.length === 1 && prefix[0] === 'metadata' && ['managedFields', 'uid', 'resourceVersion'].includes(k))
      continue;
    if (isMap(v) && Object.keys(v).length > 0) out.push(...leafPaths(v, path));
    else if (!IDENTITY.has(JSON.stringify(path))) out.push([JSON.stringify(path), v]);
  }
  return out;
}
const getPath = (obj: unknown, path: string) =>
  keysOf(path).reduce<unknown>((o, k) => (isMap(o) ? o[k] : undefined), obj);
function setPath(obj: Json, path: string, value: unknown): void {
  const keys = keysOf(path);
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    const next = o[k];
    if (isMap(next)) o = next;
    else {
      const made: Json = {};
      o[k] = made;
      o = made;
    }
  }
  o[String(keys.at(-1))] = structuredClone(value);
}
function unsetPath(obj: Json, path: string): void {
  const keys = keysOf(path);
  const chain: unknown[] = [obj];
  for (const k of keys.slice(0, -1)) chain.push(at(chain.at(-1), k));
  const last = chain.at(-1);
  if (!isMap(last)) return;
  delete last[String(keys.at(-1))];
  for (let i = chain.length - 1; i > 0; i--) {
    const c = chain[i];
    const parent = chain[i - 1];
    if (isMap(c) && Object.keys(c).length === 0 && typeof parent === 'object' && parent !== null)
      Reflect.deleteProperty(parent, String(keys[i - 1]));
  }
}
const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const showPath = (path: string) => `.${keysOf(path).join('.')}`;

/** The object after `manager` applies `applied` onto `existing` (undefined: a new object); throws on conflicts. */
function serverSideApply(
  existing: K8sObject | undefined,
  applied: K8sObject,
  manager: string,
  force: boolean,
): K8sObject {
  const fields = leafPaths(applied);
  const managed = existing?.metadata?.managedFields ?? [];
  const conflicts: { manager: string; path: string }[] = [];
  for (const [path, value] of fields)
    for (const m of managed)
      if (m.manager !== manager && m.fields.includes(path) && !sameValue(getPath(existing, path), value))
        conflicts.push({ manager: m.manager, path });
  if (conflicts.length > 0 && !force) {
    const list = conflicts.map((c) => `conflict with "${c.manager}" using ${applied.apiVersion}: ${showPath(c.path)}`);
    throw new Fail(
      `error: Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? 's' : ''}: ${list.join('\n')}\nPlease review the fields above--they currently have other managers.`,
    );
  }
  const result: K8sObject = existing
    ? structuredClone(existing)
    : { apiVersion: applied.apiVersion, kind: applied.kind, metadata: { name: applied.metadata.name } };
  if (!existing && applied.metadata.namespace) result.metadata.namespace = applied.metadata.namespace;
  const paths = fields.map(([p]) => p);
  const others = managed
    .filter((m) => m.manager !== manager)
    .map((m) => ({ ...m, fields: force ? m.fields.filter((p) => !conflicts.some((c) => c.path === p)) : m.fields }))
    .filter((m) => m.fields.length > 0);
  const mine = managed.find((m) => m.manager === manager)?.fields ?? [];
  for (const p of mine) if (!paths.includes(p) && !others.some((m) => m.fields.includes(p))) unsetPath(result, p);
  for (const [p, v] of fields) setPath(result, p, v);
  const entry =
    paths.length > 0 ? [{ manager, operation: 'Apply', apiVersion: applied.apiVersion, fields: paths }] : [];
  result.metadata.managedFields = [...others, ...entry];
  return result;
}

// ---- programs --------------------------------------------------------------------------------------------
function docker(state: FakeState, args: string[]): string {
  if (!state.docker)
    throw new Fail('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?');
  state.images ??= [];
  const have = state.images;
  if (args[0] === 'info') return '28.2.2\n';
  if (args[0] === 'image' && args[1] === 'inspect') {
    take(args, '--format');
    const images = args.slice(2);
    const missing = images.find((i) => !have.includes(i));
    if (missing) throw new Fail(`Error response from daemon: No such image: ${missing}`);
    return images.map((i) => `sha256:${Buffer.from(i).toString('hex').slice(0, 24)}\n`).join('');
  }
  if (args[0] === 'load') {
    // docker load -i ARCHIVE: the images of a docker save archive (here its list of references) are in Docker.
    // A loaded image is registered by name and tag only: its registry digest is lost (moby/moby#22011).
    const images = archiveImages(take(args, '-i', '--input')!).map((i) => i.replace(/@sha256:[0-9a-f]{64}$/, ''));
    state.images = [...new Set([...have, ...images])];
    return images.map((i) => `Loaded image: ${i}\n`).join('');
  }
  if (args[0] === 'pull') {
    const image = args.at(-1) ?? '';
    if (!take(args, '--platform')) throw new Fail('fake docker: pull without --platform');
    offlineCheck(state, `Error response from daemon: Get "https://${image.split('/')[0]}/v2/"`);
    if ((state.unpullable ?? []).includes(image))
      throw new Fail(`Error response from daemon: manifest for ${image} not found: manifest unknown`);
    have.push(image);
    state.pulled = [...(state.pulled ?? []), image];
    return `${image.split(':').at(-1)}: Pulling from ${image}\nStatus: Downloaded newer image for ${image}\n`;
  }
  if (args[0] === 'save') {
    if (!take(args, '--platform'))
      throw new Fail('fake docker: save without --platform (kind load would hit the containerd image store problem)');
    const out = take(args, '-o');
    const images = args.slice(1);
    for (const image of images)
      if (!have.includes(image)) throw new Fail(`Error response from daemon: reference does not exist: ${image}`);
    writeFileSync(out!, JSON.stringify(images));
    return '';
  }
  if (args[0] === 'image' && args[1] === 'rm') {
    state.images = have.filter((i) => i !== args[2]);
    return `Untagged: ${args[2]}\n`;
  }
  throw new Fail(`fake docker: unsupported ${args.join(' ')}`);
}

function kind(state: FakeState, args: string[], ctx: Ctx): string {
  if (args[0] === 'version') return 'kind v0.33.0 go1.24.6 linux/amd64\n';
  const name = take(args, '--name') ?? 'kind';
  const kubeconfig = take(args, '--kubeconfig');
  if (args[0] === 'get' && args[1] === 'clusters')
    return Object.entries(state.clusters)
      .filter(([, c]) => c.platform === 'kind')
      .map(([n]) => `${n}\n`)
      .join('');
  if (args[0] === 'create' && args[1] === 'cluster') {
    if (!state.docker) throw new Fail('ERROR: failed to create cluster: failed to get docker info');
    const config = take(args, '--config');
    const cfg = rec(readYaml(resolve(ctx.cwd, config!)));
    if (cfg['kind'] !== 'Cluster' || cfg['apiVersion'] !== 'kind.x-k8s.io/v1alpha4')
      throw new Fail('ERROR: failed to create cluster: invalid config');
    if (state.clusters[name])
      throw new Fail(`ERROR: failed to create cluster: node(s) already exist for a cluster with the name "${name}"`);
    // kind pulls a node image Docker does not have before it creates the nodes (kind pkg/cluster/internal/
    // providers/docker/images.go ensureNodeImages); without a network that fails.
    const nodes = arr(cfg['nodes']);
    for (const image of new Set(strs(nodes.map((n) => rec(n)['image'])).filter(Boolean))) {
      if ((state.images ?? []).includes(image)) continue;
      if (state.offline) throw new Fail(`ERROR: failed to create cluster: failed to pull image "${image}"`);
      state.images = [...(state.images ?? []), image];
    }
    // Without disableDefaultCNI kind runs kindnetd, which enforces NetworkPolicy.
    const cni = at(cfg, 'networking', 'disableDefaultCNI') ? 'none' : 'kindnet';
    const cluster = newCluster(state, 'kind', { nodes: nodes.length, cni });
    state.clusters[name] = cluster;
    writeKubeconfig(kubeconfig!, `kind-${name}`, cluster.server);
    return `Creating cluster "${name}" ...\n`;
  }
  if (args[0] === 'get' && args[1] === 'kubeconfig') {
    // kind v0.32.0 pkg/cmd/kind/get/kubeconfig: prints the cluster's kubeconfig (context kind-NAME).
    const cluster = state.clusters[name];
    if (cluster?.platform !== 'kind')
      throw new Fail(`ERROR: could not locate any control plane nodes for cluster named '${name}'`);
    const context = `kind-${name}`;
    return `${stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: context, cluster: { server: cluster.server } }],
      contexts: [{ name: context, context: { cluster: context, user: context } }],
      'current-context': context,
      users: [{ name: context, user: { token: 'fake-token' } }],
    })}\n`;
  }
  if (args[0] === 'export' && args[1] === 'kubeconfig') {
    const cluster = state.clusters[name];
    if (!cluster) throw new Fail(`ERROR: could not locate any control plane nodes for cluster named '${name}'`);
    writeKubeconfig(kubeconfig!, `kind-${name}`, cluster.server);
    return '';
  }
  if (args[0] === 'load' && args[1] === 'image-archive') {
    const cluster = state.clusters[name];
    if (!cluster) throw new Fail(`ERROR: no nodes found for cluster "${name}"`);
    const images = archiveImages(args[2]!);
    cluster.images = [...new Set([...(cluster.images ?? []), ...images])];
    return '';
  }
  if (args[0] === 'delete' && args[1] === 'cluster') {
    delete state.clusters[name];
    removeContext(kubeconfig, `kind-${name}`);
    return `Deleting cluster "${name}" ...\n`;
  }
  throw new Fail(`fake kind: unsupported ${args.join(' ')}`);
}

/** The image references of an archive the fake docker save wrote (its own JSON list). */
const archiveImages = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as string[];

// What gcloud 528 prints with no active account (google-cloud-sdk, run here with an empty CLOUDSDK_CONFIG).
const noAccount = (command: string) =>
  new Fail(`ERROR: (gcloud.${command}) You do not currently have an active account selected.
Please run:

  $ gcloud auth login

to obtain new credentials.

If you have already logged in with a different account, run:

  $ gcloud config set account ACCOUNT

to select an already authenticated account to use.`);

/** The account, project and enabled APIs of the fake gcloud (state.gcloud; a logged-in user by default). */
const gcloudConfig = (state: FakeState): GcloudConfig & { disabledApis: string[]; projects: string[] } => ({
  account: 'dev@example.com',
  project: undefined,
  disabledApis: [],
  projects: ['my-proj', 'demo-project-7'],
  ...(state.gcloud ?? {}),
});

function gcloudAccountCommands(state: FakeState, args: string[]): string | undefined {
  const cfg = gcloudConfig(state);
  if (args[0] === 'auth' && args[1] === 'list') {
    const filter = take(args, '--filter');
    const format = take(args, '--format');
    if (filter !== 'status:ACTIVE' || format !== 'value(account)')
      throw new Fail(`fake gcloud: unsupported auth list ${filter} ${format}`);
    return cfg.account ? `${cfg.account}\n` : '';
  }
  if (args[0] === 'config' && args[1] === 'get-value' && args[2] === 'project')
    return cfg.project ? `${cfg.project}\n` : '';
  if (!cfg.account) throw noAccount(`${args[0]}.${args[1]}.${args[2] ?? ''}`.replace(/\.$/, ''));
  if (args[0] === 'projects' && args[1] === 'describe') {
    take(args, '--format');
    // googlecloudsdk/api_lib/util/exceptions.py: a 403 reads "[ACCOUNT] does not have permission to access … (or it may not exist)".
    if (!cfg.projects.includes(args[2] ?? ''))
      throw new Fail(
        `ERROR: (gcloud.projects.describe) [${cfg.account}] does not have permission to access projects instance [${args[2]}] (or it may not exist): The caller does not have permission. This command is authenticated as ${cfg.account} which is the active account specified by the [core/account] property`,
      );
    return `${args[2]}\n`;
  }
  if (args[0] === 'services' && args[1] === 'list') {
    const project = take(args, '--project');
    const filter = take(args, '--filter')?.replace(/^config\.name=/, '');
    flag(args, '--enabled');
    take(args, '--format');
    const enabled = ['compute.googleapis.com', 'container.googleapis.com'].filter((a) => !cfg.disabledApis.includes(a));
    if (!project) throw new Fail('fake gcloud: services list without --project reads the default project');
    return enabled
      .filter((a) => !filter || a === filter)
      .map((a) => `${a}\n`)
      .join('');
  }
  return undefined;
}

function gkeAuthPlugin(_state: FakeState, args: string[]): string {
  // Not installed is no answer at all: a test removes bin/gke-gcloud-auth-plugin, as for helm or kind.
  if (args[0] === '--version') return 'Kubernetes v1.30.0+03fcd0f8cb9eac57e97a3ed59c702bad8c73be81\n';
  throw new Fail(`fake gke-gcloud-auth-plugin: unsupported ${args.join(' ')}`);
}

function gcloud(state: FakeState, args: string[], ctx: Ctx): string {
  if (args[0] === '--version') return 'Google Cloud SDK 530.0.0\n';
  if (!flag(args, '--quiet')) throw new Fail('fake gcloud: called without --quiet (a prompt would hang)');
  const answered = gcloudAccountCommands(state, args);
  if (answered !== undefined) return answered;
  const project = take(args, '--project');
  const location = take(args, '--location');
  if (args[0] !== 'container' || args[1] !== 'clusters') throw new Fail(`fake gcloud: unsupported ${args.join(' ')}`);
  const verb = args[2];
  const name = args[3];
  const key = `gke/${project}/${location}/${name}`;
  if (gcloudConfig(state).disabledApis.includes('container.googleapis.com'))
    throw new Fail(
      `ERROR: (gcloud.container.clusters.${verb}) ResponseError: code=403, message=Kubernetes Engine API has not been used in project ${project} before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/container.googleapis.com/overview?project=${project} then retry.`,
    );
  if (verb === 'list') {
    const filter = take(args, '--filter')?.replace(/^name=/, '');
    const format = take(args, '--format');
    const listed = Object.values(state.clusters).filter(
      (c) => c.platform === 'gke' && c.project === project && (!filter || c.name === filter),
    );
    // `--format json`: the clusters as the GKE API's Cluster resources (name, location, resourceLabels …).
    if (format === 'json')
      return `${JSON.stringify(
        listed.map((c) => ({
          name: c.name,
          location: c.location,
          status: 'RUNNING',
          ...(c.resourceLabels ? { resourceLabels: c.resourceLabels } : {}),
        })),
        null,
        2,
      )}\n`;
    return listed
      .map((c) => (format === 'value(name,location)' ? `${c.name}\t${c.location}\n` : `${c.name}\n`))
      .join('');
  }
  if (verb === 'create') {
    if (state.clusters[key])
      throw new Fail(
        `ERROR: (gcloud.container.clusters.create) ResponseError: code=409, message=Already exists: projects/${project}/locations/${location}/clusters/${name}.`,
      );
    const dataplaneV2 = flag(args, '--enable-dataplane-v2');
    // --labels KEY=VALUE,…: the cluster's resource labels (GKE API Cluster.resourceLabels).
    const labels = take(args, '--labels');
    const resourceLabels = labels
      ? Object.fromEntries(labels.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]))
      : undefined;
    const networkPolicy = flag(args, '--enable-network-policy');
    const cluster = newCluster(state, 'gke', {
      name,
      project,
      location,
      createdBy: 'gcloud create',
      ...(resourceLabels ? { resourceLabels } : {}),
      networkConfig: { datapathProvider: dataplaneV2 ? 'ADVANCED_DATAPATH' : 'LEGACY_DATAPATH' },
      ...(networkPolicy
        ? { networkPolicy: { enabled: true, provider: 'CALICO' }, addonsConfig: { networkPolicyConfig: {} } }
        : { addonsConfig: { networkPolicyConfig: { disabled: true } } }),
    });
    state.clusters[key] = cluster;
    // Like gcloud: the new cluster's entry goes into the kubeconfig and becomes its current-context.
    writeKubeconfig(gcloudKubeconfig(ctx), `gke_${project}_${location}_${name}`, cluster.server);
    return `Creating cluster ${name} in ${location}...done.\nkubeconfig entry generated for ${name}.\n`;
  }
  if (verb === 'get-credentials') {
    const cluster = state.clusters[key];
    if (!cluster)
      throw new Fail(
        `ERROR: (gcloud.container.clusters.get-credentials) ResponseError: code=404, message=Not found: projects/${project}/locations/${location}/clusters/${name}.`,
      );
    writeKubeconfig(gcloudKubeconfig(ctx), `gke_${project}_${location}_${name}`, cluster.server);
    return 'Fetching cluster endpoint and auth data.\nkubeconfig entry generated.\n';
  }
  if (verb === 'delete') {
    if (!state.clusters[key])
      throw new Fail(`ERROR: (gcloud.container.clusters.delete) ResponseError: code=404, message=Not found`);
    delete state.clusters[key];
    removeContext(gcloudKubeconfig(ctx), `gke_${project}_${location}_${name}`);
    return `Deleting cluster ${name}...done.\n`;
  }
  if (verb === 'describe') {
    const c = state.clusters[key];
    if (!c)
      throw new Fail(
        `ERROR: (gcloud.container.clusters.describe) ResponseError: code=404, message=Not found: projects/${project}/locations/${location}/clusters/${name}.`,
      );
    // gcloud's --format projections: `value(name)` prints the bare field, `json` the whole resource.
    const format = take(args, '--format');
    if (format === 'value(name)') return `${name}\n`;
    if (format !== 'json') throw new Fail('fake gcloud: describe is emulated with --format json or value(name) only');
    const { networkConfig = {}, networkPolicy, addonsConfig = {} } = c;
    return `${JSON.stringify({ name, location, status: 'RUNNING', networkConfig, ...(networkPolicy ? { networkPolicy } : {}), addonsConfig }, null, 2)}\n`;
  }
  throw new Fail(`fake gcloud: unsupported ${args.join(' ')}`);
}

/** helm uninstall: what the release made goes, except resources annotated helm.sh/resource-policy: keep (helm v3.17.3 pkg/action/resource_policy.go). */
function removeRelease(cluster: FakeCluster, id: string): string[] {
  const rel = cluster.releases[id];
  if (!rel) return [];
  const effects = CHARTS[rel.chartName ?? ''] ?? {};
  const kept: string[] = [];
  for (const [n, c] of Object.entries(cluster.crds)) {
    if (c.release !== id) continue;
    if (c.object?.metadata?.annotations?.['helm.sh/resource-policy'] === 'keep') kept.push(n);
    else delete cluster.crds[n];
  }
  for (const [kind, name] of effects.workloads ?? []) delete cluster.objects[objKey(kind, rel.namespace, name)];
  for (const cls of effects.classes ?? []) delete cluster.objects[objKey('GatewayClass', '', cls)];
  delete cluster.releases[id];
  return kept;
}

/** A CRD as helm installs it from a chart's templates: helm's ownership label and annotations. */
function helmCrd(
  plural: string,
  group: string,
  kind: string,
  name: string,
  namespace: string,
  keep: boolean | undefined,
): K8sObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${plural}.${group}`,
      labels: { 'app.kubernetes.io/managed-by': 'Helm' },
      annotations: {
        'meta.helm.sh/release-name': name,
        'meta.helm.sh/release-namespace': namespace,
        ...(keep ? { 'helm.sh/resource-policy': 'keep' } : {}),
      },
      managedFields: [{ manager: 'helm', operation: 'Update', fields: [] }],
    },
    spec: { group, names: { kind, plural }, scope: 'Namespaced' },
  };
}

/** helm install refuses a resource that exists without its ownership metadata (helm v3.17.3 pkg/action/validate.go). */
function checkOwnership(cluster: FakeCluster, effects: ChartEffects, name: string, namespace: string): void {
  for (const [plural, group] of effects.crds ?? []) {
    const crd = cluster.crds[`${plural}.${group}`];
    if (!crd) continue;
    const labels = crd.object?.metadata?.labels ?? {};
    const annos = crd.object?.metadata?.annotations ?? {};
    const need = (map: Record<string, string>, k: string, v: string) =>
      map[k] === undefined
        ? `missing key "${k}": must be set to "${v}"`
        : map[k] !== v
          ? `key "${k}" must equal "${v}": current value is "${map[k]}"`
          : undefined;
    const errs = [
      ['label', need(labels, 'app.kubernetes.io/managed-by', 'Helm')],
      ['annotation', need(annos, 'meta.helm.sh/release-name', name)],
      ['annotation', need(annos, 'meta.helm.sh/release-namespace', namespace)],
    ].filter(([, e]) => e);
    if (errs.length)
      throw new Fail(
        `Error: Unable to continue with install: CustomResourceDefinition "${plural}.${group}" in namespace "" exists and cannot be imported into the current release: invalid ownership metadata${errs.map(([w, e]) => `; ${w} validation error: ${e}`).join('')}`,
      );
  }
}

/** With state.offline, every fetch from the internet fails as a program without a network does. */
function offlineCheck(state: FakeState, message: string): void {
  if (state.offline) throw new Fail(`${message}: dial tcp: lookup: no such host`);
}

/**
 * `helm pull CHART [--repo URL] --version V --destination DIR` (helm v3 pkg/action/pull.go): writes the chart
 * archive DIR/NAME-VERSION.tgz, NAME being the chart's own name.
 */
function helmPull(state: FakeState, args: string[], ctx: Ctx): string {
  const chart = args[1]!;
  const repo = take(args, '--repo');
  const version = take(args, '--version');
  const dest = take(args, '--destination', '-d') ?? '.';
  offlineCheck(state, `Error: looks like "${repo ?? chart}" is not a valid chart repository or cannot be reached`);
  const name = chart.split('/').at(-1) ?? '';
  if (!CHARTS[name])
    throw new Fail(`Error: chart "${chart}" version "${version}" not found${repo ? ` in ${repo}` : ''}`);
  writeFileSync(resolve(ctx.cwd ?? '.', dest, `${name}-${version}.tgz`), JSON.stringify({ chart: name, version }));
  return '';
}

/**
 * `curl -fsSL -o FILE URL` on the host (egress-lab bundle fetches the Gateway API CRDs with it): only the
 * Gateway API release file is served; offline, curl cannot resolve the host (exit 6).
 */
function curl(state: FakeState, args: string[], ctx: Ctx): string {
  const out = take(args, '-o');
  const url = args.find((a) => a.startsWith('https://'));
  if (!out || !url) throw new Fail(`fake curl: unsupported ${args.join(' ')}`);
  if (state.offline) throw new Fail(`curl: (6) Could not resolve host: ${new URL(url).hostname}`, 6);
  const release = url.match(
    /^https:\/\/github\.com\/kubernetes-sigs\/gateway-api\/releases\/download\/(v[\d.]+)\/experimental-install\.yaml$/,
  );
  if (!release) throw new Fail(`curl: (22) The requested URL returned error: 404`, 22);
  writeFileSync(
    resolve(ctx.cwd ?? '.', out),
    gatewayApiCrds(release[1] ?? '')
      .map((d) => stringify(d))
      .join('---\n'),
  );
  return '';
}

function helm(state: FakeState, args: string[], ctx: Ctx): string {
  // A helm built against Kubernetes 1.35 (k8s.io/client-go v0.35.0 in helm/helm go.mod@v3.20.0).
  if (args[0] === 'version') return `${state.versions?.helm ?? 'v3.20.0'}\n`;
  if (args[0] === 'pull') return helmPull(state, args, ctx);
  const kubeconfig = take(args, '--kubeconfig');
  const context = take(args, '--kube-context');
  const cluster = targetCluster(state, kubeconfig, context, 'helm');
  const namespace = take(args, '--namespace', '-n') ?? 'default';
  if (args[0] === 'upgrade' && args[1] === '--install') {
    const name = args[2]!;
    const chart = args[3]!;
    const version = take(args, '--version');
    const repo = take(args, '--repo');
    const values = take(args, '--values', '-f');
    if (values !== '-') throw new Fail('fake helm: values must come on stdin (--values -)');
    if (!version) throw new Fail('fake helm: no --version (charts must be pinned)');
    const parsedValues: unknown = parse(ctx.stdin ?? '') ?? {};
    const local = !repo && !chart.startsWith('oci://');
    if (!local)
      offlineCheck(state, `Error: looks like "${repo ?? chart}" is not a valid chart repository or cannot be reached`);
    // A local chart archive (helm pull's NAME-VERSION.tgz): helm reads it from disk and needs no repository.
    if (local && !existsSync(resolve(ctx.cwd ?? '.', chart))) throw new Fail(`Error: path "${chart}" not found`);
    const chartName = local
      ? (chart.split('/').at(-1) ?? '').replace(/-[^-]+\.tgz$/, '')
      : (chart.split('/').at(-1) ?? '');
    const effects = CHARTS[chartName];
    if (!effects) throw new Fail(`Error: chart "${chart}" not found${repo ? ` in ${repo}` : ''}`);
    if (!cluster.namespaces.includes(namespace)) {
      if (!args.includes('--create-namespace'))
        throw new Fail(`Error: create: failed to create: namespaces "${namespace}" not found`);
      cluster.namespaces.push(namespace);
    }
    const id = `${namespace}/${name}`;
    const previous = cluster.releases[id];
    // upgrade --install on a release with history is an upgrade; a pending one is locked (helm v3.17.3
    // cmd/helm/upgrade.go, pkg/action/upgrade.go errPending).
    if (previous && ['pending-install', 'pending-upgrade', 'pending-rollback'].includes(previous.status ?? ''))
      throw new Fail('Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress');
    if (!previous) checkOwnership(cluster, effects, name, namespace);
    for (const [plural, group, kind] of effects.crds ?? [])
      cluster.crds[`${plural}.${group}`] = {
        group,
        kind,
        release: id,
        object: helmCrd(plural, group, kind, name, namespace, effects.keepCrds),
      };
    for (const [kind, wname, priorityClassName] of effects.workloads ?? [])
      cluster.objects[objKey(kind, namespace, wname)] = {
        apiVersion: 'apps/v1',
        kind,
        metadata: { name: wname, namespace },
        spec: { replicas: 1, ...(priorityClassName ? { template: { spec: { priorityClassName } } } : {}) },
        status: { readyReplicas: 1 },
      };
    for (const cls of effects.classes ?? [])
      cluster.objects[objKey('GatewayClass', '', cls)] = {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'GatewayClass',
        metadata: { name: cls },
      };
    const revision = (previous?.revision ?? 0) + 1;
    const history = [...(previous?.history ?? []), ...(previous ? [{ ...previous, history: undefined }] : [])];
    cluster.releases[id] = {
      name,
      namespace,
      chart,
      chartName,
      repo,
      version: version,
      values: parsedValues,
      revision,
      status: 'deployed',
      history,
    };
    return `Release "${name}" has been ${revision > 1 ? 'upgraded' : 'installed'}. Happy Helming!\n`;
  }
  if (args[0] === 'uninstall') {
    const id = `${namespace}/${args[1]}`;
    if (!cluster.releases[id]) throw new Fail(`Error: uninstall: Release not loaded: ${args[1]}: release: not found`);
    const kept = removeRelease(cluster, id);
    const note = kept.length
      ? `These resources were kept due to the resource policy:\n${kept.map((n) => `[CustomResourceDefinition] ${n}\n`).join('')}\n`
      : '';
    return `${note}release "${args[1]}" uninstalled\n`;
  }
  if (args[0] === 'list' || args[0] === 'ls') {
    // helm v3.20.0 (as v3.17.3) cmd/helm/list.go and pkg/action/list.go: the latest revision of each release in
    // the namespace (every namespace with -A), only deployed and failed ones unless --all, sorted by name, at most
    // --max (256; 0 is no limit); -o json is [{name, namespace, revision, updated, status, chart, app_version}].
    const all = flag(args, '--all') || flag(args, '-a');
    const everywhere = flag(args, '--all-namespaces') || flag(args, '-A');
    const max = Number(take(args, '--max', '-m') ?? 256);
    if (take(args, '--output', '-o') !== 'json') throw new Fail('fake helm: list only with -o json');
    const found = Object.values(cluster.releases)
      .filter((r) => everywhere || r.namespace === namespace)
      .filter((r) => all || ['deployed', 'failed'].includes(r.status ?? 'deployed'))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const shown = max > 0 ? found.slice(0, max) : found;
    return `${JSON.stringify(
      shown.map((r) => ({
        name: r.name,
        namespace: r.namespace,
        revision: String(r.revision),
        updated: '-',
        status: r.status ?? 'deployed',
        chart: `${r.chartName}-${r.version}`,
        app_version: '',
      })),
    )}\n`;
  }
  if (args[0] === 'status') {
    const rel = cluster.releases[`${namespace}/${args[1]}`];
    if (!rel) throw new Fail('Error: release: not found');
    return `${JSON.stringify({ name: rel.name, namespace: rel.namespace, info: { status: rel.status ?? 'deployed' }, chart: { metadata: { name: rel.chartName, version: rel.version } }, version: rel.revision })}\n`;
  }
  if (args[0] === 'rollback') {
    // helm v3.17.3 pkg/action/rollback.go: without a revision, the one before the current; it must exist.
    flag(args, '--wait');
    const id = `${namespace}/${args[1]}`;
    const rel = cluster.releases[id];
    if (!rel) throw new Fail('Error: release: not found');
    const target = Number(args[2] ?? Number(rel.revision) - 1);
    const previous = (rel.history ?? []).find((h) => h.revision === target);
    if (!previous) throw new Fail(`Error: release has no ${target} version`);
    cluster.releases[id] = {
      ...previous,
      revision: Number(rel.revision) + 1,
      status: 'deployed',
      history: [...(rel.history ?? []), { ...rel, history: undefined }],
    };
    return 'Rollback was a success! Happy Helming!\n';
  }
  throw new Fail(`fake helm: unsupported ${args.join(' ')}`);
}

/**
 * kubectl apply --server-side of several objects: each one is applied on its own; one that fails does not stop
 * the others, and the errors come at the end (kubectl pkg/cmd/apply/apply.go: errs collected, then aggregated).
 * `cut`: an injected fault that lets the first N objects through, then fails the call (a dropped connection).
 */
/** How kubectl apply applies: its field manager, --force-conflicts, and an injected cut. */
interface ApplyOpts {
  manager: string;
  force: boolean;
  cut: Ctx['cut'];
}

function applyDocs(cluster: FakeCluster, docs: K8sObject[], output: string | undefined, opts: ApplyOpts): string {
  const lines: string[] = [];
  const errors: string[] = [];
  for (const [i, o] of docs.entries()) {
    if (opts.cut && i >= opts.cut.after) {
      errors.push(opts.cut.stderr ?? 'error: the server was unable to return a response in the time allotted');
      break;
    }
    try {
      applyOne(cluster, o, opts);
      const { kind, metadata } = o;
      const ref =
        kind === 'CustomResourceDefinition' ? 'customresourcedefinition.apiextensions.k8s.io' : kind.toLowerCase();
      lines.push(output === 'name' ? `${ref}/${metadata.name}` : `${ref}/${metadata.name} serverside-applied`);
    } catch (e) {
      if (!(e instanceof Fail)) throw e;
      errors.push(e.message);
    }
  }
  const stdout = lines.length ? `${lines.join('\n')}\n` : '';
  if (errors.length) throw new Fail(errors.join('\n'), 1, stdout);
  return stdout;
}

function applyOne(cluster: FakeCluster, o: K8sObject, opts: ApplyOpts): void {
  const { apiVersion, kind } = o;
  const metadata: Partial<ObjectMeta> = o.metadata ?? {};
  if (kind === 'CustomResourceDefinition') {
    const crdName = String(metadata.name);
    const existing = cluster.crds[crdName]?.object;
    const object = serverSideApply(existing, o, opts.manager, opts.force);
    const spec = o.spec!;
    cluster.crds[crdName] = {
      ...cluster.crds[crdName],
      group: String(spec['group']),
      kind: String(rec(spec['names'])['kind']),
      object,
    };
    return;
  }
  if (!kindKnown(cluster, apiVersion, kind))
    throw new Fail(
      `error: resource mapping not found for name: "${metadata.name}" namespace: "${metadata.namespace ?? ''}" from "STDIN": no matches for kind "${kind}" in version "${apiVersion}"\nensure CRDs are installed first`,
    );
  const ns = CLUSTER_SCOPED.has(kind) ? undefined : (metadata.namespace ?? 'default');
  if (ns && !cluster.namespaces.includes(ns))
    throw new Fail(`Error from server (NotFound): error when creating "STDIN": namespaces "${ns}" not found`);
  const key = objKey(kind, ns, metadata.name);
  const existing =
    cluster.objects[key] ??
    (kind === 'Namespace' && cluster.namespaces.includes(String(metadata.name))
      ? { apiVersion: 'v1', kind: 'Namespace', metadata: { name: String(metadata.name) } }
      : undefined);
  const stored = serverSideApply(existing, o, opts.manager, opts.force);
  // Applied: the object has its metadata.
  const name = o.metadata.name;
  // A Secret's stringData is write-only: the API server merges it into data, base64-encoded, and never returns
  // it (Kubernetes API reference, core/v1 Secret: stringData).
  if (kind === 'Secret' && stored.stringData) {
    const data: Record<string, string> = { ...stored.data };
    stored.data = data;
    for (const [k, v] of Object.entries(stored.stringData)) data[k] = Buffer.from(String(v)).toString('base64');
    delete stored.stringData;
  }
  // The API server gives each object it creates a uid of its own; one created again gets a new one.
  if (!existing) stored.metadata.uid = randomUid();
  if (kind === 'Namespace' && !cluster.namespaces.includes(name)) cluster.namespaces.push(name);
  if (kind === 'Deployment') stored.status = { readyReplicas: o.spec?.['replicas'] ?? 1 };
  if (kind === 'Gateway') {
    const classKnown = Boolean(cluster.objects[objKey('GatewayClass', '', o.spec!['gatewayClassName'])]);
    const status: Json = { conditions: [{ type: 'Programmed', status: classKnown ? 'True' : 'Unknown' }] };
    stored.status = status;
    // The controller publishes the address once a proxy runs; istiod only treats the Gateway as a waypoint then.
    if (classKnown) status['addresses'] = [{ type: 'Hostname', value: `${name}.${ns}.svc.cluster.local` }];
    cluster.objects[objKey('Deployment', ns, name)] = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns },
      spec: { replicas: 1 },
      status: { readyReplicas: classKnown ? 1 : 0 },
      ownedBy: 'Gateway',
    };
  }
  cluster.objects[key] = stored;
  rateLimitApplied(cluster, stored);
}

/** The Gateway API release file: its CRDs, as that release ships them (bundle-version and channel annotations). */
/** A CRD object as a release file ships it: the kind it serves. */
export type CrdObject = K8sObject & { spec: { group: string; names: { kind: string; plural: string }; scope: string } };

export function gatewayApiCrds(version: string): CrdObject[] {
  return GATEWAY_API_CRDS.map(([plural, group, kind]) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${plural}.${group}`,
      annotations: {
        'gateway.networking.k8s.io/bundle-version': version,
        'gateway.networking.k8s.io/channel': 'experimental',
      },
    },
    spec: { group, names: { kind, plural }, scope: 'Namespaced' },
  }));
}

/** A CRD as the API server returns it. */
function crdObject(cluster: FakeCluster, name: string): K8sObject | undefined {
  const c = cluster.crds[name];
  if (!c) return undefined;
  return (
    c.object ?? {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name },
      spec: { group: c.group, names: { kind: c.kind } },
    }
  );
}

function deleteObject(cluster: FakeCluster, kind: string, ns: string | undefined, name: string): void {
  // Deleting a CRD deletes every object of its kind.
  const crd = kind === 'CustomResourceDefinition' ? cluster.crds[name] : undefined;
  if (crd) {
    const { group, kind: served } = crd;
    for (const [k, o] of Object.entries(cluster.objects))
      if (o.kind === served && groupOf(o.apiVersion) === group) delete cluster.objects[k];
  }
  if (kind === 'Namespace') {
    cluster.namespaces = cluster.namespaces.filter((n) => n !== name);
    for (const k of Object.keys(cluster.objects)) if (k.split('|')[1] === name) delete cluster.objects[k];
  }
  if (kind === 'Gateway') delete cluster.objects[objKey('Deployment', ns, name)];
  if (kind === 'CustomResourceDefinition') delete cluster.crds[name];
  delete cluster.objects[objKey(kind, ns, name)];
}

/**
 * An object as the API server returns it to any get (by name or with -f, whose builder reads each object live:
 * kubectl pkg/cmd/get/get.go `.Latest()`): the status its controller writes, and a Deployment whose pods the
 * platform does not admit has no ready replica (dataplane.mjs podsAdmitted).
 */
function liveView(cluster: FakeCluster, obj: K8sObject): K8sObject {
  const live = withLiveStatus(cluster, obj);
  if (live.kind !== 'Deployment' || podsAdmitted(cluster, live)) return live;
  return { ...live, status: { ...live.status, readyReplicas: 0 } };
}

function notFound(resource: string | undefined, name: string | undefined): Fail {
  return new Fail(`Error from server (NotFound): ${resource} "${name}" not found`);
}

function findByResource(
  cluster: FakeCluster,
  resource: string | undefined,
  ns: string,
  name: string | undefined,
): K8sObject | undefined {
  const kinds: Record<string, string> = {
    deploy: 'Deployment',
    deployment: 'Deployment',
    'deployment.apps': 'Deployment',
    ds: 'DaemonSet',
    daemonset: 'DaemonSet',
    gateway: 'Gateway',
    'gateway.gateway.networking.k8s.io': 'Gateway',
  };
  const kind = kinds[String(resource)];
  if (kind) return cluster.objects[objKey(kind, ns, name)];
  // `crd` is kubectl's short name for customresourcedefinitions: the same object.
  if (resource === 'crd') return crdObject(cluster, String(name));
  if (resource === 'namespace' || resource === 'ns')
    return name !== undefined && cluster.namespaces.includes(name)
      ? (cluster.objects[objKey('Namespace', '', name)] ?? { apiVersion: 'v1', kind: 'Namespace', metadata: { name } })
      : undefined;
  if (resource === 'customresourcedefinition' || resource === 'customresourcedefinition.apiextensions.k8s.io')
    return crdObject(cluster, String(name));
  return Object.values(cluster.objects).find((o) => {
    const names = [o.kind.toLowerCase(), `${o.kind.toLowerCase()}.${groupOf(o.apiVersion)}`];
    if (!names.includes(String(resource)) || o.metadata.name !== name) return false;
    return CLUSTER_SCOPED.has(o.kind) || (o.metadata.namespace ?? 'default') === ns;
  });
}

// ---- the lab's traffic, emulated for `kubectl exec … curl` and `kubectl logs` ----------------------------
// Knobs (state.scenario): squidDown, squidDenies, squidBypassed (the gateway calls the host directly),
// otherClients (another workload's traffic to the host in the gateway's and Squid's logs), extAuthzDenyAll,
// extAuthzDown (the gateway cannot reach ext-authz, as with its Deployment gone),
// bypassGateway, warmupFailures (first N curls fail DNS). ./logs.mjs prints the lines in the products' shapes.

function addLog(cluster: FakeCluster, ns: string | undefined, workload: string, line: string): void {
  cluster.logs ??= {};
  cluster.logs[`${ns}/${workload}`] ??= [];
  cluster.logs[`${ns}/${workload}`]?.push({ at: new Date().toISOString(), line });
}

function curlArgs(args: string[]): { headers: string[]; format: string; discard: boolean; url: URL } {
  const headers: string[] = [];
  let format = '';
  let url: string | undefined;
  let discard = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '-H') headers.push(args[++i]!);
    else if (a === '-w') format = args[++i]!;
    else if (a === '-o') {
      // -o FILE writes the body there instead of stdout; only /dev/null is emulated (the pod has no files of ours).
      if (args[++i] !== '/dev/null') throw new Fail(`fake curl: -o ${args[i]} is not emulated`);
      discard = true;
    } else if (a === '-m') i++;
    else if (!a.startsWith('-')) url = a;
  }
  return { headers, format, discard, url: new URL(url!) };
}

const objectsOf = (cluster: FakeCluster, kind: string) => Object.values(cluster.objects).filter((o) => o.kind === kind);
const hostMatches = (pattern: string, host: string) =>
  pattern === host || (pattern.startsWith('*.') && host.endsWith(pattern.slice(1)));

function emulateCurl(state: FakeState, cluster: FakeCluster, ns: string, args: string[]): string {
  const scenario = state.scenario ?? {};
  const { headers, format, discard, url } = curlArgs(args);
  const host = url.hostname;
  const path = url.pathname + url.search;
  const reply = (status: number, body: string) =>
    `${discard ? '' : body}${format.replace('%{http_code}', String(status)).replace(/\\n/g, '\n')}`;
  const fail = (code: number, message: string): never => {
    throw new Fail(`curl: (${code}) ${message}\ncommand terminated with exit code ${code}`, code);
  };
  if ((scenario.warmupFailures ?? 0) > 0) {
    scenario.warmupFailures = (scenario.warmupFailures ?? 0) - 1;
    fail(6, `Could not resolve host: ${host}`);
  }
  const gateway = cluster.objects[objKey('Gateway', 'common-infrastructure', 'egress-gateway')];
  const programmed = arr(gateway?.status?.['conditions']).some(
    (c) => rec(c)['type'] === 'Programmed' && rec(c)['status'] === 'True',
  );
  // Only pods ztunnel captures reach a waypoint at all (dataplane.mjs: ambientEnrolled), and only for a
  // ServiceEntry that istiod bound to the egress waypoint (istio.mjs: it admits the namespace).
  const captured = ambientEnrolled(cluster, ns);
  // ztunnel answers a host from the ServiceEntry in the client's own namespace, else from the canonical one
  // (the oldest); exportTo is not consulted (istio/ztunnel 1.30.3 src/dns/server.rs, src/state/service.rs
  // find_best_match; istio/istio 1.30.3 pilot/pkg/serviceregistry/ambient/services.go). Objects keep their
  // creation order here, so the first is the oldest.
  const forHost = objectsOf(cluster, 'ServiceEntry').filter((o) =>
    strs(o.spec?.['hosts']).some((h) => hostMatches(h, host)),
  );
  const chosen = forHost.find((o) => o.metadata.namespace === ns) ?? forHost[0];
  const serviceEntry =
    captured &&
    chosen !== undefined &&
    serviceWaypoint(cluster, chosen).name === 'common-infrastructure/egress-gateway' &&
    serviceEntryAddressed(cluster, chosen);
  const egressPolicies =
    captured &&
    Object.values(cluster.releases).some(
      (r) => r.chartName === 'ztunnel' && recs(at(r.values, 'egressPolicies')).some((p) => p['policy'] === 'Gateway'),
    );
  const blocked =
    enforcesNetworkPolicy(cluster) &&
    objectsOf(cluster, 'NetworkPolicy').some(
      (o) => o.metadata.namespace === ns && strs(o.spec?.['policyTypes']).includes('Egress'),
    );
  const echo = (extra: Record<string, string[]> = {}) =>
    JSON.stringify({ headers: { Accept: ['*/*'], Host: [host], 'User-Agent': ['curl/8.16.0'], ...extra } }, null, 2);
  if (scenario.otherClients) {
    const other = otherClientLines(host);
    addLog(cluster, 'common-infrastructure', 'egress-gateway', other.gateway);
    const squidNs = objectsOf(cluster, 'Deployment').find((o) => o.metadata.name === 'squid-proxy')?.metadata.namespace;
    if (squidNs) for (const l of other.squid) addLog(cluster, squidNs, 'squid-proxy', l);
  }
  if (scenario.bypassGateway || !gateway || !programmed || !(serviceEntry || egressPolicies)) {
    if (blocked && !scenario.bypassGateway) fail(28, 'Connection timed out after 10002 milliseconds');
    return reply(
      200,
      path.startsWith('/headers')
        ? echo({ 'X-Forwarded-Proto': ['http'], 'X-Forwarded-Port': ['80'] })
        : '<html>direct</html>',
    );
  }
  // ztunnel's HBONE connection to a waypoint without an Istio certificate is reset (dataplane.mjs).
  if (!waypointTerminatesHbone(cluster, gateway)) fail(56, 'Recv failure: Connection reset by peer');
  const stack = objectsOf(cluster, 'GatewayParameters').length
    ? 'seed'
    : objectsOf(cluster, 'EnterpriseAgentgatewayParameters').length
      ? 'enterprise'
      : 'oss';
  const route =
    objectsOf(cluster, 'HTTPRoute').find((o) => strs(o.spec?.['hostnames']).includes(host))?.metadata.name ?? 'none';
  // The oss waypoint's CEL policies (policies.mjs): the access log's added attributes, authorization, rate limits.
  const cel = celContext(cluster, ns, { host, path, headers });
  const attrs = stack === 'oss' ? accessLogAttributes(cluster, gateway, cel) : [];
  const gatewayLog = (status: number, more: Partial<GatewayLine> = {}) =>
    addLog(
      cluster,
      'common-infrastructure',
      'egress-gateway',
      gatewayLogLine(stack, { host, path, status, route, ns, attrs, ...more }),
    );
  // A policy applies only to the Gateway it targets (dataplane.mjs) and where its controller attached it
  // (status.ancestors, ./controllers.mjs).
  const extAuth =
    extAuthAttached(cluster, gateway) &&
    Object.values(cluster.objects).some(
      (o) =>
        /AgentgatewayPolicy$/.test(o.kind) &&
        at(o.spec, 'traffic', 'extAuth') &&
        recs(withLiveStatus(cluster, o).status?.['ancestors']).some((a) =>
          recs(a['conditions']).some((c) => c['type'] === 'Attached' && c['status'] === 'True'),
        ),
    );
  let checked = {};
  const authzServer = cluster.objects[objKey('Deployment', 'common-infrastructure', 'ext-authz')];
  if (extAuth && (scenario.extAuthzDown || !authzServer?.status?.['readyReplicas'])) {
    // No decision (FailClosed, the default): agentgateway answers 403 itself (http/ext_authz.rs, proxy/mod.rs).
    gatewayLog(403, { endpoint: false, error: 'external authorization failed', reason: 'ExtAuth' });
    return reply(403, 'external authorization failed');
  }
  if (extAuth) {
    const sent = headers
      .filter((h) => /^x-ext-authz:/i.test(h))
      .map((h): [string, string] => ['x-ext-authz', (h.split(':')[1] ?? '').trim()]);
    const allow = sent.some(([, v]) => v === 'allow') && !scenario.extAuthzDenyAll;
    const decision = allow ? 'allowed' : 'denied';
    addLog(cluster, 'common-infrastructure', 'ext-authz', extAuthzLogLine({ decision, host, path, ns, headers: sent }));
    if (!allow) {
      gatewayLog(403, { endpoint: false, reason: 'DirectResponse' });
      return reply(403, 'denied by ext_authz for not found header `x-ext-authz: allow` in the request');
    }
    checked = { 'X-Ext-Authz-Check-Result': ['allowed'] };
  }
  // Route-phase policies run only for a request a route took (httpproxy.rs), after ext-authz.
  const answer = stack === 'oss' && route !== 'none' ? routePolicyAnswer(cluster, gateway, cel) : undefined;
  if (answer) {
    gatewayLog(answer.status, { endpoint: false, ...answer });
    return reply(answer.status, answer.error);
  }
  // Squid sees the request only when the waypoint's route for this host tunnels through it (dataplane.mjs).
  const squid = tunnelFor(cluster, gateway, host, headers);
  // The oss backend the route picked: its target is the line's endpoint; with policies.tls the gateway speaks
  // TLS to it, through the tunnel as a CONNECT to host:port (agentgateway v1.4.1 client/mod.rs).
  const routed = stack === 'oss' ? ossRouteBackend(cluster, gateway, host, headers) : undefined;
  const target = routed?.backend?.spec?.['static'];
  const tls = Boolean(at(routed?.backend?.spec, 'policies', 'tls'));
  const endpoint = target ? `${rec(target)['host']}:${rec(target)['port']}` : true;
  // A backend (or the tunnel's) whose auth policy reads a missing Secret or key is not sent to the proxy, and the
  // route to it answers 500 `service not found` (proxy/mod.rs resolve_backend :456-481; ./backend-auth.mjs).
  const tunnelVia = tunnelOf(cluster, routed?.backend)?.via;
  if (backendTranslationError(cluster, routed?.backend) ?? backendTranslationError(cluster, tunnelVia)) {
    gatewayLog(500, { endpoint: false, error: 'service not found', reason: 'NotFound' });
    return reply(500, 'service not found');
  }
  if (squid) {
    const squidNs = squid.metadata.namespace;
    const conf = cluster.objects[objKey('ConfigMap', squidNs, 'squid-config')]?.data?.['squid.conf'];
    const line = (more: Partial<SquidLine>) =>
      addLog(
        cluster,
        squidNs,
        'squid-proxy',
        squidLogLine({
          host,
          path,
          connect: stack === 'seed' || tls,
          connectTo: tls ? String(endpoint) : undefined,
          stripQuery: stripsQuery(conf),
          ...more,
        }),
      );
    if (scenario.squidDown) {
      // agentgateway's 503 when the call to the proxy fails: `upstream call failed: <the hyper error, Debug>`.
      const error =
        'upstream call failed: Error(Connect, ConnectError("tcp connect error", Os { code: 111, kind: ConnectionRefused, message: "Connection refused" }))';
      gatewayLog(503, { error, reason: 'UpstreamFailure' });
      return reply(503, error);
    }
    if (scenario.squidDenies) {
      line({ denied: true });
      if (stack === 'seed') {
        // A refused CONNECT fails the tunnel: agentgateway's 503 (client/connect_tunnel.rs "tunnel failed").
        gatewayLog(503, { error: 'upstream call failed: tunnel failed', reason: 'UpstreamFailure' });
        return reply(503, 'upstream call failed: tunnel failed');
      }
      // Squid's own error page comes back as the upstream's answer to the absolute-form GET.
      gatewayLog(403);
      return reply(403, '<html><head><title>ERROR: The requested URL could not be retrieved</title></head></html>');
    }
    // proxy-auth: Squid checks the tunnel's Proxy-Authorization (./backend-auth.mjs squidLogin). A refused CONNECT
    // fails the tunnel: 503 `upstream call failed: Connect: tunnel required auth` (client/connect_tunnel.rs :50-51
    // "tunnel required auth", pool error `{kind:?}: {cause}`, crates/pool/src/client.rs); a refused plain request
    // is the upstream's answer, Squid's 407 page (client/mod.rs :646-655).
    const login = squidLogin(cluster, squid, conf, tunnelToken(cluster, tunnelVia));
    if (!login.ok && !scenario.squidBypassed) {
      line({ denied: 407, user: login.user });
      if (tls || stack === 'seed') {
        const error = 'upstream call failed: Connect: tunnel required auth';
        gatewayLog(503, { error, reason: 'UpstreamFailure' });
        return reply(503, error);
      }
      gatewayLog(407, { endpoint });
      return reply(407, '<html><head><title>ERROR: Cache Access Denied</title></head></html>');
    }
    // squidBypassed: no tunnel, the gateway calls the host itself and Squid logs nothing.
    if (!scenario.squidBypassed) line({ user: login.user });
  }
  gatewayLog(200, { endpoint });
  // httpbingo.org runs behind Fly.io, whose edge adds X-Forwarded-Proto and X-Forwarded-Port for the port the
  // gateway reached (fly.io/docs/networking/request-headers); Squid adds Via to a request it forwards in the clear,
  // and cannot to one inside a CONNECT tunnel (squid-cache/squid SQUID_6_6 src/cf.data.pre `via`).
  const port = tls ? '443' : '80';
  const edge = { 'X-Forwarded-Proto': [tls ? 'https' : 'http'], 'X-Forwarded-Port': [port] };
  const via: Record<string, string[]> =
    squid && !tls && stack !== 'seed' ? { Via: ['1.1 squid-proxy (squid/6.6)'] } : {};
  // The app's headers as the destination sees them, with a backend's injected key (./backend-auth.mjs).
  const sent = destinationHeaders(cluster, routed?.backend, headers);
  return reply(
    200,
    path.startsWith('/headers') ? echo({ ...sent, ...checked, ...edge, ...via }) : '<html>through the gateway</html>',
  );
}

// The DaemonSets' pod labels and container names, as the istio charts set them (ztunnel and istio-cni
// templates/daemonset.yaml); one pod per node (kind: a control plane and two workers).
const DAEMONSET_PODS: Record<string, { name: string; container: string }> = {
  'app=ztunnel': { name: 'ztunnel', container: 'istio-proxy' },
  'k8s-app=istio-cni-node': { name: 'istio-cni-node', container: 'install-cni' },
};
const NODE_SUFFIXES = ['4xk2p', 'b7n9q', 'r2m8d'];

/** --since=5m as an RFC 3339 time to compare the stored lines with. */
function sinceDuration(d: string | undefined): string | undefined {
  if (!d) return undefined;
  const m = /^(\d+)(s|m|h)$/.exec(d);
  if (!m) throw new Fail(`error: invalid argument "${d}" for "--since" flag: time: unknown unit`);
  const unit: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };
  const ms = Number(m[1]) * (unit[m[2] ?? ''] ?? Number.NaN);
  return new Date(Date.now() - ms).toISOString();
}

/**
 * What the kubelet sends for one container's log (kubernetes pkg/kubelet/kuberuntime/logs/logs.go): the last
 * `tail` lines of the log file, of those the ones not older than `since`, each with `--timestamps` prefixed by
 * its time as RFC3339NanoFixed (nine fraction digits, `Z` for UTC) and a space. The lines are stored with
 * millisecond times (toISOString).
 */
/** What kubectl logs asks of the kubelet: --since(-time), --tail (-1: all) and --timestamps. */
interface LogOpts {
  since: string | undefined;
  tail: number | undefined;
  timestamps: boolean;
}

function containerLog(lines: LogLine[], { since, tail, timestamps }: LogOpts & { tail: number }): string[] {
  const kept = (tail >= 0 ? lines.slice(lines.length - Math.min(tail, lines.length)) : lines).filter(
    (l) => !since || l.at >= since,
  );
  return kept.map((l) => `${timestamps ? `${l.at.replace(/\.(\d{3})Z$/, '.$1000000Z')} ` : ''}${l.line}`);
}

/**
 * kubectl logs -l SELECTOR: every matching pod, each at most --tail lines (10 when no --tail is given with a
 * selector: kubectl v0.35.7 pkg/cmd/logs/logs.go selectorTail); with --prefix each line starts
 * [pod/NAME/CONTAINER], before the kubelet's timestamp.
 */
function selectorLogs(cluster: FakeCluster, ns: string, selector: string, prefix: boolean, opts: LogOpts): string {
  const ds = DAEMONSET_PODS[selector];
  if (!ds || !cluster.objects[objKey('DaemonSet', ns, ds.name)]) return `No resources found in ${ns} namespace.\n`;
  const lines = cluster.logs?.[`${ns}/${ds.name}`] ?? [];
  const pods = NODE_SUFFIXES.map((s) => `${ds.name}-${s}`);
  const out: string[] = [];
  for (const [p, pod] of pods.entries())
    for (const l of containerLog(
      lines.filter((_l, i) => i % pods.length === p),
      { ...opts, tail: opts.tail ?? 10 },
    ))
      out.push(`${prefix ? `[pod/${pod}/${ds.container}] ` : ''}${l}`);
  return out.length ? `${out.join('\n')}\n` : '';
}

function workloadLogs(cluster: FakeCluster, ns: string, workload: string, opts: LogOpts): string {
  const name = workload.split('/')[1];
  const kind = workload.startsWith('ds/') ? 'DaemonSet' : 'Deployment';
  if (!cluster.objects[objKey(kind, ns, name)])
    throw notFound(kind === 'DaemonSet' ? 'daemonsets.apps' : 'deployments.apps', name);
  const all = cluster.logs?.[`${ns}/${name}`] ?? [];
  // As kubectl does: logs of ds/NAME are one pod's ("Found 3 pods, using pod/…"), not the DaemonSet's.
  const lines = kind === 'DaemonSet' ? all.filter((_l, i) => i % NODE_SUFFIXES.length === 0) : all;
  const out = containerLog(lines, { ...opts, tail: opts.tail ?? -1 });
  return out.length ? `${out.join('\n')}\n` : '';
}

/**
 * `kubectl get namespaces -l SELECTOR -o json`: a selector lists, so kubectl prints a List even when nothing
 * matches (`items: []`), never "No resources found" (kubectl v0.35.7 pkg/cmd/get/get.go: zero or several
 * items are coerced into a List for -o json). Label selectors: `key`, `!key`, `key=value`, `key!=value`, comma-joined.
 */
function namespacesBySelector(cluster: FakeCluster, selector: string, output: string | undefined): string {
  if (output !== 'json') throw new Fail('fake kubectl: get namespaces -l is emulated with -o json only');
  const terms = selector.split(',').map((t) => {
    const m = t.trim().match(/^(!?)([\w./-]+)(?:(!=|==|=)(.*))?$/);
    if (!m) throw new Fail(`error: unable to parse requirement: ${t}`);
    return { not: m[1] === '!', key: m[2] ?? '', op: m[3], value: m[4] };
  });
  const matches = (labels: Record<string, string>) =>
    terms.every(({ not, key, op, value }) => {
      if (not) return !(key in labels);
      if (!op) return key in labels;
      return op === '!=' ? labels[key] !== value : labels[key] === value;
    });
  const items = cluster.namespaces
    .map(
      (name) =>
        cluster.objects[objKey('Namespace', undefined, name)] ?? {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name },
        },
    )
    .filter((ns) => matches(ns.metadata.labels ?? {}))
    .map((ns) => liveView(cluster, ns));
  return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } })}\n`;
}

/**
 * The objects of a YAML stream (kubectl apply/get/delete -f). The fakes take each as an object of the API
 * (apiVersion, kind, metadata), as egress-lab renders them; like kubectl they skip empty documents.
 */
const yamlObjects = (text: string) =>
  parseAllDocuments(text)
    .map((d): unknown => d.toJS())
    .filter(Boolean) as K8sObject[];

/** The bearer token of the kubeconfig user the context names (a seat's kubeconfig), if any. */
function kubeconfigToken(file: string, context: string): string | undefined {
  const cfg = rec(readYaml(file) ?? {});
  const ctxEntry = recs(cfg['contexts']).find((c) => c['name'] === context);
  const user = at(ctxEntry, 'context', 'user');
  return str(
    at(
      recs(cfg['users']).find((u) => u['name'] === user),
      'user',
      'token',
    ),
  );
}

/**
 * What a ServiceAccount caller's kubectl call asks of the API server, each request authorized as RBAC does
 * (kubectl v0.35: exec and logs of deploy/X get the Deployment, list its pods, then create+get pods/exec or
 * get pods/log; apply is a server-side PATCH that creates what is missing; delete deletes).
 */
/** A request of the caller's, in the namespace of the call unless it names another. */
type Ask = Omit<AccessRequest, 'namespace'> & { namespace?: string };

function authorizeCall(args: string[], ctx: Ctx, check: (req: Ask) => void): void {
  const verb = args[0];
  const workload = (ref: string) => {
    const [typed = '', name] = ref.split('/');
    check({ verb: 'get', ...resourceOf(typed), name });
    check({ verb: 'list', group: '', resource: 'pods' });
  };
  if (verb === 'exec') {
    workload(args[1]!);
    check({ verb: 'create', group: '', resource: 'pods/exec' });
    check({ verb: 'get', group: '', resource: 'pods/exec' });
  } else if (verb === 'logs') {
    if (args.includes('-l')) check({ verb: 'list', group: '', resource: 'pods' });
    else workload(args[1]!);
    check({ verb: 'get', group: '', resource: 'pods/log' });
  } else if (verb === 'get' && args[1] && !args[1].startsWith('-')) {
    const [typed = '', named] = args[1].split('/');
    const name = named ?? (args[2] && !args[2].startsWith('-') ? args[2] : undefined);
    check({ verb: name ? 'get' : 'list', ...resourceOf(typed), ...(name ? { name } : {}) });
  } else if (verb === 'apply' || (verb === 'delete' && args.includes('-f'))) {
    for (const o of yamlObjects(ctx.stdin ?? ''))
      check({
        verb: verb === 'apply' ? 'patch' : 'delete',
        ...resourceOf(o.kind, o.apiVersion),
        name: o.metadata?.name,
        ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}),
      });
  } else if (verb === 'delete') {
    const [typed = '', named] = args[1]!.split('/');
    check({ verb: 'delete', ...resourceOf(typed), name: named ?? args[2] });
  } else if (verb === 'create' && args[1] === 'token') {
    check({ verb: 'create', group: '', resource: 'serviceaccounts/token', name: args[2] });
  } else if (!(verb === 'auth' && args[1] === 'can-i'))
    throw new Fail(`fake kubectl: ${verb} by a ServiceAccount caller is not emulated`);
}

/** `kubectl auth can-i VERB RESOURCE[/NAME] [--subresource S]`: "yes", or "no" and exit 1 (kubectl cani.go). */
function canI(args: string[], may: (req: Ask) => boolean): string {
  const sub = take(args, '--subresource');
  const [typed = '', name] = args[3]!.split('/');
  const { group, resource } = resourceOf(typed);
  if (may({ verb: args[2]!, group, resource: sub ? `${resource}/${sub}` : resource, ...(name ? { name } : {}) }))
    return 'yes\n';
  throw new Fail('', 1, 'no\n');
}

/**
 * `kubectl create token NAME [--duration D] [-o json]` (kubectl v0.35 create_token.go): a TokenRequest for the
 * ServiceAccount; the bare token, or with -o json the TokenRequest whose status has the token and its expiry.
 */
function createToken(cluster: FakeCluster, ns: string, args: string[], output: string | undefined): string {
  const name = args[2]!;
  if (!cluster.objects[objKey('ServiceAccount', ns, name)]) throw notFound('serviceaccounts', name);
  const duration = take(args, '--duration') ?? '1h';
  const m = duration.match(/^(\d+)(h|m|s)$/);
  if (!m) throw new Fail(`error: invalid argument "${duration}" for "--duration" flag`);
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1 };
  const seconds = Number(m[1]) * (unit[m[2] ?? ''] ?? Number.NaN);
  const { token, expires } = mintToken(cluster, ns, name, seconds);
  if (output !== 'json') return token;
  return `${JSON.stringify({
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace: ns },
    spec: { audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: seconds },
    status: { token, expirationTimestamp: expires },
  })}\n`;
}

/**
 * `kubectl get KIND1,KIND2 -n NS -o json`: every object of those kinds in the namespace, as one List (zero or
 * several items are always a List for -o json: KC5); a kind the cluster does not serve is an error.
 */
function listKinds(cluster: FakeCluster, ns: string, types: string[], output: string | undefined): string {
  if (output !== 'json') throw new Fail('fake kubectl: get KIND,KIND is emulated with -o json only');
  const core: Record<string, string> = {
    'networkpolicies.networking.k8s.io': 'NetworkPolicy',
    networkpolicies: 'NetworkPolicy',
  };
  const kinds = types.map((t) => {
    const kind = cluster.crds[t]?.kind ?? core[t];
    if (!kind) throw new Fail(`error: the server doesn't have a resource type "${t}"`);
    return kind;
  });
  const items = Object.values(cluster.objects)
    .filter((o) => kinds.includes(o.kind) && o.metadata.namespace === ns)
    .map((o) => liveView(cluster, o));
  return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } })}\n`;
}

function kubectl(state: FakeState, args: string[], ctx: Ctx): string {
  if (args[0] === 'version')
    return `${JSON.stringify({ clientVersion: { gitVersion: state.versions?.kubectl ?? 'v1.35.0' } })}\n`;
  // A relative --kubeconfig is the caller's (a handout's commands run in the seat's folder).
  const given = take(args, '--kubeconfig');
  const kubeconfig = given && resolve(ctx.cwd ?? '.', given);
  const context = take(args, '--context');
  const cluster = targetCluster(state, kubeconfig, context, 'kubectl');
  const ns = take(args, '--namespace', '-n') ?? 'default';
  const output = take(args, '--output', '-o');
  const verb = args[0];
  let sa: Caller | undefined;
  try {
    // targetCluster has checked both: a kubeconfig file that holds the context.
    sa = callerOf(cluster, kubeconfigToken(kubeconfig!, context!));
  } catch (err) {
    throw new Fail(err instanceof Error ? err.message : String(err));
  }
  const may = (req: Ask) => allowed(cluster, sa, { namespace: ns, ...req });
  const check = (req: Ask) => {
    if (!may(req) && sa) throw new Fail(forbidden(sa, { namespace: ns, ...req }));
  };
  if (sa) authorizeCall(args, ctx, check);
  if (verb === 'auth' && args[1] === 'can-i') return canI(args, may);
  if (verb === 'create' && args[1] === 'token') return createToken(cluster, ns, args, output);
  if (verb === 'apply') {
    const serverSide = flag(args, '--server-side');
    // Client-side apply keeps the whole object in an annotation, and the experimental HTTPRoute CRD is larger
    // than the API server allows there (kubernetes-sigs/gateway-api#4156).
    if (!serverSide && args.some((a) => a.endsWith('/experimental-install.yaml')))
      throw new Fail(
        'The CustomResourceDefinition "httproutes.gateway.networking.k8s.io" is invalid: metadata.annotations: Too long: may not be more than 262144 bytes',
      );
    if (!serverSide) throw new Fail('fake kubectl: apply without --server-side');
    const manager = take(args, '--field-manager');
    if (manager !== 'egress-lab') throw new Fail('fake kubectl: apply without --field-manager egress-lab');
    const opts = { manager, force: flag(args, '--force-conflicts'), cut: ctx.cut };
    const file = take(args, '-f', '--filename')!;
    if (file === '-') return applyDocs(cluster, yamlObjects(ctx.stdin ?? ''), output, opts);
    const release = file.match(
      /^https:\/\/github\.com\/kubernetes-sigs\/gateway-api\/releases\/download\/(v[\d.]+)\/experimental-install\.yaml$/,
    );
    if (file.startsWith('https://')) offlineCheck(state, `error: unable to read URL "${file}"`);
    if (release) return applyDocs(cluster, gatewayApiCrds(release[1] ?? ''), output, opts);
    const path = resolve(ctx.cwd ?? '.', file);
    if (!file.includes('://') && existsSync(path))
      return applyDocs(cluster, yamlObjects(readFileSync(path, 'utf8')), output, opts);
    throw new Fail(`fake kubectl: cannot fetch ${file}`);
  }
  if (verb === 'wait') {
    const cond = take(args, '--for')!;
    take(args, '--timeout');
    for (const ref of args.slice(1)) {
      const [resource, name] = ref.split('/');
      if (cond === 'condition=Established') {
        if (!cluster.crds[String(name)]) throw notFound('customresourcedefinitions.apiextensions.k8s.io', name);
        continue;
      }
      const obj = findByResource(cluster, resource, ns, name);
      if (!obj) throw notFound(`${resource}s`, name);
      const want = cond.replace(/^condition=/, '');
      if (!recs(obj.status?.['conditions']).some((c) => c['type'] === want && c['status'] === 'True'))
        throw new Fail(`error: timed out waiting for the condition on ${resource}/${name}`);
    }
    return `${args
      .slice(1)
      .map((r) => `${r} condition met`)
      .join('\n')}\n`;
  }
  if (verb === 'rollout' && args[1] === 'restart') {
    // kubectl's ObjectRestarter sets the pod template annotation kubectl.kubernetes.io/restartedAt (kubectl
    // pkg/polymorphichelpers/objectrestarter.go); the Deployment then rolls out new pods.
    const [resource, name] = args[2]!.split('/');
    const obj = findByResource(cluster, resource, ns, name);
    if (!obj) throw notFound('deployments.apps', name);
    obj.spec ??= {};
    obj.spec['template'] ??= {};
    const template = rec(obj.spec['template']);
    template['metadata'] ??= {};
    const podMeta = rec(template['metadata']);
    podMeta['annotations'] = {
      ...rec(podMeta['annotations']),
      'kubectl.kubernetes.io/restartedAt': new Date().toISOString(),
    };
    return `deployment.apps/${name} restarted\n`;
  }
  if (verb === 'rollout' && args[1] === 'status') {
    take(args, '--timeout');
    const [resource, name] = args[2]!.split('/');
    const obj = findByResource(cluster, resource, ns, name);
    if (!obj) throw notFound(resource === 'ds' ? 'daemonsets.apps' : 'deployments.apps', name);
    // Pods the platform does not admit never become ready (dataplane.mjs podsAdmitted).
    if ((obj.status && obj.status['readyReplicas'] === 0) || !podsAdmitted(cluster, obj))
      throw new Fail(`error: timed out waiting for the condition`);
    return `${resource === 'ds' ? 'daemon set' : 'deployment'} "${name}" successfully rolled out\n`;
  }
  if (verb === 'get') {
    if (args[1] === '--raw') return 'ok';
    if (args[1] === 'namespace' && args[2] === 'kube-system') return cluster.uid ?? 'uid-unknown';
    const ignore = flag(args, '--ignore-not-found');
    const file = take(args, '-f');
    if (file === '-') {
      const found: K8sObject[] = [];
      for (const o of yamlObjects(ctx.stdin ?? '')) {
        const obj = findByResource(cluster, o.kind.toLowerCase(), o.metadata.namespace ?? 'default', o.metadata.name);
        if (obj) found.push(liveView(cluster, obj));
        else if (!ignore) throw notFound(o.kind.toLowerCase(), o.metadata.name);
      }
      if (output === 'json')
        return found.length === 0
          ? ''
          : `${JSON.stringify(found.length === 1 ? found[0] : { apiVersion: 'v1', kind: 'List', items: found })}\n`;
      return found.map((o) => `${o.kind.toLowerCase()}/${o.metadata.name}\n`).join('');
    }
    if (args[1]?.includes(',') && args[2] === undefined) return listKinds(cluster, ns, args[1].split(','), output);
    const selector = take(args, '-l', '--selector');
    if (args[1] === 'namespaces' && selector !== undefined) return namespacesBySelector(cluster, selector, output);
    if (selector !== undefined) throw new Fail(`fake kubectl: get ${args[1]} -l is not emulated`);
    if (args[1] === 'namespaces') return `${cluster.namespaces.map((n) => `namespace/${n}`).join('\n')}\n`;
    if (['crd', 'crds', 'customresourcedefinitions'].includes(String(args[1])) && args[2] === undefined) {
      if (output === 'json')
        return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: Object.keys(cluster.crds).map((n) => crdObject(cluster, n)) })}\n`;
      return Object.keys(cluster.crds)
        .map((n) => `customresourcedefinition.apiextensions.k8s.io/${n}\n`)
        .join('');
    }
    // A type without a name lists the namespace's objects: -o json gives a List whatever their number (KC5).
    if (args[2] === undefined && output === 'json') return listKinds(cluster, ns, [String(args[1])], output);
    const obj = findByResource(cluster, args[1], ns, args[2]);
    if (!obj && ignore) return '';
    if (!obj) throw notFound(args[1], args[2]);
    if (output === 'name') return `${args[1]}/${args[2]}\n`;
    if (output?.startsWith('jsonpath=')) {
      if (output.includes('readyReplicas'))
        return `${liveView(cluster, obj).status?.['readyReplicas'] ?? 0}/${obj.spec?.['replicas'] ?? 1}`;
      if (output.includes('Programmed'))
        return str(recs(obj.status?.['conditions']).find((c) => c['type'] === 'Programmed')?.['status']) ?? '';
    }
    return `${JSON.stringify(liveView(cluster, obj))}\n`;
  }
  if (verb === 'exec') {
    const dash = args.indexOf('--');
    const [resource, name] = args[1]!.split('/');
    const pod = findByResource(cluster, resource, ns, name);
    if (!pod) throw notFound('deployments.apps', name);
    if (args[dash + 1] === 'env' && args.length === dash + 2) return podEnv(cluster, pod);
    if (args[dash + 1] !== 'curl') throw new Fail(`fake kubectl exec: only curl is emulated, not ${args[dash + 1]}`);
    return emulateCurl(state, cluster, ns, args.slice(dash + 2));
  }
  if (verb === 'logs') {
    const since = take(args, '--since-time') ?? sinceDuration(take(args, '--since'));
    const tailArg = take(args, '--tail');
    const tail = tailArg === undefined ? undefined : Number(tailArg);
    if (tail !== undefined && !(Number.isInteger(tail) && tail >= -1))
      throw new Fail(
        Number.isInteger(tail)
          ? 'error: --tail must be greater than or equal to -1'
          : `error: invalid argument "${tailArg}" for "--tail" flag: strconv.ParseInt: parsing "${tailArg}": invalid syntax`,
      );
    take(args, '--max-log-requests');
    flag(args, '--follow');
    const timestamps = flag(args, '--timestamps');
    const prefix = flag(args, '--prefix');
    const selector = take(args, '-l');
    const opts = { since, tail, timestamps };
    if (selector) return selectorLogs(cluster, ns, selector, prefix, opts);
    return workloadLogs(cluster, ns, args[1]!, opts);
  }
  if (verb === 'delete') {
    flag(args, '--ignore-not-found');
    take(args, '--wait');
    take(args, '--timeout');
    const file = take(args, '-f');
    if (file === '-') {
      for (const o of yamlObjects(ctx.stdin ?? ''))
        deleteObject(
          cluster,
          o.kind,
          CLUSTER_SCOPED.has(o.kind) ? undefined : (o.metadata.namespace ?? 'default'),
          o.metadata.name,
        );
      return 'deleted\n';
    }
    if (args[1] === 'namespace') {
      for (const n of args.slice(2)) deleteObject(cluster, 'Namespace', undefined, n);
      return 'deleted\n';
    }
  }
  throw new Fail(`fake kubectl: unsupported ${args.join(' ')}`);
}

/** The folders to remove while a call matching `removes[].match` runs (each once). */
function removesDuring(store: Store, line: string): string[] {
  return withState(store, (state) => {
    const due = (state.removes ?? []).filter((r) => !r.done && new RegExp(r.match).test(line));
    for (const r of due) r.done = true;
    return due.map((r) => r.path);
  });
}

// ---- one call --------------------------------------------------------------------------------------------
const PROGRAMS: Record<string, (state: FakeState, args: string[], ctx: Ctx) => string> = {
  docker,
  kind,
  gcloud,
  helm,
  kubectl,
  curl,
  'gke-gcloud-auth-plugin': gkeAuthPlugin,
};

/**
 * Runs one call of a fake program: { bin, argv, stdin, cwd, kubeconfigEnv, home } in, { stdout, stderr, code }
 * out. `store`: { json, calls } (fakes.ts), the state as JSON text and the calls so far, one JSON line each.
 */
export async function handle(store: Store, req: CallRequest): Promise<CallAnswer> {
  const { bin, argv } = req;
  const start = Date.now();
  const line = [bin, ...argv].join(' ');
  let code = 0;
  let stdout = '';
  let stderr = '';
  try {
    const { delayMs, fault } = withState(store, (state) => {
      const delayMs = (state.delays ?? []).filter((d) => new RegExp(d.match).test(line)).reduce((a, d) => a + d.ms, 0);
      let fault: Fault | undefined;
      for (const f of state.faults ?? []) {
        if (!new RegExp(f.match).test(line)) continue;
        f.seen = (f.seen ?? 0) + 1;
        if (f.nth === undefined || f.nth === f.seen) {
          fault = f;
          break;
        }
      }
      return { delayMs, fault };
    });
    if (delayMs) await sleep(delayMs);
    // Something outside egress-lab (a user, a cleanup job) removes a folder while this call runs.
    for (const path of removesDuring(store, line)) rmSync(path, { recursive: true, force: true });
    if (req.killed?.()) throw new Fail('killed before it acted', 143);
    // A hung program answers nothing until it is killed (its client's connection closes).
    if (fault?.hang) while (!req.killed?.()) await sleep(50);
    if (fault?.hang) throw new Fail('killed while it hung', 143);
    if (fault && fault.afterObjects === undefined && !fault.leavePending)
      throw new Fail(fault.stderr ?? `fake ${bin}: injected failure`, fault.exitCode ?? 1);
    const cut = fault?.afterObjects !== undefined ? { after: fault.afterObjects, stderr: fault.stderr } : undefined;
    stdout = withState(store, (state) => {
      try {
        return PROGRAMS[bin]!(state, [...argv], { ...req, cut });
      } finally {
        // istiod writes status after every change it sees.
        for (const cluster of Object.values(state.clusters)) reconcileIstio(cluster);
      }
    });
    // helm killed in the middle of an install or upgrade: the release stays pending-install or pending-upgrade.
    if (fault?.leavePending)
      withState(store, (state) => {
        for (const c of Object.values(state.clusters))
          for (const r of Object.values(c.releases))
            if (r.name === argv[2]) r.status = (r.revision ?? 0) > 1 ? 'pending-upgrade' : 'pending-install';
      });
    if (fault?.leavePending) throw new Fail(fault.stderr ?? 'Killed', fault.exitCode ?? 143);
  } catch (e) {
    code = e instanceof Fail ? e.code : 1;
    stdout = e instanceof Fail ? e.stdout : '';
    stderr = `${e instanceof Fail ? e.message : String((e instanceof Error ? e.stack : undefined) ?? e)}\n`;
  }
  store.calls.push(
    JSON.stringify({
      bin,
      argv,
      stdin: req.stdin,
      cwd: req.cwd,
      env: { KUBECONFIG: req.kubeconfigEnv },
      start,
      end: Date.now(),
      exitCode: code,
    }),
  );
  return { stdout, stderr, code };
}
