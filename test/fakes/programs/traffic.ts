// The lab's traffic, emulated for `kubectl exec … curl`: each hop decides like the product (../dataplane.ts).
// This module takes the curl apart and decides whether the request reaches the egress waypoint at all;
// waypoint-hops.ts follows it through the waypoint, ext-authz and Squid.

import { ambientEnrolled, serviceEntryAddressed } from '../dataplane.ts';
import { serviceWaypoint } from '../istio.ts';
import { otherClientLines } from '../logs.ts';
import { arr, at, type FakeCluster, type FakeState, type K8sObject, rec, recs, strs } from '../types.ts';
import { Fail, objKey } from './common.ts';
import { throughWaypoint } from './waypoint-hops.ts';

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

// ---- the lab's traffic, emulated for `kubectl exec … curl` and `kubectl logs` ----------------------------
// Knobs (state.scenario): squidDown, squidDenies, squidBypassed (the gateway calls the host directly),
// otherClients (another workload's traffic to the host in the gateway's and Squid's logs), extAuthzDenyAll,
// extAuthzDown (the gateway cannot reach ext-authz, as with its Deployment gone),
// bypassGateway, warmupFailures (first N curls fail DNS). ../logs.ts prints the lines in the products' shapes.

export function addLog(cluster: FakeCluster, ns: string | undefined, workload: string, line: string): void {
  cluster.logs ??= {};
  cluster.logs[`${ns}/${workload}`] ??= [];
  cluster.logs[`${ns}/${workload}`]?.push({ at: new Date().toISOString(), line });
}

/**
 * curl's own refusal of its command line (curl/curl curl-8_16_0 src/tool_msgs.c helpf, src/tool_operate.c: exit
 * CURLE_FAILED_INIT, 2), as kubectl exec passes it on.
 */
const curlUsage = (message: string) =>
  new Fail(
    `curl: ${message}\ncurl: try 'curl --help' or 'curl --manual' for more information\ncommand terminated with exit code 2`,
    2,
  );

function curlArgs(args: string[]): { headers: string[]; format: string; discard: boolean; url: URL } {
  const headers: string[] = [];
  let format = '';
  let url: string | undefined;
  let discard = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    // An option without its value: "option -H: requires parameter" (src/tool_getparam.c, tool_helpers.c param2text).
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw curlUsage(`option ${a}: requires parameter`);
      return v;
    };
    if (a === '-H') headers.push(value());
    else if (a === '-w') format = value();
    else if (a === '-o') {
      // -o FILE writes the body there instead of stdout; only /dev/null is emulated (the pod has no files of ours).
      if (value() !== '/dev/null') throw new Fail(`fake curl: -o ${args[i]} is not emulated`);
      discard = true;
    } else if (a === '-m') value();
    else if (!a.startsWith('-')) url = a;
  }
  if (url === undefined) throw curlUsage('(2) no URL specified');
  // A URL without a scheme is guessed to be http:// (CURLU_GUESS_SCHEME, src/config2setopts.c).
  return { headers, format, discard, url: new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`) };
}

export const objectsOf = (cluster: FakeCluster, kind: string) =>
  Object.values(cluster.objects).filter((o) => o.kind === kind);
const hostMatches = (pattern: string, host: string) =>
  pattern === host || (pattern.startsWith('*.') && host.endsWith(pattern.slice(1)));

/** One curl from a pod of namespace `ns`, and how it answers: a reply, or curl's failure. */
export interface PodCurl {
  state: FakeState;
  cluster: FakeCluster;
  ns: string;
  host: string;
  path: string;
  headers: string[];
  reply: (status: number, body: string) => string;
  fail: (code: number, message: string) => never;
  /** The body of an echo of the request's headers (httpbingo's /headers), with `extra` headers. */
  echo: (extra?: Record<string, string[]>) => string;
}

function podCurl(state: FakeState, cluster: FakeCluster, ns: string, args: string[]): PodCurl {
  const { headers, format, discard, url } = curlArgs(args);
  const host = url.hostname;
  return {
    state,
    cluster,
    ns,
    host,
    path: url.pathname + url.search,
    headers,
    reply: (status, body) =>
      `${discard ? '' : body}${format.replace('%{http_code}', String(status)).replace(/\\n/g, '\n')}`,
    fail: (code, message) => {
      throw new Fail(`curl: (${code}) ${message}\ncommand terminated with exit code ${code}`, code);
    },
    echo: (extra = {}) =>
      JSON.stringify({ headers: { Accept: ['*/*'], Host: [host], 'User-Agent': ['curl/8.16.0'], ...extra } }, null, 2),
  };
}

/**
 * Whether ztunnel sends the request to the egress waypoint. Only pods ztunnel captures reach a waypoint at all
 * (dataplane.ts: ambientEnrolled), and only for a ServiceEntry that istiod bound to the egress waypoint (istio.ts:
 * it admits the namespace), or with ztunnel's Gateway egress policy.
 */
function sentToWaypoint({ cluster, ns, host }: PodCurl): boolean {
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
  return serviceEntry || egressPolicies;
}

/** The egress waypoint when it is Programmed. */
function programmedGateway(cluster: FakeCluster): K8sObject | undefined {
  const gateway = cluster.objects[objKey('Gateway', 'common-infrastructure', 'egress-gateway')];
  const programmed = arr(gateway?.status?.['conditions']).some(
    (c) => rec(c)['type'] === 'Programmed' && rec(c)['status'] === 'True',
  );
  return programmed ? gateway : undefined;
}

/** Another workload's traffic to the host, in the gateway's and Squid's logs (scenario otherClients). */
function logOtherClients({ cluster, host }: PodCurl): void {
  const other = otherClientLines(host);
  addLog(cluster, 'common-infrastructure', 'egress-gateway', other.gateway);
  const squidNs = objectsOf(cluster, 'Deployment').find((o) => o.metadata.name === 'squid-proxy')?.metadata.namespace;
  if (squidNs) for (const l of other.squid) addLog(cluster, squidNs, 'squid-proxy', l);
}

/** The request straight to the host, unless an egress NetworkPolicy of the namespace drops it. */
function directAnswer(curl: PodCurl, bypass: boolean): string {
  const { cluster, ns, path } = curl;
  const blocked =
    enforcesNetworkPolicy(cluster) &&
    objectsOf(cluster, 'NetworkPolicy').some(
      (o) => o.metadata.namespace === ns && strs(o.spec?.['policyTypes']).includes('Egress'),
    );
  if (blocked && !bypass) curl.fail(28, 'Connection timed out after 10002 milliseconds');
  return curl.reply(
    200,
    path.startsWith('/headers')
      ? curl.echo({ 'X-Forwarded-Proto': ['http'], 'X-Forwarded-Port': ['80'] })
      : '<html>direct</html>',
  );
}

export function emulateCurl(state: FakeState, cluster: FakeCluster, ns: string, args: string[]): string {
  const scenario = state.scenario ?? {};
  const curl = podCurl(state, cluster, ns, args);
  if ((scenario.warmupFailures ?? 0) > 0) {
    scenario.warmupFailures = (scenario.warmupFailures ?? 0) - 1;
    curl.fail(6, `Could not resolve host: ${curl.host}`);
  }
  const gateway = programmedGateway(cluster);
  const viaWaypoint = sentToWaypoint(curl);
  if (scenario.otherClients) logOtherClients(curl);
  if (scenario.bypassGateway || !gateway || !viaWaypoint) return directAnswer(curl, Boolean(scenario.bypassGateway));
  return throughWaypoint(curl, gateway);
}
