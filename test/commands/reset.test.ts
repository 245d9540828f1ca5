import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verify } from '../../scripts/commands/verify.ts';
import { up } from '../../scripts/lab/up.ts';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { at } from '../fakes/types.ts';
import { cli } from '../helpers/cli.ts';
import { fakeDeps } from '../helpers/lab.ts';

let fakes: Fakes;
const SLOW = 900_000;
beforeAll(async () => {
  fakes = await createFakes();
  await up({ profile: 'kind-workshop', yes: true, verify: false }, fakeDeps(fakes));
}, SLOW);
afterAll(() => fakes.cleanup());

const objects = () => fakes.state().clusters['egress-lab']!.objects;
const verifySeat = async (seat: number) => {
  const out = fakeDeps(fakes);
  const err = await verify(
    { seat },
    { exec: out.exec, stdout: out.stdout, env: fakes.env, sleep: async () => {} },
  ).catch((e: unknown) => e as Error);
  return { ok: err === undefined, text: out.output() };
};

describe('egress-lab reset', { timeout: SLOW }, () => {
  it('restores a seat that was broken (its ServiceEntry deleted, a ServiceEntry added that bypasses the gateway, a policy added); verify then passes', async () => {
    expect((await verifySeat(2)).ok).toBe(true);
    fakes.update((s) => {
      const o = s.clusters['egress-lab']!.objects;
      const own = o['ServiceEntry|seat-02|httpbingo-org']!;
      delete o['ServiceEntry|seat-02|httpbingo-org'];
      // An added ServiceEntry for the same host that opts out of the waypoint: ztunnel answers seat-02 from it.
      o['ServiceEntry|seat-02|shortcut'] = {
        ...own,
        metadata: { name: 'shortcut', namespace: 'seat-02', labels: { 'istio.io/use-waypoint': 'none' } },
      };
      // An added policy: ztunnel enforces it where the traffic arrives, so it changes nothing of the seat's egress,
      // but it was not there right after up.
      o['AuthorizationPolicy|seat-02|deny-all'] = {
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: { name: 'deny-all', namespace: 'seat-02' },
      };
    });
    const broken = await verifySeat(2);
    expect(broken.ok).toBe(false);
    // The other seats are untouched.
    expect((await verifySeat(1)).ok).toBe(true);

    const r = await cli(['reset', '--seat', '2'], { env: fakes.env });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toBe(
      [
        "seat-02: removed ServiceEntry seat-02/shortcut, AuthorizationPolicy seat-02/deny-all; applied the lab's 9 objects again; restarted the sample",
        'Reset done. Prove it: egress-lab verify --seat 2',
        '',
      ].join('\n'),
    );
    expect(objects()['ServiceEntry|seat-02|shortcut']).toBeUndefined();
    expect(objects()['AuthorizationPolicy|seat-02|deny-all']).toBeUndefined();
    expect(objects()['ServiceEntry|seat-02|httpbingo-org']).toBeDefined();
    expect(
      at(
        objects()['Deployment|seat-02|sleep'],
        'spec',
        'template',
        'metadata',
        'annotations',
        'kubectl.kubernetes.io/restartedAt',
      ),
    ).toBeDefined();
    expect((await verifySeat(2)).ok).toBe(true);
  });

  it("a namespace that left the mesh (its ambient label removed) is enrolled again, and only the seat's own objects are touched", async () => {
    fakes.update((s) => {
      const ns = s.clusters['egress-lab']!.objects['Namespace||seat-03']!;
      delete ns.metadata.labels!['istio.io/dataplane-mode'];
    });
    expect((await verifySeat(3)).ok).toBe(false);
    const before = JSON.stringify(objects()['Deployment|seat-01|sleep']);
    const r = await cli(['reset', '--seat', '3'], { env: fakes.env });
    expect(r.code).toBe(0);
    expect(objects()['Namespace||seat-03']!.metadata.labels!['istio.io/dataplane-mode']).toBe('ambient');
    expect(JSON.stringify(objects()['Deployment|seat-01|sleep'])).toBe(before);
    expect((await verifySeat(3)).ok).toBe(true);
  });

  it('--seat outside the lab is exit 2, nothing run', async () => {
    const calls = fakes.calls().length;
    const r = await cli(['reset', '--seat', '9'], { env: fakes.env });
    expect([r.code, r.stderr]).toEqual([2, 'egress-lab: --seat: the lab "egress-lab" has seats 1 to 3, not 9\n']);
    expect(fakes.calls().length).toBe(calls);
  });
});
