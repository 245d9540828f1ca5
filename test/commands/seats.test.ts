import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verify } from '../../scripts/commands/verify.ts';
import { up } from '../../scripts/lab/up.ts';
import { readLedger } from '../../scripts/state/ledger.ts';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { cli } from '../helpers/cli.ts';
import { fakeDeps } from '../helpers/lab.ts';

/** Seats on the fakes: each runs up (with its verify) once; seconds each, far more on a loaded machine. */
const SLOW = 900_000;

const verifyText = async (fakes: Fakes, opts: { name?: string; seat?: number } = {}) => {
  const out = fakeDeps(fakes);
  const err = await verify(opts, { exec: out.exec, stdout: out.stdout, env: fakes.env, sleep: async () => {} }).catch(
    (e: unknown) => e as Error,
  );
  return { text: out.output(), err };
};
const seatRow = (n: number) => new RegExp(`^seat-${String(n).padStart(2, '0')}(\\s+✓){7}\\s+-$`, 'm');

describe('3 seats on kind', { timeout: SLOW }, () => {
  let fakes: Fakes;
  let upText = '';
  beforeAll(async () => {
    fakes = await createFakes();
    const deps = fakeDeps(fakes);
    await up({ profile: 'kind-workshop', yes: true }, deps);
    upText = deps.output();
  }, SLOW);
  afterAll(() => fakes.cleanup());

  it("up's plan names the seats, and its verify proves every seat in one table", () => {
    expect(upText).toContain(
      'seats:      3 (seat-01 … seat-03): each a namespace with its own sample, ServiceEntries and attendee account',
    );
    expect(upText).toMatch(
      /^SEAT\s+POD\s+ZTUNNEL\s+GATEWAY\s+EXT-AUTHZ\s+SQUID\s+DEST\s+NEVER-DIRECT\s+FIRST BROKEN$/m,
    );
    for (const n of [1, 2, 3]) expect(upText).toMatch(seatRow(n));
    expect(upText).toContain("Every seat's path is proven (3 seats).");
  });

  it('list shows the lab with its seats and the verify that proved them', async () => {
    const r = await cli(['list'], { env: fakes.env });
    expect(r.stdout).toMatch(/^egress-lab\s+kind\s+egress-lab\s+kind-workshop\s+3\s+✓ passed /m);
  });

  it('each seat has its own namespace, sample under its own ServiceAccount, ServiceEntry, egress guard and attendee', () => {
    const objects = Object.keys(fakes.state().clusters['egress-lab']!.objects);
    for (const ns of ['seat-01', 'seat-02', 'seat-03'])
      for (const o of [
        `Namespace||${ns}`,
        `ServiceAccount|${ns}|sleep`,
        `Deployment|${ns}|sleep`,
        `ServiceEntry|${ns}|httpbingo-org`,
        `NetworkPolicy|${ns}|egress-only-through-gateway`,
        `ServiceAccount|${ns}|attendee`,
        `Role|${ns}|egress-lab-attendee`,
        `RoleBinding|${ns}|egress-lab-attendee`,
      ])
        expect(objects, o).toContain(o);
    // The route and backend exist once; the shared logs are readable through one Role per shared namespace.
    expect(objects.filter((o) => o.startsWith('HTTPRoute|'))).toEqual([
      'HTTPRoute|common-infrastructure|httpbingo-org',
    ]);
    expect(objects).toContain('RoleBinding|common-infrastructure|egress-lab-seat-logs');
    expect(objects).toContain('RoleBinding|squid|egress-lab-seat-logs');
    expect(objects).not.toContain('Namespace||ns1');
    // The ledger lists every seat object, so down removes them.
    expect(readLedger('egress-lab', fakes.env)!.steps['seats']!.objects).toHaveLength(3 * 3 + 2 * 2);
  });

  it("ext-authz sees each seat's own SPIFFE identity", async () => {
    const { text } = await verifyText(fakes, { seat: 2 });
    expect(text).toMatch(seatRow(2));
    expect(text).not.toMatch(/^seat-01/m);
    const logs = await cli(['logs', 'ext-authz', '--tail', '500'], { env: fakes.env });
    for (const ns of ['seat-01', 'seat-02', 'seat-03'])
      expect(logs.stdout).toContain(`spiffe://cluster.local/ns/${ns}/sa/sleep`);
  });

  it("a broken seat is named in the table with its first broken hop, and verify shows that seat's hops", async () => {
    const saved = fakes.state().clusters['egress-lab']!.objects['Deployment|seat-02|sleep'];
    fakes.update((s) => {
      delete s.clusters['egress-lab']!.objects['Deployment|seat-02|sleep'];
    });
    const { text, err } = await verifyText(fakes);
    fakes.update((s) => {
      s.clusters['egress-lab']!.objects['Deployment|seat-02|sleep'] = saved!;
    });
    expect(err).toMatchObject({ exitCode: 1 });
    expect(err?.message).toMatch(
      /^verify: the pod hop is not proven \(1 of 3 seats not proven; seat 2: the sample pod is not ready/,
    );
    expect(text).toMatch(seatRow(1));
    expect(text).toMatch(/^seat-02\s+✗(\s+–){5}\s+✗\s+pod$/m);
    expect(text).toMatch(seatRow(3));
    expect(text).toContain('Seat 2 in detail:');
  });

  it("status --seat shows the shared components and that seat's objects, none of another seat's", async () => {
    const r = await cli(['status', '--seat', '2'], { env: fakes.env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("seat 2: the shared components and seat-02's objects");
    expect(r.stdout).toContain('Deployment seat-02/sleep: 1/1 ready');
    expect(r.stdout).toContain('RoleBinding common-infrastructure/egress-lab-seat-logs');
    expect(r.stdout).not.toMatch(/seat-0[13]/);
    const whole = await cli(['status'], { env: fakes.env });
    expect(whole.stdout).toMatch(/seat-01/);
  });

  it('--seat outside the lab is exit 2, before anything runs', async () => {
    const calls = fakes.calls().length;
    const r = await cli(['verify', '--seat', '4'], { env: fakes.env });
    expect([r.code, r.stderr]).toEqual([2, 'egress-lab: --seat: the lab "egress-lab" has seats 1 to 3, not 4\n']);
    const status = await cli(['status', '--seat', '4'], { env: fakes.env });
    expect([status.code, status.stderr]).toEqual([
      2,
      'egress-lab: --seat: the lab "egress-lab" has seats 1 to 3, not 4\n',
    ]);
    const bad = await cli(['verify', '--seat', 'two'], { env: fakes.env });
    expect([bad.code, bad.stderr]).toEqual([2, 'egress-lab: --seat: "two" is not a seat number (1, 2, …)\n']);
    expect(fakes.calls().length).toBe(calls);
  });
});

describe('15 seats on GKE', { timeout: SLOW }, () => {
  it('up builds them, says the size and why it fits, and verify proves all 15 in one table', async () => {
    const fakes = await createFakes();
    try {
      const deps = fakeDeps(fakes);
      await up(
        { profile: 'gke-workshop', gkeProject: 'demo-project-1', gkeLocation: 'europe-west1-b', yes: true },
        deps,
      );
      const text = deps.output();
      expect(text).toContain(
        "nodes:      3 × e2-standard-4 (in europe-west1-b); the 15 seats add 15 sample pods without CPU or memory requests, far below GKE's 110 pods per node",
      );
      for (let n = 1; n <= 15; n++) expect(text).toMatch(seatRow(n));
      expect(text).toContain("Every seat's path is proven (15 seats).");
      const list = await cli(['list'], { env: fakes.env });
      expect(list.stdout).toMatch(
        /^egress-lab\s+gke\s+egress-lab \(demo-project-1\/europe-west1-b\)\s+gke-workshop\s+15\s+✓ passed /m,
      );
    } finally {
      fakes.cleanup();
    }
  });
});

describe('seats are refused where the lab cannot build them (exit 2, nothing run)', () => {
  it.each([
    [
      ['--profile', 'kind-full', '--seats', '3', '--stack', 'enterprise'],
      /^egress-lab: seats: the enterprise stack steers egress with objects shared by the whole lab .* so egress-lab builds seats on the oss stack only; fix: --stack oss/,
    ],
    [['--profile', 'kind-full', '--seats', 'x'], /^egress-lab: --seats: "x" is not a number of seats\n$/],
    [
      ['--profile', 'kind-full', '--seats', '41'],
      /^egress-lab: seats: at most 40 seats in one lab \(from --seats\)\n$/,
    ],
  ])('render %j', async (args, message) => {
    const r = await cli(['render', ...args, '--out', '/nonexistent/never-written']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
