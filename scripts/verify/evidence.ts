/** Reading the proof out of the logs: one finder per hop, each returning the matching line or undefined. */

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** agentgateway's request line: `info request gateway=… endpoint=host:80 … http.host=host … http.status=200 …`. */
export function gatewayLine(lines: readonly string[], host: string, status: number): string | undefined {
  const hostRe = new RegExp(`(http\\.host=${escapeRegExp(host)}(\\s|$)|endpoint=${escapeRegExp(host)}:\\d+)`);
  return lines.find((l) => /\brequest\b/.test(l) && hostRe.test(l) && new RegExp(`http\\.status=${status}\\b`).test(l));
}

/** Any gateway line that names the host, whatever its status: the request reached the gateway. */
export function gatewaySaw(lines: readonly string[], host: string): string | undefined {
  const hostRe = new RegExp(
    `(http\\.host=${escapeRegExp(host)}(\\s|$)|endpoint=${escapeRegExp(host)}:\\d+|tls\\.sni=${escapeRegExp(host)}(\\s|$))`,
  );
  return lines.find((l) => hostRe.test(l));
}

/** Squid's access line for the host: `TCP_TUNNEL/200 … CONNECT host:port` or `TCP_MISS/200 … GET http://host/…`. */
export function squidLine(lines: readonly string[], host: string): string | undefined {
  const re = new RegExp(
    `\\b(TCP_TUNNEL|TCP_MISS|TCP_REFRESH_MODIFIED|TCP_REFRESH_UNMODIFIED)/200 \\d+ (CONNECT ${escapeRegExp(host)}:\\d+|GET https?://${escapeRegExp(host)}[/:])`,
  );
  return lines.find((l) => re.test(l));
}

/** The ext-authz sample's decision line with the caller's principal. */
export function extAuthzLine(
  lines: readonly string[],
  host: string,
  decision: 'allowed' | 'denied',
  principal: string,
): string | undefined {
  return lines.find((l) => l.includes(`[${decision}]: ${host}`) && l.includes(`principal:"${principal}"`));
}

/** The ext-authz line for the host with any principal, to tell "wrong identity" from "nothing seen". */
export function extAuthzAny(
  lines: readonly string[],
  host: string,
  decision: 'allowed' | 'denied',
): string | undefined {
  return lines.find((l) => l.includes(`[${decision}]: ${host}`));
}

export const DENY_BODIES = ['external authorization failed', 'denied by ext_authz'];
