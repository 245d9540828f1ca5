import { randomBytes } from 'node:crypto';
import type { Exec } from '../exec/exec.ts';
import { kubeAccess } from '../plan/plan.ts';
import type { Profile } from '../profile/schema.ts';
import { WAYPOINT_NAMESPACE } from '../render/context.ts';
import type { Ledger } from '../state/ledger.ts';
import { DENY_BODIES, extAuthzAny, extAuthzLine, gatewayLine, gatewaySaw, squidLine } from './evidence.ts';
import { type CurlResult, curlFromPod, logsSince } from './probe.ts';

export type HopName = 'pod' | 'ztunnel' | 'gateway' | 'ext-authz' | 'squid' | 'destination';

export interface Hop {
  hop: HopName;
  status: 'ok' | 'failed' | 'skipped';
  /** The log line or response that proves it, or what was seen instead. */
  evidence: string;
  hint?: string;
}

export interface RequestReport {
  name: 'allowed' | 'denied' | 'control';
  url: string;
  headers: string[];
  status: number;
  attempts: number;
  curlExit?: number;
  error?: string;
  body: string;
}

export interface VerifyReport {
  lab: string;
  ok: boolean;
  profile: string;
  stack: string;
  host: string;
  hops: Hop[];
  negativeControl: { host: string; status: 'ok' | 'failed'; evidence: string; hint?: string };
  requests: RequestReport[];
  firstBroken?: HopName | 'negative-control';
  hint?: string;
}

export interface VerifyDeps {
  exec: Exec;
  /** Waits between warm-up retries; injectable so tests need not sleep for real. */
  sleep?: (ms: number) => Promise<void>;
}

/** Retries of the first request while the path warms up (DNS capture, waypoint start): bounded, with backoff. */
export const WARMUP_DELAYS_MS = [1000, 2000, 4000, 8000, 8000];
const RETRYABLE = new Set([0, 502, 503, 504]);

const excerpt = (s: string, n = 160) => (s.length > n ? `${s.slice(0, n)}…` : s).replace(/\s+/g, ' ').trim();
const describeResult = (r: RequestReport) =>
  r.status
    ? `HTTP ${r.status}`
    : `no response (${r.curlExit !== undefined ? `curl exit ${r.curlExit}: ` : ''}${r.error ?? 'unknown error'})`;

async function request(
  deps: VerifyDeps,
  k: string[],
  ns: string,
  name: RequestReport['name'],
  url: string,
  headers: string[],
  retries: number[],
): Promise<RequestReport> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let result: CurlResult = await curlFromPod(deps.exec, k, ns, url, headers);
  let attempts = 1;
  for (const delay of retries) {
    if (!RETRYABLE.has(result.status)) break;
    await sleep(delay);
    result = await curlFromPod(deps.exec, k, ns, url, headers);
    attempts++;
  }
  return { name, url, headers, attempts, ...result };
}

/** A host surely outside the lab's allowed set, for the negative control. */
function controlHost(profile: Profile): string {
  return (
    ['example.com', 'example.org', 'example.net'].find(
      (h) =>
        !profile.egress.hosts.includes(h) && !profile.egress.hosts.includes(`*.${h.split('.').slice(1).join('.')}`),
    ) ?? 'example.net'
  );
}

