import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { handle } from './programs.mjs';

const CLIENT = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'client.sh'), 'utf8');

/** The fakes' state as JSON text (each call parses its own copy) and every call so far, one JSON text each. */
interface Store {
  json: string;
  calls: string[];
}

type Handle = (
  store: Store,
  req: {
    bin: string;
    argv: string[];
    stdin: string | null;
    cwd: string;
    kubeconfigEnv: string;
    home: string;
    killed: () => boolean;
  },
) => Promise<{ stdout: string; stderr: string; code: number }>;

/**
 * Reads one request (NUL-separated name, folder, KUBECONFIG, HOME, argument count, arguments, stdin length,
 * then stdin) and answers one line `exit-code stdout-bytes stderr-bytes`, then stdout and stderr as they are.
 */
function serve(store: Store, socket: Socket): void {
  let buf = Buffer.alloc(0);
  let done = false;
  socket.on('error', () => undefined);
  socket.on('data', async (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    if (done) return;
    const fields: string[] = [];
    let at = 0;
    while (true) {
      const nul = buf.indexOf(0, at);
      if (nul < 0) return;
      fields.push(buf.subarray(at, nul).toString('utf8'));
      at = nul + 1;
      if (fields.length >= 5 && fields.length === 5 + Number(fields[4]) + 1) break;
    }
    const length = Number(fields.at(-1));
    if (buf.length - at < length) return;
    done = true;
    const [bin = '', cwd = '', kubeconfigEnv = '', home = '', count = '0'] = fields;
    const argv = fields.slice(5, 5 + Number(count));
    const stdin = argv.includes('-') ? buf.subarray(at, at + length).toString('utf8') : null;
    // A client killed while its call waits (Ctrl-C, a timeout) is a program killed before it acted.
    let killed = false;
    socket.on('close', () => (killed = true));
    const res = await (handle as Handle)(store, { bin, argv, stdin, cwd, kubeconfigEnv, home, killed: () => killed });
    const [out, err] = [Buffer.from(res.stdout), Buffer.from(res.stderr)];
    if (!socket.destroyed)
      socket.end(Buffer.concat([Buffer.from(`${res.code} ${out.length} ${err.length}\n`), out, err]));
  });
}
export const PROGRAMS = ['kind', 'kubectl', 'helm', 'gcloud', 'docker', 'curl', 'gke-gcloud-auth-plugin'] as const;

export interface Call {
  bin: string;
  argv: string[];
  stdin: string | null;
  cwd: string;
  env: { KUBECONFIG?: string };
  start: number;
  end: number;
  exitCode: number;
}

export interface FakeCluster {
  platform: 'kind' | 'gke';
  server: string;
  uid?: string;
  name?: string;
  project?: string;
  location?: string;
  /** kind: the CNI (kindnet enforces NetworkPolicy; none when disableDefaultCNI). */
  cni?: 'kindnet' | 'none';
  /** GKE: what `gcloud container clusters describe` shows of its networking. */
  networkConfig?: { datapathProvider?: string };
  networkPolicy?: { enabled?: boolean; provider?: string };
  addonsConfig?: { networkPolicyConfig?: { disabled?: boolean } };
  /** GKE: the cluster's resource labels (`gcloud container clusters create --labels`). */
  resourceLabels?: Record<string, string>;
  /** A CRD: the kind it serves, the release that installed it, and the object as the API server holds it. */
  crds: Record<string, { group: string; kind: string; release?: string; object?: Record<string, unknown> }>;
  objects: Record<
    string,
    {
      apiVersion: string;
      kind: string;
      metadata: {
        name: string;
        namespace?: string;
        labels?: Record<string, string>;
        managedFields?: { manager: string; operation: string; fields: string[] }[];
      };
    }
  >;
  releases: Record<
    string,
    {
      name: string;
      namespace: string;
      chart: string;
      chartName?: string;
      version: string;
      values: unknown;
      revision?: number;
      /** helm's word: deployed, pending-install, pending-upgrade… */
      status?: string;
    }
  >;
  namespaces: string[];
}

export interface FakeState {
  docker: boolean;
  /** The images in the host's Docker (pulled or loaded). */
  images?: string[];
  /** The fake gcloud's login, default project, disabled APIs and whether gke-gcloud-auth-plugin is installed. */
  gcloud?: { account?: string; project?: string; projects?: string[]; disabledApis?: string[]; plugin?: boolean };
  clusters: Record<string, FakeCluster>;
  /**
   * `afterObjects`: a kubectl apply that applies that many objects, then fails (a dropped connection);
   * `leavePending`: a helm upgrade killed half-way, its release left pending-install or pending-upgrade.
   */
  faults: {
    match: string;
    nth?: number;
    exitCode?: number;
    stderr?: string;
    hang?: boolean;
    afterObjects?: number;
    leavePending?: boolean;
  }[];
  delays: { match: string; ms: number }[];
  /** Folders removed (as by someone else) while the first call matching `match` runs. */
  removes?: { match: string; path: string; done?: boolean }[];
  /** No internet: docker pull, helm from a repository, kubectl apply of a URL, curl and kind's node image pull fail. */
  offline?: boolean;
  /** What `helm version` and `kubectl version` answer (defaults: v3.20.0, v1.35.0). */
  versions?: { helm?: string; kubectl?: string };
}

