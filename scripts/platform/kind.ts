import type { Command } from '../command.ts';
import type { ClusterStart, Platform } from './types.ts';

/** Writes a kind cluster's access into the lab's own kubeconfig (an adopted cluster, a restored kubeconfig). */
export const exportKubeconfig = (name: string, kubeconfig: string): Command => ({
  bin: 'kind',
  args: ['export', 'kubeconfig', '--name', name, '--kubeconfig', kubeconfig],
});

const deleteCluster = (name: string, kubeconfig: string): Command => ({
  bin: 'kind',
  args: ['delete', 'cluster', '--name', name, '--kubeconfig', kubeconfig],
});

/** kind: a local cluster in Docker; egress-lab always creates it (or adopts one of the lab's name). */
export const kind: Platform = {
  name: 'kind',
  label: 'kind',
  hint: 'a local cluster in Docker',
  flags: [],
  required: [],
  asksCloud: false,
  nodeImage: {
    of: (s) => s.kind.nodeImage,
    path: ['kind', 'nodeImage'],
    fix: "use a kindest/node image of a supported Kubernetes (the default profile's, or one from the kind release notes)",
  },
  target: (_s, lab, kubeconfig) => ({ kubeconfig, context: `kind-${lab}`, cluster: lab, create: true }),
  clusterPlace: () => ({}),
  createsCluster: () => true,
  clusterNameProblem: () => undefined,
  clusterStep(_s, target, _lab, start, configFile) {
    const create: Command = {
      bin: 'kind',
      args: ['create', 'cluster', '--name', target.cluster, '--config', configFile!, '--kubeconfig', target.kubeconfig],
    };
    const runs: Record<ClusterStart, Command[]> = {
      create: [create],
      adopt: [exportKubeconfig(target.cluster, target.kubeconfig)],
      // A half-made kind cluster is deleted and made again.
      resume: [deleteCluster(target.cluster, target.kubeconfig), create],
    };
    return {
      title: `Create the kind cluster ${target.cluster}`,
      run: runs[start],
      ...(start === 'create' ? {} : { hashed: [create] }),
    };
  },
  deleteCommand: (cluster, kubeconfig) => deleteCluster(cluster.name, kubeconfig),
  describe: (_s, target, adopt) => `${adopt ? 'use the existing' : 'create the'} kind cluster "${target.cluster}"`,
  // It runs in the host's Docker: nothing to bill.
  newClusterCost: () => [],
  createNeedsYes: () => undefined,
  removalToConfirm: () => undefined,
  clusterWhere: (cluster) => cluster.name,
  deleteLater: () => undefined,
  keptClusterHint: (cluster) => ` (kubeconfig: kind export kubeconfig --name ${cluster.name})`,
  apiServerReach: "on this machine only (kind's API server listens on 127.0.0.1)",
  imagesPulledBy: 'pulled by the host, then loaded into the kind nodes',
  endpoints: [],
  // The host pulls every image while kind creates the cluster, then loads them into the nodes.
  warmsImages: true,
  render: { clusterConfig: { file: 'kind-cluster.yaml', template: 'kind/cluster.yaml' }, manifests: [] },
  doctor: {
    programs: ['docker', 'kind'],
    host: ['inotify', 'memory', 'proxy'],
    cloud: false,
    stops: ['docker', 'kind'],
  },
};
