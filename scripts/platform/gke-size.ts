import { nameFlag } from '../name-flag.ts';
import type { PlatformSettings } from './types.ts';

/**
 * What a GKE cluster egress-lab creates is made of, in the words of the plan: `--num-nodes` is the number of
 * nodes in each of the cluster's zones, and a regional cluster puts its node pool in three zones of the region
 * unless told otherwise (gcloud `container clusters create --num-nodes`; GKE "Regional clusters"), so a region
 * triples the nodes.
 */

/** A zone ends in `-<letter>` (europe-west1-b); a region does not (europe-west1). */
export const isGkeZone = (location: string) => /-[a-z]$/.test(location);

/** GKE Standard's pods per node (GKE quotas and limits: "Pods per node 110"). */
const GKE_PODS_PER_NODE = 110;

/** GKE's default number of zones for a regional cluster's node pools. */
const REGION_ZONES = 3;

export function gkeNodeCount(location: string, numNodes: number): number {
  return isGkeZone(location) ? numNodes : numNodes * REGION_ZONES;
}

/** The plan's size line: total nodes and their machine type, and how a region comes to that total. */
export function gkeSizeLine(location: string, numNodes: number, machineType: string): string {
  const total = gkeNodeCount(location, numNodes);
  const how = isGkeZone(location)
    ? `in ${location}`
    : `${numNodes} in each of ${REGION_ZONES} zones of the region ${location}`;
  return `${total} × ${machineType} (${how})`;
}

/** The plan's lines on what a GKE cluster egress-lab creates will cost: its nodes, and that it bills until `down`. */
export function newClusterCost(s: PlatformSettings, lab: string): string[] {
  const { location, numNodes, machineType } = s.gke;
  const name = nameFlag(lab);
  const seats =
    s.seats > 0
      ? `; the ${s.seats} seats add ${s.seats} sample pods without CPU or memory requests, far below GKE's ${GKE_PODS_PER_NODE} pods per node`
      : '';
  return [
    `nodes:      ${gkeSizeLine(location!, numNodes, machineType)}${seats}`,
    `cost:       the cluster bills (its nodes, and GKE's cluster fee) from now until egress-lab down${name} deletes it`,
  ];
}

/** The command that deletes a GKE cluster later, as a user types it (gcloud asks before it deletes). */
export const gkeDeleteLater = (cluster: {
  name: string;
  project?: string | undefined;
  location?: string | undefined;
}) => `gcloud container clusters delete ${cluster.name} --project ${cluster.project} --location ${cluster.location}`;
