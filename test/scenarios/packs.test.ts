import { describe, expect, it } from 'vitest';
import { packLab, packOf, verifyOn, verifyWith } from '../helpers/packs.ts';

/**
 * The scenario packs on the fakes: each pack's proof and negative check pass on a lab that has it, and its
 * negative check fails once the pack's key object is gone (the fakes enforce what the products do with it).
 */
const lab = packLab(['tls-origination', 'no-bypass']);
const run = () => verifyOn(lab());
const pack = packOf;

describe('scenario packs on the fakes', () => {
  it('tls-origination and no-bypass: every hop, proof and negative check pass', async () => {
    const r = await run();
    expect(r.ok, JSON.stringify(r.scenarios, null, 2)).toBe(true);
    const tls = pack(r, 'tls-origination');
    expect(tls.proof.evidence).toMatch(/endpoint httpbingo\.org:443/);
    expect(tls.proof.evidence).toMatch(/TCP_TUNNEL\/200 \d+ CONNECT httpbingo\.org:443/);
    const nb = pack(r, 'no-bypass');
    expect(nb.proof.evidence).toMatch(/NetworkPolicy ns1\/egress-only-through-gateway/);
    expect(nb.proof.evidence).toMatch(/curl exit 28/);
  });

  it("tls-origination's negative check fails once the backend loses policies.tls: Squid sees a plain GET", async () => {
    const r = await verifyWith(lab(), (c) => {
      const b = c.objects['AgentgatewayBackend|common-infrastructure|httpbingo-org']!;
      const policies = { ...(b.spec!['policies'] as Record<string, unknown>) };
      delete policies['tls'];
      b.spec = { ...b.spec, static: { host: 'httpbingo.org', port: 80 }, policies };
    });
    const tls = pack(r, 'tls-origination');
    expect(tls.negative.status).toBe('failed');
    expect(tls.negative.evidence).toMatch(
      /Squid saw the request in the clear: .*GET http:\/\/httpbingo\.org\/headers\?/,
    );
    expect(r.ok).toBe(false);
    expect(r.firstBroken).toBe('scenario');
  });

  it("no-bypass's negative check fails once the client namespace's NetworkPolicy is gone", async () => {
    const r = await verifyWith(lab(), (c) => {
      delete c.objects['NetworkPolicy|ns1|egress-only-through-gateway'];
    });
    const nb = pack(r, 'no-bypass');
    expect(nb.negative.status).toBe('failed');
    expect(nb.negative.evidence).toMatch(/a host without a ServiceEntry \(http:\/\/example\.net\/\): HTTP 200/);
    expect(nb.proof.status).toBe('failed');
  });
});
