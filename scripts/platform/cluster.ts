import { parse } from 'yaml';
import type { Command } from '../command.ts';
import type { Exec } from '../exec/exec.ts';
import { type ClusterProblem, existingClusterProblem } from './gke-network.ts';
import { exportKubeconfig } from './kind.ts';
import type { ClusterRecord, ClusterTarget, PlatformName, PlatformSettings } from './types.ts';

export type { ClusterProblem } from './gke-network.ts';

/** What the platform (kind or GKE) says about the lab's cluster, without the lab kubeconfig. */
export interface PlatformView {
  /** Whether the platform lists a cluster of the lab's name. */
  exists: () => Promise<boolean>;
  /** The API server the platform gives for it now (kind only; GKE keeps its endpoint). */
  server: () => Promise<string | undefined>;
  /** Writes the cluster's credentials into the lab kubeconfig again. */
  restoreKubeconfig: () => Promise<void>;
}

/** The platform's questions to kind or gcloud: the parts of a platform that run programs. */
export interface PlatformCli {
  /** Whether the platform already has a cluster of the lab's name (before up creates one). */
  exists(exec: Exec, s: PlatformSettings, target: ClusterTarget): Promise<boolean>;
  /** kind and gcloud, asked about a lab's cluster by name (they need no kubeconfig). */
  view(exec: Exec, cluster: ClusterRecord, kubeconfig: string): PlatformView;
  /**
   * Why a cluster the lab did not create cannot hold it (read before anything changes): Istio ambient cannot run
   * there (GKE Autopilot), or its network would not enforce the lab's egress guard (a NetworkPolicy);
   * `guarded`: the stack has one. Undefined when it can.
   */
  clusterProblem(
    exec: Exec,
    s: PlatformSettings,
    target: Pick<ClusterTarget, 'cluster' | 'create'>,
    guarded: boolean,
    adopt: boolean,
  ): Promise<ClusterProblem | undefined>;
}

const PLATFORM_TIMEOUT_MS = 60_000;

const listed = (stdout: string, name: string) =>
  stdout
    .split('\n')
    .map((l) => l.trim())
    .includes(name);

const kindCli: PlatformCli = {
  exists: async (exec, _s, target) => listed((await exec('kind', ['get', 'clusters'])).stdout, target.cluster),
  view: (exec, cluster, kubeconfig) => ({
    exists: async () =>
      listed((await exec('kind', ['get', 'clusters'], { timeoutMs: PLATFORM_TIMEOUT_MS })).stdout, cluster.name),
    server: async () => {
      const { stdout } = await exec('kind', ['get', 'kubeconfig', '--name', cluster.name], {
        timeoutMs: PLATFORM_TIMEOUT_MS,
      });
      const cfg = (parse(stdout) ?? {}) as { clusters?: { cluster?: { server?: string } }[] };
      return cfg.clusters?.[0]?.cluster?.server;
    },
    restoreKubeconfig: async () => {
      const { bin, args } = exportKubeconfig(cluster.name, kubeconfig);
      await exec(bin, [...args], { timeoutMs: PLATFORM_TIMEOUT_MS });
    },
  }),
  // kindnetd enforces NetworkPolicy (docs/upstream-rules.md K4), and every kind node runs istio-cni: nothing to read.
  clusterProblem: async () => undefined,
};

const gkeCli: PlatformCli = {
  async exists(exec, s, target) {
    const { stdout } = await exec('gcloud', [
      'container',
      'clusters',
      'list',
      '--project',
      s.gke.project!,
      '--filter',
      `name=${target.cluster}`,
      '--format',
      'value(name)',
      '--quiet',
    ]);
    return listed(stdout, target.cluster);
  },
  view(exec, cluster, kubeconfig) {
    const where = ['--project', cluster.project ?? '', '--location', cluster.location ?? ''];
    return {
      exists: async () => {
        try {
          await exec(
            'gcloud',
            ['container', 'clusters', 'describe', cluster.name, ...where, '--format', 'value(name)'],
            { timeoutMs: PLATFORM_TIMEOUT_MS },
          );
          return true;
        } catch (err) {
          if (/code=404|NOT_FOUND|Not found/.test((err as { stderr?: string }).stderr ?? '')) return false;
          throw err;
        }
      },
      server: async () => undefined,
      restoreKubeconfig: async () => {
        await exec('gcloud', ['container', 'clusters', 'get-credentials', cluster.name, ...where], {
          env: { KUBECONFIG: kubeconfig },
          timeoutMs: PLATFORM_TIMEOUT_MS,
        });
      },
    };
  },
  clusterProblem: existingClusterProblem,
};

/** The parts of a platform that run kind or gcloud. */
export function platformCli(name: PlatformName): PlatformCli {
  return { kind: kindCli, gke: gkeCli }[name];
}

/** What a long cluster command waits for, told while it runs (GKE cluster creation takes minutes). */
export function waitingFor(cmd: Command): string | undefined {
  if (cmd.bin === 'gcloud' && cmd.args[0] === 'container' && cmd.args[2] === 'create')
    return 'gcloud is creating the GKE cluster: first its control plane, then the node pool (usually 5 to 10 minutes)';
  if (cmd.bin === 'kind' && cmd.args[0] === 'create')
    return 'kind is creating the cluster: the node containers, then the control plane';
  return undefined;
}
