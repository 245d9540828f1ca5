import { describe, expect, it } from 'vitest';
import { kubeAccess } from '../../scripts/kube/access.ts';
import { readLedger } from '../../scripts/state/ledger.ts';
import { curlFromPod } from '../../scripts/verify/probe.ts';
import { fakeDeps } from '../helpers/lab.ts';
import { labCluster, packLab, packOf, verifyOn } from '../helpers/packs.ts';

/**
 * rate-limit on the fakes, with identity-authz on too: the limited namespace's sample gets 429 after its quota of
 * 3 a minute, the sample of ns1 is not limited, and the gateway's line names the reason and the caller. The fake
 * gateway keeps agentgateway's token bucket (full at first, refilled by 3 once a minute counted from the policy's
 * apply), so a second run within the minute passes fewer; the tests move the bucket's refill time instead of
 * waiting.
 */
const lab = packLab(['identity-authz', 'rate-limit']);
type Bucket = { refillAt: number; available: number };
const cluster = labCluster;
const POLICY = 'AgentgatewayPolicy|common-infrastructure|egress-lab-rate-limit';
const ledger = () => readLedger('egress-lab', lab().env)!;
const run = () => verifyOn(lab());
const pack = (r: Parameters<typeof packOf>[0]) => packOf(r, 'rate-limit');
/** A minute passes for the gateway's buckets: each refill instant comes 60 s earlier. */
const aMinutePasses = () =>
  lab().update((s) => {
    for (const b of Object.values((cluster(s).rateLimitBuckets ?? {}) as Record<string, Bucket>)) b.refillAt -= 60_000;
  });

describe('rate-limit on the fakes', () => {
  it('3 requests pass, the 4th gets 429 "rate limit exceeded" logged with reason and caller; ns1 is unaffected', async () => {
    const r = await run();
    expect(r.ok, JSON.stringify(r.scenarios, null, 2)).toBe(true);
    const rl = pack(r);
    expect(rl.proof.evidence).toMatch(
      /^3 of its 3 request\(s\) a minute from spiffe:\/\/cluster\.local\/ns\/ns1-limited\/sa\/sleep passed, the next got HTTP 429; right after, spiffe:\/\/cluster\.local\/ns\/ns1\/sa\/sleep got HTTP 200, unaffected/,
    );
    expect(rl.negative.evidence).toMatch(/^request 4 from .*ns1-limited\/sa\/sleep got HTTP 429 "rate limit exceeded"/);
    expect(rl.negative.evidence).toMatch(
      /http\.status=429 protocol=http error="rate limit exceeded" reason=RateLimit duration=\S+ caller="spiffe:\/\/cluster\.local\/ns\/ns1-limited\/sa\/sleep"$/,
    );
    expect(rl.negative.evidence).not.toMatch(/endpoint=/);
  });

  it('a run within the same minute passes fewer and says why; a minute later the bucket holds 3 again', async () => {
    const again = pack(await run());
    expect(again.proof.status).toBe('ok');
    expect(again.proof.evidence).toMatch(
      /^0 of its 3 request\(s\) a minute from .* passed, the next got HTTP 429 \(fewer than the quota:/,
    );
    aMinutePasses();
    const later = pack(await run());
    expect(later.proof.evidence).toMatch(/^3 of its 3 request\(s\) a minute from /);
  });

  it('requests that ext-authz denies take no token', async () => {
    aMinutePasses();
    const k = kubeAccess(ledger());
    for (let i = 0; i < 5; i++) {
      const denied = await curlFromPod(fakeDeps(lab()).exec, k, 'ns1-limited', 'http://httpbingo.org/headers');
      expect(denied.status).toBe(403);
    }
    expect(pack(await run()).proof.evidence).toMatch(/^3 of its 3 request\(s\) a minute from /);
  });

  it('the negative check fails once the policy is deleted: no 429 comes, and the hint names the policy', async () => {
    aMinutePasses();
    const saved = lab().raw();
    lab().update((s) => {
      delete cluster(s).objects[POLICY];
    });
    const r = await run();
    lab().setRaw(saved);
    const rl = pack(r);
    expect(rl.negative.status).toBe('failed');
    expect(rl.negative.evidence).toMatch(
      /^no 429 within 5 request\(s\) from .*ns1-limited.*: HTTP 200, HTTP 200, HTTP 200, HTTP 200, HTTP 200$/,
    );
    expect(rl.negative.hint).toMatch(/egress-lab-rate-limit .*get agentgatewaypolicies -n common-infrastructure/);
    expect(rl.proof.status).toBe('failed');
    expect(r.firstBroken).toBe('scenario');
  });

  it('a changed limit is a new bucket, full at once: after a drained minute, 2 a minute let 2 through', async () => {
    await run(); // takes whatever the bucket holds: it is empty until the next refill
    lab().update((s) => {
      const traffic = cluster(s).objects[POLICY]!.spec!['traffic'] as {
        rateLimit: { conditional: { policy: { local: { requests: number }[] } }[] };
      };
      traffic.rateLimit.conditional[0]!.policy.local[0]!.requests = 2;
    });
    expect(pack(await run()).proof.evidence).toMatch(
      /^2 of its 3 request\(s\) a minute from .* passed, the next got HTTP 429 \(fewer than the quota:/,
    );
  });
});
