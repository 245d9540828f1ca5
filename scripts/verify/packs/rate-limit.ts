import { WAYPOINT_NAMESPACE } from '../../profile/layout.ts';
import { RATE_LIMIT, scenarioClient } from '../../profile/scenarios.ts';
import { gatewayLine, parseGatewayLine } from '../evidence.ts';
import { describeResult, excerpt } from '../judge.ts';
import type { CurlResult } from '../probe.ts';
import type { ScenarioCheck } from '../report-schema.ts';
import { failed, ok, type PackProver, type ScenarioProbe } from '../scenario-probe.ts';
import { callerOf, outcomeOf, policiesCommand, sampleIdentity } from './caller.ts';

/** The policy of the pack (templates/scenarios/rate-limit.yaml) and agentgateway's answer over the limit. */
export const RATE_LIMIT_POLICY = 'egress-lab-rate-limit';
export const RATE_LIMITED_BODY = 'rate limit exceeded';
/** The pack's limit sets no burst: the bucket holds `requests` (capacity = requests + burst). */
const BURST = 0;

interface Sent {
  mark: string;
  result: CurlResult;
}

/** What the pack's requests got: the limited identity's in order (up to the first not 200), then the other's. */
interface Run {
  limitedNs: string;
  ids: { limited: string; other: string };
  sent: Sent[];
  /** The request that got 429, when one did. */
  limited?: Sent;
  passed: number;
  other: CurlResult;
  otherLine?: string;
  limitedLine?: string;
  policies: string;
  noLimit: string;
}

const QUOTA = RATE_LIMIT.requests + BURST;

/**
 * rate-limit: a conditional local limit on the caller's namespace (agentgateway v1.4.1 traffic.rateLimit; one token
 * bucket per conditional entry, capacity requests + burst, starting full and refilled by `requests` once per unit
 * counted from when the proxy built it: crates/agentgateway/src/http/localratelimit.rs). The limited namespace's
 * sample sends requests until one gets 429 (at most requests + burst + 2). Proof: the ones before it passed, and
 * another identity (the sample) gets 200 right after. Negative: the 429 is the gateway's (`rate limit exceeded`,
 * reason RateLimit) and its line names the limited identity.
 */
export const proveRateLimit: PackProver = async (p) => {
  const run = await send(p);
  return { proof: proof(run), negative: negative(run) };
};

async function send(p: ScenarioProbe): Promise<Run> {
  const { extAuth, sample } = p.profile.components;
  const limitedNs = scenarioClient(p.profile, 'rate-limit') ?? `${sample.namespace}-limited`;
  const headers = extAuth.enabled ? ['x-ext-authz: allow'] : [];
  const sent: Sent[] = [];
  for (let i = 0; i < QUOTA + 2; i++) {
    const mark = p.mark(`rl${i}`);
    const result = await p.curl(limitedNs, `http://${p.host}/headers?${mark}`, headers);
    sent.push({ mark, result });
    if (result.status !== 200) break;
  }
  const otherMark = p.mark('rlo');
  const other = await p.curl(sample.namespace, `http://${p.host}/headers?${otherMark}`, headers);
  const gateway = (await p.logs('deploy/egress-gateway', WAYPOINT_NAMESPACE)).lines;
  const last = sent.at(-1);
  const limited = last?.result.status === 429 ? last : undefined;
  const policies = policiesCommand(p.kubectl, WAYPOINT_NAMESPACE);
  return {
    limitedNs,
    ids: { limited: sampleIdentity(limitedNs), other: sampleIdentity(sample.namespace) },
    sent,
    ...(limited ? { limited } : {}),
    passed: sent.filter((s) => s.result.status === 200).length,
    other,
    ...opt('otherLine', gatewayLine(gateway, p.host, otherMark)?.line),
    ...opt('limitedLine', limited ? gatewayLine(gateway, p.host, limited.mark, 429)?.line : undefined),
    policies,
    noLimit: `the AgentgatewayPolicy ${RATE_LIMIT_POLICY} must be attached to the Gateway with a conditional local limit on ${limitedNs} (${policies}); ${p.logsCommand('gateway')}`,
  };
}

const opt = <K extends string>(k: K, v: string | undefined) =>
  v === undefined ? {} : ({ [k]: v } as Record<K, string>);

function proof(r: Run): ScenarioCheck {
  const { ids, limited, passed, other } = r;
  const note =
    passed < QUOTA
      ? ` (fewer than the quota: the bucket was not full, as after an earlier run within the minute; it refills ${RATE_LIMIT.requests} a minute, counted from when the gateway built it)`
      : '';
  if (limited && other.status === 200)
    return ok(
      `${passed} of its ${QUOTA} request(s) a minute from ${ids.limited} passed, the next got HTTP 429${note}; right after, ${ids.other} got HTTP 200, unaffected${r.otherLine ? `: ${excerpt(r.otherLine, 300)}` : ''}`,
    );
  const last = r.sent.at(-1)?.result;
  return failed(
    [
      limited
        ? `${ids.limited} got HTTP 429 after ${passed} request(s)`
        : `${ids.limited} sent ${r.sent.length} request(s): ${passed} passed, the last got ${last ? describeResult(last) : 'nothing'}, and no 429 came`,
      `${ids.other} got ${describeResult(other)}`,
    ].join('; '),
    limited
      ? `another identity must not be limited: the limit's condition must match ${r.limitedNs} only (${r.policies})`
      : last?.status === 200
        ? r.noLimit
        : `requests from ${ids.limited} must pass until the limit: the identity-authz policy must allow it and ext-authz must pass it (${r.policies})`,
  );
}

function negative(r: Run): ScenarioCheck {
  const { ids, limited, limitedLine } = r;
  const shown =
    limited?.result.body.includes(RATE_LIMITED_BODY) &&
    limitedLine !== undefined &&
    parseGatewayLine(limitedLine)?.reason === 'RateLimit' &&
    callerOf(limitedLine) === ids.limited;
  if (shown)
    return ok(
      `request ${r.passed + 1} from ${ids.limited} got HTTP 429 "${RATE_LIMITED_BODY}"; the gateway's line names the reason and the caller: … ${outcomeOf(limitedLine)}`,
    );
  if (!limited)
    return failed(
      `no 429 within ${r.sent.length} request(s) from ${ids.limited} (quota ${QUOTA} a minute): ${r.sent.map((s) => describeResult(s.result)).join(', ')}`,
      r.noLimit,
    );
  return failed(
    `the 429 ${limitedLine ? `is logged as: … ${outcomeOf(limitedLine)}` : 'has no gateway line'}; its body: "${excerpt(limited.result.body, 120)}"`,
    `the gateway's line must carry reason=RateLimit and caller="${ids.limited}": the caller-log policy egress-lab-caller-log must be the only access-log policy on the Gateway (${r.policies})`,
  );
}
