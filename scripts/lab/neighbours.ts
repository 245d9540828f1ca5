import { ActionableError } from '../errors.ts';
import type { Exec } from '../exec/exec.ts';
import { labsOnNamespaces } from '../kube/lab-labels.ts';
import { nameFlag } from '../name-flag.ts';
import { OWNER_LABELS } from '../render/render.ts';
import { labNames } from '../state/labs.ts';
import { type Ledger, type LedgerCluster, type ObjectRef, readLedger } from '../state/ledger.ts';
import { refKey } from './ownership.ts';

/**
 * Labs never touch each other. A cluster holds one lab: up refuses a cluster that already holds objects of
 * another lab (its namespaces carry the `egress-lab.dev/lab` label), and down (or up removing a step) never
 * removes what another lab on this machine lists in its ledger for the same cluster.
 */

const CHECK_TIMEOUT_MS = 20_000;

/** Whether two ledgers name the same cluster: by its identity when both recorded it, else by platform and name. */
export function sameCluster(a: LedgerCluster, b: LedgerCluster): boolean {
  if (a.uid && b.uid) return a.uid === b.uid;
  return a.platform === b.platform && a.name === b.name && a.project === b.project && a.location === b.location;
}

/** A ledger's step made something (or borrowed it): the cluster step alone holds nothing in the cluster. */
export const holdsSomething = (ledger: Ledger) =>
  Object.entries(ledger.steps).some(
    ([id, s]) => id !== 'cluster' && Boolean(s.releases?.length || s.objects?.length || s.borrowed?.length),
  );

/**
 * The other labs on this machine whose ledgers hold something in this lab's cluster. A ledger that cannot be
 * read is skipped: it is reported by the commands given its name.
 */
export function neighbourLedgers(ledger: Ledger, env: NodeJS.ProcessEnv): Ledger[] {
  return labNames(env)
    .filter((name) => name !== ledger.lab)
    .flatMap((name) => {
      try {
        const other = readLedger(name, env);
        return other && sameCluster(other.cluster, ledger.cluster) && holdsSomething(other) ? [other] : [];
      } catch {
        return [];
      }
    });
}

/** What other labs list in their ledgers for this cluster: never removed by this lab. */
export interface Shared {
  /** Object keys (ownership.ts refKey) with the lab that lists each. */
  objects: Map<string, string>;
  /** Releases as namespace/name with the lab that lists each. */
  releases: Map<string, string>;
  /** Namespaces another lab's objects or releases live in. */
  namespaces: Map<string, string>;
}

export function sharedWith(neighbours: readonly Ledger[]): Shared {
  const shared: Shared = { objects: new Map(), releases: new Map(), namespaces: new Map() };
  for (const other of neighbours)
    for (const step of Object.values(other.steps)) {
      for (const o of [...(step.objects ?? []), ...(step.borrowed ?? [])]) {
        shared.objects.set(refKey(o), other.lab);
        if (o.namespace) shared.namespaces.set(o.namespace, other.lab);
        if (o.kind === 'Namespace') shared.namespaces.set(o.name, other.lab);
      }
      for (const r of step.releases ?? []) {
        shared.releases.set(`${r.namespace}/${r.name}`, other.lab);
        shared.namespaces.set(r.namespace, other.lab);
      }
    }
  return shared;
}

export const sharedObject = (shared: Shared | undefined, o: ObjectRef) => shared?.objects.get(refKey(o));

/** A few names of a list, and how many more (a seated lab has tens of namespaces). */
const fewOf = (names: string[], shown = 3) =>
  names.length <= shown + 1 ? names.join(', ') : `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`;

/** The cluster holds another lab: up stops before changing anything in it. */
export class OccupiedError extends ActionableError {}

/**
 * Refuses a cluster egress-lab did not create for this lab when it holds another lab: by the lab label on its
 * namespaces, or by another ledger on this machine for the same cluster. Names each lab and what to do.
 */
export async function refuseOccupied(exec: Exec, ledger: Ledger, env: NodeJS.ProcessEnv): Promise<void> {
  const labelled = await labsOnNamespaces(exec, ledger, OWNER_LABELS.lab, CHECK_TIMEOUT_MS);
  labelled.delete(ledger.lab);
  const known = new Set(labNames(env));
  const occupants = new Map<string, string>();
  for (const [lab, namespaces] of labelled)
    occupants.set(lab, `its namespace${namespaces.length > 1 ? 's' : ''} ${fewOf(namespaces.sort())}`);
  for (const other of neighbourLedgers(ledger, env))
    if (!occupants.has(other.lab)) occupants.set(other.lab, 'its ledger on this machine lists this cluster');
  if (occupants.size === 0) return;
  const labs = [...occupants.keys()].sort();
  const held = labs.map((lab) => `"${lab}" (${occupants.get(lab)})`).join(', ');
  const remove = labs
    .map((lab) => `egress-lab down${nameFlag(lab)}${known.has(lab) ? '' : ' (on the machine that made it)'}`)
    .join(', then ');
  throw new OccupiedError(
    `the cluster "${ledger.cluster.name}" already holds the lab${labs.length > 1 ? 's' : ''} ${held}; a cluster holds one lab, because two labs would change and remove each other's releases and objects: remove ${labs.length > 1 ? 'them' : 'it'} first (${remove}), or put the lab "${ledger.lab}" on another cluster`,
  );
}
