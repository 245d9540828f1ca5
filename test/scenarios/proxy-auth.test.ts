import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up } from '../../scripts/lab/up.ts';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { fakeDeps } from '../helpers/lab.ts';
import { type PackCluster, packOf, verifyOn, verifyWith } from '../helpers/packs.ts';

/**
 * proxy-auth on the fakes: the lab's Squid requires a login, the gateway gives it the lab's credential through the
 * squid-proxy backend, and a request without the credential (the check route) gets Squid's 407. The fake Squid
 * enforces what the real one did in test/squid/proxy-auth.test.ts.
 */
type Cluster = PackCluster;
const SQUID_BACKEND = 'AgentgatewayBackend|common-infrastructure|squid-proxy';
const pack = (r: Parameters<typeof packOf>[0]) => packOf(r, 'proxy-auth');
const run = verifyOn;
const runWith = verifyWith;

const withoutAuth = (c: Cluster) => {
  const b = c.objects[SQUID_BACKEND]!;
  const policies = { ...(b.spec!['policies'] as Record<string, unknown>) };
  delete policies['auth'];
  b.spec = { ...b.spec, policies };
};

describe('proxy-auth on the fakes (plain HTTP through Squid)', () => {
  let fakes: Fakes;
  beforeAll(async () => {
    fakes = await createFakes();
    await up({ profile: 'kind-full', scenario: ['proxy-auth'], yes: true, verify: false }, fakeDeps(fakes));
  });
  afterAll(() => fakes.cleanup());

  it("proof and negative check pass: Squid logs the lab's user on the probe, and 407 without the credential", async () => {
    const r = await run(fakes);
    expect(r.ok, JSON.stringify(r.scenarios, null, 2)).toBe(true);
    const pa = pack(r);
    expect(pa.proof.evidence).toMatch(
      /^Squid let the gateway in as egress-lab: .* TCP_MISS\/200 \d+ GET http:\/\/httpbingo\.org\/headers\?\S+ egress-lab HIER_DIRECT/,
    );
    expect(pa.negative.evidence).toMatch(
      /^without the credential Squid answered 407 Proxy Authentication Required: .* TCP_DENIED\/407 \d+ GET http:\/\/httpbingo\.org\/headers\?\S+ - HIER_NONE\/-/,
    );
  });

  it("the negative check fails once squid.conf's auth lines are gone: Squid lets the request in without a login", async () => {
    const r = await runWith(fakes, (c) => {
      const cm = c.objects['ConfigMap|squid|squid-config']!;
      const conf = cm.data!['squid.conf']!;
      cm.data = {
        'squid.conf': conf
          .split('\n')
          .filter((l) => !/^(auth_param|acl egress_lab_users)/.test(l))
          .join('\n')
          .replace('http_access allow egress_lab_clients egress_lab_users', 'http_access allow egress_lab_clients'),
      };
    });
    const pa = pack(r);
    expect(pa.negative.status).toBe('failed');
    expect(pa.negative.evidence).toMatch(
      /^a request without the proxy credential \(header x-egress-lab-check: without-proxy-credential\) got HTTP 200; Squid's line: .* TCP_MISS\/200 .* - HIER_DIRECT/,
    );
    expect(pa.negative.hint).toMatch(/must require a login/);
    expect(r.firstBroken).toBe('scenario');
  });

  it('with the credential removed from the squid-proxy backend, Squid answers 407 and verify names it', async () => {
    const r = await runWith(fakes, withoutAuth);
    const pa = pack(r);
    expect(pa.proof.status).toBe('failed');
    expect(pa.proof.evidence).toMatch(
      /^the request got HTTP 407 .*; Squid's line: .* TCP_DENIED\/407 \d+ GET \S+ - HIER_NONE/,
    );
    expect(r.ok).toBe(false);
    // The path's own Squid hop names the login too, not Squid's client and port rules.
    expect(r.firstBroken).toBe('squid');
    expect(r.hint).toMatch(
      /^Squid wants a login \(407\) and the gateway gave none: .*squid-proxy must carry policies\.auth/,
    );
  });

  it('a wrong password: Squid refuses it with 407 and logs the user it was given', async () => {
    const wrong = Buffer.from(Buffer.from('egress-lab:wrong').toString('base64')).toString('base64');
    const r = await runWith(fakes, (c) => {
      c.objects['Secret|common-infrastructure|squid-proxy-credentials']!.data = { credentials: wrong };
    });
    const pa = pack(r);
    expect(pa.proof.status).toBe('failed');
    expect(pa.proof.evidence).toMatch(/TCP_DENIED\/407 \d+ GET \S+ egress-lab HIER_NONE/);
    expect(pa.proof.hint).toMatch(/Squid refused the gateway's credential/);
  });
});

describe('proxy-auth with tls-origination (CONNECT through Squid)', () => {
  let fakes: Fakes;
  beforeAll(async () => {
    fakes = await createFakes();
    const scenario = ['tls-origination', 'proxy-auth'];
    await up({ profile: 'kind-full', scenario, yes: true, verify: false }, fakeDeps(fakes));
  });
  afterAll(() => fakes.cleanup());

  it("proof: Squid's CONNECT httpbingo.org:443 shows the lab's user", async () => {
    const r = await run(fakes);
    expect(r.ok, JSON.stringify(r.scenarios, null, 2)).toBe(true);
    expect(pack(r).proof.evidence).toMatch(/TCP_TUNNEL\/200 \d+ CONNECT httpbingo\.org:443 egress-lab HIER_DIRECT/);
  });

  it('without the credential the CONNECT is refused: the gateway answers 503 tunnel required auth', async () => {
    const r = await runWith(fakes, withoutAuth);
    const pa = pack(r);
    expect(pa.proof.status).toBe('failed');
    expect(pa.proof.evidence).toMatch(
      /^the request got HTTP 503 "upstream call failed: Connect: tunnel required auth"; Squid's line: .* TCP_DENIED\/407 \d+ CONNECT httpbingo\.org:443 - HIER_NONE/,
    );
  });
});
