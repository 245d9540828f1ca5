import { CommandError, type Exec } from '../exec/exec.ts';
import { helmAccess, kubeAccess } from '../kube/access.ts';
import type { Command, Step } from '../plan/plan.ts';
import { platformFor } from '../platform/platform.ts';
import { type RendererName, runGraph } from '../run/runner.ts';
import type { Ledger, LedgerStep, ObjectRef } from '../state/ledger.ts';
import { neighbourLedgers, type Shared, sharedObject, sharedWith } from './neighbours.ts';
import { describeObject, refsAsYaml } from './ownership.ts';
import { commandTimeoutMs } from './timeouts.ts';

const PROTECTED_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

export interface Removal {
  step: Step;
  /** What goes, in words, for --dry-run and the switch preview. */
  what: string[];
}

const kubectl = (ledger: Ledger, args: string[], input?: string): Command => ({
  bin: 'kubectl',
  args: [...kubeAccess(ledger), ...args],
  ...(input ? { input } : {}),
});

/** `kubectl delete -f -` of exactly these objects, waiting until they are gone. */
export function deleteObjectsCommand(ledger: Ledger, objects: ObjectRef[]): Command {
  return kubectl(
    ledger,
    ['delete', '--ignore-not-found', '--wait=true', '--timeout=300s', '-f', '-'],
    refsAsYaml(objects),
  );
}

/** `kubectl delete namespace` of these namespaces (and everything in them), waiting until they are gone. */
export function deleteNamespacesCommand(ledger: Ledger, namespaces: readonly string[]): Command {
  return kubectl(ledger, ['delete', 'namespace', ...namespaces, '--ignore-not-found', '--wait=true', '--timeout=300s']);
}

/**
 * Gives back an object the lab applied onto but did not make: a server-side apply by egress-lab's field manager
 * that names no field, so the fields only egress-lab set are removed and the object stays.
 */
export function releaseFieldsCommand(ledger: Ledger, objects: ObjectRef[]): Command {
  return kubectl(ledger, ['apply', '--server-side', '--field-manager', 'egress-lab', '-f', '-'], refsAsYaml(objects));
}

export function clusterRemoval(ledger: Ledger): Removal {
  const title = `Delete the ${ledger.cluster.platform} cluster ${ledger.cluster.name}`;
  return {
    step: {
      id: 'cluster',
      title,
      component: 'cluster',
      needs: [],
      run: [platformFor(ledger.cluster.platform).deleteCommand(ledger.cluster, ledger.kubeconfig)],
      waits: [],
    },
    what: [
      `the ${ledger.cluster.platform} cluster "${ledger.cluster.name}" (egress-lab created it) and everything in it`,
    ],
  };
}

function helmUninstall(ledger: Ledger, r: { name: string; namespace: string }): Command {
  return {
    bin: 'helm',
    args: ['uninstall', r.name, '--namespace', r.namespace, ...helmAccess(ledger), '--wait'],
  };
}

const keptLine = (what: string, lab: string) => `${what}: kept, the lab "${lab}" lists it too`;

/**
 * One step's removal: its releases (helm keeps their CRDs), then what it made; what it borrowed gets its fields
 * back. What another lab lists for the same cluster (`shared`) is left alone.
 */
function removalOf(ledger: Ledger, record: LedgerStep, shared?: Shared): { run: Command[]; what: string[] } {
  const run: Command[] = [];
  const what: string[] = [];
  for (const r of record.releases ?? []) {
    const other = shared?.releases.get(`${r.namespace}/${r.name}`);
    if (other) what.push(keptLine(`helm release ${r.namespace}/${r.name}`, other));
    else {
      what.push(`helm release ${r.namespace}/${r.name}`);
      run.push(helmUninstall(ledger, r));
    }
  }
  const mine = (list: ObjectRef[] = []) =>
    list.filter((o) => {
      const other = sharedObject(shared, o);
      if (other) what.push(keptLine(describeObject(o), other));
      return !other;
    });
  const objects = mine(record.objects);
  if (objects.length) {
    what.push(...objects.map(describeObject));
    run.push(deleteObjectsCommand(ledger, objects));
  }
  const borrowed = mine(record.borrowed).filter((o) => o.kind !== 'CustomResourceDefinition');
  if (borrowed.length) {
    what.push(...borrowed.map((o) => `the lab's fields on ${describeObject(o)} (there before the lab: kept)`));
    run.push(releaseFieldsCommand(ledger, borrowed));
  }
  return { run, what };
}

