/**
 * Reading the proof out of the logs: one parser per product's log line, one finder per hop.
 *
 * Every request verify sends carries a probe mark in its query string (`egress-lab-verify=ID` plus a tag).
 * A line that shows the request's path or URL must carry this run's mark to count, so a line of another
 * client's request never proves a hop; lines that cannot show a path (a CONNECT, a TCP passthrough) are
 * matched by host alone.
 */

export const PROBE_PARAM = 'egress-lab-verify';

/** The query parameter that marks one request of one verify run. */
export const probeMark = (id: string, tag: string) => `${PROBE_PARAM}=${id}${tag}`;

/** Whether a path or URL carries the mark as a whole query parameter. */
export function carriesMark(pathOrUrl: string, mark: string): boolean {
  const query = pathOrUrl.split('?').slice(1).join('?');
  return query.split('&').includes(mark);
}

// ---- agentgateway ------------------------------------------------------------------------------------
// Its request line: `<RFC 3339 µs>\tinfo\trequest key=value …` (agentgateway crates/core/src/telemetry.rs `log`),
// keys in the order of crates/agentgateway/src/telemetry/log.rs; http.path is the path with its query.

export interface GatewayRequest {
  line: string;
  host?: string;
  path?: string;
  status?: number;
  endpoint?: string;
  sni?: string;
  reason?: string;
  error?: string;
}

function field(line: string, key: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)${key.replace(/\./g, '\\.')}=("(?:[^"\\\\]|\\\\.)*"|\\S+)`).exec(line);
  if (!m) return undefined;
  const v = m[1]!;
  return v.startsWith('"') ? (JSON.parse(v) as string) : v;
}

/** One agentgateway request line, or undefined for any other line. */
export function parseGatewayLine(line: string): GatewayRequest | undefined {
  if (!/^\S+\s+\w+\s+request\s/.test(line)) return undefined;
  const status = field(line, 'http.status');
  const opt = (k: keyof GatewayRequest, v: string | undefined) => (v === undefined ? {} : { [k]: v });
  return {
    line,
    ...opt('host', field(line, 'http.host')),
    ...opt('path', field(line, 'http.path')),
    ...(status ? { status: Number(status) } : {}),
    ...opt('endpoint', field(line, 'endpoint')),
    ...opt('sni', field(line, 'tls.sni')),
    ...opt('reason', field(line, 'reason')),
    ...opt('error', field(line, 'error')),
  };
}

/**
 * Gateway lines for this run's HTTP request to the host: its http.path must carry the mark. A TCP line (a
 * passthrough, no http.* keys) is never one of verify's requests, which are plain HTTP.
 */
export function gatewayRequests(lines: readonly string[], host: string, mark: string): GatewayRequest[] {
  return lines.flatMap((l) => {
    const r = parseGatewayLine(l);
    return r?.host === host && r.path !== undefined && carriesMark(r.path, mark) ? [r] : [];
  });
}

/** The gateway's line for one request of this run, preferring the one with the given status. */
export function gatewayLine(
  lines: readonly string[],
  host: string,
  mark: string,
  status?: number,
): GatewayRequest | undefined {
  const found = gatewayRequests(lines, host, mark);
  return found.find((r) => status === undefined || r.status === status) ?? found[0];
}

// ---- Squid ---------------------------------------------------------------------------------------------
// `logformat squid`: %ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt (squid-cache/squid
// src/cf.data.pre, SQUID_5_7 and SQUID_6_13). A CONNECT's %ru is host:port; a forwarded request's is its URL.

export interface SquidEntry {
  line: string;
  client: string;
  result: string;
  status: number;
  method: string;
  url: string;
  /** %[un: the user who logged in (proxy-auth), `-` when none (src/cf.data.pre logformat). */
  user: string;
}

const SQUID_RE = /^\d+\.\d{3}\s+-?\d+\s+(\S+)\s+([A-Z_]+)\/(\d{3})\s+\d+\s+(\S+)\s+(\S+)\s+(\S+)\s+\S+(?:\s+\S+)?\s*$/;

export function parseSquidLine(line: string): SquidEntry | undefined {
  const m = SQUID_RE.exec(line);
  if (!m) return undefined;
  return { line, client: m[1]!, result: m[2]!, status: Number(m[3]), method: m[4]!, url: m[5]!, user: m[6]! };
}

function urlHost(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

/**
 * Squid's lines for this run's request to http://host (port 80): a CONNECT host:80, which cannot show more, or
 * a forwarded URL carrying the mark.
 */
export function squidEntries(lines: readonly string[], host: string, mark: string, port = 80): SquidEntry[] {
  return lines.flatMap((l) => {
    const e = parseSquidLine(l);
    if (!e) return [];
    if (e.method === 'CONNECT') return e.url === `${host}:${port}` ? [e] : [];
    return urlHost(e.url) === host && carriesMark(e.url, mark) ? [e] : [];
  });
}

/** Forwarded requests to the host whose logged URL lost its query (Squid's `strip_query_terms on`). */
export function squidStripped(lines: readonly string[], host: string): SquidEntry | undefined {
  return lines
    .map(parseSquidLine)
    .find((e) => e && e.method !== 'CONNECT' && urlHost(e.url) === host && e.url.endsWith('?'));
}

/** Squid passed the request on: a 2xx result that is not a denial. */
export const squidPassed = (e: SquidEntry) => e.status >= 200 && e.status < 300 && !e.result.includes('DENIED');

// ---- ext-authz sample -------------------------------------------------------------------------------
// istio/istio samples/extauthz/cmd/extauthz/main.go (1.25.x): `[gRPCv3][allowed|denied]: <host><path>, attributes: <%v>`,
// the attributes in Go's compact prototext, source (with its principal) first.

export interface ExtAuthzDecision {
  line: string;
  decision: 'allowed' | 'denied';
  target: string;
  principal?: string;
}

export function parseExtAuthzLine(line: string): ExtAuthzDecision | undefined {
  const m = /\[gRPCv3\]\[(allowed|denied)\]: (\S*), attributes: (.*)$/.exec(line);
  if (!m) return undefined;
  const attrs = m[3]!;
  const source = attrs.startsWith('source:{') ? attrs.slice(0, attrs.search(/\s+destination:\{|$/)) : '';
  const principal = /principal:"([^"]*)"/.exec(source)?.[1];
  return {
    line,
    decision: m[1] as 'allowed' | 'denied',
    target: m[2]!,
    ...(principal !== undefined ? { principal } : {}),
  };
}

/** ext-authz decisions on this run's request to the host (its host and path, with the mark). */
export function extAuthzDecisions(lines: readonly string[], host: string, mark: string): ExtAuthzDecision[] {
  return lines.flatMap((l) => {
    const d = parseExtAuthzLine(l);
    return d?.target.startsWith(`${host}/`) && carriesMark(d.target, mark) ? [d] : [];
  });
}

/** The response body of a 403 that the ext-authz sample's denial produced (main.go `denyBody`). */
export const SAMPLE_DENY_BODY = 'denied by ext_authz for not found header `x-ext-authz: allow` in the request';
/** agentgateway's own 403 body when the check itself failed (ProxyError::ExternalAuthorizationFailed). */
export const CHECK_FAILED_BODY = 'external authorization failed';
