import type { Command } from '../command.ts';
import { gkeDeleteLater, newClusterCost } from './gke-size.ts';
import type { ClusterRecord, Platform, PlatformSettings } from './types.ts';

/** Shown in plan.md where a GKE value is still missing (`up` refuses to start without it). */
const missing = (flag: string) => `<set ${flag}>`;

/**
 * A GKE cluster name as GKE takes it (the Cluster.name rule of the GKE API reference): at most 40
 * characters, lower-case letters, digits and '-', starting with a letter and ending with a letter or digit.
 */
export function checkGkeClusterName(value: string): string | undefined {
  if (value.length > 40) return `"${value}" is ${value.length} characters; a GKE cluster name has at most 40`;
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(value))
    return `"${value}" is not a GKE cluster name (lower-case letters, digits and '-', starting with a letter and ending with a letter or digit)`;
  return undefined;
}

const where = (s: PlatformSettings) => [
  '--project',
  s.gke.project ?? missing('--gke-project'),
  '--location',
  s.gke.location ?? missing('--gke-location'),
];

function createCommand(s: PlatformSettings, cluster: string, lab: string, kubeconfig: string): Command {
  return {
    bin: 'gcloud',
    args: [
      'container',
      'clusters',
      'create',
      cluster,
      ...where(s),
      '--machine-type',
      s.gke.machineType,
      '--num-nodes',
      String(s.gke.numNodes),
      '--labels',
      `managed-by=egress-lab,egress-lab-lab=${lab}`,
      // GKE Standard enforces the lab's NetworkPolicy only with Dataplane V2 (or the network policy add-on).
      '--enable-dataplane-v2',
      '--quiet',
    ],
    // gcloud writes the new cluster's kubeconfig entry and current-context into $KUBECONFIG: the lab's own file.
    env: { KUBECONFIG: kubeconfig },
  };
}

function deleteCommand(cluster: ClusterRecord, kubeconfig: string): Command {
  return {
    bin: 'gcloud',
    args: [
      'container',
      'clusters',
      'delete',
      cluster.name,
      '--project',
      cluster.project!,
      '--location',
      cluster.location!,
      '--quiet',
    ],
    // gcloud removes the cluster's kubeconfig entry from $KUBECONFIG: the lab's own file, never the user's.
    env: { KUBECONFIG: kubeconfig },
  };
}

/** A GKE cluster egress-lab created bills until it is deleted (gcloud asks before it deletes). */
const deleteLater = (cluster: ClusterRecord) => (cluster.createdByEgressLab ? gkeDeleteLater(cluster) : undefined);

/** GKE Standard: a cluster egress-lab creates in the user's project (or an existing one, --gke-cluster). */
export const gke: Platform = {
  name: 'gke',
  label: 'GKE',
  hint: 'a GKE Standard cluster in your project',
  baseProfile: 'gke-full',
  flags: [
    { key: 'gkeProject', flag: '--gke-project' },
    { key: 'gkeLocation', flag: '--gke-location' },
    { key: 'gkeCluster', flag: '--gke-cluster' },
  ],
  required: [
    { key: 'gkeProject', value: (s) => s.gke.project, message: 'GCP project ID', flag: '--gke-project ID' },
    { key: 'gkeLocation', value: (s) => s.gke.location, message: 'GCP zone or region', flag: '--gke-location ZONE' },
  ],
  asksCloud: true,
  target(s, lab, kubeconfig) {
    const { project = missing('--gke-project'), location = missing('--gke-location') } = s.gke;
    const cluster = s.gke.cluster ?? lab;
    return {
      kubeconfig,
      context: `gke_${project}_${location}_${cluster}`,
      cluster,
      create: s.gke.cluster === undefined,
    };
  },
  clusterPlace: (s) => ({ project: s.gke.project, location: s.gke.location }),
  createsCluster: (target) => target.create,
  clusterNameProblem(target) {
    // The lab's name is the name of the cluster egress-lab creates: GKE's rule applies.
    const problem = target.create ? checkGkeClusterName(target.cluster) : undefined;
    return problem && `${problem} (on GKE the lab's name is its cluster's name)`;
  },
  clusterStep(s, target, lab, start) {
    const credentials: Command = {
      bin: 'gcloud',
      args: ['container', 'clusters', 'get-credentials', target.cluster, ...where(s), '--quiet'],
      env: { KUBECONFIG: target.kubeconfig },
    };
    const canonical = target.create
      ? [createCommand(s, target.cluster, lab, target.kubeconfig), credentials]
      : [credentials];
    return {
      title: target.create
        ? `Create the GKE Standard cluster ${target.cluster}`
        : `Use the existing GKE cluster ${target.cluster}`,
      // Adopted or resumed, the cluster is there: only the lab kubeconfig's credentials are fetched.
      run: start === 'create' ? canonical : [credentials],
      ...(start === 'create' ? {} : { hashed: canonical }),
    };
  },
  deleteCommand,
  describe: (s, target, adopt) =>
    `${target.create && !adopt ? 'create the GKE Standard cluster' : 'use the existing GKE cluster'} "${target.cluster}" in ${s.gke.project}/${s.gke.location}`,
  newClusterCost,
  createNeedsYes: (target, adopt) =>
    target.create && !adopt ? 'creating a GKE cluster costs money and needs a confirmation' : undefined,
  removalToConfirm: (cluster, removesCluster) =>
    removesCluster ? `the GKE cluster "${cluster.name}"` : `the lab from the GKE cluster "${cluster.name}"`,
  clusterWhere: (cluster) => `${cluster.name} (${cluster.project}/${cluster.location})`,
  deleteLater,
  keptClusterHint(cluster) {
    const later = deleteLater(cluster);
    return later ? `; it bills until it is deleted: ${later}` : '';
  },
  apiServerReach: "from any machine that reaches the GKE cluster's API server",
  imagesPulledBy: 'pulled by the GKE nodes',
  endpoints: ['- Google Cloud APIs through gcloud: `container.googleapis.com`'],
  warmsImages: false,
  render: {
    manifests: [{ id: 'istio-quota', component: 'istio', templates: ['istio/gke-resource-quota.yaml'] }],
    istioPlatform: 'gke',
  },
  doctor: { programs: ['gcloud'], host: [], cloud: true, stops: ['gcloud', 'gcloud-login', 'gke-gcloud-auth-plugin'] },
};
