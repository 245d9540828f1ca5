import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createExec } from '../../scripts/exec/exec.ts';
import { down } from '../../scripts/lab/down.ts';
import { up } from '../../scripts/lab/up.ts';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { fakeDeps } from '../helpers/lab.ts';

let fakes: Fakes;
beforeEach(async () => (fakes = await createFakes()));
afterEach(() => fakes.cleanup());

const gke = (location: string, extra: Record<string, unknown> = {}) => ({
  profile: 'gke-full',
  gkeProject: 'demo-project-1',
  gkeLocation: location,
  yes: true,
  verify: false,
  ...extra,
});

describe('what a GKE lab costs', { timeout: 300_000 }, () => {
  it('the plan says how many nodes of which machine type (a region: in each of its three zones) and that it bills until down', async () => {
    const zonal = fakeDeps(fakes);
    await up(gke('europe-west1-b', { dryRun: true }), zonal);
    expect(zonal.output()).toContain('nodes:      3 × e2-standard-4 (in europe-west1-b)\n');
    expect(zonal.output()).toContain(
      "cost:       the cluster bills (its nodes, and GKE's cluster fee) from now until egress-lab down deletes it\n",
    );
    // The same numbers go to gcloud: --num-nodes is per zone.
    expect(zonal.output()).toMatch(/--machine-type e2-standard-4 --num-nodes 3 /);
    const regional = fakeDeps(fakes);
    await up(gke('us-central1', { dryRun: true, name: 'workshop' }), regional);
    expect(regional.output()).toContain(
      'nodes:      9 × e2-standard-4 (3 in each of 3 zones of the region us-central1)\n',
    );
    expect(regional.output()).toContain('until egress-lab down --name workshop deletes it\n');
    // An existing cluster (--gke-cluster) is not the lab's to size or bill.
    fakes.update((s) => {
      s.clusters['gke/demo-project-1/europe-west1-b/shared'] = {
        platform: 'gke',
        name: 'shared',
        project: 'demo-project-1',
        location: 'europe-west1-b',
        server: 'https://34.1.2.3',
        uid: 'shared-uid',
        networkConfig: { datapathProvider: 'ADVANCED_DATAPATH' },
        crds: {},
        objects: {},
        releases: {},
        namespaces: ['default', 'kube-system'],
      };
    });
    const existing = fakeDeps(fakes);
    await up(gke('europe-west1-b', { dryRun: true, gkeCluster: 'shared' }), existing);
    expect(existing.output()).not.toMatch(/^nodes:|^cost:/m);
  });

  it('down --keep-cluster on a GKE cluster egress-lab created prints the command that deletes it later, and that command does', async () => {
    await up(gke('europe-west1-b'), fakeDeps(fakes));
    const deps = fakeDeps(fakes);
    await down({ keepCluster: true, yes: true }, deps);
    const later = 'gcloud container clusters delete egress-lab --project demo-project-1 --location europe-west1-b';
    expect(deps.output()).toBe(
      `Removed the lab "egress-lab". The cluster "egress-lab" was left in place; it bills until it is deleted: ${later}.\n`,
    );
    expect(fakes.state().clusters['gke/demo-project-1/europe-west1-b/egress-lab']).toBeDefined();
    const [bin, ...args] = later.split(' ');
    await createExec({ env: fakes.env })(bin!, args);
    expect(fakes.state().clusters['gke/demo-project-1/europe-west1-b/egress-lab']).toBeUndefined();
  });
});