/**
 * Removal of the given ledger steps, in the order given (callers pass reverse build order: workloads and
 * policies first, CRDs last), one after another; with `namespaces`, then the namespaces the lab's releases made.
 * Nothing the ledger lists as borrowed is deleted, nor any system namespace, nor what another lab lists.
 */
export function stepRemovals(ledger: Ledger, ids: string[], namespaces: boolean, shared?: Shared): Removal[] {
  const out: Removal[] = [];
  const chain = () => (out.length ? [out.at(-1)!.step.id] : []);
  const madeNamespaces = new Set<string>();
  for (const id of ids) {
    const record = ledger.steps[id];
    if (!record) continue;
    for (const r of record.releases ?? []) madeNamespaces.add(r.namespace);
    const { run, what } = removalOf(ledger, record, shared);
    if (run.length || what.length)
      out.push({
        step: {
          id: `remove-${id}`,
          title: `remove ${id}`,
          component: record.component as Step['component'],
          needs: chain(),
          run,
          waits: [],
        },
        what,
      });
  }
  const made = [...madeNamespaces]
    .filter((ns) => namespaces && !ledger.preexistingNamespaces.includes(ns) && !PROTECTED_NAMESPACES.has(ns))
    .filter((ns) => !shared?.namespaces.has(ns))
    .sort();
  if (made.length) {
    const step: Step = {
      id: 'remove-namespaces',
      title: `remove namespaces ${made.join(', ')}`,
      component: 'istio',
      needs: chain(),
      run: [deleteNamespacesCommand(ledger, made)],
      waits: [],
    };
    out.push({ step, what: made.map((ns) => `Namespace ${ns} (made by helm for the lab)`) });
  }
  return out;
}

/** Runs one removal command; a helm release someone already removed is what removal wants. */
export async function runRemovalCommand(
  exec: Exec,
  cmd: Command,
  out: (line: string) => void,
  stepTimeoutSeconds?: number,
): Promise<void> {
  try {
    await exec(cmd.bin, cmd.args, {
      input: cmd.input,
      env: cmd.env,
      onLine: out,
      timeoutMs: commandTimeoutMs(cmd, stepTimeoutSeconds),
    });
  } catch (err) {
    if (!(err instanceof CommandError && cmd.bin === 'helm' && /release: not found/.test(err.stderr))) throw err;
    out(`${cmd.args[1]}: already gone`);
  }
}

/**
 * Everything that removes a whole lab: a cluster egress-lab created goes whole (unless kept); otherwise the
 * lab's steps, newest first, then helm's namespaces. What another lab on this machine lists for the same
 * cluster stays, and so does a cluster egress-lab created that another lab has since put things in
 * (`keptFor` names those labs).
 */
export function labRemovals(
  ledger: Ledger,
  keepCluster: boolean,
  env: NodeJS.ProcessEnv,
): { removals: Removal[]; keptFor: string[] } {
  const neighbours = neighbourLedgers(ledger, env);
  const keptFor = neighbours.map((n) => n.lab);
  if (ledger.cluster.createdByEgressLab && !keepCluster && neighbours.length === 0)
    return { removals: [clusterRemoval(ledger)], keptFor };
  const shared = neighbours.length ? sharedWith(neighbours) : undefined;
  return { removals: stepRemovals(ledger, Object.keys(ledger.steps).reverse(), true, shared), keptFor };
}

export async function runRemovals(
  removals: Removal[],
  exec: Exec,
  renderer: RendererName,
  signal?: AbortSignal,
  stepTimeoutSeconds?: number,
): Promise<void> {
  await runGraph(
    removals.map((r) => r.step),
    async (step, out) => {
      for (const cmd of step.run) await runRemovalCommand(exec, cmd, out, stepTimeoutSeconds);
    },
    { renderer, ...(signal ? { signal } : {}) },
  );
}
