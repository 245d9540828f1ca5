import { describe, expect, it } from 'vitest';
import { commandLine } from '../../scripts/plan/command-line.ts';
import { type PlatformSettings, platformFor, platforms } from '../../scripts/platform/platform.ts';

const settings = (gke: Partial<PlatformSettings['gke']> = {}): PlatformSettings => ({
  platform: 'gke',
  seats: 0,
  kind: { nodeImage: 'kindest/node:v1.35.0' },
  gke: { machineType: 'e2-standard-4', numNodes: 3, ...gke },
});
const kubeconfig = '/labs/demo/kubeconfig';
const kind = platformFor('kind');
const gke = platformFor('gke');
const lines = (step: { run: readonly Parameters<typeof commandLine>[0][] }) => step.run.map(commandLine);

describe('platforms', () => {
  it('the wizard offers kind, then GKE', () => {
    expect(platforms.map((p) => [p.name, p.label, p.hint])).toEqual([
      ['kind', 'kind', 'a local cluster in Docker'],
      ['gke', 'GKE', 'a GKE Standard cluster in your project'],
    ]);
  });
});

describe('kind', () => {
  const s = { ...settings(), platform: 'kind' as const };
  const target = kind.target(s, 'demo', kubeconfig);
  const create = 'kind create cluster --name demo --config kind-cluster.yaml --kubeconfig /labs/demo/kubeconfig';
  const remove = 'kind delete cluster --name demo --kubeconfig /labs/demo/kubeconfig';

  it('creates the cluster of the lab name, reached through the kind-<lab> context', () => {
    expect(target).toEqual({ kubeconfig, context: 'kind-demo', cluster: 'demo', create: true });
    expect(kind.createsCluster(target)).toBe(true);
    expect(kind.clusterNameProblem(target)).toBeUndefined();
  });

  it('writes the cluster step for each start, hashed as the cluster it makes', () => {
    const step = (start: 'create' | 'adopt' | 'resume') =>
      kind.clusterStep(s, target, 'demo', start, 'kind-cluster.yaml');
    expect(step('create').title).toBe('Create the kind cluster demo');
    expect(lines(step('create'))).toEqual([create]);
    expect(step('create').hashed).toBeUndefined();
    expect(lines(step('adopt'))).toEqual(['kind export kubeconfig --name demo --kubeconfig /labs/demo/kubeconfig']);
    expect(lines(step('resume'))).toEqual([remove, create]);
    for (const start of ['adopt', 'resume'] as const) expect(step(start).hashed).toEqual(step('create').run);
    expect(commandLine(kind.deleteCommand({ name: 'demo', platform: 'kind' }, kubeconfig))).toBe(remove);
  });

  it("says what happens to the cluster in up's plan, down's hint and the runbook", () => {
    expect(kind.describe(s, target, false)).toBe('create the kind cluster "demo"');
    expect(kind.describe(s, target, true)).toBe('use the existing kind cluster "demo"');
    expect(kind.createNeedsYes(target, false)).toBeUndefined();
    expect(kind.removalToConfirm({ name: 'demo', platform: 'kind' }, true)).toBeUndefined();
    expect(kind.keptClusterHint({ name: 'demo', platform: 'kind' })).toBe(
      ' (kubeconfig: kind export kubeconfig --name demo)',
    );
    expect(kind.deleteLater({ name: 'demo', platform: 'kind', createdByEgressLab: true })).toBeUndefined();
    expect(kind.clusterWhere({ name: 'demo', platform: 'kind' })).toBe('demo');
    expect(kind.newClusterCost(s, 'demo')).toEqual([]);
    expect(kind.apiServerReach).toBe("on this machine only (kind's API server listens on 127.0.0.1)");
    expect(kind.imagesPulledBy).toBe('pulled by the host, then loaded into the kind nodes');
    expect(kind.endpoints).toEqual([]);
    expect(kind.warmsImages).toBe(true);
  });

  it('renders a cluster config, checks the host and knows its Kubernetes from the node image', () => {
    expect(kind.render).toEqual({
      clusterConfig: { file: 'kind-cluster.yaml', template: 'kind/cluster.yaml' },
      manifests: [],
    });
    expect(kind.doctor.programs).toEqual(['docker', 'kind']);
    expect(kind.doctor.host).toEqual(['inotify', 'memory', 'proxy']);
    expect(kind.nodeImage?.of(s)).toBe('kindest/node:v1.35.0');
    expect(kind.nodeImage?.path).toEqual(['kind', 'nodeImage']);
  });
});

