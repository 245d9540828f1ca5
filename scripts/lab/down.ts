import { ActionableError, CancelledError, InputError } from '../errors.ts';
import { commandLine } from '../plan/command-line.ts';
import { platformFor } from '../platform/platform.ts';
import { labName } from '../profile/lab-name.ts';
import { forgetPulled, pulledImages } from '../state/image-cache.ts';
import { labNames, noLabMessage } from '../state/labs.ts';
import { acquireLock, type Ledger, readLedger, removeLabDir } from '../state/ledger.ts';
import { labDir, stateRoot } from '../state/paths.ts';
import type { LabDeps } from './deps.ts';
import { downSeat } from './down-seat.ts';
import { guardCluster } from './guard.ts';
import { labRemovals, runRemovals } from './removal.ts';
import { stepTimeoutSeconds } from './timeouts.ts';

export interface DownOptions {
  name?: string;
  yes?: boolean;
  keepCluster?: boolean;
  dryRun?: boolean;
  /** Also remove the images egress-lab pulled into the host's Docker (kept by default for the next lab). */
  purgeCache?: boolean;
  /** --step-timeout: seconds any one removal command may run (instead of the default for its kind). */
  stepTimeout?: string | number;
  /** One JSON object on stdout instead of text. */
  json?: boolean;
  /** Remove only this seat of a seated lab (its namespace). */
  seat?: number;
}

/** Removes (or lists, on a dry run) the images egress-lab pulled; returns them. */
async function purgeImages(deps: LabDeps, dryRun: boolean, json: boolean): Promise<string[]> {
  const images = pulledImages(deps.env);
  const say = (text: string) => (json ? undefined : deps.stdout.write(text));
  if (dryRun) {
    say(
      `--purge-cache would remove ${images.length} image${images.length === 1 ? '' : 's'} egress-lab pulled: ${images.join(', ') || 'none'}\n`,
    );
    return images;
  }
  for (const image of images) await deps.exec('docker', ['image', 'rm', image]).catch(() => undefined);
  forgetPulled(deps.env);
  say(`Removed ${images.length} cached image${images.length === 1 ? '' : 's'} from the host's Docker.\n`);
  return images;
}

/** --json: one object that says what down did (or would do). */
function jsonResult(deps: LabDeps, result: Record<string, unknown>): void {
  deps.stdout.write(`${JSON.stringify({ type: 'result', ...result })}\n`);
}

async function confirmRemoval(ledger: Ledger, opts: DownOptions, deps: LabDeps): Promise<void> {
  const removesCluster = ledger.cluster.createdByEgressLab && !opts.keepCluster;
  const what = platformFor(ledger.cluster.platform).removalToConfirm(ledger.cluster, removesCluster);
  if (what === undefined || opts.yes) return;
  if (!deps.prompter.interactive) throw new InputError(`removing ${what} needs a confirmation: pass --yes`);
  const typed = await deps.prompter.text({
    message: `This removes ${what} in ${ledger.cluster.project}. Type the cluster name to confirm`,
    flag: '--yes',
  });
  if (typed.trim() !== ledger.cluster.name)
    throw new InputError(`"${typed.trim()}" is not "${ledger.cluster.name}"; nothing was removed`);
}

/** `egress-lab down`: removes exactly what the ledger lists, then the lab's folder. */
export async function down(opts: DownOptions, deps: LabDeps): Promise<void> {
  const lab = labName(opts.name);
  const timeout = stepTimeoutSeconds(opts.stepTimeout);
  const json = Boolean(opts.json);
  const ledger = readLedger(lab, deps.env);
  // A damaged image cache is refused before anything is removed.
  if (opts.purgeCache) pulledImages(deps.env);
  if (ledger && opts.seat !== undefined) return downSeat(ledger, opts.seat, opts, deps);
  if (!ledger) {
    // A --name that matches no lab while others exist is most likely a typo: say so, exit 1.
    if (opts.name !== undefined && labNames(deps.env).length > 0)
      throw new ActionableError(noLabMessage(lab, deps.env));
    if (!json) deps.stdout.write(`nothing to remove: no lab "${lab}" in ${stateRoot(deps.env)}\n`);
    const purged = opts.purgeCache ? await purgeImages(deps, Boolean(opts.dryRun), json) : [];
    if (json) jsonResult(deps, { ok: true, lab, found: false, removed: false, purgedImages: purged });
    return;
  }
  const { removals, keptFor } = labRemovals(ledger, Boolean(opts.keepCluster), deps.env);
  if (opts.dryRun) {
    const purged = opts.purgeCache ? await purgeImages(deps, true, true) : [];
    if (json) {
      const steps = removals.map(({ step, what }) => ({ step: step.id, what, commands: step.run.map(commandLine) }));
      jsonResult(deps, { ok: true, lab, found: true, dryRun: true, removals: steps, purgedImages: purged });
      return;
    }
    const lines = removals.flatMap(({ step, what }) => [
      `${step.id}:`,
      ...what.map((w) => `  - ${w}`),
      ...step.run.map((c) => `    $ ${commandLine(c)}`),
    ]);
    deps.stdout.write(
      `down would remove, in this order (nothing was changed):\n${lines.join('\n')}\nthen the lab folder ${labDir(lab, deps.env)}\n`,
    );
    if (opts.purgeCache) await purgeImages(deps, true, false);
    return;
  }
  await confirmRemoval(ledger, opts, deps);
  const release = acquireLock(lab, deps.env);
  let gone = false;
  try {
    gone = (await guardCluster(deps.exec, ledger, 'down', deps.env)).state === 'gone';
    if (gone && !json)
      deps.stdout.write(`The cluster "${ledger.cluster.name}" is gone already; removing the lab's records.\n`);
    if (!gone) await runRemovals(removals, deps.exec, deps.renderer, deps.signal, timeout);
  } finally {
    release();
    // biome-ignore lint/correctness/noUnsafeFinally: an interrupt replaces whatever the removals threw
    if (deps.signal?.aborted) throw new CancelledError('interrupted: run down again to finish removing the lab');
  }
  removeLabDir(lab, deps.env);
  const purged = opts.purgeCache ? await purgeImages(deps, false, json) : [];
  const clusterKept = !ledger.cluster.createdByEgressLab || Boolean(opts.keepCluster) || keptFor.length > 0;
  const deleteLater = platformFor(ledger.cluster.platform).deleteLater(ledger.cluster);
  if (json) {
    jsonResult(deps, {
      ok: true,
      lab,
      found: true,
      removed: true,
      clusterGone: gone,
      clusterKept,
      ...(clusterKept && deleteLater ? { deleteClusterLater: deleteLater } : {}),
      ...(keptFor.length ? { keptForLabs: keptFor } : {}),
      purgedImages: purged,
    });
    return;
  }
  const access = platformFor(ledger.cluster.platform).keptClusterHint(ledger.cluster);
  const kept = clusterKept ? ` The cluster "${ledger.cluster.name}" was left in place${access}.` : '';
  const others = keptFor.length
    ? ` What the lab${keptFor.length > 1 ? 's' : ''} ${keptFor.map((l) => `"${l}"`).join(', ')} also list${keptFor.length > 1 ? '' : 's'} in it stayed.`
    : '';
  deps.stdout.write(`Removed the lab "${lab}".${kept}${others}\n`);
}
