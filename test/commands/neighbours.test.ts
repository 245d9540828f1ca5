import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { down } from '../../scripts/lab/down.ts';
import { up } from '../../scripts/lab/up.ts';
import { readLedger, writeLedger } from '../../scripts/state/ledger.ts';
import { labDir } from '../../scripts/state/paths.ts';
import { createFakes, type FakeCluster, type Fakes } from '../fakes/fakes.ts';
import { cmdline, fakeDeps } from '../helpers/lab.ts';
import { addUserCluster } from '../helpers/user-cluster.ts';

let fakes: Fakes;
beforeEach(async () => (fakes = await createFakes()));
afterEach(() => fakes.cleanup());

/** Each test runs several ups and downs against the fakes: seconds each, far more on a loaded machine. */
const SLOW = 900_000;
const KEY = 'gke/demo-project-1/europe-west1-b/workshop';
const workshop = {
  platform: 'gke' as const,
  name: 'workshop',
  project: 'demo-project-1',
  location: 'europe-west1-b',
  networkConfig: { datapathProvider: 'ADVANCED_DATAPATH' },
};
const onWorkshop = (name: string) => ({
  profile: 'gke-full',
  gkeProject: 'demo-project-1',
  gkeLocation: 'europe-west1-b',
  gkeCluster: 'workshop',
  name,
  yes: true,
  verify: false,
});
const cluster = (key = KEY): FakeCluster => fakes.state().clusters[key]!;
/** Everything in the cluster, byte for byte, to compare before and after. */
const snapshot = (key = KEY) => JSON.stringify(cluster(key));
/** The calls that change a cluster (helm installs and removals, kubectl apply and delete). */
const changes = () =>
  fakes
    .calls()
    .map(cmdline)
    .filter((c) => /^helm (upgrade|install|uninstall|rollback)|^kubectl .*\b(apply|delete|label|annotate)\b/.test(c));

/** A second ledger for the same cluster, as an egress-lab before this check could leave it (or a hand copy). */
function twinLab(from: string, to: string, change: (l: NonNullable<ReturnType<typeof readLedger>>) => void = () => {}) {
  cpSync(labDir(from, fakes.env), labDir(to, fakes.env), { recursive: true });
  const ledger = readLedger(from, fakes.env)!;
  const kubeconfig = ledger.kubeconfig.replace(`/${from}/`, `/${to}/`);
  writeFileSync(kubeconfig, readFileSync(ledger.kubeconfig));
  const twin = { ...ledger, lab: to, kubeconfig };
  change(twin);
  writeLedger(twin, fakes.env);
}

describe('a cluster holds one lab', { timeout: SLOW }, () => {
  it('a second lab on an occupied GKE cluster is refused before it changes anything, naming the lab; it is not kept', async () => {
    addUserCluster(fakes, KEY, workshop);
    await up(onWorkshop('attendee-1'), fakeDeps(fakes));
    const before = snapshot();
    const changed = changes().length;
    const err = await up(onWorkshop('attendee-2'), fakeDeps(fakes)).catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode: 1 });
    expect((err as Error).message).toMatch(
      /^the cluster "workshop" already holds the lab "attendee-1" \(its namespaces [a-z0-9, -]+\); a cluster holds one lab.*remove it first \(egress-lab down --name attendee-1\), or put the lab "attendee-2" on another cluster\. Nothing was installed, and the lab "attendee-2" was not kept$/,
    );
    expect(changes().length).toBe(changed);
    expect(snapshot()).toBe(before);
    expect(existsSync(labDir('attendee-2', fakes.env))).toBe(false);
    // The first lab is whole: down removes it, and a second up then finds the cluster free.
    await down({ name: 'attendee-1', yes: true }, fakeDeps(fakes));
    await up(onWorkshop('attendee-2'), fakeDeps(fakes));
    expect(readLedger('attendee-2', fakes.env)!.steps.egress).toBeDefined();
  });

  it('a lab made on another machine is found by its label on an adopted kind cluster, with where to remove it', async () => {
    const ns = (name: string) => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'egress-lab', 'egress-lab.dev/lab': 'demo' } },
    });
    addUserCluster(fakes, 'egress-lab', {
      namespaces: ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'common-infrastructure', 'ns1'],
      objects: { 'Namespace||common-infrastructure': ns('common-infrastructure'), 'Namespace||ns1': ns('ns1') },
    });
    const before = snapshot('egress-lab');
    const err = await up({ profile: 'kind', adopt: true, yes: true, verify: false }, fakeDeps(fakes)).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toContain(
      'already holds the lab "demo" (its namespaces common-infrastructure, ns1); a cluster holds one lab',
    );
    expect((err as Error).message).toContain('(egress-lab down --name demo (on the machine that made it))');
    expect(snapshot('egress-lab')).toBe(before);
  });
});

describe("down never removes what another lab's ledger lists", { timeout: SLOW }, () => {
  it('two ledgers on one GKE cluster: down of one leaves every release and object the other lists', async () => {
    addUserCluster(fakes, KEY, workshop);
    await up(onWorkshop('attendee-1'), fakeDeps(fakes));
    const extra = { apiVersion: 'v1', kind: 'ConfigMap', name: 'only-attendee-2', namespace: 'ns1' };
    twinLab('attendee-1', 'attendee-2', (l) => {
      l.steps.sample!.objects = [...(l.steps.sample!.objects ?? []), extra];
    });
    fakes.update((s) => {
      s.clusters[KEY]!.objects['ConfigMap|ns1|only-attendee-2'] = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'only-attendee-2', namespace: 'ns1' },
      };
    });
    const releases = Object.keys(cluster().releases).sort();
    const objects = Object.keys(cluster().objects).filter((k) => k !== 'ConfigMap|ns1|only-attendee-2');
    const preview = fakeDeps(fakes);
    await down({ name: 'attendee-2', dryRun: true }, preview);
    expect(preview.output()).toContain('helm release istio-system/istiod: kept, the lab "attendee-1" lists it too');
    const deps = fakeDeps(fakes);
    await down({ name: 'attendee-2', yes: true }, deps);
    expect(deps.output()).toContain('What the lab "attendee-1" also lists in it stayed.');
    expect(Object.keys(cluster().releases).sort()).toEqual(releases);
    expect(Object.keys(cluster().objects).sort()).toEqual(objects.sort());
    // What only attendee-2 listed went.
    expect(cluster().objects['ConfigMap|ns1|only-attendee-2']).toBeUndefined();
    // With no other ledger left, down of attendee-1 removes the lab.
    await down({ name: 'attendee-1', yes: true }, fakeDeps(fakes));
    expect(Object.keys(cluster().releases)).toEqual([]);
  });

  it('a kind cluster egress-lab created stays when another lab lists things in it', async () => {
    await up({ profile: 'kind', yes: true, verify: false }, fakeDeps(fakes));
    twinLab('egress-lab', 'borrower', (l) => {
      l.cluster = { ...l.cluster, createdByEgressLab: false };
    });
    const deps = fakeDeps(fakes);
    await down({ yes: true }, deps);
    expect(deps.output()).toMatch(
      /The cluster "egress-lab" was left in place.*What the lab "borrower" also lists in it stayed\./,
    );
    expect(fakes.state().clusters['egress-lab']).toBeDefined();
    expect(Object.keys(cluster('egress-lab').releases).length).toBeGreaterThan(0);
    expect(
      fakes
        .calls()
        .map(cmdline)
        .filter((c) => c.startsWith('kind delete')),
    ).toEqual([]);
  });
});
