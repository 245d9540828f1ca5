import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { down } from '../../scripts/lab/down.ts';
import { status } from '../../scripts/lab/status.ts';
import { up } from '../../scripts/lab/up.ts';
import { loadProfile } from '../../scripts/profile/load.ts';
import { renderLab } from '../../scripts/render/render.ts';
import { readLedger } from '../../scripts/state/ledger.ts';
import type { Fakes } from '../fakes/fakes.ts';
import { changing, labObjects as labObjectsOf, renderedObjects } from '../helpers/fault-loops.ts';
import { cmdline, fakeDeps } from '../helpers/lab.ts';
import { createSharedFakes, sharedLab } from '../helpers/shared-lab.ts';

let fakes: Fakes;
beforeEach(async () => (fakes = await createSharedFakes()));
afterEach(() => fakes.cleanup());

const upQuiet = (profile: string, extra: Record<string, unknown> = {}) =>
  up({ profile, yes: true, verify: false, ...extra }, fakeDeps(fakes));

/** The lab as `up --profile P` leaves it: built once in this file, a fresh copy for each test after the first. */
const upShared = (profile: string) => sharedLab(fakes, `up ${profile}`, () => upQuiet(profile));
const labObjects = () => labObjectsOf(fakes);

describe('re-running up', () => {
  it('on an unchanged lab makes no changing call and says there is nothing to change', async () => {
    await upQuiet('kind-full');
    fakes.clearCalls();
    const deps = fakeDeps(fakes);
    await up({ profile: 'kind-full', yes: true }, deps);
    expect(changing(fakes.calls()).map(cmdline)).toEqual([]);
    expect(deps.output()).toMatch(/The lab "egress-lab" is up to date \(kind-full\): nothing to change\./);
    expect(deps.output()).toMatch(/Every hop is proven\./);
  });

  it('puts back what was deleted outside egress-lab (live check), and only that', async () => {
    await upQuiet('kind-squid');
    fakes.update((s) => delete s.clusters['egress-lab']!.objects['Deployment|squid|squid-proxy']);
    fakes.clearCalls();
    await upQuiet('kind-squid');
    const changed = changing(fakes.calls());
    expect(changed).toHaveLength(1);
    expect(changed[0]!.stdin).toContain('name: squid-proxy');
    expect(labObjects()).toEqual(renderedObjects('kind-squid'));
  });
});

describe('switching profiles applies only the difference', () => {
  // Every ordered pair of the oss kind profiles, as one walk through all twelve.
  const walk = [
    'kind',
    'kind-squid',
    'kind-ext-auth',
    'kind-full',
    'kind',
    'kind-ext-auth',
    'kind-squid',
    'kind-full',
    'kind-squid',
    'kind',
    'kind-full',
    'kind-ext-auth',
    'kind',
  ];

  it('walks every pair of kind profiles; each switch touches only the steps that differ and leaves nothing behind', async () => {
    await upShared(walk[0]!);
    for (let i = 1; i < walk.length; i++) {
      const [from, to] = [walk[i - 1]!, walk[i]!];
      const before = renderLab(loadProfile({ profile: from }), 'egress-lab');
      const after = renderLab(loadProfile({ profile: to }), 'egress-lab');
      const sameText = new Set(
        after.manifests
          .filter((m) => before.manifests.some((b) => b.id === m.id && b.text === m.text))
          .map((m) => m.id),
      );
      fakes.clearCalls();
      await upQuiet(to);
      const calls = changing(fakes.calls());
      expect(
        calls.filter((c) => c.bin === 'helm' || c.bin === 'kind'),
        `${from} -> ${to}`,
      ).toEqual([]);
      const applied = calls
        .filter((c) => c.argv.includes('apply'))
        .map((c) => after.manifests.find((m) => m.text === c.stdin)?.id ?? 'unknown');
      for (const id of applied) expect(sameText.has(id), `${from} -> ${to} re-applied the unchanged ${id}`).toBe(false);
      expect(labObjects(), `${from} -> ${to}`).toEqual(renderedObjects(to));
      expect(readLedger('egress-lab', fakes.env)!.profileName).toBe(to);
    }
  }, 180_000);

  it('shows the difference with --dry-run and changes nothing', async () => {
    await upShared('kind');
    fakes.clearCalls();
    const deps = fakeDeps(fakes);
    await up({ profile: 'kind-full', yes: true, dryRun: true }, deps);
    expect(changing(fakes.calls())).toEqual([]);
    expect(deps.output()).toMatch(
      /up would change the lab "egress-lab" \(nothing was changed\):\n\+ add: +squid, ext-authz, ext-authz-policy\n~ change: +images-pull, images-load, egress\n/,
    );
  });

  it('a change of stack or platform needs --recreate, which rebuilds the lab', async () => {
    await upShared('kind');
    await expect(upQuiet('kind-enterprise', {})).rejects.toThrow(
      /cannot switch in place: it runs the oss stack, not enterprise; pass --recreate/,
    );
    Object.assign(fakes.env, { GLOO_MESH_LICENSE_KEY: 'k1', AGENTGATEWAY_LICENSE_KEY: 'k2' });
    await upQuiet('kind-enterprise', { recreate: true });
    expect(readLedger('egress-lab', fakes.env)!.profile.stack).toBe('enterprise');
    expect(labObjects()).toEqual(renderedObjects('kind-enterprise'));
    expect(fakes.calls().filter((c) => cmdline(c).startsWith('kind delete cluster'))).toHaveLength(1);
  });
});

// A failure at every changing step of up: lifecycle-faults-1.test.ts and lifecycle-faults-2.test.ts.

describe('drift guard', () => {
  it('refuses to act on a cluster that was recreated outside egress-lab', async () => {
    await upShared('kind');
    fakes.update((s) => (s.clusters['egress-lab']!.uid = 'someone-elses-cluster'));
    await expect(upQuiet('kind')).rejects.toThrow(
      /refusing to up: the cluster "egress-lab" is not the one the lab "egress-lab" was built on \(its kube-system namespace has UID someone-elses-cluster/,
    );
    await expect(down({ yes: true }, fakeDeps(fakes))).rejects.toThrow(/refusing to down/);
    await expect(
      status({}, { exec: fakeDeps(fakes).exec, stdout: fakeDeps(fakes).stdout, env: fakes.env }),
    ).rejects.toThrow(/refusing to report on it/);
    expect(fakes.state().clusters['egress-lab']).toBeDefined();
  });

  it('a kind cluster deleted and made again by hand (same name, new address) is not deleted by down', async () => {
    await upShared('kind');
    fakes.update((s) => {
      s.clusters['egress-lab']!.server = 'https://127.0.0.1:45555';
    });
    await expect(down({ yes: true }, fakeDeps(fakes))).rejects.toThrow(
      /kind.s cluster "egress-lab" now answers at https:\/\/127\.0\.0\.1:45555: it was made again outside egress-lab/,
    );
    expect(fakes.state().clusters['egress-lab']).toBeDefined();
  });

  it('a cluster that is gone: down removes the records; up asks for --recreate', async () => {
    await upShared('kind');
    fakes.update((s) => delete s.clusters['egress-lab']);
    await expect(upQuiet('kind')).rejects.toThrow(/cluster is gone .* up --recreate builds it again/);
    const deps = fakeDeps(fakes);
    await down({ yes: true }, deps);
    expect(deps.output()).toMatch(/is gone already; removing the lab's records/);
    expect(readLedger('egress-lab', fakes.env)).toBeUndefined();
  });
});
