import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import * as z from 'zod';
import { ActionableError } from '../errors.ts';
import type { Exec } from '../exec/exec.ts';
import { kubeAccess } from '../kube/access.ts';
import type { PlatformView } from '../platform/cluster.ts';
import type { Ledger } from '../state/ledger.ts';
import { firstIssue } from '../state/zod-issue.ts';

export type { PlatformView } from '../platform/cluster.ts';

export type Identity =
  | { state: 'same' }
  | { state: 'unknown' }
  /** The platform says the cluster does not exist any more. */
  | { state: 'gone'; why: string }
  /** The cluster exists, but its API server does not answer (slow, asleep, network): nothing can be judged. */
  | { state: 'unreachable'; why: string }
  | { state: 'different'; why: string };

/** The parts of a kubeconfig egress-lab reads; kubectl writes `null` for an empty list. */
const kubeconfigSchema = z.object({
  contexts: z
    .array(z.object({ name: z.string(), context: z.object({ cluster: z.string().optional() }).nullish() }))
    .nullish(),
  clusters: z
    .array(z.object({ name: z.string(), cluster: z.object({ server: z.string().optional() }).nullish() }))
    .nullish(),
});

/** A lab kubeconfig that is not a kubeconfig: the file, what is wrong, and what to do. */
function damagedKubeconfig(file: string, why: string): ActionableError {
  return new ActionableError(
    `the lab kubeconfig ${file} ${why}; delete it and run the command again: egress-lab writes it again from the platform (kind export kubeconfig, or gcloud container clusters get-credentials)`,
  );
}

/** The API server the lab kubeconfig names for the lab's context; a damaged file is an ActionableError naming it. */
export function kubeconfigServer(kubeconfig: string, context: string): string | undefined {
  if (!existsSync(kubeconfig)) return undefined;
  let data: unknown;
  try {
    data = parse(readFileSync(kubeconfig, 'utf8')) ?? {};
  } catch (err) {
    throw damagedKubeconfig(kubeconfig, `cannot be read (${(err as Error).message.split('\n')[0]})`);
  }
  const parsed = kubeconfigSchema.safeParse(data);
  if (!parsed.success)
    throw damagedKubeconfig(kubeconfig, `is not a kubeconfig (${firstIssue(parsed.error, 'not a kubeconfig')})`);
  const ctx = parsed.data.contexts?.find((c) => c.name === context);
  return parsed.data.clusters?.find((c) => c.name === ctx?.context?.cluster)?.cluster?.server;
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
 * Drift guard: is the cluster behind the lab kubeconfig still the one the lab was built on? Its UID (the
 * kube-system namespace's) tells, when the API server answers. When it does not, the platform tells the rest:
 * the cluster is gone, was made again elsewhere (kind gives another API server), or is only unreachable. A lab
 * kubeconfig that was deleted is written again from the platform first.
 */
export async function checkIdentity(exec: Exec, ledger: Ledger, platform: PlatformView): Promise<Identity> {
  if (!ledger.cluster.uid) return { state: 'unknown' };
  let server = kubeconfigServer(ledger.kubeconfig, ledger.context);
  if (!server) {
    if (!(await platform.exists()))
      return { state: 'gone', why: `${ledger.cluster.platform} has no cluster named "${ledger.cluster.name}"` };
    await platform.restoreKubeconfig();
    server = kubeconfigServer(ledger.kubeconfig, ledger.context);
  }
  if (server && ledger.cluster.server && server !== ledger.cluster.server)
    return { state: 'different', why: `the lab kubeconfig now points at ${server}, not ${ledger.cluster.server}` };
  let uid: string;
  try {
    uid = await clusterUid(exec, ledger);
  } catch (err) {
    const why = `the cluster does not answer at ${server ?? ledger.cluster.server ?? 'its address'} (${(err as Error).message.split(': ').at(-1)})`;
    if (!(await platform.exists()))
      return {
        state: 'gone',
        why: `${why}, and ${ledger.cluster.platform} has no cluster named "${ledger.cluster.name}"`,
      };
    const now = await platform.server();
    if (now && ledger.cluster.server && now !== ledger.cluster.server)
      return {
        state: 'different',
        why: `${why}; kind's cluster "${ledger.cluster.name}" now answers at ${now}: it was made again outside egress-lab`,
      };
    return { state: 'unreachable', why };
  }
  return uid === ledger.cluster.uid
    ? { state: 'same' }
    : {
        state: 'different',
        why: `its kube-system namespace has UID ${uid}, not ${ledger.cluster.uid}: the cluster was recreated or replaced`,
      };
}
