import { stringify } from 'yaml';
import { InputError } from '../errors.ts';
import { CommandError } from '../exec/exec.ts';
import { labName } from '../commands/render.ts';
import { commandLine } from '../plan/markdown.ts';
import type { Command, Step } from '../plan/plan.ts';
import { deleteClusterCommand } from '../platform/cluster.ts';
import { runGraph } from '../run/runner.ts';
import { acquireLock, readLedger, removeLabDir, type Ledger } from '../state/ledger.ts';
import { labDir, stateRoot } from '../state/paths.ts';
import type { LabDeps } from './up.ts';

export interface DownOptions {
  name?: string;
  yes?: boolean;
  keepCluster?: boolean;
  dryRun?: boolean;
}

const PROTECTED_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

interface Removal {
  step: Step;
  /** What goes, in words, for --dry-run. */
  what: string[];
}

const chain = (removals: Removal[]) => (removals.length ? [removals.at(-1)!.step.id] : []);

/** Removal steps, in reverse of the order the lab was built: workloads and policies first, CRDs last. */
function removalSteps(ledger: Ledger, keepCluster: boolean): Removal[] {
  const k = (args: string[], input?: string): Command => ({ bin: 'kubectl', args: ['--kubeconfig', ledger.kubeconfig, '--context', ledger.context, ...args], ...(input ? { input } : {}) });
  if (ledger.cluster.createdByEgressLab && !keepCluster) {
    const title = `Delete the ${ledger.cluster.platform} cluster ${ledger.cluster.name}`;
    return [{ step: { id: 'cluster', title, component: 'cluster', needs: [], run: [deleteClusterCommand(ledger.cluster, ledger.kubeconfig)], waits: [] }, what: [`the ${ledger.cluster.platform} cluster "${ledger.cluster.name}" (egress-lab created it) and everything in it`] }];
  }
  const steps: Removal[] = [];
  const releaseNamespaces = new Set<string>();
  for (const [id, record] of Object.entries(ledger.steps).reverse()) {
    const run: Command[] = [];
    const what: string[] = [];
    if (record.objects?.length) {
      what.push(...record.objects.map((o) => `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`));
      const docs = record.objects.map((o) => stringify({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.name, ...(o.namespace ? { namespace: o.namespace } : {}) } })).join('---\n');
      run.push(k(['delete', '--ignore-not-found', '--wait=true', '--timeout=300s', '-f', '-'], docs));
    }
    for (const r of record.releases ?? []) {
      what.push(`helm release ${r.namespace}/${r.name}`);
      run.push({ bin: 'helm', args: ['uninstall', r.name, '--namespace', r.namespace, '--kubeconfig', ledger.kubeconfig, '--kube-context', ledger.context, '--wait'] });
      releaseNamespaces.add(r.namespace);
    }
    if (run.length) steps.push({ step: { id, title: `remove ${id}`, component: record.component as Step['component'], needs: chain(steps), run, waits: [] }, what });
  }
  const namespaces = [...releaseNamespaces].filter((ns) => !ledger.preexistingNamespaces.includes(ns) && !PROTECTED_NAMESPACES.has(ns)).sort();
  if (namespaces.length) {
    const step: Step = { id: 'namespaces', title: `remove namespaces ${namespaces.join(', ')}`, component: 'istio', needs: chain(steps), run: [k(['delete', 'namespace', ...namespaces, '--ignore-not-found', '--wait=true', '--timeout=300s'])], waits: [] };
    steps.push({ step, what: namespaces.map((ns) => `Namespace ${ns} (made by helm for the lab)`) });
  }
  return steps;
}

async function confirmRemoval(ledger: Ledger, opts: DownOptions, deps: LabDeps): Promise<void> {
  if (ledger.cluster.platform !== 'gke' || opts.yes) return;
  const what = ledger.cluster.createdByEgressLab && !opts.keepCluster ? `the GKE cluster "${ledger.cluster.name}"` : `the lab from the GKE cluster "${ledger.cluster.name}"`;
  if (!deps.prompter.interactive) throw new InputError(`removing ${what} needs a confirmation: pass --yes`);
  const typed = await deps.prompter.text({ message: `This removes ${what} in ${ledger.cluster.project}. Type the cluster name to confirm`, flag: '--yes' });
  if (typed.trim() !== ledger.cluster.name) throw new InputError(`"${typed.trim()}" is not "${ledger.cluster.name}"; nothing was removed`);
}

/** `egress-lab down`: removes exactly what the ledger lists, then the lab's folder. */
export async function down(opts: DownOptions, deps: LabDeps): Promise<void> {
  const lab = labName(opts.name);
  const ledger = readLedger(lab, deps.env);
  if (!ledger) {
    deps.stdout.write(`nothing to remove: no lab "${lab}" in ${stateRoot(deps.env)}\n`);
    return;
  }
  const removals = removalSteps(ledger, Boolean(opts.keepCluster));
  if (opts.dryRun) {
    const lines = removals.flatMap(({ step, what }) => [`${step.id}:`, ...what.map((w) => `  - ${w}`), ...step.run.map((c) => `    $ ${commandLine(c)}`)]);
    deps.stdout.write(`down would remove, in this order (nothing was changed):\n${lines.join('\n')}\nthen the lab folder ${labDir(lab, deps.env)}\n`);
    return;
  }
  await confirmRemoval(ledger, opts, deps);
  const release = acquireLock(lab, deps.env);
  try {
    await runGraph(removals.map((r) => r.step), async (step, out) => {
      for (const cmd of step.run) {
        try {
          await deps.exec(cmd.bin, cmd.args, { input: cmd.input, env: cmd.env, onLine: out });
        } catch (err) {
          // A release someone already removed is what down wants; anything else is a failure.
          if (!(err instanceof CommandError && cmd.bin === 'helm' && /release: not found/.test(err.stderr))) throw err;
          out(`${cmd.args[1]}: already gone`);
        }
      }
    }, { renderer: deps.renderer });
  } finally {
    release();
  }
  removeLabDir(lab, deps.env);
  const kept = ledger.cluster.createdByEgressLab && !opts.keepCluster ? '' : ` The cluster "${ledger.cluster.name}" was left in place.`;
  deps.stdout.write(`Removed the lab "${lab}".${kept}\n`);
}
