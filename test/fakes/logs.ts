// The log lines the fakes print for the lab's traffic, in the shapes the real products print.
// Real lines of each shape are in ../shared/fixtures/logs (see its SOURCES.md); test/unit/evidence.test.ts
// parses those and these alike. Shapes with no real line are taken from the printing code:
// - agentgateway (OSS v1.4.1): crates/core/src/telemetry.rs `log` writes `<date>\t<level>\t<target>` and
//   ` key=value` for each present field; crates/core/src/telemetry/date.rs writes RFC 3339 with microseconds;
//   crates/agentgateway/src/telemetry/log.rs orders the fields (gateway, listener, route, endpoint, src.addr,
//   http.method, http.host, http.path, http.version, http.status, protocol, error, reason, duration); http.path
//   is the path with its query (proxy/httpproxy.rs); `error` is the ProxyError's text, serde-quoted; `reason`
//   is absent for an upstream answer, `DirectResponse` for a policy's answer (an ext-authz denial), `ExtAuth`
//   when the check failed, `UpstreamFailure` when the upstream call failed (proxy/mod.rs). `endpoint` is set
//   once a backend is called, so a policy's answer has none (proxy/httpproxy.rs).
// - the ext-authz sample (istio/istio samples/extauthz/cmd/extauthz/main.go, 1.25.x): Go's log.Printf with
//   `[gRPCv3][allowed|denied]: <host><path>, attributes: <CheckRequest attributes>`.
// - Squid: `logformat squid` (src/cf.data.pre, SQUID_5_7 and SQUID_6_x); a denial is
//   `TCP_DENIED/403 … HIER_NONE/- text/html`, as Debian's squid 5.7 logged it in test/squid.

/** The sample pod and the waypoint pod, as the lab's fake cluster addresses them. */
export const SRC = { ip: '10.244.1.7', port: 40312 };
export const WAYPOINT_IP = '10.244.2.9';

const micros = () =>
  `${new Date().toISOString().slice(0, 23)}${String(Math.floor(Math.random() * 1000)).padStart(3, '0')}Z`;

/**
 * agentgateway's request line for a plain HTTP request, per stack: `oss` from the v1.4.1 source with the
 * lab's Gateway listener and HTTPRoute; `seed` and `enterprise` as the fixture lines of those builds show them
 * (the enterprise lab adds the `caller` field through rawConfig logging.fields.add).
 */
export interface GatewayLine {
  host: string;
  path: string;
  status: number;
  route: string;
  ns: string;
  /** The backend called (`host:80` when true); false when none was. */
  endpoint?: string | boolean;
  error?: string;
  reason?: string;
  /** Attributes an access-log policy adds, [name, text]. */
  attrs?: [string, string][];
}

export function gatewayLogLine(
  stack: string,
  { host, path, status, route, ns, endpoint = true, error, reason, attrs = [] }: GatewayLine,
): string {
  const common = `src.addr=${SRC.ip}:${SRC.port} http.method=GET http.host=${host} http.path=${path} http.version=HTTP/1.1 http.status=${status} protocol=http`;
  const tail = `${error ? ` error=${JSON.stringify(error)}` : ''}${reason ? ` reason=${reason}` : ''} duration=14ms`;
  const ep = endpoint ? ` endpoint=${typeof endpoint === 'string' ? endpoint : `${host}:80`}` : '';
  if (stack === 'seed')
    return `${micros()}\tinfo\trequest gateway=common-infrastructure/egress-gateway listener=waypoint/common-infrastructure/egress-gateway route=waypoint-default-dfp${ep} ${common}${tail}`;
  if (stack === 'enterprise') {
    const id = `{"trustDomain": "cluster.local", "namespace": "${ns}", "serviceAccount": "sleep"}`;
    const caller = `{"address": "${SRC.ip}", "port": ${SRC.port}, "identity": ${id}, "subjectAltNames": ["spiffe://cluster.local/ns/${ns}/sa/sleep"], "issuer": "O=cluster.local", "subject": "", "subjectCn": ()}`;
    return `${micros()}\tinfo\trequest gateway=common-infrastructure/egress-gateway listener=waypoint route=common-infrastructure/_waypoint-default${ep} ${common}${tail} caller=${caller}`;
  }
  // Attributes an access-log policy adds come after the default keys (v1.4.1 telemetry/log.rs), [name, text].
  const added = attrs.map(([k, v]) => ` ${k}=${v}`).join('');
  return `${micros()}\tinfo\trequest gateway=common-infrastructure/egress-gateway listener=inner-http route=common-infrastructure/${route}${ep} ${common}${tail}${added}`;
}

const goLogDate = () => new Date().toISOString().replace('T', ' ').slice(0, 19).replace(/-/g, '/');
const hex = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('');

