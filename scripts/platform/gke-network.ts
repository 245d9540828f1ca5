import { CommandError, type Exec } from '../exec/exec.ts';
import type { ClusterTarget, PlatformSettings } from './types.ts';

/** The fields of `gcloud container clusters describe --format json` that decide NetworkPolicy enforcement. */
export interface GkeNetworking {
  networkConfig?: { datapathProvider?: string };
  networkPolicy?: { enabled?: boolean; provider?: string };
  addonsConfig?: { networkPolicyConfig?: { disabled?: boolean } };
}

/** The GKE API's Cluster resource as far as egress-lab reads it: its mode (Cluster.autopilot.enabled) and network. */
interface GkeCluster extends GkeNetworking {
  autopilot?: { enabled?: boolean };
}

/**
 * GKE Standard enforces NetworkPolicy only with Dataplane V2 (datapathProvider ADVANCED_DATAPATH) or with the
 * network policy add-on (networkPolicy.enabled, addonsConfig.networkPolicyConfig not disabled). Sources:
 * cloud.google.com/kubernetes-engine/docs/how-to/dataplane-v2, .../docs/how-to/network-policy and the GKE v1 API
 * reference (DatapathProvider, NetworkPolicy, NetworkPolicyConfig).
 */
export function enforcesNetworkPolicy(cluster: GkeNetworking): boolean {
  if (cluster.networkConfig?.datapathProvider === 'ADVANCED_DATAPATH') return true;
  return cluster.networkPolicy?.enabled === true && cluster.addonsConfig?.networkPolicyConfig?.disabled !== true;
}

const describeArgs = (s: PlatformSettings, target: Pick<ClusterTarget, 'cluster'>) => [
  'container',
  'clusters',
  'describe',
  target.cluster,
  '--project',
  s.gke.project!,
  '--location',
  s.gke.location!,
  '--format',
  'json',
  '--quiet',
];

/** Why a cluster cannot hold the lab, and what to do: `up` refuses with it, `doctor` reports it. */
export interface ClusterProblem {
  problem: string;
  fix: string;
}

/**
 * On a GKE cluster egress-lab does not create (--gke-cluster, or --adopt of one that exists), read the cluster
 * once and say why it cannot hold the lab:
 * - an Autopilot cluster: ambient needs the istio-cni node agent, which needs SYS_ADMIN, which Autopilot does not
 *   grant (docs/upstream-rules.md G4);
 * - with an egress guard (`guarded`: the oss stack's "never direct" NetworkPolicy), a cluster that does not
 *   enforce NetworkPolicy.
 */
export async function existingClusterProblem(
  exec: Exec,
  s: PlatformSettings,
  target: Pick<ClusterTarget, 'cluster' | 'create'>,
  guarded: boolean,
  adopt: boolean,
): Promise<ClusterProblem | undefined> {
  if (target.create && !adopt) return undefined;
  let cluster: GkeCluster;
  try {
    cluster = JSON.parse((await exec('gcloud', describeArgs(s, target))).stdout) as GkeCluster;
  } catch (err) {
    // --adopt of a cluster that does not exist yet: egress-lab creates it (Standard, with Dataplane V2).
    if (target.create && err instanceof CommandError && /code=404/.test(err.stderr)) return undefined;
    throw err;
  }
  if (cluster.autopilot?.enabled === true)
    return {
      problem: `the GKE cluster "${target.cluster}" is an Autopilot cluster, and Istio ambient cannot run there: its istio-cni node agent needs the SYS_ADMIN capability, which Autopilot does not grant`,
      fix: 'give --gke-cluster a GKE Standard cluster, or leave out --gke-cluster and egress-lab creates one',
    };
  if (!guarded || enforcesNetworkPolicy(cluster)) return undefined;
  const where = `--project ${s.gke.project} --location ${s.gke.location}`;
  return {
    problem: `the GKE cluster "${target.cluster}" does not enforce NetworkPolicy (datapath ${cluster.networkConfig?.datapathProvider ?? 'LEGACY_DATAPATH'}, network policy ${cluster.networkPolicy?.enabled ? 'enabled' : 'off'}), so the lab's egress guard would let traffic leave directly`,
    fix: `enable the network policy add-on (gcloud container clusters update ${target.cluster} ${where} --update-addons=NetworkPolicy=ENABLED, then again with --enable-network-policy), or let egress-lab create a cluster with Dataplane V2 (leave out --gke-cluster)`,
  };
}
