// A pod's curl through the egress waypoint (traffic.ts sends it here): the waypoint's ext-authz check, its route
// policies, the backend it picks, Squid's tunnel, and what the destination sees. Each hop decides like the product.

import { backendKinds, backendTranslationError, destinationHeaders, squidLogin, tunnelToken } from '../backend-auth.ts';
import { withLiveStatus } from '../controllers.ts';
import { extAuthAttached, waypointTerminatesHbone } from '../dataplane.ts';
import {
  extAuthzLogLine,
  type GatewayLine,
  gatewayLogLine,
  type SquidLine,
  squidLogLine,
  stripsQuery,
} from '../logs.ts';
import { accessLogAttributes, type CelContext, celContext, routePolicyAnswer } from '../policies.ts';
import { ossRouteBackend, tunnelFor, tunnelOf } from '../routes.ts';
import { at, type FakeCluster, type K8sObject, rec, recs, strs } from '../types.ts';
import { Fail, objKey } from './common.ts';
import { addLog, objectsOf, type PodCurl } from './traffic.ts';

/** The request at the waypoint: which stack runs it, the route that took it, and the gateway's access log. */
interface AtWaypoint extends PodCurl {
  gateway: K8sObject;
  stack: 'seed' | 'enterprise' | 'oss';
  /** The name of the HTTPRoute for the host, `none` when there is none (the access log's route). */
  route: string;
  cel: CelContext;
  gatewayLog: (status: number, more?: Partial<GatewayLine>) => void;
}

function stackOf(cluster: FakeCluster): AtWaypoint['stack'] {
  if (objectsOf(cluster, 'GatewayParameters').length) return 'seed';
  if (objectsOf(cluster, 'EnterpriseAgentgatewayParameters').length) return 'enterprise';
  return 'oss';
}

function atWaypoint(curl: PodCurl, gateway: K8sObject): AtWaypoint {
  const { cluster, ns, host, path, headers } = curl;
  const stack = stackOf(cluster);
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
  return { ...curl, gateway, stack, route, cel, gatewayLog };
}

/**
 * Whether an ext-authz policy runs: a policy applies only to the Gateway it targets (dataplane.ts) and where its
 * controller attached it (status.ancestors, ../controllers.ts).
 */
function extAuthRuns(cluster: FakeCluster, gateway: K8sObject): boolean {
  return (
    extAuthAttached(cluster, gateway) &&
    Object.values(cluster.objects).some(
      (o) =>
        /AgentgatewayPolicy$/.test(o.kind) &&
        at(o.spec, 'traffic', 'extAuth') &&
        recs(withLiveStatus(cluster, o).status?.['ancestors']).some((a) =>
          recs(a['conditions']).some((c) => c['type'] === 'Attached' && c['status'] === 'True'),
        ),
    )
  );
}

/** The ext-authz check: the waypoint's own answer when it refuses, else the header the check adds upstream. */
function extAuthCheck(w: AtWaypoint): { answer?: string; checked: Record<string, string[]> } {
  const { cluster, state, host, path, ns, headers } = w;
  const scenario = state.scenario ?? {};
  if (!extAuthRuns(cluster, w.gateway)) return { checked: {} };
  const authzServer = cluster.objects[objKey('Deployment', 'common-infrastructure', 'ext-authz')];
  if (scenario.extAuthzDown || !authzServer?.status?.['readyReplicas']) {
    // No decision (FailClosed, the default): agentgateway answers 403 itself (http/ext_authz.rs, proxy/mod.rs).
    w.gatewayLog(403, { endpoint: false, error: 'external authorization failed', reason: 'ExtAuth' });
    return { answer: w.reply(403, 'external authorization failed'), checked: {} };
  }
  const sent = headers
    .filter((h) => /^x-ext-authz:/i.test(h))
    .map((h): [string, string] => ['x-ext-authz', (h.split(':')[1] ?? '').trim()]);
  const allow = sent.some(([, v]) => v === 'allow') && !scenario.extAuthzDenyAll;
  const decision = allow ? 'allowed' : 'denied';
  addLog(cluster, 'common-infrastructure', 'ext-authz', extAuthzLogLine({ decision, host, path, ns, headers: sent }));
  if (!allow) {
    w.gatewayLog(403, { endpoint: false, reason: 'DirectResponse' });
    return {
      answer: w.reply(403, 'denied by ext_authz for not found header `x-ext-authz: allow` in the request'),
      checked: {},
    };
  }
  return { checked: { 'X-Ext-Authz-Check-Result': ['allowed'] } };
}

