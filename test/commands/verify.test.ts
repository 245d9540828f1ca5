import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { logs } from '../../scripts/commands/logs.ts';
import { verify } from '../../scripts/commands/verify.ts';
import { labStatus } from '../../scripts/lab/status.ts';
import { up } from '../../scripts/lab/up.ts';
import { readLedger } from '../../scripts/state/ledger.ts';
import type { VerifyReport } from '../../scripts/verify/report-schema.ts';
import { verifyLab, WARMUP_DELAYS_MS } from '../../scripts/verify/verify.ts';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { at, type FakeState, rec, type Scenario } from '../fakes/types.ts';
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
    s.scenario = {};
  });
});

const scenario = (knobs: Scenario) => fakes.update((s) => (s.scenario = knobs));
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
    // Squid logs the URL with verify's probe query (the rendered squid.conf turns strip_query_terms off).
    expect(hop(r, 'squid').evidence).toMatch(
      /TCP_MISS\/200 \d+ GET http:\/\/httpbingo\.org\/headers\?egress-lab-verify=[0-9a-f]{8}a /,
    );
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

  it('Squid refusing the gateway: the squid hop ✗ with Squid\'s TCP_DENIED line, not "no access line"', async () => {
    scenario({ squidDenies: true });
    const r = await run();
    expect(r.firstBroken).toBe('squid');
    expect(hop(r, 'ext-authz').status).toBe('ok');
    expect(hop(r, 'squid')).toMatchObject({
      status: 'failed',
      evidence: expect.stringMatching(/^Squid refused the request: .* TCP_DENIED\/403 \d+ GET http:\/\/httpbingo\.org/),
      hint: expect.stringMatching(/allowedClients/),
    });
  });

  it("other workloads' traffic to the host proves no hop of this run", async () => {
    scenario({ otherClients: true, bypassGateway: true });
    const bypass = await run();
    expect(bypass.firstBroken).toBe('ztunnel');
    expect(hop(bypass, 'gateway').status).toBe('not-reached');
    expect(hop(bypass, 'squid').status).toBe('not-reached');
    scenario({ otherClients: true, squidBypassed: true });
    const direct = await run();
    expect(hop(direct, 'gateway').status).toBe('ok');
    expect(direct.firstBroken).toBe('squid');
    expect(hop(direct, 'squid')).toMatchObject({
      status: 'failed',
      hint: expect.stringMatching(/the gateway did not tunnel through Squid/),
    });
  });

  it('a squid.conf that strips query strings: the squid hop ✗ saying why its line cannot be told apart', async () => {
    const conf = (s: FakeState) => s.clusters['egress-lab']!.objects['ConfigMap|squid|squid-config']!.data!;
    const rendered = conf(fakes.state())['squid.conf']!;
    fakes.update((s) => (conf(s)['squid.conf'] = rendered.replace(/^strip_query_terms off$/m, '')));
    try {
      const r = await run();
      expect(r.firstBroken).toBe('squid');
      expect(hop(r, 'squid')).toMatchObject({
        status: 'failed',
        evidence: expect.stringMatching(/without its query.* GET http:\/\/httpbingo\.org\/headers\? /),
        hint: expect.stringMatching(/strip_query_terms off/),
      });
    } finally {
      fakes.update((s) => (conf(s)['squid.conf'] = rendered));
    }
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
    expect(hop(r, 'ztunnel')).toMatchObject({
      status: 'failed',
      evidence: expect.stringMatching(
        /got HTTP 200, but the egress gateway logged nothing for httpbingo\.org: it bypassed the gateway/,
      ),
    });
    expect(r.negativeControl.status).toBe('failed');
  });

  it("another client's traffic to the control host through the gateway is not taken for the control's", async () => {
    // The fake adds another workload's HTTPS to each requested host (a gateway TCP line naming example.com).
    scenario({ bypassGateway: true, otherClients: true });
    const r = await run();
    expect(r.negativeControl).toMatchObject({ status: 'failed', host: 'example.com' });
    expect(r.negativeControl.evidence).toMatch(/reached directly, around the egress gateway/);
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
    const sleepPod = fakes.state().clusters['egress-lab']!.objects['Deployment|ns1|sleep']!;
    fakes.update((s) => delete s.clusters['egress-lab']!.objects['Deployment|ns1|sleep']);
    const r = await run();
    fakes.update((s) => (s.clusters['egress-lab']!.objects['Deployment|ns1|sleep'] = sleepPod));
    expect(r).toMatchObject({ ok: false, firstBroken: 'pod' });
    expect(hop(r, 'pod').hint).toMatch(/the sample pod is not ready; look at: kubectl --kubeconfig .* get pods -n ns1/);
  });
});

