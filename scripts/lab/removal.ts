import { stringify } from 'yaml';
import { CommandError, type Exec } from '../exec/exec.ts';
import type { Command, Step } from '../plan/plan.ts';
import { kubeAccess } from '../plan/plan.ts';
import { deleteClusterCommand } from '../platform/cluster.ts';
import { type RendererName, runGraph } from '../run/runner.ts';
import type { Ledger, ObjectRef } from '../state/ledger.ts';

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

export const describeObject = (o: ObjectRef) => `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;

/** Objects by reference only (apiVersion, kind, name, namespace), as a YAML stream for `kubectl … -f -`. */
export function refsAsYaml(objects: ObjectRef[]): string {
  return objects
    .map((o) =>
      stringify({
        apiVersion: o.apiVersion,
        kind: o.kind,
        metadata: { name: o.name, ...(o.namespace ? { namespace: o.namespace } : {}) },
      }),
    )
    .join('---\n');
}

/** `kubectl delete -f -` of exactly these objects, waiting until they are gone. */
export function deleteObjectsCommand(ledger: Ledger, objects: ObjectRef[]): Command {
  return kubectl(
    ledger,
    ['delete', '--ignore-not-found', '--wait=true', '--timeout=300s', '-f', '-'],
    refsAsYaml(objects),
  );
}

export function clusterRemoval(ledger: Ledger): Removal {
  const title = `Delete the ${ledger.cluster.platform} cluster ${ledger.cluster.name}`;
  return {
    step: {
      id: 'cluster',
      title,
      component: 'cluster',
      needs: [],
      run: [deleteClusterCommand(ledger.cluster, ledger.kubeconfig)],
      waits: [],
    },
    what: [
      `the ${ledger.cluster.platform} cluster "${ledger.cluster.name}" (egress-lab created it) and everything in it`,
    ],
  };
}

/**
 * Removal of the given ledger steps, in the order given (callers pass reverse build order: workloads and
 * policies first, CRDs last), one after another; with `namespaces`, then the namespaces helm made.
 */
export function stepRemovals(ledger: Ledger, ids: string[], namespaces: boolean): Removal[] {
  const out: Removal[] = [];
  const chain = () => (out.length ? [out.at(-1)!.step.id] : []);
  const releaseNamespaces = new Set<string>();
  for (const id of ids) {
    const record = ledger.steps[id];
    if (!record) continue;
    const run: Command[] = [];
    const what: string[] = [];
    // A namespace that was there before the lab stays, with whatever else is in it.
    const objects = (record.objects ?? []).filter(
      (o) => !(o.kind === 'Namespace' && ledger.preexistingNamespaces.includes(o.name)),
    );
    if (objects.length) {
      what.push(...objects.map(describeObject));
      run.push(deleteObjectsCommand(ledger, objects));
    }
    for (const r of record.releases ?? []) {
      what.push(`helm release ${r.namespace}/${r.name}`);
      run.push({
        bin: 'helm',
        args: [
          'uninstall',
          r.name,
          '--namespace',
          r.namespace,
          '--kubeconfig',
          ledger.kubeconfig,
          '--kube-context',
          ledger.context,
          '--wait',
        ],
      });
      releaseNamespaces.add(r.namespace);
    }
    if (run.length)
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
  const made = [...releaseNamespaces]
    .filter((ns) => namespaces && !ledger.preexistingNamespaces.includes(ns) && !PROTECTED_NAMESPACES.has(ns))
    .sort();
  if (made.length) {
    const step: Step = {
      id: 'remove-namespaces',
      title: `remove namespaces ${made.join(', ')}`,
      component: 'istio',
      needs: chain(),
      run: [kubectl(ledger, ['delete', 'namespace', ...made, '--ignore-not-found', '--wait=true', '--timeout=300s'])],
      waits: [],
    };
    out.push({ step, what: made.map((ns) => `Namespace ${ns} (made by helm for the lab)`) });
  }
  return out;
}

/** Runs one removal command; a helm release someone already removed is what removal wants. */
export async function runRemovalCommand(exec: Exec, cmd: Command, out: (line: string) => void): Promise<void> {
  try {
    await exec(cmd.bin, cmd.args, { input: cmd.input, env: cmd.env, onLine: out });
  } catch (err) {
    if (!(err instanceof CommandError && cmd.bin === 'helm' && /release: not found/.test(err.stderr))) throw err;
    out(`${cmd.args[1]}: already gone`);
  }
}

export async function runRemovals(
  removals: Removal[],
  exec: Exec,
  renderer: RendererName,
  signal?: AbortSignal,
): Promise<void> {
  await runGraph(
    removals.map((r) => r.step),
    async (step, out) => {
      for (const cmd of step.run) await runRemovalCommand(exec, cmd, out);
    },
    { renderer, ...(signal ? { signal } : {}) },
  );
}
