import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up } from '../../scripts/lab/up.ts';
import { labDir } from '../../scripts/state/paths.ts';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { cli } from '../helpers/cli.ts';
import { fakeDeps } from '../helpers/lab.ts';
import { addUserCluster } from '../helpers/user-cluster.ts';

let fakes: Fakes;
const PROJECT = 'demo-project-1';
const labelled = (name: string, lab: string) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'egress-lab', 'egress-lab.dev/lab': lab } },
});

beforeAll(async () => {
  fakes = await createFakes();
  // A kind lab proven by up's verify, a GKE lab never verified, and one whose folder was removed by hand.
  await up({ profile: 'kind-full', yes: true }, fakeDeps(fakes));
  await up(
    {
      profile: 'gke-full',
      gkeProject: PROJECT,
      gkeLocation: 'europe-west1-b',
      name: 'cloud',
      yes: true,
      verify: false,
    },
    fakeDeps(fakes),
  );
  await up({ profile: 'kind', name: 'forgotten', yes: true, verify: false }, fakeDeps(fakes));
  rmSync(labDir('forgotten', fakes.env), { recursive: true });
  // A GKE cluster an egress-lab created elsewhere (its labels), and clusters egress-lab has nothing to do with.
  addUserCluster(fakes, `gke/${PROJECT}/us-central1/elsewhere`, {
    platform: 'gke',
    name: 'elsewhere',
    project: PROJECT,
    location: 'us-central1',
    resourceLabels: { 'managed-by': 'egress-lab', 'egress-lab-lab': 'roadshow' },
  });
  addUserCluster(fakes, `gke/${PROJECT}/us-central1/payments`, {
    platform: 'gke',
    name: 'payments',
    project: PROJECT,
    location: 'us-central1',
    resourceLabels: { team: 'payments' },
  });
  addUserCluster(fakes, 'dev', { server: 'https://127.0.0.1:39002' });
  // A kind cluster whose namespaces another machine's lab labelled.
  addUserCluster(fakes, 'old-demo', {
    server: 'https://127.0.0.1:39003',
    namespaces: ['default', 'kube-system', 'common-infrastructure'],
    objects: { 'Namespace||common-infrastructure': labelled('common-infrastructure', 'old-demo') },
  });
}, 900_000);
afterAll(() => fakes.cleanup());

describe('egress-lab list', { timeout: 300_000 }, () => {
  it('shows every lab here with its platform, cluster, profile and last verify, and the clusters no lab knows', async () => {
    const r = await cli(['list', '--gke-project', PROJECT], { env: fakes.env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^LAB\s+PLATFORM\s+CLUSTER\s+PROFILE\s+SEATS\s+LAST VERIFY$/);
    expect(lines[1]).toMatch(/^cloud\s+gke\s+cloud \(demo-project-1\/europe-west1-b\)\s+gke-full\s+-\s+never$/);
    expect(lines[2]).toMatch(
      /^egress-lab\s+kind\s+egress-lab\s+kind-full\s+-\s+✓ passed \d{4}-\d\d-\d\d \d\d:\d\d UTC$/,
    );
    expect(r.stdout).toContain(
      [
        "Clusters with egress-lab's marks that no lab here knows (remove each with):",
        '  kind cluster "forgotten" (lab "forgotten"): kind delete cluster --name forgotten',
        '  kind cluster "old-demo" (lab "old-demo"): kind delete cluster --name old-demo',
        `  gke cluster "elsewhere" in ${PROJECT}/us-central1 (lab "roadshow"): gcloud container clusters delete elsewhere --project ${PROJECT} --location us-central1`,
      ].join('\n'),
    );
    expect(r.stdout).not.toMatch(/"dev"|"payments"/);
  });

  it('--json holds the same, and without --gke-project GKE is not looked at (it says so)', async () => {
    const r = await cli(['list', '--json'], { env: fakes.env });
    expect(r.code).toBe(0);
    const inv = JSON.parse(r.stdout) as {
      labs: { name: string; platform: string; lastVerify?: { ok: boolean } }[];
      orphans: { platform: string; cluster: string; labs: string[]; remove: string }[];
    };
    expect(inv.labs.map((l) => [l.name, l.platform, l.lastVerify?.ok])).toEqual([
      ['cloud', 'gke', undefined],
      ['egress-lab', 'kind', true],
    ]);
    expect(inv.orphans.map((o) => o.cluster)).toEqual(['forgotten', 'old-demo']);
    const text = await cli(['list'], { env: fakes.env });
    expect(text.stdout).toContain('GKE clusters were not looked at: pass --gke-project ID to look in a project.');
  });

  it('a bad --gke-project is one line and exit 2, before anything runs', async () => {
    const calls = fakes.calls().length;
    const r = await cli(['list', '--gke-project', 'Not_A_Project'], { env: fakes.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('egress-lab: --gke-project: not a GCP project ID\n');
    expect(fakes.calls().length).toBe(calls);
  });

  it('a failed verify shows its first broken hop', async () => {
    fakes.update((s) => {
      s.faults.push({ match: 'rollout status deploy/sleep', stderr: 'error: timed out waiting for the condition' });
    });
    expect((await cli(['verify'], { env: fakes.env })).code).toBe(1);
    fakes.update((s) => {
      s.faults = [];
    });
    const r = await cli(['list'], { env: fakes.env });
    expect(r.stdout).toMatch(/^egress-lab\s+kind\s+egress-lab\s+kind-full\s+-\s+✗ pod hop \d{4}-/m);
  });
});
