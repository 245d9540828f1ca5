import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { logs, verify } from '../../scripts/commands/verify.ts';
import { up } from '../../scripts/lab/up.ts';
import { readLedger } from '../../scripts/state/ledger.ts';
import { type VerifyReport, verifyLab, WARMUP_DELAYS_MS } from '../../scripts/verify/verify.ts';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { repoRoot } from '../helpers/cli.ts';
import { fakeDeps } from '../helpers/lab.ts';

const schema = JSON.parse(readFileSync(join(repoRoot, 'schemas', 'verify-report.schema.json'), 'utf8')) as object;
const validateShape = new Ajv({ allErrors: true, strict: true }).compile(schema);

let fakes: Fakes;
const slept: number[] = [];
const sleep = async (ms: number) => void slept.push(ms);
beforeAll(async () => {
  fakes = await createFakes();
  await up({ profile: 'kind-full', yes: true, verify: false }, fakeDeps(fakes));
});
afterAll(() => fakes.cleanup());
beforeEach(() => {
  slept.length = 0;
  fakes.update((s) => {
    (s as unknown as { scenario: object }).scenario = {};
  });
});

const scenario = (knobs: Record<string, unknown>) =>
  fakes.update((s) => ((s as unknown as { scenario: object }).scenario = knobs));
const run = () => verifyLab(readLedger('egress-lab', fakes.env)!, { exec: fakeDeps(fakes).exec, sleep });
const hop = (r: VerifyReport, name: string) => r.hops.find((h) => h.hop === name)!;

