import { ActionableError } from '../errors.ts';
import type { Exec } from '../exec/exec.ts';
import type { Ledger } from '../state/ledger.ts';
import { labDir } from '../state/paths.ts';
import { checkIdentity, type Identity } from './identity.ts';

/** Refuses to act on a cluster that is not the lab's any more (drift guard); returns what it found. */
export async function guardCluster(
  exec: Exec,
  ledger: Ledger,
  action: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Identity> {
  const identity = await checkIdentity(exec, ledger, async () => {
    const { stdout } = await exec('kind', ['get', 'clusters']);
    return stdout
      .split('\n')
      .map((l) => l.trim())
      .includes(ledger.cluster.name);
  });
  if (identity.state === 'different') {
    throw new ActionableError(
      `refusing to ${action}: the cluster "${ledger.cluster.name}" is not the one the lab "${ledger.lab}" was built on (${identity.why}). egress-lab leaves it alone; to forget the old lab, remove ${labDir(ledger.lab, env)}`,
    );
  }
  if (identity.state === 'gone' && action !== 'down' && action !== 'up --recreate') {
    throw new ActionableError(
      `the lab "${ledger.lab}"'s cluster is gone (${identity.why}); egress-lab down removes the lab's records, up --recreate builds it again`,
    );
  }
  return identity;
}