/** The ext-authz sample's decision line, in the compact prototext of the real lines (two spaces between fields). */
export function extAuthzLogLine({
  decision,
  host,
  path,
  ns,
  headers,
}: {
  decision: 'allowed' | 'denied';
  host: string;
  path: string;
  ns: string;
  headers: [string, string][];
}): string {
  const now = Date.now();
  const hdrs = [['accept', '*/*'], ['user-agent', 'curl/8.16.0'], ...headers]
    .map(([k, v]) => `headers:{key:"${k}"  value:"${v}"}`)
    .join('  ');
  const source = `source:{address:{socket_address:{address:"${SRC.ip}"  port_value:${SRC.port}}}  principal:"spiffe://cluster.local/ns/${ns}/sa/sleep"}`;
  const destination = `destination:{address:{socket_address:{address:"${WAYPOINT_IP}"  port_value:15008}}}`;
  const request = `request:{time:{seconds:${Math.floor(now / 1000)}  nanos:${(now % 1000) * 1_000_000}}  http:{id:"${hex(32)}"  method:"GET"  ${hdrs}  path:"${path}"  host:"${host}"  scheme:"https"  protocol:"HTTP/1.1"}}`;
  return `${goLogDate()} [gRPCv3][${decision}]: ${host}${path}, attributes: ${source}  ${destination}  ${request}  tls_session:{}`;
}

/**
 * Squid's access line for the gateway's request: its client is the waypoint pod. `connect` for a CONNECT
 * tunnel (host:80), else the absolute-form GET the gateway sends for plain HTTP, whose URL Squid logs without
 * the query unless squid.conf has `strip_query_terms off` (it keeps the '?': src/anyp/Uri.cc).
 */
export interface SquidLine {
  host: string;
  path: string;
  connect: boolean;
  /** A CONNECT's host:port when it is not host:80. */
  connectTo?: string | undefined;
  stripQuery: boolean;
  /** true: 403; 407: a login refused. */
  denied?: boolean | 407;
  user?: string;
}

export function squidLogLine({ host, path, connect, connectTo, stripQuery, denied, user = '-' }: SquidLine): string {
  const epoch = (Date.now() / 1000).toFixed(3);
  const url = connect ? (connectTo ?? `${host}:80`) : `http://${host}${stripQuery ? path.replace(/\?.*$/, '?') : path}`;
  const method = connect ? 'CONNECT' : 'GET';
  // A login refused (proxy-auth) is TCP_DENIED/407 with the user Squid was given, `-` when none, as Debian's squid
  // 5.7 logged it in test/squid/proxy-auth.test.ts (3522 bytes for a GET's page, 3474 for a CONNECT's).
  if (denied === 407)
    return `${epoch}      0 ${WAYPOINT_IP} TCP_DENIED/407 ${connect ? 3474 : 3522} ${method} ${url} ${user} HIER_NONE/- text/html`;
  if (denied) return `${epoch}      0 ${WAYPOINT_IP} TCP_DENIED/403 3429 ${method} ${url} - HIER_NONE/- text/html`;
  const result = connect ? 'TCP_TUNNEL/200 811' : 'TCP_MISS/200 1881';
  return `${epoch}     12 ${WAYPOINT_IP} ${result} ${method} ${url} ${user} HIER_DIRECT/66.241.125.232 ${connect ? '-' : 'application/json'}`;
}

/** Whether a rendered squid.conf leaves Squid's default `strip_query_terms on` in place. */
export const stripsQuery = (conf: string | undefined): boolean => !/^\s*strip_query_terms\s+off\s*$/m.test(conf ?? '');

/**
 * Lines of another workload's traffic to the same host during a verify run: its HTTPS passed through the
 * gateway as TCP (the fixture's `protocol=tcp tls.sni=…` shape) and tunnelled by Squid, and its plain
 * `GET /headers` forwarded by Squid.
 */
export function otherClientLines(host: string): { gateway: string; squid: string[] } {
  const epoch = (Date.now() / 1000).toFixed(3);
  return {
    gateway: `${micros()}\tinfo\trequest gateway=common-infrastructure/egress-gateway listener=inner-http route=common-infrastructure/other endpoint=${host}:443 src.addr=10.244.3.4:51702 tls.sni=${host} protocol=tcp duration=441ms`,
    squid: [
      `${epoch}    435 ${WAYPOINT_IP} TCP_TUNNEL/200 187190 CONNECT ${host}:443 - HIER_DIRECT/66.241.125.232 -`,
      `${epoch}    553 ${WAYPOINT_IP} TCP_MISS/200 1881 GET http://${host}/headers - HIER_DIRECT/66.241.125.232 application/json`,
    ],
  };
}
