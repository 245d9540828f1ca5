import { ActionableError, CancelledError, InputError } from '../errors.ts';
import { deleteClusterCommand } from '../plan/cluster-commands.ts';
import { commandLine } from '../plan/command-line.ts';
import { renderFiles } from '../plan/files.ts';
import { componentSummary } from '../plan/markdown.ts';
import { buildPlan, type ClusterTarget, clusterTarget, type Step } from '../plan/plan.ts';
import { testCommands } from '../plan/test-commands.ts';
import { clusterExists } from '../platform/cluster.ts';
import { checkPolicyEnforcement } from '../platform/gke.ts';
import { labName } from '../profile/lab-name.ts';
import type { LoadedProfile } from '../profile/load.ts';
import { checkGkeClusterName } from '../profile/names.ts';
import { renderLab } from '../render/render.ts';
import { acquireLock, type Ledger, readLedger, writeLedger } from '../state/ledger.ts';
import { exportKubeconfig, trafficDiagram } from '../ui/summary.ts';
import { formatReport } from '../verify/report.ts';
import type { VerifyReport } from '../verify/report-schema.ts';
import { verifyLab } from '../verify/verify.ts';
import { describeDiff, liveDiff, nothingToDo, type PlanDiff } from './converge.ts';
import type { LabDeps, UpOptions } from './deps.ts';
import { stepHash } from './execute.ts';
import { guardCluster } from './guard.ts';
import { installSteps, startLedger } from './install.ts';
import { collectLicences } from './licences.ts';
import {
  checkHost,
  needsLicences,
  requireLicences,
  resolveLicences,
  resolveProfile,
  withoutLicences,
} from './prepare.ts';
import { clusterRemoval, runRemovals, stepRemovals } from './removal.ts';
import { stepTimeoutSeconds } from './timeouts.ts';

export type { LabDeps, UpOptions } from './deps.ts';

function planSummary(loaded: LoadedProfile, target: ClusterTarget, steps: Step[], adopt: boolean): string {
  const { profile } = loaded;
  const cluster =
    profile.platform === 'kind'
      ? `${adopt ? 'use the existing' : 'create the'} kind cluster "${target.cluster}"`
      : `${target.create && !adopt ? 'create the GKE Standard cluster' : 'use the existing GKE cluster'} "${target.cluster}" in ${profile.gke.project}/${profile.gke.location}`;
  return [
    `profile:    ${loaded.name} (${profile.platform}, stack ${profile.stack})`,
    `cluster:    ${cluster}`,
    `components: ${componentSummary({ loaded }).join(', ')}`,
    `steps:      ${steps.length} (${steps.map((s) => s.id).join(', ')})`,
    `kubeconfig: ${target.kubeconfig}`,
  ].join('\n');
}

/** Interactive: show and ask. Not interactive: creating a GKE cluster still needs --yes. */
async function confirm(
  title: string,
  body: string,
  question: string,
  needsYes: string | undefined,
  opts: UpOptions,
  deps: LabDeps,
): Promise<void> {
  if (deps.prompter.interactive) {
    deps.prompter.note(title, body);
    if (!(await deps.prompter.confirm({ message: question, flag: '--yes' })))
      throw new CancelledError('cancelled; nothing was changed');
    return;
  }
  if (needsYes && !opts.yes) throw new InputError(`${needsYes}: pass --yes`);
  if (!opts.json) deps.stdout.write(`${title}:\n${body}\n`);
}

/** A different platform, stack or cluster cannot be reached by a diff: the lab is rebuilt (--recreate). */
function rebuildReason(previous: Ledger, loaded: LoadedProfile, target: ClusterTarget): string | undefined {
  const { profile } = loaded;
  if (previous.profile.platform !== profile.platform)
    return `it runs on ${previous.profile.platform}, not ${profile.platform}`;
  if (previous.profile.stack !== profile.stack)
    return `it runs the ${previous.profile.stack} stack, not ${profile.stack}`;
  if (previous.cluster.name !== target.cluster || previous.context !== target.context)
    return `it runs on the cluster "${previous.cluster.name}", not "${target.cluster}"`;
  return undefined;
}

/** On GKE the lab's name is the name of the cluster egress-lab creates: GKE's rule applies. */
function checkClusterName(loaded: LoadedProfile, target: ClusterTarget): void {
  if (loaded.profile.platform !== 'gke' || !target.create) return;
  const problem = checkGkeClusterName(target.cluster);
  if (problem) throw new InputError(`--name: ${problem} (on GKE the lab's name is its cluster's name)`);
}

/** Same profile, nothing to remove, and every change a step that never finished: an interrupted up. */
function resuming(ledger: Ledger, diff: PlanDiff, loaded: LoadedProfile): boolean {
  return (
    diff.remove.length === 0 &&
    diff.change.every((id) => ledger.steps[id]?.hash === '') &&
    JSON.stringify(ledger.profile) === JSON.stringify(loaded.profile)
  );
}