describe('verify hints', () => {
  const kube = () => {
    const l = readLedger('egress-lab', fakes.env)!;
    return `kubectl --kubeconfig ${l.kubeconfig} --context ${l.context}`;
  };
  const hints = (r: VerifyReport) =>
    [...r.hops.map((h) => h.hint), r.hint, r.negativeControl.hint].filter((h): h is string => Boolean(h));

  it('hops after the first broken one are "not reached", without hints of their own', async () => {
    scenario({ extAuthzDenyAll: true });
    const r = await run();
    expect(r.hops.map((h) => [h.hop, h.status])).toEqual([
      ['pod', 'ok'],
      ['ztunnel', 'ok'],
      ['gateway', 'ok'],
      ['ext-authz', 'failed'],
      ['squid', 'not-reached'],
      ['destination', 'not-reached'],
    ]);
    expect(hop(r, 'squid')).toEqual({
      hop: 'squid',
      status: 'not-reached',
      evidence: 'not reached: the path breaks at ext-authz',
    });
    const out = fakeDeps(fakes);
    await verify({}, { exec: out.exec, stdout: out.stdout, env: fakes.env, sleep }).catch(() => undefined);
    expect(out.output()).toMatch(/ext-authz ✗ ──▶ squid – ──▶ httpbingo\.org –/);
    expect(out.output().match(/hint:/g)).toHaveLength(1);
  });

  it('an unreachable ext-authz is named as such, not as one that denies', async () => {
    scenario({ extAuthzDown: true });
    const r = await run();
    expect(r.firstBroken).toBe('ext-authz');
    expect(hop(r, 'ext-authz')).toMatchObject({
      evidence: expect.stringMatching(
        /^the gateway got no decision from ext-authz: HTTP 403 "external authorization failed": .*reason=ExtAuth/,
      ),
      hint: expect.stringMatching(/^ext-authz did not answer the gateway's check \(unreachable or failing/),
    });
    expect(hints(r).join(' ')).not.toMatch(/\bdenies\b/);
  });

  it('every command in a hint carries the lab kubeconfig', async () => {
    const seen: string[] = [];
    for (const knobs of [
      { bypassGateway: true },
      { squidDown: true },
      { squidBypassed: true },
      { extAuthzDown: true },
    ]) {
      scenario(knobs);
      seen.push(...hints(await run()));
    }
    const sleepPod = fakes.state().clusters['egress-lab']!.objects['Deployment|ns1|sleep']!;
    fakes.update((s) => delete s.clusters['egress-lab']!.objects['Deployment|ns1|sleep']);
    try {
      seen.push(...hints(await run()));
    } finally {
      fakes.update((s) => (s.clusters['egress-lab']!.objects['Deployment|ns1|sleep'] = sleepPod));
    }
    const commands = seen.join('\n').match(/kubectl [^;)]*/g) ?? [];
    expect(commands.length).toBeGreaterThan(4);
    for (const c of commands) expect(c.startsWith(`${kube()} `), c).toBe(true);
  });

  it("a ServiceEntry istiod refused: the hint shows istiod's WaypointBound verdict, and status shows it too", async () => {
    // Take away what the waypoint admits (the client namespace's egress-client label): istiod then refuses
    // the ServiceEntry with AttachmentDenied (istio 1.30.3 pilot/pkg/serviceregistry/ambient/waypoints.go,
    // status.go; the fakes' istio.ts decides it the same way).
    const ns1Labels = (s: FakeState) => s.clusters['egress-lab']!.objects['Namespace||ns1']!.metadata.labels!;
    let admitted = '';
    fakes.update((s) => {
      admitted = ns1Labels(s)['egress-lab.dev/egress-client']!;
      delete ns1Labels(s)['egress-lab.dev/egress-client'];
    });
    try {
      const r = await run();
      const said =
        'ServiceEntry ns1/httpbingo-org says istio.io/WaypointBound=False AttachmentDenied: we are not permitted to attach to waypoint "common-infrastructure/egress-gateway" (missing allowedRoutes?)';
      expect(hop(r, 'ztunnel').hint).toContain(said);
      expect(hop(r, 'ztunnel').verdicts).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ object: 'ServiceEntry ns1/httpbingo-org', ok: false }),
          { object: 'Gateway common-infrastructure/egress-gateway', ok: true, says: 'Programmed=True' },
        ]),
      );
      const st = await labStatus(fakeDeps(fakes).exec, readLedger('egress-lab', fakes.env)!);
      const check = st.components.flatMap((c) => c.checks).find((c) => c.what === 'ServiceEntry ns1/httpbingo-org');
      expect(check).toMatchObject({
        ok: false,
        detail: expect.stringContaining('AttachmentDenied: we are not permitted'),
      });
      expect(st.healthy).toBe(false);
    } finally {
      fakes.update((s) => (ns1Labels(s)['egress-lab.dev/egress-client'] = admitted));
    }
  });

  it("a policy its controller did not attach: the ext-authz hint shows the policy's Accepted/Attached ancestors", async () => {
    const policy = 'AgentgatewayPolicy|common-infrastructure|gateway-ext-auth-policy';
    const targetRef = (s: FakeState) => rec(at(s.clusters['egress-lab']!.objects[policy], 'spec', 'targetRefs', 0));
    fakes.update((s) => (targetRef(s).name = 'egress-gatway'));
    try {
      const r = await run();
      expect(r.firstBroken).toBe('ext-authz');
      expect(hop(r, 'ext-authz').hint).toContain(
        'AgentgatewayPolicy common-infrastructure/gateway-ext-auth-policy says StatusSummary: Accepted=True Valid: Policy accepted, Attached=False Pending: Policy is not attached: Gateway common-infrastructure/egress-gatway not found',
      );
      const st = await labStatus(fakeDeps(fakes).exec, readLedger('egress-lab', fakes.env)!);
      expect(st.components.find((c) => c.name === 'ext-authz')).toMatchObject({ healthy: false });
    } finally {
      fakes.update((s) => (targetRef(s).name = 'egress-gateway'));
    }
  });

  it('retries say which attempt they wait for instead of a blank screen', async () => {
    scenario({ warmupFailures: 2 });
    const said: string[] = [];
    await verifyLab(readLedger('egress-lab', fakes.env)!, {
      exec: fakeDeps(fakes).exec,
      sleep,
      progress: (m) => said.push(m),
    });
    expect(said).toEqual([
      'verify: the allowed request got no response (Could not resolve host: httpbingo.org) while the path warms up; attempt 2/6 in 1 s',
      'verify: the allowed request got no response (Could not resolve host: httpbingo.org) while the path warms up; attempt 3/6 in 2 s',
    ]);
    scenario({ warmupFailures: 1 });
    const deps = { ...fakeDeps(fakes), sleep };
    await up({ profile: 'kind-full', yes: true, json: true }, deps);
    expect(deps.output()).toMatch(
      /"type":"output","step":"verify","line":"verify: the allowed request .*attempt 2\/6 in 1 s"/,
    );
  });
});

