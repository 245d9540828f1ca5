import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up } from '../../scripts/lab/up.ts';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { fakeDeps } from '../helpers/lab.ts';
import { type PackCluster, packLab, packOf, verifyOn, verifyWith } from '../helpers/packs.ts';

/**
 * identity-authz on the fakes, with rate-limit on too (its limited identity must be allowed): the sample's identity
 * passes, the other client namespace's gets agentgateway's 403 with the reason and the caller in the gateway's
 * line; without the policy (or with an expression that cannot be evaluated) the pack's checks fail.
 */
const lab = packLab(['identity-authz', 'rate-limit']);
const POLICY = 'AgentgatewayPolicy|common-infrastructure|egress-lab-identity-authz';
const run = () => verifyOn(lab());
const pack = (r: Parameters<typeof packOf>[0]) => packOf(r, 'identity-authz');
const runWith = (change: (c: PackCluster) => void) => verifyWith(lab(), change);

describe('identity-authz on the fakes', () => {
  it('the allowed identity gets 200; the other gets 403 "authorization failed", logged with reason and caller', async () => {
    const r = await run();
    expect(r.ok, JSON.stringify(r.scenarios, null, 2)).toBe(true);
    const ia = pack(r);
    expect(ia.proof.evidence).toMatch(/^spiffe:\/\/cluster\.local\/ns\/ns1\/sa\/sleep got HTTP 200/);
    expect(ia.negative.evidence).toMatch(
      /ns1-other\/sa\/sleep \(with x-ext-authz: allow.*\) got HTTP 403 "authorization failed"/,
    );
    expect(ia.negative.evidence).toMatch(
      /http\.status=403 protocol=http error="authorization failed" reason=Authorization duration=\S+ caller="spiffe:\/\/cluster\.local\/ns\/ns1-other\/sa\/sleep"/,
    );
  });

  it('the negative check fails once the policy is deleted: the other identity gets 200', async () => {
    const r = await runWith((c) => {
      delete c.objects[POLICY];
    });
    const ia = pack(r);
    expect(ia.negative.status).toBe('failed');
    expect(ia.negative.evidence).toMatch(/ns1-other\/sa\/sleep .*got HTTP 200/);
    expect(ia.negative.hint).toMatch(/egress-lab-identity-authz .*get agentgatewaypolicies -n common-infrastructure/);
    expect(r.ok).toBe(false);
    expect(r.firstBroken).toBe('scenario');
  });

  it('an Allow rule whose CEL fails to evaluate allows nothing: the allowed identity gets 403 too', async () => {
    const r = await runWith((c) => {
      const p = c.objects[POLICY]!;
      p.spec = {
        ...p.spec,
        traffic: { authorization: { policy: { matchExpressions: ['source.identity.team == "a"'] } } },
      };
    });
    const ia = pack(r);
    expect(ia.proof.status).toBe('failed');
    expect(ia.proof.evidence).toMatch(/ns1\/sa\/sleep got HTTP 403/);
    expect(ia.proof.hint).toMatch(/egress-lab-identity-authz must allow spiffe:\/\/cluster\.local\/ns\/ns1\/sa\/sleep/);
  });

  it('without the caller-log policy the 403 carries no caller, and the negative check names that policy', async () => {
    const r = await runWith((c) => {
      delete c.objects['AgentgatewayPolicy|common-infrastructure|egress-lab-caller-log'];
    });
    const ia = pack(r);
    expect(ia.negative.status).toBe('failed');
    expect(ia.negative.evidence).toMatch(/reason=Authorization duration=\S+$/);
    expect(ia.negative.hint).toMatch(/egress-lab-caller-log/);
  });
});

describe('identity-authz and rate-limit on a seated lab', () => {
  let seated: Fakes;
  beforeAll(async () => {
    seated = await createFakes();
    await up(
      { profile: 'kind-workshop', scenario: ['identity-authz', 'rate-limit'], yes: true, verify: false },
      fakeDeps(seated),
    );
  }, 900_000);
  afterAll(() => seated.cleanup());

  it("proven once, from the lab's sample ns1 beside the seats, with the packs' clients ns1-other and ns1-limited", async () => {
    const r = await verifyOn(seated);
    expect(r.ok, JSON.stringify(r.scenarios, null, 2)).toBe(true);
    expect(pack(r).proof.evidence).toMatch(/^spiffe:\/\/cluster\.local\/ns\/ns1\/sa\/sleep got HTTP 200/);
    expect(pack(r).negative.evidence).toMatch(/^spiffe:\/\/cluster\.local\/ns\/ns1-other\/sa\/sleep .*got HTTP 403/);
    const rl = packOf(r, 'rate-limit');
    expect(rl.proof.evidence).toMatch(
      /^3 of its 3 request\(s\) a minute from spiffe:\/\/cluster\.local\/ns\/ns1-limited\/sa\/sleep passed/,
    );
  }, 900_000);
});
