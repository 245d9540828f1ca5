import { describe, expect, it } from 'vitest';
import { stepHash } from '../../scripts/lab/execute.ts';
import { commandLine } from '../../scripts/plan/command-line.ts';
import { renderFiles } from '../../scripts/plan/files.ts';
import { buildPlan, type ClusterStart } from '../../scripts/plan/plan.ts';
import { loadProfile } from '../../scripts/profile/load.ts';
import { renderLab } from '../../scripts/render/render.ts';

const env = { EGRESS_LAB_HOME: '/labs' };
const GKE = { gkeProject: 'proj-12345', gkeLocation: 'europe-west1-b' };
const plan = (profile: string, start: ClusterStart, flags = {}) => {
  const rendered = renderLab(loadProfile({ profile, ...flags }), 'demo');
  const files = renderFiles(rendered, profile);
  const steps = buildPlan(rendered, env, start);
  return { steps, hash: (i: number) => stepHash(steps[i]!, files) };
};
const clusterRun = (p: ReturnType<typeof plan>) => p.steps[0]!.run.map(commandLine);
const WHERE = '--project proj-12345 --location europe-west1-b';

describe('the cluster step, final from buildPlan', () => {
  it('an adopted kind cluster: the plan only exports its kubeconfig; every other step is the same', () => {
    const adopted = plan('kind-full', 'adopt');
    const created = plan('kind-full', 'create');
    expect(adopted.steps[0]!.id).toBe('cluster');
    expect(clusterRun(adopted)).toEqual(['kind export kubeconfig --name demo --kubeconfig /labs/demo/kubeconfig']);
    expect(adopted.steps.slice(1)).toEqual(created.steps.slice(1));
    // The ledger records the same hash whether the cluster was created or adopted.
    expect(adopted.hash(0)).toBe(created.hash(0));
    // A plan is never changed once built: the compiler refuses (npm run typecheck checks these lines).
    const change = () => {
      // @ts-expect-error a step's run is read-only
      adopted.steps[0]!.run = [];
      // @ts-expect-error a plan is a read-only list
      adopted.steps.push(created.steps[0]!);
    };
    expect(change).toBeTypeOf('function');
  });

  it('an adopted GKE cluster: only its credentials into the lab kubeconfig', () => {
    expect(clusterRun(plan('gke-full', 'adopt', GKE))).toEqual([
      `KUBECONFIG=/labs/demo/kubeconfig gcloud container clusters get-credentials demo ${WHERE} --quiet`,
    ]);
  });

  it('a cluster an earlier up began creating: kind deletes the half-made one and creates it again; GKE only gets credentials', () => {
    expect(clusterRun(plan('kind', 'resume'))).toEqual([
      'kind delete cluster --name demo --kubeconfig /labs/demo/kubeconfig',
      'kind create cluster --name demo --config kind-cluster.yaml --kubeconfig /labs/demo/kubeconfig',
    ]);
    const resumed = plan('gke-full', 'resume', GKE);
    expect(clusterRun(resumed)).toEqual([
      `KUBECONFIG=/labs/demo/kubeconfig gcloud container clusters get-credentials demo ${WHERE} --quiet`,
    ]);
    expect(resumed.hash(0)).toBe(plan('gke-full', 'create', GKE).hash(0));
  });
});