describe('verify on the seed and enterprise stacks, whose builds log other shapes', () => {
  let other: Fakes;
  beforeAll(async () => {
    other = await createFakes();
  });
  afterAll(() => other.cleanup());

  for (const profile of ['seed', 'kind-enterprise'])
    it(`${profile}: every hop proven from its build's lines`, async () => {
      const licensed = { GLOO_MESH_LICENSE_KEY: 'k', GLOO_GATEWAY_LICENSE_KEY: 'k', AGENTGATEWAY_LICENSE_KEY: 'k' };
      Object.assign(other.env, licensed);
      const name = `lab-${profile}`;
      await up({ profile, name, yes: true, verify: false }, fakeDeps(other));
      const r = await verifyLab(readLedger(name, other.env)!, { exec: fakeDeps(other).exec, sleep });
      expect(r.hops.filter((h) => h.status !== 'ok')).toEqual([]);
      expect(hop(r, 'squid').evidence).toMatch(
        profile === 'seed'
          ? /TCP_TUNNEL\/200 \d+ CONNECT httpbingo\.org:80 /
          : /GET http:\/\/httpbingo\.org\/headers\?egress-lab-verify=/,
      );
      if (profile === 'kind-enterprise') expect(hop(r, 'gateway').evidence).toMatch(/listener=waypoint route=/);
    });
});
