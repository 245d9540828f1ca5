import { gkeDeleteLater } from './gke-size.ts';

interface KeptCluster {
  name: string;
  platform: 'kind' | 'gke';
  createdByEgressLab: boolean;
  project?: string | undefined;
  location?: string | undefined;
}

/** The command that deletes later a cluster `down` left in place, when it costs money until then (GKE it created). */
export const deleteLaterCommand = (cluster: KeptCluster): string | undefined =>
  cluster.platform === 'gke' && cluster.createdByEgressLab ? gkeDeleteLater(cluster) : undefined;

/** What `down` adds to "the cluster was left in place": how to reach a kind cluster, or what deletes a billed one. */
export function keptClusterHint(cluster: KeptCluster): string {
  if (cluster.platform === 'kind') return ` (kubeconfig: kind export kubeconfig --name ${cluster.name})`;
  const later = deleteLaterCommand(cluster);
  return later ? `; it bills until it is deleted: ${later}` : '';
}