/** Where the waypoint sends the request: the oss backend the route picked, its endpoint, and whether it speaks TLS. */
interface Upstream {
  backend: K8sObject | undefined;
  tunnelVia: K8sObject | undefined;
  endpoint: string | true;
  tls: boolean;
}

/**
 * The oss backend the route picked: its static target is the line's endpoint; with policies.tls the gateway speaks
 * TLS to it, through the tunnel as a CONNECT to host:port (agentgateway v1.4.1 client/mod.rs). A backend that sets
 * no kind never reaches the proxy (backend-auth.ts backendTranslationError: the route answers 500); the other
 * kinds (a2a, dynamicForwardProxy, ai, mcp, aws) are not emulated.
 */
function upstreamOf(w: AtWaypoint): Upstream {
  const routed = w.stack === 'oss' ? ossRouteBackend(w.cluster, w.gateway, w.host, w.headers) : undefined;
  const other = backendKinds(routed?.backend?.spec).find((k) => k !== 'static');
  if (other) throw new Fail(`fake kubectl exec: an AgentgatewayBackend with spec.${other} is not emulated`);
  const target = routed?.backend?.spec?.['static'];
  return {
    backend: routed?.backend,
    tunnelVia: tunnelOf(w.cluster, routed?.backend)?.via,
    endpoint: target ? `${rec(target)['host']}:${rec(target)['port']}` : true,
    tls: Boolean(at(routed?.backend?.spec, 'policies', 'tls')),
  };
}

/** Squid's access-log line for this request, with `more` (denied, user). */
function squidLogger(w: AtWaypoint, squid: K8sObject, up: Upstream, conf: string | undefined) {
  return (more: Partial<SquidLine>) =>
    addLog(
      w.cluster,
      squid.metadata.namespace,
      'squid-proxy',
      squidLogLine({
        host: w.host,
        path: w.path,
        connect: w.stack === 'seed' || up.tls,
        connectTo: up.tls && typeof up.endpoint === 'string' ? up.endpoint : undefined,
        stripQuery: stripsQuery(conf),
        ...more,
      }),
    );
}

/** Squid down or refusing every request (scenario squidDown, squidDenies): the answer, else undefined. */
function squidOut(w: AtWaypoint, line: (more: Partial<SquidLine>) => void): string | undefined {
  const scenario = w.state.scenario ?? {};
  if (scenario.squidDown) {
    // agentgateway's 503 when the call to the proxy fails: `upstream call failed: <the hyper error, Debug>`.
    const error =
      'upstream call failed: Error(Connect, ConnectError("tcp connect error", Os { code: 111, kind: ConnectionRefused, message: "Connection refused" }))';
    w.gatewayLog(503, { error, reason: 'UpstreamFailure' });
    return w.reply(503, error);
  }
  if (!scenario.squidDenies) return undefined;
  line({ denied: true });
  if (w.stack === 'seed') {
    // A refused CONNECT fails the tunnel: agentgateway's 503 (client/connect_tunnel.rs "tunnel failed").
    w.gatewayLog(503, { error: 'upstream call failed: tunnel failed', reason: 'UpstreamFailure' });
    return w.reply(503, 'upstream call failed: tunnel failed');
  }
  // Squid's own error page comes back as the upstream's answer to the absolute-form GET.
  w.gatewayLog(403);
  return w.reply(403, '<html><head><title>ERROR: The requested URL could not be retrieved</title></head></html>');
}

