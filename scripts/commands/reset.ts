import * as z from 'zod';
import { createExec, type Exec } from '../exec/exec.ts';
import { guardCluster } from '../lab/guard.ts';
import { resetLab } from '../lab/reset.ts';
import { nameFlag } from '../name-flag.ts';
import { requireLedger } from '../state/labs.ts';
import { acquireLock } from '../state/ledger.ts';
import { checkStateRoot } from '../state/paths.ts';
import type { Streams } from '../ui/prompter.ts';
import { checkSeat, parseOptions, seatOption, text } from './options.ts';

export const resetOptions = z.strictObject({
  name: text(),
  seat: seatOption(),
});

/** `egress-lab reset`: a seat (or every client namespace) back to the state right after up, cluster untouched. */
export async function reset(
  opts: z.output<typeof resetOptions>,
  deps: { exec: Exec; stdout: NodeJS.WritableStream; env: NodeJS.ProcessEnv },
): Promise<void> {
  const ledger = requireLedger(opts.name, deps.env);
  checkSeat(ledger, opts.seat);
  const release = acquireLock(ledger.lab, deps.env);
  try {
    await guardCluster(deps.exec, ledger, 'reset it', deps.env);
    const outcomes = await resetLab(deps.exec, ledger, opts.seat);
    for (const o of outcomes)
      deps.stdout.write(
        `${o.namespace}: ${o.removed.length ? `removed ${o.removed.join(', ')}; ` : ''}applied the lab's ${o.restored} objects again; restarted the sample\n`,
      );
    const name = nameFlag(ledger.lab);
    deps.stdout.write(`Reset done. Prove it: egress-lab verify${name}${opts.seat ? ` --seat ${opts.seat}` : ''}\n`);
  } finally {
    release();
  }
}

export async function run(raw: unknown, streams: Streams): Promise<void> {
  const opts = parseOptions(resetOptions, raw);
  checkStateRoot(process.env, 'write');
  await reset(opts, { exec: createExec(), stdout: streams.stdout, env: process.env });
}