describe('GKE', () => {
  const s = settings({ project: 'proj-12345', location: 'europe-west1-b' });
  const target = gke.target(s, 'demo', kubeconfig);
  const record = { name: 'demo', platform: 'gke' as const, project: 'proj-12345', location: 'europe-west1-b' };
  const credentials =
    'KUBECONFIG=/labs/demo/kubeconfig gcloud container clusters get-credentials demo --project proj-12345 --location europe-west1-b --quiet';

  it('creates a cluster of the lab name, or uses the one --gke-cluster names', () => {
    expect(target).toEqual({
      kubeconfig,
      context: 'gke_proj-12345_europe-west1-b_demo',
      cluster: 'demo',
      create: true,
    });
    const existing = gke.target(settings({ ...s.gke, cluster: 'shared' }), 'demo', kubeconfig);
    expect(existing).toMatchObject({ cluster: 'shared', create: false });
    expect(gke.createsCluster(existing)).toBe(false);
    // plan.md shows what is still missing.
    expect(gke.target(settings(), 'demo', kubeconfig).context).toBe(
      'gke_<set --gke-project>_<set --gke-location>_demo',
    );
  });

  it("holds the lab's name to GKE's cluster name rule only when it creates the cluster", () => {
    const long = gke.target(s, 'a'.repeat(41), kubeconfig);
    expect(gke.clusterNameProblem(long)).toBe(
      `"${'a'.repeat(41)}" is 41 characters; a GKE cluster name has at most 40 (on GKE the lab's name is its cluster's name)`,
    );
    expect(gke.clusterNameProblem({ ...long, create: false })).toBeUndefined();
  });

  it('writes the cluster step for each start: an adopted or resumed cluster only needs its credentials', () => {
    const created = gke.clusterStep(s, target, 'demo', 'create');
    expect(created.title).toBe('Create the GKE Standard cluster demo');
    expect(lines(created)).toEqual([
      'KUBECONFIG=/labs/demo/kubeconfig gcloud container clusters create demo --project proj-12345 --location europe-west1-b --machine-type e2-standard-4 --num-nodes 3 --labels managed-by=egress-lab,egress-lab-lab=demo --enable-dataplane-v2 --quiet',
      credentials,
    ]);
    for (const start of ['adopt', 'resume'] as const) {
      const step = gke.clusterStep(s, target, 'demo', start);
      expect(lines(step)).toEqual([credentials]);
      expect(step.hashed).toEqual(created.run);
    }
    const existing = gke.clusterStep(s, { ...target, create: false }, 'demo', 'create');
    expect(existing.title).toBe('Use the existing GKE cluster demo');
    expect(lines(existing)).toEqual([credentials]);
    expect(commandLine(gke.deleteCommand(record, kubeconfig))).toBe(
      'KUBECONFIG=/labs/demo/kubeconfig gcloud container clusters delete demo --project proj-12345 --location europe-west1-b --quiet',
    );
  });

  it("says what happens to the cluster in up's plan, down's confirmation and the runbook", () => {
    expect(gke.describe(s, target, false)).toBe('create the GKE Standard cluster "demo" in proj-12345/europe-west1-b');
    expect(gke.describe(s, target, true)).toBe('use the existing GKE cluster "demo" in proj-12345/europe-west1-b');
    expect(gke.createNeedsYes(target, false)).toBe('creating a GKE cluster costs money and needs a confirmation');
    expect(gke.createNeedsYes(target, true)).toBeUndefined();
    expect(gke.removalToConfirm(record, true)).toBe('the GKE cluster "demo"');
    expect(gke.removalToConfirm(record, false)).toBe('the lab from the GKE cluster "demo"');
    expect(gke.keptClusterHint(record)).toBe('');
    const created = { ...record, createdByEgressLab: true };
    const later = 'gcloud container clusters delete demo --project proj-12345 --location europe-west1-b';
    expect(gke.deleteLater(created)).toBe(later);
    expect(gke.keptClusterHint(created)).toBe(`; it bills until it is deleted: ${later}`);
    expect(gke.clusterWhere(record)).toBe('demo (proj-12345/europe-west1-b)');
    expect(gke.newClusterCost(s, 'demo')).toEqual([
      'nodes:      3 × e2-standard-4 (in europe-west1-b)',
      "cost:       the cluster bills (its nodes, and GKE's cluster fee) from now until egress-lab down --name demo deletes it",
    ]);
    expect(gke.apiServerReach).toBe("from any machine that reaches the GKE cluster's API server");
    expect(gke.imagesPulledBy).toBe('pulled by the GKE nodes');
    expect(gke.endpoints).toEqual(['- Google Cloud APIs through gcloud: `container.googleapis.com`']);
    expect(gke.warmsImages).toBe(false);
  });

  it("renders GKE's resource quota and Istio's platform value, and asks for project and location", () => {
    expect(gke.render).toEqual({
      manifests: [{ id: 'istio-quota', component: 'istio', templates: ['istio/gke-resource-quota.yaml'] }],
      istioPlatform: 'gke',
    });
    expect(gke.required.map((r) => [r.key, r.value(settings()), r.flag])).toEqual([
      ['gkeProject', undefined, '--gke-project ID'],
      ['gkeLocation', undefined, '--gke-location ZONE'],
    ]);
    expect(gke.flags.map((f) => f.flag)).toEqual(['--gke-project', '--gke-location', '--gke-cluster']);
    expect(gke.nodeImage).toBeUndefined();
    expect(gke.doctor).toMatchObject({ programs: ['gcloud'], host: [], cloud: true });
  });
});
