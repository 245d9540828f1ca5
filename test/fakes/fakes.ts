import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { handle } from './programs.ts';
import type { FakeCluster, FakeState, Store } from './types.ts';

export type { FakeCluster, FakeState } from './types.ts';

const CLIENT = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'client.sh'), 'utf8');

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
    const res = await handle(store, { bin, argv, stdin, cwd, kubeconfigEnv, home, killed: () => killed });
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

/** The fake programs' bash clients in DIR/bin (returned). */
function installClients(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const name of PROGRAMS) {
    const path = join(bin, name);
    writeFileSync(path, CLIENT.replace('__NAME__', name));
    chmodSync(path, 0o755);
  }
  return bin;
}

/** The environment egress-lab runs in: the fakes first on PATH, a private home, no licences and no proxies. */
function fakesEnv(dir: string, bin: string, port: number, userKubeconfig: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${bin}:${process.env['PATH']}`,
    FAKE_STATE_DIR: dir,
    FAKE_PORT: String(port),
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
  return env;
}

/**
 * Stateful fake kind/kubectl/helm/gcloud/docker first on PATH (bash clients of a server on loopback in this
 * process), a private EGRESS_LAB_HOME, and a user KUBECONFIG to guard. `dir`: a fixed, empty or absent
 * folder to serve from (test/helpers/shared-lab.ts); a fresh temporary one by default.
 */
export async function createFakes(opts: { dir?: string } = {}) {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'egress-lab-fakes-'));
  const bin = installClients(dir);
  const initial: FakeState = { docker: true, clusters: {}, faults: [], delays: [] };
  const store: Store = { json: JSON.stringify(initial), calls: [] };
  const server: Server = createServer((socket) => serve(store, socket));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const userKubeconfig = join(dir, 'user-kubeconfig');
  writeFileSync(
    userKubeconfig,
    'apiVersion: v1\nkind: Config\ncurrent-context: production\ncontexts:\n- name: production\n  context: {cluster: prod, user: admin}\n',
  );
  const env = fakesEnv(dir, bin, (server.address() as { port: number }).port, userKubeconfig);
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
