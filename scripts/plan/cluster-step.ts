import type { RenderedLab } from '../render/render.ts';
import { deleteClusterCommand, exportKindKubeconfigCommand } from './cluster-commands.ts';
import type { ClusterStart, ClusterTarget, Command, Step } from './types.ts';

/** Shown in plan.md where a GKE value is still missing (`up` refuses to start without it). */
export const missing = (flag: string) => `<set ${flag}>`;

function kindClusterStep(rendered: RenderedLab, target: ClusterTarget, start: ClusterStart): Step {
  const create: Command = {
    bin: 'kind',
    args: [
      'create',
      'cluster',
      '--name',
      target.cluster,
      '--config',
      rendered.kindConfig!.file,
      '--kubeconfig',
      target.kubeconfig,
    ],
  };
  const runs: Record<ClusterStart, Command[]> = {
    create: [create],
    adopt: [exportKindKubeconfigCommand(target.cluster, target.kubeconfig)],
    resume: [deleteClusterCommand({ name: target.cluster, platform: 'kind' }, target.kubeconfig), create],
  };
  return {
    id: 'cluster',
    title: `Create the kind cluster ${target.cluster}`,
    component: 'cluster',
    needs: [],
    run: runs[start],
    waits: [],
    ...(start === 'create' ? {} : { hashed: [create] }),
  };
}

function gkeClusterStep(rendered: RenderedLab, target: ClusterTarget, start: ClusterStart): Step {
  const {
    project = missing('--gke-project'),
    location = missing('--gke-location'),
    machineType,
    numNodes,
  } = rendered.loaded.profile.gke;
  const where = ['--project', project, '--location', location];
  const create: Command = {
    bin: 'gcloud',
    args: [
      'container',
      'clusters',
      'create',
      target.cluster,
      ...where,
      '--machine-type',
      machineType,
      '--num-nodes',
      String(numNodes),
      '--labels',
      `managed-by=egress-lab,egress-lab-lab=${rendered.lab}`,
      // GKE Standard enforces the lab's NetworkPolicy only with Dataplane V2 (or the network policy add-on).
      '--enable-dataplane-v2',
      '--quiet',
    ],
    // gcloud writes the new cluster's kubeconfig entry and current-context into $KUBECONFIG: the lab's own file.
    env: { KUBECONFIG: target.kubeconfig },
  };
  const credentials: Command = {
    bin: 'gcloud',
    args: ['container', 'clusters', 'get-credentials', target.cluster, ...where, '--quiet'],
    env: { KUBECONFIG: target.kubeconfig },
  };
  const title = target.create
    ? `Create the GKE Standard cluster ${target.cluster}`
    : `Use the existing GKE cluster ${target.cluster}`;
  const canonical = target.create ? [create, credentials] : [credentials];
  return {
    id: 'cluster',
    title,
    component: 'cluster',
    needs: [],
    // Adopted or resumed, the cluster is there: only the lab kubeconfig's credentials are fetched.
    run: start === 'create' ? canonical : [credentials],
    waits: [],
    ...(start === 'create' ? {} : { hashed: canonical }),
  };
}

/** The cluster step: the commands that make the lab's cluster, or reach it as `start` says. */
export function clusterStep(rendered: RenderedLab, target: ClusterTarget, start: ClusterStart): Step {
  return rendered.kindConfig ? kindClusterStep(rendered, target, start) : gkeClusterStep(rendered, target, start);
}
