import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Exec } from '../exec/exec.ts';
import { kubeAccess } from '../plan/plan.ts';
import type { Ledger } from '../state/ledger.ts';

export type Identity =
  | { state: 'same' }
  | { state: 'unknown' }
  | { state: 'gone'; why: string }
  | { state: 'different'; why: string };

/** The API server the lab kubeconfig names for the lab's context. */
export function kubeconfigServer(kubeconfig: string, context: string): string | undefined {
  if (!existsSync(kubeconfig)) return undefined;
  const cfg = (parse(readFileSync(kubeconfig, 'utf8')) ?? {}) as {
    contexts?: { name: string; context: { cluster: string } }[];
    clusters?: { name: string; cluster: { server: string } }[];
  };
  const ctx = cfg.contexts?.find((c) => c.name === context);
  return cfg.clusters?.find((c) => c.name === ctx?.context.cluster)?.cluster.server;
}

/** The cluster's own identity: the UID of its kube-system namespace, which a recreated cluster does not keep. */
export async function clusterUid(exec: Exec, ledger: Pick<Ledger, 'kubeconfig' | 'context'>): Promise<string> {
  const { stdout } = await exec(
    'kubectl',
    [...kubeAccess(ledger), 'get', 'namespace', 'kube-system', '-o', 'jsonpath={.metadata.uid}'],
    { timeoutMs: 20_000 },
  );
  return stdout.trim();
}

/** Records where and what the lab's cluster is, right after the cluster step. */
export async function recordIdentity(exec: Exec, ledger: Ledger): Promise<void> {
  ledger.cluster.server = kubeconfigServer(ledger.kubeconfig, ledger.context);
  ledger.cluster.uid = await clusterUid(exec, ledger);
}

/**
 * Drift guard: is the cluster behind the lab kubeconfig still the one the lab was built on? A kind cluster
 * of the same name that answers elsewhere, or another UID, is a different cluster: egress-lab must not act on it.
 */
export async function checkIdentity(
  exec: Exec,
  ledger: Ledger,
  kindClusterListed: () => Promise<boolean>,
): Promise<Identity> {
  if (!ledger.cluster.uid) return { state: 'unknown' };
  const server = kubeconfigServer(ledger.kubeconfig, ledger.context);
  if (server && ledger.cluster.server && server !== ledger.cluster.server)
    return { state: 'different', why: `the lab kubeconfig now points at ${server}, not ${ledger.cluster.server}` };
  let uid: string;
  try {
    uid = await clusterUid(exec, ledger);
  } catch (err) {
    const why = `the cluster does not answer at ${server ?? ledger.cluster.server ?? 'its address'} (${(err as Error).message.split(': ').at(-1)})`;
    if (ledger.cluster.platform === 'kind' && (await kindClusterListed()))
      return {
        state: 'different',
        why: `${why}, yet kind lists a cluster named "${ledger.cluster.name}": it was made again outside egress-lab`,
      };
    return { state: 'gone', why };
  }
  return uid === ledger.cluster.uid
    ? { state: 'same' }
    : {
        state: 'different',
        why: `its kube-system namespace has UID ${uid}, not ${ledger.cluster.uid}: the cluster was recreated or replaced`,
      };
}
