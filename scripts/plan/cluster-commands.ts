import type { ClusterTarget, Command } from './types.ts';

/** Whether egress-lab makes the lab's cluster: on kind always, on GKE unless it was given one (--gke-cluster). */
export const createsCluster = (platform: 'kind' | 'gke', target: Pick<ClusterTarget, 'create'>): boolean =>
  platform === 'kind' || target.create;

/** Deletes the cluster (only ever called for a cluster egress-lab created). */
export function deleteClusterCommand(
  cluster: { name: string; platform: 'kind' | 'gke'; project?: string; location?: string },
  kubeconfig: string,
): Command {
  if (cluster.platform === 'kind')
    return { bin: 'kind', args: ['delete', 'cluster', '--name', cluster.name, '--kubeconfig', kubeconfig] };
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

/** Writes a kind cluster's access into the lab's own kubeconfig (a cluster egress-lab adopts). */
export function exportKindKubeconfigCommand(name: string, kubeconfig: string): Command {
  return { bin: 'kind', args: ['export', 'kubeconfig', '--name', name, '--kubeconfig', kubeconfig] };
}
