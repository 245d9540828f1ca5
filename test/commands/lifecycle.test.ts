import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { down } from '../../scripts/lab/down.ts';
import { status } from '../../scripts/lab/status.ts';
import { up } from '../../scripts/lab/up.ts';
import { loadProfile } from '../../scripts/profile/load.ts';
import { renderLab } from '../../scripts/render/render.ts';
import { readLedger } from '../../scripts/state/ledger.ts';
import { type Call, createFakes, existingGkeCluster, type Fakes } from '../fakes/fakes.ts';
import { cmdline, fakeDeps } from '../helpers/lab.ts';

/** Calls that change something: everything else is a read. */
const CHANGING =
  '^(kind (create|delete)|kubectl .* (apply|delete) |helm (upgrade|uninstall)|gcloud container clusters (create|delete))';
const changing = (calls: Call[]) => calls.filter((c) => new RegExp(CHANGING).test(cmdline(c)));

let fakes: Fakes;
beforeEach(async () => (fakes = await createFakes()));
afterEach(() => fakes.cleanup());

const upQuiet = (profile: string, extra: Record<string, unknown> = {}) =>
  up({ profile, yes: true, verify: false, ...extra }, fakeDeps(fakes));

/** The lab's objects in the fake cluster (those egress-lab labels as its own), as kind|ns|name keys. */
function labObjects(cluster = 'egress-lab'): string[] {
  const c = fakes.state().clusters[cluster]!;
  return Object.entries(c.objects)
    .filter(([, o]) => o.metadata.labels?.['app.kubernetes.io/managed-by'] === 'egress-lab')
    .map(([k]) => k)
    .sort();
}
function renderedObjects(profile: string): string[] {
  return renderLab(loadProfile({ profile }), 'egress-lab')
    .manifests.flatMap((m) => m.objects)
    .map((o) => `${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`)
    .sort();
}

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
    await upQuiet(walk[0]!);
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
    await upQuiet('kind');
    fakes.clearCalls();
    const deps = fakeDeps(fakes);
    await up({ profile: 'kind-full', yes: true, dryRun: true }, deps);
    expect(changing(fakes.calls())).toEqual([]);
    expect(deps.output()).toMatch(
      /up would change the lab "egress-lab" \(nothing was changed\):\n\+ add: +squid, ext-authz, ext-authz-policy\n~ change: +images-pull, images-load, egress\n/,
    );
  });

  it('a change of stack or platform needs --recreate, which rebuilds the lab', async () => {
    await upQuiet('kind');
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

describe('a failure at every changing step of up', () => {
  async function countChanging(run: () => Promise<void>): Promise<number> {
    await run();
    const n = changing(fakes.calls()).length;
    fakes.cleanup();
    fakes = await createFakes();
    return n;
  }

  // On kind, down after a failure deletes the whole cluster (checked at every k below on an existing GKE
  // cluster, where down must find each object); here every k checks that the next up resumes and completes.
  it('kind: exits 1 naming the step, and the next up resumes and completes', async () => {
    const total = await countChanging(() => upQuiet('kind'));
    expect(total).toBeGreaterThanOrEqual(10);
    for (let k = 1; k <= total; k++) {
      fakes.update((s) => (s.faults = [{ match: CHANGING, nth: k, stderr: `Error: injected failure ${k}` }]));
      const err = (await upQuiet('kind').catch((e: Error) => e)) as Error;
      const [first, ...rest] = (err?.message ?? '').split('\n');
      expect(first, `k=${k}`).toMatch(
        new RegExp(`^step \\S+ failed: .* failed \\(exit 1\\): Error: injected failure ${k}$`),
      );
      // Then where the whole output is, and what to do next.
      expect(rest.join('\n'), `k=${k}`).toMatch(/run log: .*\n {2}next: egress-lab up continues/);
      const made = changing(fakes.calls()).length;
      fakes.clearCalls();
      await upQuiet('kind');
      expect(labObjects(), `k=${k}`).toEqual(renderedObjects('kind'));
      expect(
        changing(fakes.calls()).filter((c) => cmdline(c).startsWith('kind create')),
        `k=${k}: the cluster is made once`,
      ).toHaveLength(k === 1 ? 1 : 0);
      expect(made, `k=${k}`).toBeGreaterThanOrEqual(k);
      await down({ yes: true }, fakeDeps(fakes));
      expect(fakes.state().clusters, `k=${k}`).toEqual({});
      fakes.cleanup();
      fakes = await createFakes();
    }
  }, 600_000);

  it('existing GKE cluster: down after a failure at any step removes what was made and keeps what was there', async () => {
    const seed = (f: Fakes) => existingGkeCluster(f, 'shared', { namespaces: ['default', 'kube-system', 'team-apps'] });
    const opts = { gkeProject: 'demo-project-1', gkeLocation: 'europe-west1-b', gkeCluster: 'shared' };
    seed(fakes);
    const total = await countChanging(() => upQuiet('gke-full', opts));
    for (let k = 1; k <= total; k++) {
      seed(fakes);
      fakes.update((s) => (s.faults = [{ match: CHANGING, nth: k }]));
      await expect(upQuiet('gke-full', opts), `k=${k}`).rejects.toThrow(/^step \S+ failed/);
      await down({ yes: true }, fakeDeps(fakes));
      const left = fakes.state().clusters['gke/demo-project-1/europe-west1-b/shared']!;
      expect(
        { objects: left.objects, releases: left.releases, crds: left.crds, namespaces: left.namespaces.sort() },
        `k=${k}`,
      ).toEqual({ objects: {}, releases: {}, crds: {}, namespaces: ['default', 'kube-system', 'team-apps'] });
      fakes.cleanup();
      fakes = await createFakes();
    }
  }, 600_000);
});

describe('drift guard', () => {
  it('refuses to act on a cluster that was recreated outside egress-lab', async () => {
    await upQuiet('kind');
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
    await upQuiet('kind');
    fakes.update((s) => {
      s.clusters['egress-lab']!.server = 'https://127.0.0.1:45555';
    });
    await expect(down({ yes: true }, fakeDeps(fakes))).rejects.toThrow(
      /kind.s cluster "egress-lab" now answers at https:\/\/127\.0\.0\.1:45555: it was made again outside egress-lab/,
    );
    expect(fakes.state().clusters['egress-lab']).toBeDefined();
  });

  it('a cluster that is gone: down removes the records; up asks for --recreate', async () => {
    await upQuiet('kind');
    fakes.update((s) => delete s.clusters['egress-lab']);
    await expect(upQuiet('kind')).rejects.toThrow(/cluster is gone .* up --recreate builds it again/);
    const deps = fakeDeps(fakes);
    await down({ yes: true }, deps);
    expect(deps.output()).toMatch(/is gone already; removing the lab's records/);
    expect(readLedger('egress-lab', fakes.env)).toBeUndefined();
  });
});
