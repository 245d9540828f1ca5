// The behaviour of the fake kind, kubectl, helm, gcloud and docker (test/fakes/fakes.ts serves it; the
// programs on PATH are small bash clients). State (clusters, CRDs, objects, releases) lives in
// <dir>/state.json; every call is appended to calls.jsonl with argv, stdin, start and end times. Faults and
// delays come from state.json too.
// It behaves like the real programs where egress-lab depends on it: kubectl refuses a kind whose CRD is
// not installed and an object whose namespace does not exist; every kube call needs --kubeconfig and a
// context that the kubeconfig file holds.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';

class Fail extends Error {
  constructor(message, code = 1) {
    super(message);
    this.code = code;
  }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Read, change, write: the server runs one handler at a time between awaits, so no lock is needed. */
function withState(dir, fn) {
  const stateFile = join(dir, 'state.json');
  // What a call changed before it failed stays changed, as with the real programs (a partly applied file).
  const state = JSON.parse(readFileSync(stateFile, 'utf8'));
  try {
    return fn(state);
  } finally {
    writeFileSync(`${stateFile}.tmp`, JSON.stringify(state, null, 1));
    renameSync(`${stateFile}.tmp`, stateFile);
  }
}

// ---- what the charts and the Gateway API release install -------------------------------------------------
const GATEWAY_API_CRDS = [
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
const CHARTS = {
  base: {
    crds: [
      ['serviceentries', 'networking.istio.io', 'ServiceEntry'],
      ['destinationrules', 'networking.istio.io', 'DestinationRule'],
      ['authorizationpolicies', 'security.istio.io', 'AuthorizationPolicy'],
    ],
  },
  istiod: { workloads: [['Deployment', 'istiod']] },
  cni: { workloads: [['DaemonSet', 'istio-cni-node']] },
  ztunnel: { workloads: [['DaemonSet', 'ztunnel']] },
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
const CORE = {
  Namespace: 'v1',
  ConfigMap: 'v1',
  Service: 'v1',
  ServiceAccount: 'v1',
  ResourceQuota: 'v1',
  Deployment: 'apps/v1',
  DaemonSet: 'apps/v1',
  NetworkPolicy: 'networking.k8s.io/v1',
};
const CLUSTER_SCOPED = new Set(['Namespace', 'GatewayClass', 'CustomResourceDefinition']);
const BASE_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

// ---- helpers ---------------------------------------------------------------------------------------------
function take(args, ...names) {
  for (const name of names) {
    const i = args.indexOf(name);
    if (i >= 0) {
      const v = args[i + 1];
      args.splice(i, 2);
      return v;
    }
    const eq = args.findIndex((a) => a.startsWith(`${name}=`));
    if (eq >= 0) {
      const v = args[eq].slice(name.length + 1);
      args.splice(eq, 1);
      return v;
    }
  }
  return undefined;
}
const flag = (args, name) => {
  const i = args.indexOf(name);
  if (i >= 0) {
    args.splice(i, 1);
    return true;
  }
  return false;
};
const objKey = (kind, ns, name) => `${kind}|${ns ?? ''}|${name}`;

function writeKubeconfig(file, context, server) {
  const cfg = existsSync(file) ? (parse(readFileSync(file, 'utf8')) ?? {}) : {};
  cfg.apiVersion = 'v1';
  cfg.kind = 'Config';
  const put = (list, entry) => [...(list ?? []).filter((e) => e.name !== entry.name), entry];
  cfg.clusters = put(cfg.clusters, { name: context, cluster: { server } });
  cfg.users = put(cfg.users, { name: context, user: { token: 'fake-token' } });
  cfg.contexts = put(cfg.contexts, { name: context, context: { cluster: context, user: context } });
  cfg['current-context'] = context;
  mkdirSync(resolve(file, '..'), { recursive: true });
  writeFileSync(file, stringify(cfg));
}

function removeContext(file, context) {
  if (!file || !existsSync(file)) return;
  const cfg = parse(readFileSync(file, 'utf8')) ?? {};
  for (const key of ['clusters', 'users', 'contexts']) cfg[key] = (cfg[key] ?? []).filter((e) => e.name !== context);
  writeFileSync(file, stringify(cfg));
}

/** The cluster a kube call targets: --kubeconfig and --context are required, as egress-lab promises. */
function targetCluster(state, kubeconfig, context, bin) {
  if (!kubeconfig)
    throw new Fail(
      `fake ${bin}: called without --kubeconfig (egress-lab must never fall back to the user's KUBECONFIG)`,
    );
  if (!context) throw new Fail(`fake ${bin}: called without a context flag`);
  if (!existsSync(kubeconfig)) throw new Fail(`error: stat ${kubeconfig}: no such file or directory`);
  const cfg = parse(readFileSync(kubeconfig, 'utf8'));
  const ctx = (cfg.contexts ?? []).find((c) => c.name === context);
  if (!ctx) throw new Fail(`error: context "${context}" does not exist`);
  const server = (cfg.clusters ?? []).find((c) => c.name === ctx.context.cluster)?.cluster?.server;
  const name = Object.keys(state.clusters).find((n) => state.clusters[n].server === server);
  if (!name) throw new Fail(`Unable to connect to the server: dial tcp ${server}: connect: connection refused`);
  return state.clusters[name];
}

function newCluster(state, platform, extra = {}) {
  state.nextPort = (state.nextPort ?? 40000) + 1;
  const uid = `${state.nextPort.toString(16)}-${Math.random().toString(16).slice(2, 10)}`;
  return {
    platform,
    server: `https://127.0.0.1:${state.nextPort}`,
    uid,
    crds: {},
    objects: {},
    releases: {},
    namespaces: [...BASE_NAMESPACES],
    ...extra,
  };
}

function kindKnown(cluster, apiVersion, kind) {
  if (CORE[kind] === apiVersion) return true;
  const group = apiVersion.split('/')[0];
  return Object.values(cluster.crds).some((c) => c.group === group && c.kind === kind);
}

// ---- programs --------------------------------------------------------------------------------------------
function docker(state, args) {
  if (!state.docker)
    throw new Fail('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?');
  state.images ??= [];
  if (args[0] === 'info') return '28.2.2\n';
  if (args[0] === 'image' && args[1] === 'inspect') {
    take(args, '--format');
    const images = args.slice(2);
    const missing = images.find((i) => !state.images.includes(i));
    if (missing) throw new Fail(`Error response from daemon: No such image: ${missing}`);
    return images.map((i) => `sha256:${Buffer.from(i).toString('hex').slice(0, 24)}\n`).join('');
  }
  if (args[0] === 'pull') {
    const image = args.at(-1);
    if (!take(args, '--platform')) throw new Fail('fake docker: pull without --platform');
    if ((state.unpullable ?? []).includes(image))
      throw new Fail(`Error response from daemon: manifest for ${image} not found: manifest unknown`);
    state.images.push(image);
    state.pulled = [...(state.pulled ?? []), image];
    return `${image.split(':').at(-1)}: Pulling from ${image}\nStatus: Downloaded newer image for ${image}\n`;
  }
  if (args[0] === 'save') {
    if (!take(args, '--platform'))
      throw new Fail('fake docker: save without --platform (kind load would hit the containerd image store problem)');
    const out = take(args, '-o');
    const images = args.slice(1);
    for (const image of images)
      if (!state.images.includes(image))
        throw new Fail(`Error response from daemon: reference does not exist: ${image}`);
    writeFileSync(out, JSON.stringify(images));
    return '';
  }
  if (args[0] === 'image' && args[1] === 'rm') {
    state.images = state.images.filter((i) => i !== args[2]);
    return `Untagged: ${args[2]}\n`;
  }
  throw new Fail(`fake docker: unsupported ${args.join(' ')}`);
}

function kind(state, args, ctx) {
  if (args[0] === 'version') return 'kind v0.33.0 go1.24.6 linux/amd64\n';
  const name = take(args, '--name') ?? 'kind';
  const kubeconfig = take(args, '--kubeconfig');
  if (args[0] === 'get' && args[1] === 'clusters')
    return Object.keys(state.clusters)
      .filter((n) => state.clusters[n].platform === 'kind')
      .map((n) => `${n}\n`)
      .join('');
  if (args[0] === 'create' && args[1] === 'cluster') {
    if (!state.docker) throw new Fail('ERROR: failed to create cluster: failed to get docker info');
    const config = take(args, '--config');
    const cfg = parse(readFileSync(resolve(ctx.cwd, config), 'utf8'));
    if (cfg.kind !== 'Cluster' || cfg.apiVersion !== 'kind.x-k8s.io/v1alpha4')
      throw new Fail('ERROR: failed to create cluster: invalid config');
    if (state.clusters[name])
      throw new Fail(`ERROR: failed to create cluster: node(s) already exist for a cluster with the name "${name}"`);
    state.clusters[name] = newCluster(state, 'kind', { nodes: cfg.nodes.length });
    writeKubeconfig(kubeconfig, `kind-${name}`, state.clusters[name].server);
    return `Creating cluster "${name}" ...\n`;
  }
  if (args[0] === 'export' && args[1] === 'kubeconfig') {
    if (!state.clusters[name])
      throw new Fail(`ERROR: could not locate any control plane nodes for cluster named '${name}'`);
    writeKubeconfig(kubeconfig, `kind-${name}`, state.clusters[name].server);
    return '';
  }
  if (args[0] === 'load' && args[1] === 'image-archive') {
    if (!state.clusters[name]) throw new Fail(`ERROR: no nodes found for cluster "${name}"`);
    const images = JSON.parse(readFileSync(args[2], 'utf8'));
    state.clusters[name].images = [...new Set([...(state.clusters[name].images ?? []), ...images])];
    return '';
  }
  if (args[0] === 'delete' && args[1] === 'cluster') {
    delete state.clusters[name];
    removeContext(kubeconfig, `kind-${name}`);
    return `Deleting cluster "${name}" ...\n`;
  }
  throw new Fail(`fake kind: unsupported ${args.join(' ')}`);
}

// What gcloud 528 prints with no active account (google-cloud-sdk, run here with an empty CLOUDSDK_CONFIG).
const noAccount = (command) =>
  new Fail(`ERROR: (gcloud.${command}) You do not currently have an active account selected.
Please run:

  $ gcloud auth login

to obtain new credentials.

If you have already logged in with a different account, run:

  $ gcloud config set account ACCOUNT

to select an already authenticated account to use.`);

/** The account, project, enabled APIs and auth plugin of the fake gcloud (state.gcloud; a logged-in user by default). */
const gcloudConfig = (state) => ({
  account: 'dev@example.com',
  project: undefined,
  disabledApis: [],
  plugin: true,
  projects: ['my-proj', 'demo-project-7'],
  ...(state.gcloud ?? {}),
});

function gcloudAccountCommands(state, args) {
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
    if (!cfg.projects.includes(args[2]))
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

function gkeAuthPlugin(state, args) {
  // Not installed: bash answers 127, as for any program it cannot find.
  if (!gcloudConfig(state).plugin) throw new Fail('bash: line 1: gke-gcloud-auth-plugin: command not found', 127);
  if (args[0] === '--version') return 'Kubernetes v1.30.0+03fcd0f8cb9eac57e97a3ed59c702bad8c73be81\n';
  throw new Fail(`fake gke-gcloud-auth-plugin: unsupported ${args.join(' ')}`);
}

function gcloud(state, args, ctx) {
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
    return Object.entries(state.clusters)
      .filter(([_k, c]) => c.platform === 'gke' && c.project === project && (!filter || c.name === filter))
      .map(([, c]) => (format === 'value(name,location)' ? `${c.name}\t${c.location}\n` : `${c.name}\n`))
      .join('');
  }
  if (verb === 'create') {
    if (state.clusters[key])
      throw new Fail(
        `ERROR: (gcloud.container.clusters.create) ResponseError: code=409, message=Already exists: projects/${project}/locations/${location}/clusters/${name}.`,
      );
    state.clusters[key] = newCluster(state, 'gke', { name, project, location, createdBy: 'gcloud create' });
    return `Creating cluster ${name} in ${location}...done.\n`;
  }
  if (verb === 'get-credentials') {
    if (!state.clusters[key])
      throw new Fail(
        `ERROR: (gcloud.container.clusters.get-credentials) ResponseError: code=404, message=Not found: projects/${project}/locations/${location}/clusters/${name}.`,
      );
    if (!ctx.kubeconfigEnv)
      throw new Fail("fake gcloud: get-credentials without KUBECONFIG would write the user's ~/.kube/config");
    writeKubeconfig(ctx.kubeconfigEnv, `gke_${project}_${location}_${name}`, state.clusters[key].server);
    return 'Fetching cluster endpoint and auth data.\nkubeconfig entry generated.\n';
  }
  if (verb === 'delete') {
    if (!state.clusters[key])
      throw new Fail(`ERROR: (gcloud.container.clusters.delete) ResponseError: code=404, message=Not found`);
    delete state.clusters[key];
    return `Deleting cluster ${name}...done.\n`;
  }
  throw new Fail(`fake gcloud: unsupported ${args.join(' ')}`);
}

function removeRelease(cluster, id) {
  const rel = cluster.releases[id];
  const effects = CHARTS[rel.chartName] ?? {};
  for (const [, , kind] of effects.crds ?? [])
    for (const [n, c] of Object.entries(cluster.crds)) if (c.kind === kind && c.release === id) delete cluster.crds[n];
  for (const [kind, name] of effects.workloads ?? []) delete cluster.objects[objKey(kind, rel.namespace, name)];
  for (const cls of effects.classes ?? []) delete cluster.objects[objKey('GatewayClass', '', cls)];
  delete cluster.releases[id];
}

function helm(state, args, ctx) {
  if (args[0] === 'version') return 'v3.17.3\n';
  const kubeconfig = take(args, '--kubeconfig');
  const context = take(args, '--kube-context');
  const cluster = targetCluster(state, kubeconfig, context, 'helm');
  const namespace = take(args, '--namespace', '-n') ?? 'default';
  if (args[0] === 'upgrade' && args[1] === '--install') {
    const [, , name, chart] = args;
    const version = take(args, '--version');
    const repo = take(args, '--repo');
    const values = take(args, '--values', '-f');
    if (values !== '-') throw new Fail('fake helm: values must come on stdin (--values -)');
    if (!version) throw new Fail('fake helm: no --version (charts must be pinned)');
    const parsedValues = parse(ctx.stdin ?? '') ?? {};
    const chartName = chart.split('/').at(-1);
    if (!CHARTS[chartName]) throw new Fail(`Error: chart "${chart}" not found${repo ? ` in ${repo}` : ''}`);
    if (!cluster.namespaces.includes(namespace)) {
      if (!args.includes('--create-namespace'))
        throw new Fail(`Error: create: failed to create: namespaces "${namespace}" not found`);
      cluster.namespaces.push(namespace);
    }
    const id = `${namespace}/${name}`;
    const effects = CHARTS[chartName];
    for (const [plural, group, kind] of effects.crds ?? [])
      cluster.crds[`${plural}.${group}`] = { group, kind, release: id };
    for (const [kind, wname] of effects.workloads ?? [])
      cluster.objects[objKey(kind, namespace, wname)] = {
        apiVersion: 'apps/v1',
        kind,
        metadata: { name: wname, namespace },
        spec: { replicas: 1 },
        status: { readyReplicas: 1 },
      };
    for (const cls of effects.classes ?? [])
      cluster.objects[objKey('GatewayClass', '', cls)] = {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'GatewayClass',
        metadata: { name: cls },
      };
    const revision = (cluster.releases[id]?.revision ?? 0) + 1;
    cluster.releases[id] = { name, namespace, chart, chartName, repo, version, values: parsedValues, revision };
    return `Release "${name}" has been ${revision > 1 ? 'upgraded' : 'installed'}. Happy Helming!\n`;
  }
  if (args[0] === 'uninstall') {
    const id = `${namespace}/${args[1]}`;
    if (!cluster.releases[id]) throw new Fail(`Error: uninstall: Release not loaded: ${args[1]}: release: not found`);
    removeRelease(cluster, id);
    return `release "${args[1]}" uninstalled\n`;
  }
  if (args[0] === 'status') {
    const rel = cluster.releases[`${namespace}/${args[1]}`];
    if (!rel) throw new Fail('Error: release: not found');
    return `${JSON.stringify({ name: rel.name, info: { status: 'deployed' }, version: rel.revision })}\n`;
  }
  throw new Fail(`fake helm: unsupported ${args.join(' ')}`);
}

function applyDocs(cluster, docs, output) {
  const lines = [];
  for (const o of docs) {
    const { apiVersion, kind, metadata = {} } = o;
    if (!kindKnown(cluster, apiVersion, kind))
      throw new Fail(
        `error: resource mapping not found for name: "${metadata.name}" namespace: "${metadata.namespace ?? ''}" from "STDIN": no matches for kind "${kind}" in version "${apiVersion}"\nensure CRDs are installed first`,
      );
    const ns = CLUSTER_SCOPED.has(kind) ? undefined : (metadata.namespace ?? 'default');
    if (ns && !cluster.namespaces.includes(ns))
      throw new Fail(`Error from server (NotFound): error when creating "STDIN": namespaces "${ns}" not found`);
    if (kind === 'Namespace' && !cluster.namespaces.includes(metadata.name)) cluster.namespaces.push(metadata.name);
    const stored = structuredClone(o);
    if (kind === 'Deployment') stored.status = { readyReplicas: o.spec?.replicas ?? 1 };
    if (kind === 'Gateway') {
      const classKnown = Boolean(cluster.objects[objKey('GatewayClass', '', o.spec.gatewayClassName)]);
      stored.status = { conditions: [{ type: 'Programmed', status: classKnown ? 'True' : 'Unknown' }] };
      cluster.objects[objKey('Deployment', ns, metadata.name)] = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: metadata.name, namespace: ns },
        spec: { replicas: 1 },
        status: { readyReplicas: classKnown ? 1 : 0 },
        ownedBy: 'Gateway',
      };
    }
    cluster.objects[objKey(kind, ns, metadata.name)] = stored;
    lines.push(
      output === 'name'
        ? `${kind.toLowerCase()}/${metadata.name}`
        : `${kind.toLowerCase()}/${metadata.name} serverside-applied`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function deleteObject(cluster, kind, ns, name) {
  if (kind === 'Namespace') {
    cluster.namespaces = cluster.namespaces.filter((n) => n !== name);
    for (const k of Object.keys(cluster.objects)) if (k.split('|')[1] === name) delete cluster.objects[k];
  }
  if (kind === 'Gateway') delete cluster.objects[objKey('Deployment', ns, name)];
  if (kind === 'CustomResourceDefinition') delete cluster.crds[name];
  delete cluster.objects[objKey(kind, ns, name)];
}

function notFound(resource, name) {
  return new Fail(`Error from server (NotFound): ${resource} "${name}" not found`);
}

function findByResource(cluster, resource, ns, name) {
  const kind = {
    deploy: 'Deployment',
    deployment: 'Deployment',
    'deployment.apps': 'Deployment',
    ds: 'DaemonSet',
    daemonset: 'DaemonSet',
    gateway: 'Gateway',
    'gateway.gateway.networking.k8s.io': 'Gateway',
  }[resource];
  if (kind) return cluster.objects[objKey(kind, ns, name)];
  if (resource === 'crd') return cluster.crds[name];
  return Object.values(cluster.objects).find((o) => {
    const names = [o.kind.toLowerCase(), `${o.kind.toLowerCase()}.${o.apiVersion.split('/')[0]}`];
    if (!names.includes(resource) || o.metadata.name !== name) return false;
    return CLUSTER_SCOPED.has(o.kind) || (o.metadata.namespace ?? 'default') === ns;
  });
}

// ---- the lab's traffic, emulated for `kubectl exec … curl` and `kubectl logs` ----------------------------
// Knobs (state.scenario): squidDown, extAuthzDenyAll, bypassGateway, warmupFailures (first N curls fail DNS).
const SRC = { ip: '10.244.1.7', port: 40312 };

function addLog(cluster, ns, workload, line) {
  cluster.logs ??= {};
  cluster.logs[`${ns}/${workload}`] ??= [];
  cluster.logs[`${ns}/${workload}`].push({ at: new Date().toISOString(), line });
}

function curlArgs(args) {
  const headers = [];
  let format = '';
  let url;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-H') headers.push(args[++i]);
    else if (a === '-w') format = args[++i];
    else if (a === '-m') i++;
    else if (!a.startsWith('-')) url = a;
  }
  return { headers, format, url: new URL(url) };
}

const objectsOf = (cluster, kind) => Object.values(cluster.objects).filter((o) => o.kind === kind);
const hostMatches = (pattern, host) =>
  pattern === host || (pattern.startsWith('*.') && host.endsWith(pattern.slice(1)));

function emulateCurl(state, cluster, ns, args) {
  const scenario = state.scenario ?? {};
  const { headers, format, url } = curlArgs(args);
  const host = url.hostname;
  const path = url.pathname + url.search;
  const reply = (status, body) => `${body}${format.replace('%{http_code}', String(status)).replace(/\\n/g, '\n')}`;
  const fail = (code, message) => {
    throw new Fail(`curl: (${code}) ${message}\ncommand terminated with exit code ${code}`, code);
  };
  if (scenario.warmupFailures > 0) {
    scenario.warmupFailures--;
    fail(6, `Could not resolve host: ${host}`);
  }
  const gateway = cluster.objects[objKey('Gateway', 'common-infrastructure', 'egress-gateway')];
  const programmed = gateway?.status?.conditions?.some((c) => c.type === 'Programmed' && c.status === 'True');
  const serviceEntry = objectsOf(cluster, 'ServiceEntry').some(
    (o) =>
      o.metadata.labels?.['istio.io/use-waypoint'] === 'egress-gateway' &&
      (o.spec.hosts ?? []).some((h) => hostMatches(h, host)),
  );
  const egressPolicies = Object.values(cluster.releases).some(
    (r) => r.chartName === 'ztunnel' && (r.values?.egressPolicies ?? []).some((p) => p.policy === 'Gateway'),
  );
  const blocked = objectsOf(cluster, 'NetworkPolicy').some(
    (o) => o.metadata.namespace === ns && (o.spec.policyTypes ?? []).includes('Egress'),
  );
  const echo = (extra = {}) =>
    JSON.stringify({ headers: { Accept: ['*/*'], Host: [host], 'User-Agent': ['curl/8.16.0'], ...extra } }, null, 2);
  if (scenario.bypassGateway || !programmed || !(serviceEntry || egressPolicies)) {
    if (blocked && !scenario.bypassGateway) fail(28, 'Connection timed out after 10002 milliseconds');
    return reply(200, path.startsWith('/headers') ? echo() : '<html>direct</html>');
  }
  const gatewayLog = (status) =>
    addLog(
      cluster,
      'common-infrastructure',
      'egress-gateway',
      `${new Date().toISOString()}\tinfo\trequest gateway=common-infrastructure/egress-gateway listener=mesh route=_waypoint-default endpoint=${host}:80 src.addr=${SRC.ip}:${SRC.port} http.method=GET http.host=${host} http.path=${path} http.version=HTTP/1.1 http.status=${status} protocol=http duration=14ms`,
    );
  const extAuth = Object.values(cluster.objects).some(
    (o) => /AgentgatewayPolicy$/.test(o.kind) && o.spec?.traffic?.extAuth,
  );
  let checked = {};
  if (extAuth) {
    const allow = headers.some((h) => /^x-ext-authz:\s*allow$/i.test(h)) && !scenario.extAuthzDenyAll;
    const d = new Date().toISOString().replace('T', ' ').slice(0, 19).replace(/-/g, '/');
    addLog(
      cluster,
      'common-infrastructure',
      'ext-authz',
      `${d} [gRPCv3][${allow ? 'allowed' : 'denied'}]: ${host}${path}, attributes: source:{address:{socket_address:{address:"${SRC.ip}" port_value:${SRC.port}}} principal:"spiffe://cluster.local/ns/${ns}/sa/sleep"} destination:{address:{socket_address:{address:"10.244.2.9" port_value:15008}}} request:{http:{method:"GET" path:"${path}" host:"${host}"}}`,
    );
    if (!allow) {
      gatewayLog(403);
      return reply(403, 'denied by ext_authz for not found header `x-ext-authz: allow` in the request');
    }
    checked = { 'X-Ext-Authz-Check-Result': ['allowed'] };
  }
  const squid = objectsOf(cluster, 'Deployment').find((o) => o.metadata.name === 'squid-proxy');
  if (squid) {
    if (scenario.squidDown) {
      gatewayLog(503);
      return reply(503, 'upstream connect error or disconnect/reset before headers. reset reason: connection failure');
    }
    const seedImage = objectsOf(cluster, 'GatewayParameters').length > 0;
    const epoch = (Date.now() / 1000).toFixed(3);
    addLog(
      cluster,
      squid.metadata.namespace,
      'squid-proxy',
      seedImage
        ? `${epoch}     12 ${SRC.ip} TCP_TUNNEL/200 811 CONNECT ${host}:80 - HIER_DIRECT/66.241.125.232 -`
        : `${epoch}     12 ${SRC.ip} TCP_MISS/200 811 GET http://${host}${path} - HIER_DIRECT/66.241.125.232 application/json`,
    );
  }
  gatewayLog(200);
  return reply(200, path.startsWith('/headers') ? echo(checked) : '<html>through the gateway</html>');
}

// The DaemonSets' pod labels and container names, as the istio charts set them (ztunnel and istio-cni
// templates/daemonset.yaml); one pod per node (kind: a control plane and two workers).
const DAEMONSET_PODS = {
  'app=ztunnel': { name: 'ztunnel', container: 'istio-proxy' },
  'k8s-app=istio-cni-node': { name: 'istio-cni-node', container: 'install-cni' },
};
const NODE_SUFFIXES = ['4xk2p', 'b7n9q', 'r2m8d'];

/** kubectl logs -l SELECTOR: every matching pod; with --prefix each line starts [pod/NAME/CONTAINER]. */
/** --since=5m as an RFC 3339 time to compare the stored lines with. */
function sinceDuration(d) {
  if (!d) return undefined;
  const m = /^(\d+)(s|m|h)$/.exec(d);
  if (!m) throw new Fail(`error: invalid argument "${d}" for "--since" flag: time: unknown unit`);
  const ms = Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[m[2]];
  return new Date(Date.now() - ms).toISOString();
}

function selectorLogs(cluster, ns, selector, prefix, since) {
  const ds = DAEMONSET_PODS[selector];
  if (!ds || !cluster.objects[objKey('DaemonSet', ns, ds.name)]) return `No resources found in ${ns} namespace.\n`;
  const lines = (cluster.logs?.[`${ns}/${ds.name}`] ?? []).filter((l) => !since || l.at >= since);
  const pods = NODE_SUFFIXES.map((s) => `${ds.name}-${s}`);
  const out = [];
  for (const [p, pod] of pods.entries())
    for (const l of lines.filter((_l, i) => i % pods.length === p))
      out.push(`${prefix ? `[pod/${pod}/${ds.container}] ` : ''}${l.line}`);
  return out.length ? `${out.join('\n')}\n` : '';
}

function workloadLogs(cluster, ns, workload, since) {
  const name = workload.split('/')[1];
  const kind = workload.startsWith('ds/') ? 'DaemonSet' : 'Deployment';
  if (!cluster.objects[objKey(kind, ns, name)])
    throw notFound(kind === 'DaemonSet' ? 'daemonsets.apps' : 'deployments.apps', name);
  const all = (cluster.logs?.[`${ns}/${name}`] ?? []).filter((l) => !since || l.at >= since).map((l) => l.line);
  // As kubectl does: logs of ds/NAME are one pod's ("Found 3 pods, using pod/…"), not the DaemonSet's.
  const lines = kind === 'DaemonSet' ? all.filter((_l, i) => i % NODE_SUFFIXES.length === 0) : all;
  return lines.length ? `${lines.join('\n')}\n` : '';
}

function kubectl(state, args, ctx) {
  if (args[0] === 'version') return `${JSON.stringify({ clientVersion: { gitVersion: 'v1.33.1' } })}\n`;
  const cluster = targetCluster(state, take(args, '--kubeconfig'), take(args, '--context'), 'kubectl');
  const ns = take(args, '--namespace', '-n') ?? 'default';
  const output = take(args, '--output', '-o');
  const verb = args[0];
  if (verb === 'apply') {
    if (!flag(args, '--server-side')) throw new Fail('fake kubectl: apply without --server-side');
    if (take(args, '--field-manager') !== 'egress-lab')
      throw new Fail('fake kubectl: apply without --field-manager egress-lab');
    const file = take(args, '-f', '--filename');
    if (file === '-')
      return applyDocs(
        cluster,
        parseAllDocuments(ctx.stdin)
          .map((d) => d.toJS())
          .filter(Boolean),
        output,
      );
    if (
      /^https:\/\/github\.com\/kubernetes-sigs\/gateway-api\/releases\/download\/v[\d.]+\/experimental-install\.yaml$/.test(
        file,
      )
    ) {
      for (const [plural, group, kind] of GATEWAY_API_CRDS) cluster.crds[`${plural}.${group}`] = { group, kind };
      return `${GATEWAY_API_CRDS.map(
        ([p, g]) =>
          `customresourcedefinition.apiextensions.k8s.io/${p}.${g}${output === 'name' ? '' : ' serverside-applied'}`,
      ).join('\n')}\n`;
    }
    throw new Fail(`fake kubectl: cannot fetch ${file}`);
  }
  if (verb === 'wait') {
    const cond = take(args, '--for');
    take(args, '--timeout');
    for (const ref of args.slice(1)) {
      const [resource, name] = ref.split('/');
      if (cond === 'condition=Established') {
        if (!cluster.crds[name]) throw notFound('customresourcedefinitions.apiextensions.k8s.io', name);
        continue;
      }
      const obj = findByResource(cluster, resource, ns, name);
      if (!obj) throw notFound(`${resource}s`, name);
      const want = cond.replace(/^condition=/, '');
      if (!(obj.status?.conditions ?? []).some((c) => c.type === want && c.status === 'True'))
        throw new Fail(`error: timed out waiting for the condition on ${resource}/${name}`);
    }
    return `${args
      .slice(1)
      .map((r) => `${r} condition met`)
      .join('\n')}\n`;
  }
  if (verb === 'rollout' && args[1] === 'status') {
    take(args, '--timeout');
    const [resource, name] = args[2].split('/');
    const obj = findByResource(cluster, resource, ns, name);
    if (!obj) throw notFound(resource === 'ds' ? 'daemonsets.apps' : 'deployments.apps', name);
    if (obj.status && obj.status.readyReplicas === 0) throw new Fail(`error: timed out waiting for the condition`);
    return `${resource === 'ds' ? 'daemon set' : 'deployment'} "${name}" successfully rolled out\n`;
  }
  if (verb === 'get') {
    if (args[1] === '--raw') return 'ok';
    if (args[1] === 'namespace' && args[2] === 'kube-system') return cluster.uid ?? 'uid-unknown';
    const ignore = flag(args, '--ignore-not-found');
    const file = take(args, '-f');
    if (file === '-') {
      return parseAllDocuments(ctx.stdin)
        .map((d) => d.toJS())
        .filter(Boolean)
        .filter(
          (o) =>
            findByResource(cluster, o.kind.toLowerCase(), o.metadata.namespace ?? 'default', o.metadata.name) ||
            (!ignore &&
              (() => {
                throw notFound(o.kind.toLowerCase(), o.metadata.name);
              })()),
        )
        .map((o) => `${o.kind.toLowerCase()}/${o.metadata.name}\n`)
        .join('');
    }
    if (args[1] === 'namespaces') return `${cluster.namespaces.map((n) => `namespace/${n}`).join('\n')}\n`;
    const obj = findByResource(cluster, args[1], ns, args[2]);
    if (!obj) throw notFound(args[1], args[2]);
    if (output === 'name') return `${args[1]}/${args[2]}\n`;
    if (output?.startsWith('jsonpath=')) {
      if (output.includes('readyReplicas')) return `${obj.status?.readyReplicas ?? 0}/${obj.spec?.replicas ?? 1}`;
      if (output.includes('Programmed'))
        return obj.status?.conditions?.find((c) => c.type === 'Programmed')?.status ?? '';
    }
    return `${JSON.stringify(obj)}\n`;
  }
  if (verb === 'exec') {
    const dash = args.indexOf('--');
    const [resource, name] = args[1].split('/');
    const pod = findByResource(cluster, resource, ns, name);
    if (!pod) throw notFound('deployments.apps', name);
    if (args[dash + 1] !== 'curl') throw new Fail(`fake kubectl exec: only curl is emulated, not ${args[dash + 1]}`);
    return emulateCurl(state, cluster, ns, args.slice(dash + 2));
  }
  if (verb === 'logs') {
    const since = take(args, '--since-time') ?? sinceDuration(take(args, '--since'));
    take(args, '--tail');
    take(args, '--max-log-requests');
    flag(args, '--follow');
    const prefix = flag(args, '--prefix');
    const selector = take(args, '-l');
    if (selector) return selectorLogs(cluster, ns, selector, prefix, since);
    return workloadLogs(cluster, ns, args[1], since);
  }
  if (verb === 'delete') {
    flag(args, '--ignore-not-found');
    take(args, '--wait');
    take(args, '--timeout');
    const file = take(args, '-f');
    if (file === '-') {
      for (const o of parseAllDocuments(ctx.stdin)
        .map((d) => d.toJS())
        .filter(Boolean))
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

// ---- one call --------------------------------------------------------------------------------------------
const PROGRAMS = { docker, kind, gcloud, helm, kubectl, 'gke-gcloud-auth-plugin': gkeAuthPlugin };

/** Runs one call of a fake program: { bin, argv, stdin, cwd, kubeconfigEnv } in, { stdout, stderr, code } out. */
export async function handle(dir, req) {
  const { bin, argv } = req;
  const start = Date.now();
  const line = [bin, ...argv].join(' ');
  let code = 0;
  let stdout = '';
  let stderr = '';
  try {
    const { delayMs, fault } = withState(dir, (state) => {
      const delayMs = (state.delays ?? []).filter((d) => new RegExp(d.match).test(line)).reduce((a, d) => a + d.ms, 0);
      let fault;
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
    if (req.killed?.()) throw new Fail('killed before it acted', 143);
    if (fault?.hang) await new Promise(() => undefined);
    if (fault) throw new Fail(fault.stderr ?? `fake ${bin}: injected failure`, fault.exitCode ?? 1);
    stdout = withState(dir, (state) => PROGRAMS[bin](state, [...argv], req));
  } catch (e) {
    code = e instanceof Fail ? e.code : 1;
    stderr = `${e instanceof Fail ? e.message : String(e.stack ?? e)}\n`;
  }
  appendFileSync(
    join(dir, 'calls.jsonl'),
    `${JSON.stringify({
      bin,
      argv,
      stdin: req.stdin,
      cwd: req.cwd,
      env: { KUBECONFIG: req.kubeconfigEnv },
      start,
      end: Date.now(),
      exitCode: code,
    })}\n`,
  );
  return { stdout, stderr, code };
}
