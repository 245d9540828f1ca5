// What the fake programs share: their failure, flags, object keys, kubeconfig files and new clusters.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { arr, at, type CallRequest, type FakeCluster, type FakeState, type Json, rec, recs } from '../types.ts';

/** What a fake program gets besides its arguments: the call, and an injected cut of a kubectl apply. */
export type Ctx = CallRequest & { cut?: { after: number; stderr?: string | undefined } | undefined };

export class Fail extends Error {
  readonly code: number;
  readonly stdout: string;
  /** `stdout`: what the program printed before it failed (kubectl apply prints each object it applied). */
  constructor(message: string, code = 1, stdout = '') {
    super(message);
    this.code = code;
    this.stdout = stdout;
  }
}
export const randomUid = () => `${Math.random().toString(16).slice(2, 10)}-${Math.random().toString(16).slice(2, 6)}`;

const BASE_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

// ---- helpers ---------------------------------------------------------------------------------------------
/** A flag's value, removed from args; as in the real programs, nothing after `--` is a flag of theirs. */
export function take(args: string[], ...names: string[]): string | undefined {
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
export const flag = (args: string[], name: string): boolean => {
  const i = args.indexOf(name);
  if (i >= 0) {
    args.splice(i, 1);
    return true;
  }
  return false;
};
export const objKey = (kind: string, ns: string | undefined, name: unknown) => `${kind}|${ns ?? ''}|${name}`;

/** A kubeconfig file's content (or anything else YAML there holds). */
export const readYaml = (file: string): unknown => parse(readFileSync(file, 'utf8'));

export function writeKubeconfig(file: string, context: string, server: string): void {
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

export function removeContext(file: string | undefined, context: string): void {
  if (!file || !existsSync(file)) return;
  const cfg = rec(readYaml(file) ?? {});
  for (const key of ['clusters', 'users', 'contexts'])
    cfg[key] = arr(cfg[key] ?? []).filter((e) => rec(e)['name'] !== context);
  // gcloud clears current-context when it pointed at the removed entry.
  if (cfg['current-context'] === context) cfg['current-context'] = '';
  writeFileSync(file, stringify(cfg));
}

/** The cluster a kube call targets: --kubeconfig and --context are required, as egress-lab promises. */
export function targetCluster(
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

export function newCluster(
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

/** The image references of an archive the fake docker save wrote (its own JSON list). */
export const archiveImages = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as string[];

/** With state.offline, every fetch from the internet fails as a program without a network does. */
export function offlineCheck(state: FakeState, message: string): void {
  if (state.offline) throw new Fail(`${message}: dial tcp: lookup: no such host`);
}

export function notFound(resource: string | undefined, name: string | undefined): Fail {
  return new Fail(`Error from server (NotFound): ${resource} "${name}" not found`);
}
