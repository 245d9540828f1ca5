import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FAKE = join(dirname(fileURLToPath(import.meta.url)), 'fake-bin.mjs');
export const PROGRAMS = ['kind', 'kubectl', 'helm', 'gcloud', 'docker'] as const;

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
  crds: Record<string, { group: string; kind: string }>;
  objects: Record<string, { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> } }>;
  releases: Record<string, { name: string; namespace: string; chart: string; version: string; values: unknown }>;
  namespaces: string[];
}

export interface FakeState {
  docker: boolean;
  clusters: Record<string, FakeCluster>;
  faults: { match: string; nth?: number; exitCode?: number; stderr?: string; hang?: boolean }[];
  delays: { match: string; ms: number }[];
}

/** Stateful fake kind/kubectl/helm/gcloud/docker first on PATH, a private EGRESS_LAB_HOME, and a user KUBECONFIG to guard. */
export function createFakes() {
  const dir = mkdtempSync(join(tmpdir(), 'egress-lab-fakes-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const name of PROGRAMS) {
    const path = join(bin, name);
    writeFileSync(path, `#!/bin/sh\nexec "${process.execPath}" "${FAKE}" ${name} "$@"\n`);
    chmodSync(path, 0o755);
  }
  const userKubeconfig = join(dir, 'user-kubeconfig');
  writeFileSync(userKubeconfig, 'apiVersion: v1\nkind: Config\ncurrent-context: production\ncontexts:\n- name: production\n  context: {cluster: prod, user: admin}\n');
  const initial: FakeState = { docker: true, clusters: {}, faults: [], delays: [] };
  writeFileSync(join(dir, 'state.json'), JSON.stringify(initial));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${bin}:${process.env['PATH']}`,
    FAKE_STATE_DIR: dir,
    EGRESS_LAB_HOME: join(dir, 'home'),
    KUBECONFIG: userKubeconfig,
    CI: 'true',
  };
  for (const v of ['GLOO_MESH_LICENSE_KEY', 'GLOO_GATEWAY_LICENSE_KEY', 'AGENTGATEWAY_LICENSE_KEY', 'HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete env[v];
  const stateFile = join(dir, 'state.json');
  return {
    dir,
    env,
    home: join(dir, 'home'),
    userKubeconfig,
    state: (): FakeState => JSON.parse(readFileSync(stateFile, 'utf8')) as FakeState,
    update(change: (s: FakeState) => void): void {
      const s = JSON.parse(readFileSync(stateFile, 'utf8')) as FakeState;
      change(s);
      writeFileSync(stateFile, JSON.stringify(s));
    },
    calls: (): Call[] => (existsSync(join(dir, 'calls.jsonl')) ? readFileSync(join(dir, 'calls.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Call) : []),
    clearCalls: () => rmSync(join(dir, 'calls.jsonl'), { force: true }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export type Fakes = ReturnType<typeof createFakes>;
