import { WAYPOINT_NAMESPACE } from '../profile/layout.ts';
import type { Profile } from '../profile/schema.ts';
import {
  CHECK_FAILED_BODY,
  extAuthzDecisions,
  gatewayLine,
  SAMPLE_DENY_BODY,
  squidEntries,
  squidPassed,
  squidStripped,
} from './evidence.ts';
import type { Hop, RequestReport, VerifyReport } from './report-schema.ts';

/** Judging each hop from the requests' results and the log lines. */

export const excerpt = (s: string, n = 160) => (s.length > n ? `${s.slice(0, n)}…` : s).replace(/\s+/g, ' ').trim();
export const describeResult = (r: Pick<RequestReport, 'status' | 'curlExit' | 'error'>) =>
  r.status
    ? `HTTP ${r.status}`
    : `no response (${r.curlExit !== undefined ? `curl exit ${r.curlExit}: ` : ''}${r.error ?? 'unknown error'})`;

const POLICY: Record<string, string> = {
  oss: 'agentgatewaypolicies.agentgateway.dev',
  enterprise: 'enterpriseagentgatewaypolicies.enterpriseagentgateway.solo.io',
  seed: 'agentgatewaypolicies.gateway.kgateway.dev',
};
const TUNNEL: Record<string, string> = {
  oss: 'agentgatewaybackends.agentgateway.dev',
  enterprise: POLICY['enterprise']!,
  seed: 'gatewayparameters.gateway.kgateway.dev',
};
/** The resources that hold a stack's ext-authz policy and its tunnel to the proxy. */
const policyResource = (stack: string) => POLICY[stack] ?? POLICY['oss']!;
const tunnelResources = (stack: string) => TUNNEL[stack] ?? TUNNEL['oss']!;

/**
 * Hops after the first broken one: one the request was still proven to pass keeps its ✓; one that failed
 * only because nothing got there is "not reached", without a hint of its own.
 */
export function notReachedAfterFirstBreak(hops: Hop[]): Hop[] {
  const first = hops.findIndex((h) => h.status === 'failed');
  if (first < 0) return hops;
  return hops.map((h, i) =>
    i > first && h.status === 'failed'
      ? { hop: h.hop, status: 'not-reached', evidence: `not reached: the path breaks at ${hops[first]!.hop}` }
      : h,
  );
}

export interface Seen {
  /** `kubectl --kubeconfig … --context …` for the lab, for the commands in hints. */
  kubectl: string;
  /** `egress-lab logs COMPONENT` for this lab. */
  logsCommand: (component: string) => string;
  profile: Profile;
  host: string;
  principal: string;
  marks: { allowed: string; denied: string };
  allowed: RequestReport;
  denied?: RequestReport;
  gateway: string[];
  gatewayError?: string;
  squid?: { lines: string[]; error?: string };
  authz: string[];
}

export function judgeHops(s: Seen): Hop[] {
  const { squid, extAuth, sample } = s.profile.components;
  const hops: Hop[] = [];
  const reached = s.allowed.status > 0 || s.allowed.curlExit !== undefined;
  hops.push(
    reached
      ? {
          hop: 'pod',
          status: 'ok',
          evidence: `${sample.namespace}/sleep ran curl ${s.allowed.url}: ${describeResult(s.allowed)}${s.allowed.attempts > 1 ? ` after ${s.allowed.attempts} attempts` : ''}`,
        }
      : {
          hop: 'pod',
          status: 'failed',
          evidence: `kubectl exec into ${sample.namespace}/sleep failed: ${s.allowed.error}`,
          hint: `the sample pod cannot run curl; look at: ${s.kubectl} get pods -n ${sample.namespace}`,
        },
  );

  // The gateway hop is proven by its request line; a bad status it logged is put on the hop behind it
  // (ext-authz for 403, Squid for 502/503) or, with nothing behind it, on the destination.
  const seen = (
    gatewayLine(s.gateway, s.host, s.marks.allowed, s.allowed.status) ?? gatewayLine(s.gateway, s.host, s.marks.denied)
  )?.line;
  if (!seen) {
    const bypass = s.allowed.status >= 200 && s.allowed.status < 400;
    const why = bypass
      ? `the request got ${describeResult(s.allowed)}, but the egress gateway logged nothing for ${s.host}: it bypassed the gateway`
      : `the egress gateway logged nothing for ${s.host}${s.gatewayError ? ` (logs: ${s.gatewayError})` : ''}`;
    const hint = bypass
      ? `traffic leaves without the gateway: check that ${s.host} has a ServiceEntry labelled istio.io/use-waypoint${s.profile.stack === 'oss' ? '' : ' and that ztunnel has the egressPolicies'}, and that ${sample.namespace} is labelled istio.io/dataplane-mode=ambient`
      : `nothing reached the gateway: check the waypoint (${s.kubectl} get gateway -n ${WAYPOINT_NAMESPACE}) and ztunnel (${s.logsCommand('ztunnel')})`;
    hops.push({ hop: 'ztunnel', status: 'failed', evidence: why, hint });
    hops.push({ hop: 'gateway', status: 'failed', evidence: why, hint });
  } else {
    hops.push({
      hop: 'ztunnel',
      status: 'ok',
      evidence: 'the waypoint received the request, which only ztunnel delivers (HBONE): see the gateway line',
    });
    hops.push({ hop: 'gateway', status: 'ok', evidence: excerpt(seen, 500) });
  }

  if (extAuth.enabled) hops.push(judgeExtAuthz(s));
  if (squid.mode === 'in-cluster') hops.push(judgeSquid(s));
  if (squid.mode === 'external')
    hops.push({
      hop: 'squid',
      status: 'skipped',
      evidence: `external proxy ${squid.external}: its log is not visible to egress-lab`,
    });

  const isJson = s.host !== 'httpbingo.org' || /"headers"\s*:/.test(s.allowed.body);
  const checkResult = !extAuth.enabled || /"X-Ext-Authz-Check-Result"\s*:\s*\[\s*"allowed"\s*\]/.test(s.allowed.body);
  hops.push(
    s.allowed.status === 200 && isJson && checkResult
      ? { hop: 'destination', status: 'ok', evidence: `HTTP 200 from ${s.host}: ${excerpt(s.allowed.body)}` }
      : {
          hop: 'destination',
          status: 'failed',
          evidence: `${describeResult(s.allowed)}${s.allowed.body ? `: ${excerpt(s.allowed.body)}` : ''}`,
          hint: destinationHint(s),
        },
  );
  return hops;
}