/** Proves the lab's egress path hop by hop from the sample pod, with the log lines as evidence. */
export async function verifyLab(ledger: Ledger, deps: VerifyDeps): Promise<VerifyReport> {
  const { profile } = ledger;
  const { squid, extAuth, sample } = profile.components;
  const k = kubeAccess(ledger);
  const host = profile.egress.hosts.find((h) => !h.startsWith('*.')) ?? 'httpbingo.org';
  const principal = `spiffe://cluster.local/ns/${sample.namespace}/sa/sleep`;
  const base = { lab: ledger.lab, profile: ledger.profileName, stack: profile.stack, host };

  try {
    await deps.exec('kubectl', [...k, 'rollout', 'status', 'deploy/sleep', '-n', sample.namespace, '--timeout=60s'], {
      timeoutMs: 90_000,
    });
  } catch (err) {
    const hint = `the sample pod is not ready; look at: kubectl ${k.join(' ')} get pods -n ${sample.namespace}`;
    const hops: Hop[] = [{ hop: 'pod', status: 'failed', evidence: (err as Error).message, hint }];
    return {
      ...base,
      ok: false,
      hops,
      negativeControl: {
        host: controlHost(profile),
        status: 'failed',
        evidence: 'not checked: the sample pod is not ready',
      },
      requests: [],
      firstBroken: 'pod',
      hint,
    };
  }

  // Log lines are read from one second before the first request (clock skew), and a probe id in the query
  // string marks this run's lines wherever the log shows the path (Squid GET lines, ext-authz decisions).
  const since = new Date(Date.now() - 1000).toISOString();
  const id = randomBytes(4).toString('hex');
  const url = (tag: string) => `http://${host}/headers?egress-lab-verify=${id}${tag}`;
  const allowed = await request(
    deps,
    k,
    sample.namespace,
    'allowed',
    url('a'),
    extAuth.enabled ? ['x-ext-authz: allow'] : [],
    WARMUP_DELAYS_MS,
  );
  const denied = extAuth.enabled ? await request(deps, k, sample.namespace, 'denied', url('d'), [], []) : undefined;
  const control = controlHost(profile);
  const controlReq = await request(deps, k, sample.namespace, 'control', `http://${control}/`, [], []);

  const logs = async (workload: string, ns: string) => await logsSince(deps.exec, k, workload, ns, since);
  const gateway = await logs('deploy/egress-gateway', WAYPOINT_NAMESPACE);
  const squidLogs = squid.mode === 'in-cluster' ? await logs('deploy/squid-proxy', squid.namespace) : undefined;
  const authz = extAuth.enabled ? await logs('deploy/ext-authz', WAYPOINT_NAMESPACE) : undefined;

  const ours = (lines: string[]) => lines.filter((l) => l.includes(id) || !l.includes('egress-lab-verify='));
  const hops = judgeHops({
    profile,
    host,
    principal,
    allowed,
    denied,
    gateway: ours(gateway.lines),
    gatewayError: gateway.error,
    squid: squidLogs && { ...squidLogs, lines: ours(squidLogs.lines) },
    authz: ours(authz?.lines ?? []),
  });
  const negativeControl = judgeControl(control, controlReq, gateway.lines);
  const broken = hops.find((h) => h.status === 'failed');
  const firstBroken = broken?.hop ?? (negativeControl.status === 'failed' ? 'negative-control' : undefined);
  return {
    ...base,
    ok: !firstBroken,
    hops,
    negativeControl,
    requests: [allowed, ...(denied ? [denied] : []), controlReq].map((r) => ({ ...r, body: excerpt(r.body, 400) })),
    ...(firstBroken ? { firstBroken, hint: broken?.hint ?? negativeControl.hint } : {}),
  };
}

interface Seen {
  profile: Profile;
  host: string;
  principal: string;
  allowed: RequestReport;
  denied?: RequestReport;
  gateway: string[];
  gatewayError?: string;
  squid?: { lines: string[]; error?: string };
  authz: string[];
}

