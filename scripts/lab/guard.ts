import { ActionableError } from '../errors.ts';
import type { Exec } from '../exec/exec.ts';
import { type PlatformView, platformCli } from '../platform/cluster.ts';
import type { Ledger } from '../state/ledger.ts';
import { labDir } from '../state/paths.ts';
import { checkIdentity, type Identity } from './identity.ts';

/** kind and gcloud, asked about the lab's cluster by name (they need no kubeconfig). */
export function platformView(exec: Exec, ledger: Ledger): PlatformView {
  return platformCli(ledger.cluster.platform).view(exec, ledger.cluster, ledger.kubeconfig);
}

/**
 * Refuses to act on a cluster that is not the lab's any more (drift guard), or that cannot be reached (then
 * nothing can be judged, and the lab's records stay); returns what it found.
 */
export async function guardCluster(
  exec: Exec,
  ledger: Ledger,
  action: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Identity> {
  const identity = await checkIdentity(exec, ledger, platformView(exec, ledger));
  if (identity.state === 'different') {
    throw new ActionableError(
      `refusing to ${action}: the cluster "${ledger.cluster.name}" is not the one the lab "${ledger.lab}" was built on (${identity.why}). egress-lab leaves it alone; the lab's own cluster no longer exists, so to forget the old lab, remove ${labDir(ledger.lab, env)}`,
    );
  }
  if (identity.state === 'unreachable') {
    throw new ActionableError(
      `cannot ${action}: ${identity.why}. The cluster "${ledger.cluster.name}" still exists, so the lab "${ledger.lab}" keeps its records; run this again when its API server answers`,
    );
  }
  if (identity.state === 'gone' && action !== 'down' && action !== 'up --recreate') {
    throw new ActionableError(
      `the lab "${ledger.lab}"'s cluster is gone (${identity.why}); egress-lab down removes the lab's records, up --recreate builds it again`,
    );
  }
  return identity;
}
