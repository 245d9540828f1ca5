/**
 * The caller's identity in the gateway's request line: the lab's caller-log policy (egress-lab-caller-log) adds
 * the attribute `caller` = the client certificate's SPIFFE ID, written after the default keys and quoted as a
 * string (agentgateway v1.4.1 crates/agentgateway/src/telemetry/log.rs; crates/core/src/telemetry.rs).
 */

export { sampleIdentity } from '../../profile/layout.ts';

/** The `caller` attribute of a gateway request line, unquoted; undefined when the line has none. */
export function callerOf(line: string | undefined): string | undefined {
  const m = line === undefined ? null : /\scaller=("(?:[^"\\]|\\.)*"|\S+)/.exec(line);
  if (!m) return undefined;
  const v = m[1]!;
  return v.startsWith('"') ? (JSON.parse(v) as string) : v;
}

/** Where a user looks at the lab's AgentgatewayPolicies (the packs' policies and the caller-log policy). */
export const policiesCommand = (kubectl: string, namespace: string) =>
  `${kubectl} get agentgatewaypolicies -n ${namespace} -o yaml`;

/** The part of a gateway request line that tells its outcome: from `http.status=` to the end (the caller is last). */
export function outcomeOf(line: string): string {
  const at = line.indexOf('http.status=');
  return (at < 0 ? line : line.slice(at)).replace(/\s+/g, ' ').trim();
}