describe('verify against the fakes', () => {
  it('a healthy lab: every hop ✓ with its log line, and the negative control is blocked', async () => {
    const r = await run();
    expect(r.ok).toBe(true);
    expect(r.hops.map((h) => [h.hop, h.status])).toEqual([
      ['pod', 'ok'],
      ['ztunnel', 'ok'],
      ['gateway', 'ok'],
      ['ext-authz', 'ok'],
      ['squid', 'ok'],
      ['destination', 'ok'],
    ]);
    expect(hop(r, 'gateway').evidence).toMatch(
      /info\s+request gateway=common-infrastructure\/egress-gateway .*http\.host=httpbingo\.org .*http\.status=200/,
    );
    expect(hop(r, 'ext-authz').evidence).toMatch(
      /\[gRPCv3\]\[allowed\]: httpbingo\.org\/headers.*principal:"spiffe:\/\/cluster\.local\/ns\/ns1\/sa\/sleep"/,
    );
    expect(hop(r, 'squid').evidence).toMatch(/TCP_MISS\/200 \d+ GET http:\/\/httpbingo\.org\/headers/);
    expect(r.negativeControl).toMatchObject({
      host: 'example.com',
      status: 'ok',
      evidence: expect.stringMatching(/^blocked: no response \(curl exit 28/),
    });
    expect(r.requests.map((q) => [q.name, q.status])).toEqual([
      ['allowed', 200],
      ['denied', 403],
      ['control', 0],
    ]);
  });

  it('Squid down: exit 1 with the Squid hop ✗ and a hint to look at Squid', async () => {
    scenario({ squidDown: true });
    const r = await run();
    expect(r.ok).toBe(false);
    expect(r.firstBroken).toBe('squid');
    expect(hop(r, 'gateway').status).toBe('ok');
    expect(hop(r, 'squid')).toMatchObject({
      status: 'failed',
      hint: expect.stringMatching(/^503 from the gateway and no Squid line: look at Squid/),
    });
    const out = fakeDeps(fakes);
    await expect(verify({}, { exec: out.exec, stdout: out.stdout, env: fakes.env, sleep })).rejects.toThrow(
      /verify: the squid hop is not proven/,
    );
    expect(out.output()).toMatch(/squid ✗/);
  });

  it('ext-authz denying everything: the ext-authz hop ✗', async () => {
    scenario({ extAuthzDenyAll: true });
    const r = await run();
    expect(r.firstBroken).toBe('ext-authz');
    expect(hop(r, 'ext-authz')).toMatchObject({
      status: 'failed',
      evidence: expect.stringMatching(/with "x-ext-authz: allow" got 403/),
      hint: expect.stringMatching(/ext-authz denies even allowed requests/),
    });
  });

  it('traffic bypassing the gateway: 200 OK, and still ✗ — a status-code check would pass it', async () => {
    scenario({ bypassGateway: true });
    const r = await run();
    expect(r.requests[0]).toMatchObject({ name: 'allowed', status: 200 });
    expect(r.ok).toBe(false);
    expect(r.firstBroken).toBe('ztunnel');
    expect(hop(r, 'gateway')).toMatchObject({
      status: 'failed',
      evidence: expect.stringMatching(
        /got HTTP 200, but the egress gateway logged nothing for httpbingo\.org: it bypassed the gateway/,
      ),
    });
    expect(r.negativeControl.status).toBe('failed');
  });

  it('slow DNS warm-up: retries with backoff, then proves the path', async () => {
    scenario({ warmupFailures: 2 });
    const r = await run();
    expect(r.ok).toBe(true);
    expect(r.requests[0]).toMatchObject({ status: 200, attempts: 3 });
    expect(slept).toEqual(WARMUP_DELAYS_MS.slice(0, 2));
    expect(hop(r, 'pod').evidence).toMatch(/after 3 attempts/);
  });

  it("gives up after the bounded retries, naming curl's error", async () => {
    scenario({ warmupFailures: 99 });
    const r = await run();
    expect(r.ok).toBe(false);
    expect(r.requests[0]).toMatchObject({
      status: 0,
      curlExit: 6,
      attempts: WARMUP_DELAYS_MS.length + 1,
      error: 'Could not resolve host: httpbingo.org',
    });
    expect(slept).toEqual(WARMUP_DELAYS_MS);
  });

  it('--json matches the documented shape (schemas/verify-report.schema.json), healthy and broken', async () => {
    for (const knobs of [{}, { squidDown: true }, { bypassGateway: true }]) {
      scenario(knobs);
      const out = fakeDeps(fakes);
      await verify({ json: true }, { exec: out.exec, stdout: out.stdout, env: fakes.env, sleep }).catch(
        () => undefined,
      );
      const report = JSON.parse(out.output()) as unknown;
      expect(validateShape(report), JSON.stringify(validateShape.errors)).toBe(true);
    }
    expect(
      validateShape({
        lab: 'x',
        ok: true,
        profile: 'p',
        stack: 'oss',
        host: 'h',
        hops: [{ hop: 'pod', status: 'fine', evidence: '' }],
        negativeControl: { host: 'h', status: 'ok', evidence: '' },
        requests: [],
      }),
    ).toBe(false);
  });

  it('logs COMPONENT prints the component log through the lab kubeconfig; an absent component is bad input', async () => {
    await run();
    const out = fakeDeps(fakes);
    await logs('squid', {}, { exec: out.exec, stdout: out.stdout, env: fakes.env });
    expect(out.output()).toMatch(/TCP_MISS\/200 \d+ GET http:\/\/httpbingo\.org\/headers/);
    await expect(logs('envoy', {}, { exec: out.exec, stdout: out.stdout, env: fakes.env })).rejects.toThrow(
      /unknown component "envoy"; one of: gateway, waypoint, squid, ext-authz, sample, ztunnel, istio-cni, istiod/,
    );
    const call = fakes
      .calls()
      .filter((c) => c.argv.includes('logs'))
      .at(-1)!;
    expect(call.argv.slice(0, 4)).toEqual([
      '--kubeconfig',
      readLedger('egress-lab', fakes.env)!.kubeconfig,
      '--context',
      'kind-egress-lab',
    ]);
  });

  it('a sample pod that is not there: the pod hop ✗ with where to look', async () => {
    fakes.update((s) => delete s.clusters['egress-lab']!.objects['Deployment|ns1|sleep']);
    const r = await run();
    expect(r).toMatchObject({ ok: false, firstBroken: 'pod' });
    expect(hop(r, 'pod').hint).toMatch(/the sample pod is not ready; look at: kubectl --kubeconfig .* get pods -n ns1/);
  });
});
