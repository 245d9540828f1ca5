import { nameFlag } from '../name-flag.ts';
import { commandLine } from '../plan/command-line.ts';
import { checkSeat, seatNamespace } from '../profile/layout.ts';
import { acquireLock, type Ledger } from '../state/ledger.ts';
import type { LabDeps } from './deps.ts';
import { guardCluster } from './guard.ts';
import { deleteNamespacesCommand } from './removal.ts';

/**
 * `down --seat N`: seat N's namespace goes, and with it everything in it — its sample, its ServiceEntries,
 * its attendee (so its handout's credentials stop working). The lab's ledger still lists the seat, so the
 * shared components and the other seats are untouched and `up` brings the seat back as it was right after up.
 */
export async function downSeat(
  ledger: Ledger,
  seat: number,
  opts: { dryRun?: boolean; json?: boolean },
  deps: Pick<LabDeps, 'exec' | 'stdout' | 'env'>,
): Promise<void> {
  checkSeat(ledger, seat);
  const namespace = seatNamespace(seat);
  const remove = deleteNamespacesCommand(ledger, [namespace]);
  const name = nameFlag(ledger.lab);
  if (opts.dryRun) {
    deps.stdout.write(
      opts.json
        ? `${JSON.stringify({ type: 'result', ok: true, lab: ledger.lab, seat, dryRun: true, commands: [commandLine(remove)] })}\n`
        : `down --seat ${seat} would remove the namespace ${namespace} and everything in it (nothing was changed):\n  $ ${commandLine(remove)}\n`,
    );
    return;
  }
  const release = acquireLock(ledger.lab, deps.env);
  try {
    await guardCluster(deps.exec, ledger, 'remove a seat from it', deps.env);
    await deps.exec(remove.bin, remove.args, { timeoutMs: 330_000 });
  } finally {
    release();
  }
  deps.stdout.write(
    opts.json
      ? `${JSON.stringify({ type: 'result', ok: true, lab: ledger.lab, seat, removed: namespace })}\n`
      : `Removed seat ${seat} (the namespace ${namespace} and everything in it, its attendee's credentials too). The lab's other seats are untouched; egress-lab up${name} brings the seat back.\n`,
  );
}