/**
 * Stateful fake kind/kubectl/helm/gcloud/docker first on PATH (bash clients of a server on loopback in this
 * process), a private EGRESS_LAB_HOME, and a user KUBECONFIG to guard. `dir`: a fixed, empty or absent
 * folder to serve from (test/helpers/shared-lab.ts); a fresh temporary one by default.
 */
export async function createFakes(opts: { dir?: string } = {}) {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'egress-lab-fakes-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const name of PROGRAMS) {
    const path = join(bin, name);
    writeFileSync(path, CLIENT.replace('__NAME__', name));
    chmodSync(path, 0o755);
  }
  const initial: FakeState = { docker: true, clusters: {}, faults: [], delays: [] };
  const store: Store = { json: JSON.stringify(initial), calls: [] };
  const server: Server = createServer((socket) => serve(store, socket));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const userKubeconfig = join(dir, 'user-kubeconfig');
  writeFileSync(
    userKubeconfig,
    'apiVersion: v1\nkind: Config\ncurrent-context: production\ncontexts:\n- name: production\n  context: {cluster: prod, user: admin}\n',
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${bin}:${process.env['PATH']}`,
    FAKE_STATE_DIR: dir,
    FAKE_PORT: String((server.address() as { port: number }).port),
    EGRESS_LAB_HOME: join(dir, 'home'),
    KUBECONFIG: userKubeconfig,
    CI: 'true',
  };
  for (const v of [
    'GLOO_MESH_LICENSE_KEY',
    'GLOO_GATEWAY_LICENSE_KEY',
    'AGENTGATEWAY_LICENSE_KEY',
    'HTTP_PROXY',
    'HTTPS_PROXY',
    'http_proxy',
    'https_proxy',
  ])
    delete env[v];
  return {
    dir,
    env,
    home: join(dir, 'home'),
    userKubeconfig,
    state: (): FakeState => JSON.parse(store.json) as FakeState,
    update(change: (s: FakeState) => void): void {
      const s = JSON.parse(store.json) as FakeState;
      change(s);
      store.json = JSON.stringify(s);
    },
    calls: (): Call[] => store.calls.map((l) => JSON.parse(l) as Call),
    clearCalls: () => {
      store.calls = [];
    },
    /** The state and the calls as the server keeps them (test/helpers/shared-lab.ts saves and restores them). */
    raw: (): Store => ({ json: store.json, calls: [...store.calls] }),
    setRaw(raw: Store): void {
      store.json = raw.json;
      store.calls = [...raw.calls];
    },
    cleanup: () => {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type Fakes = Awaited<ReturnType<typeof createFakes>>;

/**
 * A program this machine does not have: its fake leaves bin/ and PATH keeps only bin/, so a real copy further on
 * PATH (this machine's /usr/bin/gke-gcloud-auth-plugin) is not found either. Running it then fails as on a machine
 * without it: the spawn itself fails (ENOENT), the program never starts.
 */
export function uninstall(fakes: Fakes, program: (typeof PROGRAMS)[number]): void {
  rmSync(join(fakes.dir, 'bin', program));
  fakes.env['PATH'] = join(fakes.dir, 'bin');
}

export const GKE_PROJECT_LOCATION = 'gke/demo-project-1/europe-west1-b';

/** A kind cluster of the lab's name that egress-lab did not create (for --adopt), empty unless `extra` says otherwise. */
export function existingKindCluster(fakes: Fakes, name: string, extra: Partial<FakeCluster> = {}): void {
  fakes.update((s) => {
    s.clusters[name] = {
      platform: 'kind',
      server: 'https://127.0.0.1:39998',
      crds: {},
      objects: {},
      releases: {},
      namespaces: ['default', 'kube-system'],
      ...extra,
    };
  });
}

/** A GKE cluster that exists before the lab (for --gke-cluster), with Dataplane V2 unless `extra` says otherwise. */
export function existingGkeCluster(fakes: Fakes, name: string, extra: Partial<FakeCluster> = {}): void {
  fakes.update((s) => {
    s.clusters[`${GKE_PROJECT_LOCATION}/${name}`] = {
      platform: 'gke',
      name,
      project: 'demo-project-1',
      location: 'europe-west1-b',
      server: 'https://127.0.0.1:39999',
      networkConfig: { datapathProvider: 'ADVANCED_DATAPATH' },
      crds: {},
      objects: {},
      releases: {},
      namespaces: ['default', 'kube-system'],
      ...extra,
    };
  });
}
