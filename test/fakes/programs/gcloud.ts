// The fake gcloud (its account, projects, APIs and GKE clusters) and gke-gcloud-auth-plugin.

import { join, resolve } from 'node:path';
import type { FakeState, GcloudConfig } from '../types.ts';
import { type Ctx, Fail, flag, newCluster, removeContext, take, writeKubeconfig } from './common.ts';

/** The kubeconfig gcloud writes: the first path of KUBECONFIG, else HOME/.kube/config (gcloud reference, get-credentials). */
function gcloudKubeconfig(ctx: Ctx): string {
  const first = (ctx.kubeconfigEnv ?? '').split(':').find(Boolean);
  if (first) return resolve(ctx.cwd ?? '.', first);
  if (!ctx.home) throw new Fail('ERROR: (gcloud) could not find a home directory for the kubeconfig');
  return join(ctx.home, '.kube', 'config');
}

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

export function gkeAuthPlugin(_state: FakeState, args: string[]): string {
  // Not installed is no answer at all: a test removes bin/gke-gcloud-auth-plugin, as for helm or kind.
  if (args[0] === '--version') return 'Kubernetes v1.30.0+03fcd0f8cb9eac57e97a3ed59c702bad8c73be81\n';
  throw new Fail(`fake gke-gcloud-auth-plugin: unsupported ${args.join(' ')}`);
}

/** One `gcloud container clusters VERB NAME` call: --project and --location already taken from args. */
interface ClustersCall {
  state: FakeState;
  args: string[];
  ctx: Ctx;
  verb: string | undefined;
  name: string | undefined;
  project: string | undefined;
  location: string | undefined;
  /** The cluster's key in state.clusters. */
  key: string;
}

const contextOf = ({ project, location, name }: ClustersCall) => `gke_${project}_${location}_${name}`;
const notFoundError = ({ verb, project, location, name }: ClustersCall) =>
  new Fail(
    `ERROR: (gcloud.container.clusters.${verb}) ResponseError: code=404, message=Not found: projects/${project}/locations/${location}/clusters/${name}.`,
  );

function listClusters({ state, args, project }: ClustersCall): string {
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
        ...(c.autopilot ? { autopilot: c.autopilot } : {}),
        ...(c.resourceLabels ? { resourceLabels: c.resourceLabels } : {}),
      })),
      null,
      2,
    )}\n`;
  return listed.map((c) => (format === 'value(name,location)' ? `${c.name}\t${c.location}\n` : `${c.name}\n`)).join('');
}

function createCluster(call: ClustersCall): string {
  const { state, args, ctx, name, project, location, key } = call;
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
  writeKubeconfig(gcloudKubeconfig(ctx), contextOf(call), cluster.server);
  return `Creating cluster ${name} in ${location}...done.\nkubeconfig entry generated for ${name}.\n`;
}

function getCredentials(call: ClustersCall): string {
  const cluster = call.state.clusters[call.key];
  if (!cluster) throw notFoundError(call);
  writeKubeconfig(gcloudKubeconfig(call.ctx), contextOf(call), cluster.server);
  return 'Fetching cluster endpoint and auth data.\nkubeconfig entry generated.\n';
}

function deleteCluster(call: ClustersCall): string {
  if (!call.state.clusters[call.key])
    throw new Fail(`ERROR: (gcloud.container.clusters.delete) ResponseError: code=404, message=Not found`);
  delete call.state.clusters[call.key];
  removeContext(gcloudKubeconfig(call.ctx), contextOf(call));
  return `Deleting cluster ${call.name}...done.\n`;
}

function describeCluster(call: ClustersCall): string {
  const { name, location } = call;
  const c = call.state.clusters[call.key];
  if (!c) throw notFoundError(call);
  // gcloud's --format projections: `value(name)` prints the bare field, `json` the whole resource.
  const format = take(call.args, '--format');
  if (format === 'value(name)') return `${name}\n`;
  if (format !== 'json') throw new Fail('fake gcloud: describe is emulated with --format json or value(name) only');
  const { networkConfig = {}, networkPolicy, addonsConfig = {}, autopilot } = c;
  return `${JSON.stringify({ name, location, status: 'RUNNING', ...(autopilot ? { autopilot } : {}), networkConfig, ...(networkPolicy ? { networkPolicy } : {}), addonsConfig }, null, 2)}\n`;
}

/** The `gcloud container clusters` verbs the fakes emulate. */
const CLUSTER_VERBS: Record<string, (call: ClustersCall) => string> = {
  list: listClusters,
  create: createCluster,
  'get-credentials': getCredentials,
  delete: deleteCluster,
  describe: describeCluster,
};

export function gcloud(state: FakeState, args: string[], ctx: Ctx): string {
  if (args[0] === '--version') return 'Google Cloud SDK 530.0.0\n';
  if (!flag(args, '--quiet')) throw new Fail('fake gcloud: called without --quiet (a prompt would hang)');
  const answered = gcloudAccountCommands(state, args);
  if (answered !== undefined) return answered;
  const project = take(args, '--project');
  const location = take(args, '--location');
  if (args[0] !== 'container' || args[1] !== 'clusters') throw new Fail(`fake gcloud: unsupported ${args.join(' ')}`);
  const verb = args[2];
  const name = args[3];
  if (gcloudConfig(state).disabledApis.includes('container.googleapis.com'))
    throw new Fail(
      `ERROR: (gcloud.container.clusters.${verb}) ResponseError: code=403, message=Kubernetes Engine API has not been used in project ${project} before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/container.googleapis.com/overview?project=${project} then retry.`,
    );
  const handler = verb !== undefined && Object.hasOwn(CLUSTER_VERBS, verb) ? CLUSTER_VERBS[verb] : undefined;
  if (!handler) throw new Fail(`fake gcloud: unsupported ${args.join(' ')}`);
  return handler({ state, args, ctx, verb, name, project, location, key: `gke/${project}/${location}/${name}` });
}