function judgeHops(s: Seen): Hop[] {
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
          hint: `the sample pod cannot run curl; look at: kubectl get pods -n ${sample.namespace}`,
        },
  );

  // The gateway hop is proven by its request line; a bad status it logged is put on the hop behind it
  // (ext-authz for 403, Squid for 502/503) or, with nothing behind it, on the destination.
  const seen = gatewayLine(s.gateway, s.host, s.allowed.status) ?? gatewaySaw(s.gateway, s.host);
  if (!seen) {
    const bypass = s.allowed.status >= 200 && s.allowed.status < 400;
    const why = bypass
      ? `the request got ${describeResult(s.allowed)}, but the egress gateway logged nothing for ${s.host}: it bypassed the gateway`
      : `the egress gateway logged nothing for ${s.host}${s.gatewayError ? ` (logs: ${s.gatewayError})` : ''}`;
    const hint = bypass
      ? `traffic leaves without the gateway: check that ${s.host} has a ServiceEntry labelled istio.io/use-waypoint${s.profile.stack === 'oss' ? '' : ' and that ztunnel has the egressPolicies'}, and that ${sample.namespace} is labelled istio.io/dataplane-mode=ambient`
      : `nothing reached the gateway: check the waypoint (kubectl get gateway -n ${WAYPOINT_NAMESPACE}) and ztunnel (egress-lab logs ztunnel)`;
    hops.push({ hop: 'ztunnel', status: 'failed', evidence: why, hint });
    hops.push({ hop: 'gateway', status: 'failed', evidence: why, hint });
  } else {
    hops.push({
      hop: 'ztunnel',
      status: 'ok',
      evidence: 'the waypoint received the request, which only ztunnel delivers (HBONE): see the gateway line',
    });
    hops.push({ hop: 'gateway', status: 'ok', evidence: excerpt(seen, 300) });
  }

  if (extAuth.enabled) hops.push(judgeExtAuthz(s));
  if (squid.mode === 'in-cluster') {
    const line = squidLine(s.squid?.lines ?? [], s.host);
    hops.push(
      line
        ? { hop: 'squid', status: 'ok', evidence: excerpt(line, 300) }
        : {
            hop: 'squid',
            status: 'failed',
            evidence: `no access line for ${s.host} in Squid's log${s.squid?.error ? ` (logs: ${s.squid.error})` : ''}`,
            hint: [502, 503].includes(s.allowed.status)
              ? `${s.allowed.status} from the gateway and no Squid line: look at Squid (egress-lab logs squid; kubectl get pods -n ${squid.namespace})`
              : 'the gateway did not tunnel through Squid: check the tunnel policy or backend (kubectl get agentgatewaypolicies,agentgatewaybackends -A)',
          },
    );
  }
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

function destinationHint(s: Seen): string {
  if (s.allowed.status === 200) return 'the answer lacks the expected headers JSON or the ext-authz check header';
  if ([502, 503, 504].includes(s.allowed.status))
    return `${s.allowed.status} from the gateway: it could not reach ${s.host}${s.profile.components.squid.mode === 'none' ? '' : ' through the proxy'}; look at egress-lab logs gateway`;
  return `no good answer from ${s.host}: check the cluster's internet access (and the proxy's)`;
}

function judgeExtAuthz(s: Seen): Hop {
  const allowedLine = extAuthzLine(s.authz, s.host, 'allowed', s.principal);
  const deniedLine = extAuthzLine(s.authz, s.host, 'denied', s.principal);
  const deniedOk = s.denied?.status === 403 && DENY_BODIES.some((b) => s.denied!.body.includes(b));
  if (allowedLine && deniedLine && deniedOk)
    return {
      hop: 'ext-authz',
      status: 'ok',
      evidence: `${excerpt(allowedLine, 400)} | without the header: HTTP 403 "${excerpt(s.denied!.body, 80)}"`,
    };
  if (s.allowed.status === 403)
    return {
      hop: 'ext-authz',
      status: 'failed',
      evidence: `the request with "x-ext-authz: allow" got 403${extAuthzAny(s.authz, s.host, 'denied') ? `: ${excerpt(extAuthzAny(s.authz, s.host, 'denied')!, 200)}` : ''}`,
      hint: 'ext-authz denies even allowed requests: look at its log (egress-lab logs ext-authz) and its image/flags',
    };
  if (s.denied && s.denied.status !== 403)
    return {
      hop: 'ext-authz',
      status: 'failed',
      evidence: `the request without the allow header got ${describeResult(s.denied)}, not 403`,
      hint: 'the ext-authz policy is not applied to the gateway: kubectl get agentgatewaypolicies -n common-infrastructure',
    };
  const any = extAuthzAny(s.authz, s.host, 'allowed');
  if (any && !allowedLine)
    return {
      hop: 'ext-authz',
      status: 'failed',
      evidence: `ext-authz decided without the caller's identity ${s.principal}: ${excerpt(any, 200)}`,
      hint: 'the gateway does not pass the SPIFFE identity: is the waypoint in the mesh (istio.enabled / waypoint class)?',
    };
  return {
    hop: 'ext-authz',
    status: 'failed',
    evidence: 'ext-authz logged no decision for these requests',
    hint: 'look at the ext-authz server: egress-lab logs ext-authz',
  };
}

function judgeControl(host: string, r: RequestReport, gateway: string[]): VerifyReport['negativeControl'] {
  const atGateway = gatewaySaw(gateway, host);
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
    hint: 'the lab lets traffic out directly: check the egress NetworkPolicy (oss) or ztunnel egressPolicies (seed, enterprise)',
  };
}