/** `egress-lab up`; with --json a failure too ends with a `result` event. */
export async function up(opts: UpOptions, deps: LabDeps): Promise<void> {
  try {
    await converge(opts, deps);
  } catch (err) {
    if (opts.json && !(err as { resultWritten?: boolean }).resultWritten) {
      const {
        exitCode = 1,
        message = String(err),
        steps,
      } = err as { exitCode?: number; message?: string; steps?: string[] };
      deps.stdout.write(
        `${JSON.stringify({ type: 'result', ok: false, lab: opts.name ?? 'egress-lab', exitCode, error: message, ...(steps ? { failedSteps: steps } : {}) })}\n`,
      );
    }
    throw err;
  }
}

/** From nothing, a partial lab or another profile, to the profile's lab, touching only what differs. */
async function converge(opts: UpOptions, deps: LabDeps): Promise<void> {
  const lab = labName(opts.name);
  stepTimeoutSeconds(opts.stepTimeout);
  const loaded = await resolveProfile(opts, lab, deps);
  const rendered = renderLab(loaded, lab);
  const files = renderFiles(rendered, loaded.name);
  const steps = buildPlan(rendered, deps.env);
  const target = clusterTarget(rendered, deps.env);
  const hashes = new Map(steps.map((s) => [s.id, stepHash(s, files)]));
  checkClusterName(loaded, target);
  const previous = readLedger(lab, deps.env);
  const rebuild =
    previous && (rebuildReason(previous, loaded, target) ?? (opts.recreate ? 'rebuilt on request' : undefined));
  if (rebuild && !opts.recreate)
    throw new InputError(
      `the lab "${lab}" cannot switch in place: ${rebuild}; pass --recreate to rebuild it (its cluster and objects are removed first)`,
    );
  // On a lab that exists, the licence keys are needed only when a step that reads them runs.
  const deferLicences = Boolean(previous && !rebuild);
  let licences = deferLicences
    ? collectLicences(deps.env, opts.licenseFile)
    : await resolveLicences(loaded, opts, deps.prompter, deps.env);
  deps.secrets.push(...licences.values());
  await checkHost(
    deps.exec,
    deferLicences ? withoutLicences(loaded) : loaded,
    licences,
    deps.host,
    deps.stdout,
    Boolean(opts.json),
  );
  if (!opts.dryRun) await checkPolicyEnforcement(deps.exec, loaded, target, Boolean(opts.adopt));

  const release = opts.dryRun ? () => undefined : acquireLock(lab, deps.env);
  try {
    let ledger = previous && !rebuild ? previous : undefined;
    let diff: PlanDiff | undefined;
    if (ledger) {
      await guardCluster(deps.exec, ledger, 'up', deps.env);
      diff = await liveDiff(deps.exec, steps, hashes, ledger);
      if (nothingToDo(diff)) {
        deps.stdout.write(
          opts.json
            ? `${JSON.stringify({ type: 'unchanged', lab })}\n`
            : `The lab "${lab}" is up to date (${loaded.name}): nothing to change.\n`,
        );
        if (opts.dryRun) return;
        return await finish(ledger, loaded, target, deps, opts);
      }
    }
    if (opts.dryRun) {
      deps.stdout.write(
        diff && ledger
          ? `up would change the lab "${lab}" (nothing was changed):\n${describeDiff(diff, ledger)}\n`
          : `${planSummary(loaded, target, steps, Boolean(opts.adopt))}\n\n${steps.flatMap((s) => s.run.map(commandLine)).join('\n')}\n`,
      );
      return;
    }
    if (ledger && diff) {
      if (needsLicences(steps, files, diff)) licences = await requireLicences(loaded, opts, deps);
      await confirm(
        resuming(ledger, diff, loaded)
          ? `Resume the lab "${lab}" (${loaded.name})`
          : `Switch the lab "${lab}" to ${loaded.name}`,
        describeDiff(diff, ledger),
        'Apply these changes?',
        undefined,
        opts,
        deps,
      );
      await runRemovals(
        stepRemovals(ledger, diff.remove, false),
        deps.exec,
        deps.renderer,
        deps.signal,
        stepTimeoutSeconds(opts.stepTimeout),
      );
      for (const id of diff.remove) delete ledger.steps[id];
      writeLedger(ledger, deps.env);
    } else {
      const createsGke = loaded.profile.platform === 'gke' && target.create && !opts.adopt;
      // A rebuild removes the old lab only once the user has said yes to the whole of it.
      await confirm(
        'The plan',
        `${rebuild ? `first:      remove the lab "${lab}" as it is (${rebuild})\n` : ''}${planSummary(loaded, target, steps, Boolean(opts.adopt))}`,
        rebuild ? 'Remove the lab as it is and build this one?' : 'Build this lab?',
        createsGke ? 'creating a GKE cluster costs money and needs a confirmation' : undefined,
        opts,
        deps,
      );
      if (previous && rebuild) await rebuildFrom(previous, deps, stepTimeoutSeconds(opts.stepTimeout));
      ledger = await startLedger(lab, loaded, target, steps, opts, deps);
    }
    if (ledger.steps['cluster']?.hash === '') await resumeClusterStep(ledger, loaded, target, steps, deps);
    const keep = new Set(diff?.unchanged ?? []);
    try {
      await installSteps({ steps, rendered, files, hashes, ledger, licences, keep }, deps, opts);
    } finally {
      if (deps.signal?.aborted)
        // biome-ignore lint/correctness/noUnsafeFinally: an interrupt replaces whatever the steps threw
        throw new CancelledError(
          `interrupted: the finished steps are recorded; run up again to continue, or down to remove what was made`,
        );
    }
    ledger.profile = loaded.profile;
    ledger.profileName = loaded.name;
    writeLedger(ledger, deps.env);
    await finish(ledger, loaded, target, deps, opts);
  } finally {
    release();
  }
}

