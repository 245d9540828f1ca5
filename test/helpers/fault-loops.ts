import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { down } from '../../scripts/lab/down.ts';
import { up } from '../../scripts/lab/up.ts';
import { loadProfile } from '../../scripts/profile/load.ts';
import { renderLab } from '../../scripts/render/render.ts';
import { type Call, createFakes, existingGkeCluster, type Fakes } from '../fakes/fakes.ts';
import { cmdline, fakeDeps } from './lab.ts';

/** Calls that change something: everything else is a read. */
export const CHANGING =
  '^(kind (create|delete)|kubectl .* (apply|delete) |helm (upgrade|uninstall)|gcloud container clusters (create|delete))';
export const changing = (calls: Call[]) => calls.filter((c) => new RegExp(CHANGING).test(cmdline(c)));

/** The lab's objects in the fake cluster (those egress-lab labels as its own), as kind|ns|name keys. */
export function labObjects(fakes: Fakes, cluster = 'egress-lab'): string[] {
  const c = fakes.state().clusters[cluster]!;
  return Object.entries(c.objects)
    .filter(([, o]) => o.metadata.labels?.['app.kubernetes.io/managed-by'] === 'egress-lab')
    .map(([k]) => k)
    .sort();
}
export function renderedObjects(profile: string): string[] {
  return renderLab(loadProfile({ profile }), 'egress-lab')
    .manifests.flatMap((m) => m.objects)
    .map((o) => `${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`)
    .sort();
}

/**
 * "A failure at every changing step of up", one part of `parts`: the steps k with k % parts === part - 1, so
 * the parts run in separate files and the two workers share the loops. Each k starts from fresh fakes.
 */
export function failureAtEveryStep(part: number, parts: number) {
  let fakes: Fakes;
  beforeEach(async () => (fakes = await createFakes()));
  afterEach(() => fakes.cleanup());
  const upQuiet = (profile: string, extra: Record<string, unknown> = {}) =>
    up({ profile, yes: true, verify: false, ...extra }, fakeDeps(fakes));
  const mine = (k: number) => k % parts === part - 1;

  async function countChanging(run: () => Promise<void>): Promise<number> {
    await run();
    const n = changing(fakes.calls()).length;
    fakes.cleanup();
    fakes = await createFakes();
    return n;
  }

  describe(`a failure at every changing step of up (part ${part} of ${parts})`, () => {
    // On kind, down after a failure deletes the whole cluster (checked at every k below on an existing GKE
    // cluster, where down must find each object); here every k checks that the next up resumes and completes.
    it('kind: exits 1 naming the step, and the next up resumes and completes', async () => {
      const total = await countChanging(() => upQuiet('kind'));
      expect(total).toBeGreaterThanOrEqual(10);
      for (let k = 1; k <= total; k++) {
        if (!mine(k)) continue;
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
        expect(labObjects(fakes), `k=${k}`).toEqual(renderedObjects('kind'));
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
      const seed = (f: Fakes) =>
        existingGkeCluster(f, 'shared', { namespaces: ['default', 'kube-system', 'team-apps'] });
      const opts = { gkeProject: 'demo-project-1', gkeLocation: 'europe-west1-b', gkeCluster: 'shared' };
      seed(fakes);
      const total = await countChanging(() => upQuiet('gke-full', opts));
      for (let k = 1; k <= total; k++) {
        if (!mine(k)) continue;
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
}
