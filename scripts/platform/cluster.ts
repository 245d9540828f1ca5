import type { Exec } from '../exec/exec.ts';
import type { ClusterTarget, Command } from '../plan/plan.ts';
import type { Profile } from '../profile/schema.ts';

/** Whether the platform already has a cluster of the lab's name. */
export async function clusterExists(exec: Exec, profile: Profile, target: ClusterTarget): Promise<boolean> {
  if (profile.platform === 'kind') {
    const { stdout } = await exec('kind', ['get', 'clusters']);
    return stdout
      .split('\n')
      .map((l) => l.trim())
      .includes(target.cluster);
  }
  const { stdout } = await exec('gcloud', [
    'container',
    'clusters',
    'list',
    '--project',
    profile.gke.project!,
    '--filter',
    `name=${target.cluster}`,
    '--format',
    'value(name)',
    '--quiet',
  ]);
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .includes(target.cluster);
}

/** What a long cluster command waits for, told while it runs (GKE cluster creation takes minutes). */
export function waitingFor(cmd: Command): string | undefined {
  if (cmd.bin === 'gcloud' && cmd.args[0] === 'container' && cmd.args[2] === 'create')
    return 'gcloud is creating the GKE cluster: first its control plane, then the node pool (usually 5 to 10 minutes)';
  if (cmd.bin === 'kind' && cmd.args[0] === 'create')
    return 'kind is creating the cluster: the node containers, then the control plane';
  return undefined;
}