/**
 * The cluster step was cut short (failure or Ctrl-C) on a cluster egress-lab was creating. If the cluster
 * exists after all, it is this lab's: a half-made kind cluster is deleted and made again; a GKE cluster only
 * needs its credentials.
 */
async function resumeClusterStep(
  ledger: Ledger,
  loaded: LoadedProfile,
  target: ClusterTarget,
  steps: Step[],
  deps: LabDeps,
): Promise<void> {
  if (!ledger.cluster.createdByEgressLab || !(await clusterExists(deps.exec, loaded.profile, target))) return;
  const step = steps.find((s) => s.id === 'cluster')!;
  step.run =
    loaded.profile.platform === 'kind'
      ? [deleteClusterCommand(ledger.cluster, ledger.kubeconfig), ...step.run]
      : step.run.filter((c) => c.args[2] !== 'create');
}

/** --recreate: remove the old lab (its cluster when egress-lab made it, else its objects), keeping the lock. */
async function rebuildFrom(previous: Ledger, deps: LabDeps, timeout: number | undefined): Promise<void> {
  const identity = await guardCluster(deps.exec, previous, 'up --recreate', deps.env);
  if (identity.state === 'gone') return;
  const removals = previous.cluster.createdByEgressLab
    ? [clusterRemoval(previous)]
    : stepRemovals(previous, Object.keys(previous.steps).reverse(), true);
  await runRemovals(removals, deps.exec, deps.renderer, deps.signal, timeout);
}

/** up ends by proving the path; a broken hop fails up with verify's hint. */
async function finish(
  ledger: Ledger,
  loaded: LoadedProfile,
  target: ClusterTarget,
  deps: LabDeps,
  opts: UpOptions,
): Promise<void> {
  // verify's waits show as lines (a JSON output event with --json), never as a blank screen.
  const progress = (line: string) =>
    deps.stdout.write(
      opts.json
        ? `${JSON.stringify({ type: 'output', step: 'verify', line, at: new Date().toISOString() })}\n`
        : `${line}\n`,
    );
  const report = opts.verify === false ? undefined : await verifyLab(ledger, { ...deps, progress });
  printSummary(ledger, loaded, target, deps, opts, report);
  if (report && !report.ok)
    throw Object.assign(
      new ActionableError(
        `the lab is up, but verify could not prove the ${report.firstBroken} hop${report.hint ? `: ${report.hint}` : ''}`,
      ),
      { resultWritten: Boolean(opts.json) },
    );
}

function printSummary(
  ledger: Ledger,
  loaded: LoadedProfile,
  target: ClusterTarget,
  deps: LabDeps,
  opts: UpOptions,
  report: VerifyReport | undefined,
): void {
  if (opts.json) {
    if (report) deps.stdout.write(`${JSON.stringify({ type: 'verify', report })}\n`);
    deps.stdout.write(
      `${JSON.stringify({ type: 'result', ok: report?.ok ?? true, verified: report ? report.ok : null, lab: ledger.lab, profile: loaded.name, kubeconfig: target.kubeconfig, context: target.context, steps: Object.fromEntries(Object.entries(ledger.steps).map(([id, s]) => [id, { durationMs: s.durationMs }])) })}\n`,
    );
    return;
  }
  const durations = Object.entries(ledger.steps).map(
    ([id, s]) => `  ${id.padEnd(30)} ${(s.durationMs / 1000).toFixed(1).padStart(6)} s`,
  );
  deps.stdout.write(
    [
      '',
      `The lab "${ledger.lab}" is up: ${loaded.profile.platform} cluster "${ledger.cluster.name}", stack ${loaded.profile.stack}.`,
      `kubeconfig: ${target.kubeconfig} (context ${target.context})`,
      `For kubectl, helm and k9s in this shell:`,
      `  ${exportKubeconfig(target.kubeconfig)}`,
      `  (later: eval "$(egress-lab env${ledger.lab === 'egress-lab' ? '' : ` --name ${ledger.lab}`})")`,
      '',
      'Steps:',
      ...durations,
      '',
      'Traffic path:',
      trafficDiagram(loaded.profile),
      '',
      'Try it:',
      ...testCommands(loaded.profile, target).map((l) => `  ${l}`),
      '',
      `Remove it all: egress-lab down${ledger.lab === 'egress-lab' ? '' : ` --name ${ledger.lab}`}`,
      '',
      ...(report ? [formatReport(report)] : ['(verify skipped: egress-lab verify proves the path hop by hop)', '']),
    ].join('\n'),
  );
}
