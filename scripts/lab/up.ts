import { CancelledError } from '../errors.ts';
import { nameFlag } from '../name-flag.ts';
import { acquireLock, type Ledger, removeLabDir, writeLedger } from '../state/ledger.ts';
import { nothingToDo } from './converge.ts';
import type { LabDeps, UpOptions } from './deps.ts';
import { guardCluster } from './guard.ts';
import { installSteps, plannedSteps, startLedger } from './install.ts';
import { holdsSomething, neighbourLedgers, OccupiedError, sharedWith } from './neighbours.ts';
import { needsLicences, requireLicences } from './prepare.ts';
import { labRemovals, runRemovals, stepRemovals } from './removal.ts';
import { stepTimeoutSeconds } from './timeouts.ts';
import { confirmChanges, confirmPlan, sayChanges, sayPlan, sayUnchanged } from './up-confirm.ts';
import { checkLabHost, readHistory, resolveLab, type UpContext } from './up-context.ts';
import { finish } from './up-finish.ts';
import { diffKept, findCluster, newClusterStart, type PlannedLab, planLab, refuseForeignCluster } from './up-plan.ts';

export type { LabDeps, UpOptions } from './deps.ts';

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

/**
 * From nothing, a partial lab or another profile, to the profile's lab, touching only what differs. The
 * phases of up, each given only the part of the context it needs: resolve the profile, read the lab's history,
 * check the host; then (under the lab's lock) change the kept lab, or build a new one.
 */
async function converge(opts: UpOptions, deps: LabDeps): Promise<void> {
  const resolved = await resolveLab({ opts, deps });
  const history = readHistory({ opts, deps, ...resolved });
  const host = await checkLabHost({ opts, deps, ...resolved, ...history });
  const ctx: UpContext = { opts, deps, ...resolved, ...history, ...host };
  if (opts.dryRun) return dryRun(ctx);
  const release = acquireLock(ctx.lab, deps.env);
  try {
    await (ctx.kept ? changeLab(ctx, ctx.kept) : buildLab(ctx));
  } finally {
    release();
  }
}

/** --dry-run: what up would do (a kept lab's diff, or the new lab's plan and commands); nothing is changed. */
async function dryRun(ctx: UpContext): Promise<void> {
  if (!ctx.kept) return sayPlan(ctx, planLab(ctx, 'create').steps);
  const { diff } = await diffKept(ctx, ctx.kept);
  if (nothingToDo(diff)) sayUnchanged(ctx);
  else sayChanges(ctx, ctx.kept, diff);
}

/**
 * A lab that exists: guard its cluster, plan, diff against the ledger and what is live, confirm, the licence
 * keys the steps to run need, remove what the profile no longer has, install, verify and sum up.
 */
async function changeLab(ctx: UpContext, ledger: Ledger): Promise<void> {
  const { planned, diff } = await diffKept(ctx, ledger);
  if (nothingToDo(diff)) {
    sayUnchanged(ctx);
    return finish(ctx, ledger);
  }
  const licences = needsLicences(planned.steps, ctx.files, diff)
    ? await requireLicences(ctx.loaded, ctx.opts, ctx.deps)
    : ctx.licences;
  await confirmChanges(ctx, ledger, diff);
  await removeSteps(ctx, ledger, diff.remove);
  await install({ ...ctx, licences }, planned, ledger, new Set(diff.unchanged));
}

/**
 * A new lab (or one rebuilt: confirm, then remove the old lab): look for a cluster of the lab's name, plan,
 * confirm, refuse a cluster that is not ours without --adopt, record the lab, install, verify and sum up.
 */
async function buildLab(ctx: UpContext): Promise<void> {
  if (ctx.previous && ctx.rebuild) {
    // A rebuild removes the old lab only once the user has said yes to the whole of it; the cluster is looked
    // for after the old lab is gone. The step list shown is the same whatever the cluster start.
    await confirmPlan(ctx, planLab(ctx, 'create').steps);
    await rebuildFrom(ctx, ctx.previous);
  }
  const found = await findCluster(ctx);
  const planned = planLab(ctx, newClusterStart(found, ctx.opts.adopt));
  if (!ctx.rebuild) await confirmPlan(ctx, planned.steps);
  refuseForeignCluster(ctx, found);
  const ledger = startLedger(ctx, found.creates && !found.exists, planned.steps);
  await install(ctx, planned, ledger, new Set());
}

/** --recreate: remove the old lab (its cluster when egress-lab made it, else its objects), keeping the lock. */
async function rebuildFrom({ opts, deps }: Pick<UpContext, 'opts' | 'deps'>, previous: Ledger): Promise<void> {
  const identity = await guardCluster(deps.exec, previous, 'up --recreate', deps.env);
  if (identity.state === 'gone') return;
  const { removals } = labRemovals(previous, false, deps.env);
  await runRemovals(removals, deps.exec, deps.renderer, deps.signal, stepTimeoutSeconds(opts.stepTimeout));
}

/** The kept lab's steps the profile no longer has: undone, newest first, and dropped from the ledger. */
async function removeSteps(
  { opts, deps }: Pick<UpContext, 'opts' | 'deps'>,
  ledger: Ledger,
  ids: readonly string[],
): Promise<void> {
  const neighbours = neighbourLedgers(ledger, deps.env);
  const removals = stepRemovals(ledger, [...ids], false, neighbours.length ? sharedWith(neighbours) : undefined);
  await runRemovals(removals, deps.exec, deps.renderer, deps.signal, stepTimeoutSeconds(opts.stepTimeout));
  for (const id of ids) delete ledger.steps[id];
  writeLedger(ledger, deps.env);
}

/**
 * A cluster that holds another lab: this run installed nothing. A lab that holds nothing else in the cluster
 * is not kept (its folder had only the credentials the cluster step wrote), so no ghost lab stays behind.
 */
function refused(err: OccupiedError, ledger: Ledger, env: NodeJS.ProcessEnv): OccupiedError {
  const name = nameFlag(ledger.lab);
  if (holdsSomething(ledger))
    return new OccupiedError(
      `${err.message}. This run installed nothing; egress-lab down${name} removes what the lab made before`,
    );
  removeLabDir(ledger.lab, env);
  return new OccupiedError(`${err.message}. Nothing was installed, and the lab "${ledger.lab}" was not kept`);
}

/** Runs the plan's steps (on Ctrl-C the finished ones stay recorded), records the profile, then verifies. */
async function install(ctx: UpContext, planned: PlannedLab, ledger: Ledger, keep: ReadonlySet<string>) {
  const { deps, opts, rendered, files, licences, loaded } = ctx;
  try {
    await installSteps({ ...planned, rendered, files, ledger, licences, keep }, deps, opts);
  } catch (err) {
    throw err instanceof OccupiedError ? refused(err, ledger, deps.env) : err;
  } finally {
    if (deps.signal?.aborted)
      // biome-ignore lint/correctness/noUnsafeFinally: an interrupt replaces whatever the steps threw
      throw new CancelledError(
        `interrupted: the finished steps are recorded; run up again to continue, or down to remove what was made`,
      );
  }
  ledger.profile = loaded.profile;
  ledger.profileName = loaded.name;
  ledger.planned = plannedSteps(planned.steps);
  writeLedger(ledger, deps.env);
  await finish(ctx, ledger);
}
