// The fake kind: clusters on the host's Docker and their kubeconfigs.

import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { arr, at, type FakeState, rec, strs } from '../types.ts';
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

function createCluster({ state, name, kubeconfig, args, ctx }: KindCall): string {
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

function exportKubeconfig({ state, name, kubeconfig }: KindCall): string {
  const cluster = state.clusters[name];
  if (!cluster) throw new Fail(`ERROR: could not locate any control plane nodes for cluster named '${name}'`);
  writeKubeconfig(kubeconfig!, `kind-${name}`, cluster.server);
  return '';
}

function loadImageArchive({ state, name, args }: KindCall): string {
  const cluster = state.clusters[name];
  if (!cluster) throw new Fail(`ERROR: no nodes found for cluster "${name}"`);
  const images = archiveImages(args[2]!);
  cluster.images = [...new Set([...(cluster.images ?? []), ...images])];
  return '';
}

function deleteCluster({ state, name, kubeconfig }: KindCall): string {
  delete state.clusters[name];
  removeContext(kubeconfig, `kind-${name}`);
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
  const name = take(args, '--name') ?? 'kind';
  const kubeconfig = take(args, '--kubeconfig');
  const command = `${args[0]} ${args[1]}`;
  const handler = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (handler) return handler({ state, name, kubeconfig, args, ctx });
  throw new Fail(`fake kind: unsupported ${args.join(' ')}`);
}