function judgeSquid(s: Seen): Hop {
  const { squid } = s.profile.components;
  const lines = s.squid?.lines ?? [];
  // With tls-origination the gateway reaches the host's port 443 through a CONNECT tunnel (verify/packs/).
  const port = s.profile.scenarios.includes('tls-origination') ? 443 : 80;
  const entries = squidEntries(lines, s.host, s.marks.allowed, port);
  const passed = entries.find(squidPassed);
  if (passed) return { hop: 'squid', status: 'ok', evidence: excerpt(passed.line, 300) };
  const refused = entries[0];
  if (refused)
    return {
      hop: 'squid',
      status: 'failed',
      evidence: `Squid refused the request: ${excerpt(refused.line, 300)}`,
      hint:
        refused.status === 407
          ? `Squid wants a login (407) and the gateway gave ${refused.user === '-' ? 'none' : `a wrong one for ${refused.user}`}: the proxy-auth pack's AgentgatewayBackend squid-proxy must carry policies.auth reading the Secret squid-proxy-credentials, which must match Squid's Secret squid-users (${s.logsCommand('squid')})`
          : `Squid's http_access rules refused the gateway (${refused.result}/${refused.status}): the gateway's pod address must be in components.squid.allowedClients and the port in components.squid.ports (${s.logsCommand('squid')})`,
    };
  const stripped = squidStripped(lines, s.host);
  if (stripped)
    return {
      hop: 'squid',
      status: 'failed',
      evidence: `Squid logged a request for ${s.host} without its query, so it cannot be told from other clients' requests: ${excerpt(stripped.line, 300)}`,
      hint: `Squid strips query strings from logged URLs unless squid.conf says strip_query_terms off, as the lab's does: was the squid-config ConfigMap in ${squid.namespace} changed?`,
    };
  return {
    hop: 'squid',
    status: 'failed',
    evidence: `no access line for this request to ${s.host} in Squid's log${s.squid?.error ? ` (logs: ${s.squid.error})` : ''}`,
    hint: [502, 503].includes(s.allowed.status)
      ? `${s.allowed.status} from the gateway and no Squid line: look at Squid (${s.logsCommand('squid')}; ${s.kubectl} get pods -n ${squid.namespace})`
      : `the gateway did not tunnel through Squid: check the tunnel policy or backend (${s.kubectl} get ${tunnelResources(s.profile.stack)} -A)`,
  };
}

function destinationHint(s: Seen): string {
  if (s.allowed.status === 200) return 'the answer lacks the expected headers JSON or the ext-authz check header';
  if ([502, 503, 504].includes(s.allowed.status))
    return `${s.allowed.status} from the gateway: it could not reach ${s.host}${s.profile.components.squid.mode === 'none' ? '' : ' through the proxy'}; look at ${s.logsCommand('gateway')}`;
  return `no good answer from ${s.host}: check the cluster's internet access (and the proxy's)`;
}

