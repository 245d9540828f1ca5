/**
 * Where a kubeconfig for the lab's API server works: kind's points at 127.0.0.1 (kind's default
 * networking.apiServerAddress), so only on the machine that runs the cluster; GKE's at the cluster's endpoint.
 */
export function apiServerReach(platform: 'kind' | 'gke'): string {
  return platform === 'kind'
    ? "on this machine only (kind's API server listens on 127.0.0.1)"
    : "from any machine that reaches the GKE cluster's API server";
}
