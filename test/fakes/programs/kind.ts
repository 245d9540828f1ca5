// The fake kind: clusters on the host's Docker and their kubeconfigs.

import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { arr, at, type FakeState, type Json, rec, strs } from '../types.ts';
import { archiveImages, type Ctx, Fail, newCluster, readYaml, removeContext, take, writeKubeconfig } from './common.ts';

/** One kind call: --name (default `kind`) and --kubeconfig already taken from args. */
interface KindCall {
  state: FakeState;
  name: string;
  kubeconfig: string | undefined;
  args: string[];
  ctx: Ctx;
}

function getClusters({ state }: KindCall): string {
  return Object.entries(state.clusters)
    .filter(([, c]) => c.platform === 'kind')
    .map(([n]) => `${n}\n`)
    .join('');
}

/**
 * The kubeconfig files kind reads and writes without --kubeconfig (kubernetes-sigs/kind
 * pkg/cluster/internal/kubeconfig/internal/kubeconfig/paths.go@v0.32.0): the paths of $KUBECONFIG (empty ones and
 * repeats dropped), else $HOME/.kube/config. kind writes to the first of them that exists, else the last
 * (pathForMerge), and removes a cluster's entries from each (remove.go RemoveKIND).
 */
function kubeconfigPaths(explicit: string | undefined, ctx: Ctx): string[] {
  if (explicit) return [explicit];
  const env = [...new Set((ctx.kubeconfigEnv ?? '').split(':').filter(Boolean))];
  return env.length ? env : [join(ctx.home, '.kube', 'config')];
}
function kubeconfigToWrite(explicit: string | undefined, ctx: Ctx): string {
  const paths = kubeconfigPaths(explicit, ctx);
  return paths.find((p) => existsSync(p) && statSync(p).isFile()) ?? paths.at(-1) ?? '';
}

/** The cluster config: --config FILE, `--config -` (stdin, createcluster.go configOption), or none. */
function clusterConfig(config: string | undefined, ctx: Ctx): Json {
  if (config === undefined) return { kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4' };
  return rec(config === '-' ? parse(ctx.stdin ?? '') : readYaml(resolve(ctx.cwd, config)));
}

function createCluster({ state, name, kubeconfig, args, ctx }: KindCall): string {
  if (!state.docker) throw new Fail('ERROR: failed to create cluster: failed to get docker info');
  const cfg = clusterConfig(take(args, '--config'), ctx);
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
  // A config without nodes is one control-plane node (pkg/internal/apis/config/default.go@v0.32.0).
  const cluster = newCluster(state, 'kind', { nodes: Math.max(nodes.length, 1), cni });
  state.clusters[name] = cluster;
  writeKubeconfig(kubeconfigToWrite(kubeconfig, ctx), `kind-${name}`, cluster.server);
  return `Creating cluster "${name}" ...\n`;
}

/** kind v0.32.0 pkg/cmd/kind/get/kubeconfig: prints the cluster's kubeconfig (context kind-NAME). */
function getKubeconfig({ state, name }: KindCall): string {
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

function exportKubeconfig({ state, name, kubeconfig, ctx }: KindCall): string {
  const cluster = state.clusters[name];
  if (!cluster) throw new Fail(`ERROR: could not locate any control plane nodes for cluster named '${name}'`);
  writeKubeconfig(kubeconfigToWrite(kubeconfig, ctx), `kind-${name}`, cluster.server);
  return '';
}

function loadImageArchive({ state, name, args }: KindCall): string {
  // The archive is required (pkg/cmd/kind/load/image-archive/image-archive.go@v0.32.0 Args); kind prints its
  // errors as `ERROR: …` and exits 1 (cmd/kind/app/main.go).
  if (args[2] === undefined) throw new Fail('ERROR: name of image archive is required');
  const cluster = state.clusters[name];
  if (!cluster) throw new Fail(`ERROR: no nodes found for cluster "${name}"`);
  const images = archiveImages(args[2]!);
  cluster.images = [...new Set([...(cluster.images ?? []), ...images])];
  return '';
}

function deleteCluster({ state, name, kubeconfig, ctx }: KindCall): string {
  delete state.clusters[name];
  for (const path of kubeconfigPaths(kubeconfig, ctx)) removeContext(path, `kind-${name}`);
  return `Deleting cluster "${name}" ...\n`;
}

/** The kind commands the fakes emulate, by their first two words. */
const COMMANDS: Record<string, (call: KindCall) => string> = {
  'get clusters': getClusters,
  'create cluster': createCluster,
  'get kubeconfig': getKubeconfig,
  'export kubeconfig': exportKubeconfig,
  'load image-archive': loadImageArchive,
  'delete cluster': deleteCluster,
};

export function kind(state: FakeState, args: string[], ctx: Ctx): string {
  if (args[0] === 'version') return 'kind v0.33.0 go1.24.6 linux/amd64\n';
  // --name (-n) defaults to `kind` (pkg/cluster/provider.go DefaultName, pkg/cluster/constants/constants.go@v0.32.0).
  const name = take(args, '--name', '-n') ?? 'kind';
  const kubeconfig = take(args, '--kubeconfig');
  const command = `${args[0]} ${args[1]}`;
  const handler = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (handler) return handler({ state, name, kubeconfig, args, ctx });
  throw new Fail(`fake kind: unsupported ${args.join(' ')}`);
}