function judgeExtAuthz(s: Seen): Hop {
  const onAllowed = extAuthzDecisions(s.authz, s.host, s.marks.allowed);
  const onDenied = extAuthzDecisions(s.authz, s.host, s.marks.denied);
  const allowedLine = onAllowed.find((d) => d.decision === 'allowed' && d.principal === s.principal);
  const deniedLine = onDenied.find((d) => d.decision === 'denied' && d.principal === s.principal);
  const deniedOk =
    s.denied?.status === 403 && [SAMPLE_DENY_BODY, CHECK_FAILED_BODY].some((b) => s.denied!.body.includes(b));
  if (allowedLine && deniedLine && deniedOk)
    return {
      hop: 'ext-authz',
      status: 'ok',
      evidence: `${excerpt(allowedLine.line, 400)} | without the header: HTTP 403 "${excerpt(s.denied!.body, 80)}"`,
    };
  const unreachable = checkFailed(s);
  if (unreachable) return unreachable;
  const deniedAllowed = onAllowed.find((d) => d.decision === 'denied');
  if (s.allowed.status === 403)
    return {
      hop: 'ext-authz',
      status: 'failed',
      evidence: `the request with "x-ext-authz: allow" got 403${deniedAllowed ? `: ${excerpt(deniedAllowed.line, 200)}` : ''}`,
      hint: `ext-authz denies even allowed requests: look at its log (${s.logsCommand('ext-authz')}) and its image/flags`,
    };
  if (s.denied && s.denied.status !== 403)
    return {
      hop: 'ext-authz',
      status: 'failed',
      evidence: `the request without the allow header got ${describeResult(s.denied)}, not 403`,
      hint: `the ext-authz policy is not applied to the gateway: ${s.kubectl} get ${policyResource(s.profile.stack)} -n ${WAYPOINT_NAMESPACE}`,
    };
  const anyAllowed = onAllowed.find((d) => d.decision === 'allowed');
  if (anyAllowed && !allowedLine)
    return {
      hop: 'ext-authz',
      status: 'failed',
      evidence: `ext-authz decided without the caller's identity ${s.principal}: ${excerpt(anyAllowed.line, 200)}`,
      hint: 'the gateway does not pass the SPIFFE identity: is the waypoint in the mesh (istio.enabled / waypoint class)?',
    };
  return {
    hop: 'ext-authz',
    status: 'failed',
    evidence: 'ext-authz logged no decision for these requests',
    hint: `look at the ext-authz server: ${s.logsCommand('ext-authz')}`,
  };
}

/**
 * agentgateway answers 403 "external authorization failed" itself (reason ExtAuth) when it gets no decision:
 * ext-authz unreachable, or its call failing (agentgateway v1.4.1 http/ext_authz.rs handle_auth_failure,
 * proxy/mod.rs). That is not a denial, and is not described as one.
 */
function checkFailed(s: Seen): Hop | undefined {
  const failed = (r: RequestReport | undefined, mark: string) =>
    r?.status === 403 &&
    (r.body.includes(CHECK_FAILED_BODY) || gatewayLine(s.gateway, s.host, mark, 403)?.reason === 'ExtAuth');
  if (!failed(s.allowed, s.marks.allowed) && !failed(s.denied, s.marks.denied)) return undefined;
  const line =
    gatewayLine(s.gateway, s.host, s.marks.allowed, 403) ?? gatewayLine(s.gateway, s.host, s.marks.denied, 403);
  return {
    hop: 'ext-authz',
    status: 'failed',
    evidence: `the gateway got no decision from ext-authz: HTTP 403 "${CHECK_FAILED_BODY}"${line ? `: ${excerpt(line.line, 400)}` : ''}`,
    hint: `ext-authz did not answer the gateway's check (unreachable or failing; a denial would say "denied by ext_authz"): look at ${s.kubectl} get deploy,endpoints ext-authz -n ${WAYPOINT_NAMESPACE} and ${s.logsCommand('ext-authz')}`,
  };
}

/** The negative control: `atGateway` is the gateway's line for this run's control request (its mark), if any. */
export function judgeControl(
  host: string,
  r: RequestReport,
  atGateway: string | undefined,
  kubectl: string,
  sampleNs: string,
): VerifyReport['negativeControl'] {
  if (atGateway)
    return {
      host,
      status: 'ok',
      evidence: `went through the egress gateway (${describeResult(r)}): ${excerpt(atGateway, 200)}`,
    };
  if (r.status === 0) return { host, status: 'ok', evidence: `blocked: ${describeResult(r)}` };
  return {
    host,
    status: 'failed',
    evidence: `${describeResult(r)} with no gateway line: ${host} was reached directly, around the egress gateway`,
    hint: `the lab lets traffic out directly: check the egress NetworkPolicy (oss: ${kubectl} get networkpolicies -n ${sampleNs}) or ztunnel egressPolicies (seed, enterprise)`,
  };
}
