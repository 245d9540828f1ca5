// The lab's traffic, emulated for `kubectl exec … curl`: each hop decides like the product (../dataplane.ts).

import { backendTranslationError, destinationHeaders, squidLogin, tunnelToken } from '../backend-auth.ts';
import { withLiveStatus } from '../controllers.ts';
import {
  ambientEnrolled,
  extAuthAttached,
  ossRouteBackend,
  serviceEntryAddressed,
  tunnelFor,
  tunnelOf,
  waypointTerminatesHbone,
} from '../dataplane.ts';
import { serviceWaypoint } from '../istio.ts';
import {
  extAuthzLogLine,
  type GatewayLine,
  gatewayLogLine,
  otherClientLines,
  type SquidLine,
  squidLogLine,
  stripsQuery,
} from '../logs.ts';
import { accessLogAttributes, celContext, routePolicyAnswer } from '../policies.ts';
import { arr, at, type FakeCluster, type FakeState, rec, recs, strs } from '../types.ts';
import { Fail, objKey } from './common.ts';

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

export function emulateCurl(state: FakeState, cluster: FakeCluster, ns: string, args: string[]): string {
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
  // Only pods ztunnel captures reach a waypoint at all (dataplane.ts: ambientEnrolled), and only for a
  // ServiceEntry that istiod bound to the egress waypoint (istio.ts: it admits the namespace).
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
  // ztunnel's HBONE connection to a waypoint without an Istio certificate is reset (dataplane.ts).
  if (!waypointTerminatesHbone(cluster, gateway)) fail(56, 'Recv failure: Connection reset by peer');
  const stack = objectsOf(cluster, 'GatewayParameters').length
    ? 'seed'
    : objectsOf(cluster, 'EnterpriseAgentgatewayParameters').length
      ? 'enterprise'
      : 'oss';
  const route =
    objectsOf(cluster, 'HTTPRoute').find((o) => strs(o.spec?.['hostnames']).includes(host))?.metadata.name ?? 'none';
  // The oss waypoint's CEL policies (policies.ts): the access log's added attributes, authorization, rate limits.
  const cel = celContext(cluster, ns, { host, path, headers });
  const attrs = stack === 'oss' ? accessLogAttributes(cluster, gateway, cel) : [];
  const gatewayLog = (status: number, more: Partial<GatewayLine> = {}) =>
    addLog(
      cluster,
      'common-infrastructure',
      'egress-gateway',
      gatewayLogLine(stack, { host, path, status, route, ns, attrs, ...more }),
    );
  // A policy applies only to the Gateway it targets (dataplane.ts) and where its controller attached it
  // (status.ancestors, ../controllers.ts).
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
  // Squid sees the request only when the waypoint's route for this host tunnels through it (dataplane.ts).
  const squid = tunnelFor(cluster, gateway, host, headers);
  // The oss backend the route picked: its target is the line's endpoint; with policies.tls the gateway speaks
  // TLS to it, through the tunnel as a CONNECT to host:port (agentgateway v1.4.1 client/mod.rs).
  const routed = stack === 'oss' ? ossRouteBackend(cluster, gateway, host, headers) : undefined;
  const target = routed?.backend?.spec?.['static'];
  const tls = Boolean(at(routed?.backend?.spec, 'policies', 'tls'));
  const endpoint = target ? `${rec(target)['host']}:${rec(target)['port']}` : true;
  // A backend (or the tunnel's) whose auth policy reads a missing Secret or key is not sent to the proxy, and the
  // route to it answers 500 `service not found` (proxy/mod.rs resolve_backend :456-481; ../backend-auth.ts).
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
    // proxy-auth: Squid checks the tunnel's Proxy-Authorization (../backend-auth.ts squidLogin). A refused CONNECT
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
  // The app's headers as the destination sees them, with a backend's injected key (../backend-auth.ts).
  const sent = destinationHeaders(cluster, routed?.backend, headers);
  return reply(
    200,
    path.startsWith('/headers') ? echo({ ...sent, ...checked, ...edge, ...via }) : '<html>through the gateway</html>',
  );
}