/** The hop through Squid: an answer when the request ends there, else undefined (Squid let it through). */
function squidHop(w: AtWaypoint, squid: K8sObject, up: Upstream): string | undefined {
  const scenario = w.state.scenario ?? {};
  const conf = w.cluster.objects[objKey('ConfigMap', squid.metadata.namespace, 'squid-config')]?.data?.['squid.conf'];
  const line = squidLogger(w, squid, up, conf);
  const out = squidOut(w, line);
  if (out !== undefined) return out;
  // proxy-auth: Squid checks the tunnel's Proxy-Authorization (../backend-auth.ts squidLogin). A refused CONNECT
  // fails the tunnel: 503 `upstream call failed: Connect: tunnel required auth` (client/connect_tunnel.rs :50-51
  // "tunnel required auth", pool error `{kind:?}: {cause}`, crates/pool/src/client.rs); a refused plain request
  // is the upstream's answer, Squid's 407 page (client/mod.rs :646-655).
  const login = squidLogin(w.cluster, squid, conf, tunnelToken(w.cluster, up.tunnelVia));
  if (!login.ok && !scenario.squidBypassed) {
    line({ denied: 407, user: login.user });
    if (up.tls || w.stack === 'seed') {
      const error = 'upstream call failed: Connect: tunnel required auth';
      w.gatewayLog(503, { error, reason: 'UpstreamFailure' });
      return w.reply(503, error);
    }
    w.gatewayLog(407, { endpoint: up.endpoint });
    return w.reply(407, '<html><head><title>ERROR: Cache Access Denied</title></head></html>');
  }
  // squidBypassed: no tunnel, the gateway calls the host itself and Squid logs nothing.
  if (!scenario.squidBypassed) line({ user: login.user });
  return undefined;
}

/** What the destination answers, and the headers it saw. */
function delivered(w: AtWaypoint, up: Upstream, viaSquid: boolean, checked: Record<string, string[]>): string {
  w.gatewayLog(200, { endpoint: up.endpoint });
  // httpbingo.org runs behind Fly.io, whose edge adds X-Forwarded-Proto and X-Forwarded-Port for the port the
  // gateway reached (fly.io/docs/networking/request-headers); Squid adds Via to a request it forwards in the clear,
  // and cannot to one inside a CONNECT tunnel (squid-cache/squid SQUID_6_6 src/cf.data.pre `via`).
  const port = up.tls ? '443' : '80';
  const edge = { 'X-Forwarded-Proto': [up.tls ? 'https' : 'http'], 'X-Forwarded-Port': [port] };
  const via: Record<string, string[]> =
    viaSquid && !up.tls && w.stack !== 'seed' ? { Via: ['1.1 squid-proxy (squid/6.6)'] } : {};
  // The app's headers as the destination sees them, with a backend's injected key (../backend-auth.ts).
  const sent = destinationHeaders(w.cluster, up.backend, w.headers);
  return w.reply(
    200,
    w.path.startsWith('/headers')
      ? w.echo({ ...sent, ...checked, ...edge, ...via })
      : '<html>through the gateway</html>',
  );
}

/** The request from the waypoint on: each hop's answer when it ends there, else the destination's. */
export function throughWaypoint(curl: PodCurl, gateway: K8sObject): string {
  // ztunnel's HBONE connection to a waypoint without an Istio certificate is reset (dataplane.ts).
  if (!waypointTerminatesHbone(curl.cluster, gateway)) curl.fail(56, 'Recv failure: Connection reset by peer');
  const w = atWaypoint(curl, gateway);
  const { answer: refused, checked } = extAuthCheck(w);
  if (refused !== undefined) return refused;
  // Route-phase policies run only for a request a route took (httpproxy.rs), after ext-authz.
  const answer = w.stack === 'oss' && w.route !== 'none' ? routePolicyAnswer(w.cluster, gateway, w.cel) : undefined;
  if (answer) {
    w.gatewayLog(answer.status, { endpoint: false, ...answer });
    return w.reply(answer.status, answer.error);
  }
  // Squid sees the request only when the waypoint's route for this host tunnels through it (dataplane.ts).
  const squid = tunnelFor(w.cluster, gateway, w.host, w.headers);
  const up = upstreamOf(w);
  // A backend (or the tunnel's) whose auth policy reads a missing Secret or key is not sent to the proxy, and the
  // route to it answers 500 `service not found` (proxy/mod.rs resolve_backend :456-481; ../backend-auth.ts).
  if (backendTranslationError(w.cluster, up.backend) ?? backendTranslationError(w.cluster, up.tunnelVia)) {
    w.gatewayLog(500, { endpoint: false, error: 'service not found', reason: 'NotFound' });
    return w.reply(500, 'service not found');
  }
  const stopped = squid ? squidHop(w, squid, up) : undefined;
  if (stopped !== undefined) return stopped;
  return delivered(w, up, squid !== undefined, checked);
}
