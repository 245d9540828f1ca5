import * as z from 'zod';
import { ActionableError } from '../errors.ts';
import { createExec, type Exec } from '../exec/exec.ts';
import { guardCluster } from '../lab/guard.ts';
import { requireLedger } from '../state/labs.ts';
import { recordVerify } from '../state/last-verify.ts';
import { checkStateRoot } from '../state/paths.ts';
import type { Streams } from '../ui/prompter.ts';
import { formatReport } from '../verify/report.ts';
import { verifyLab } from '../verify/verify.ts';
import { everyLab } from './every-lab.ts';
import { checkSeat, onOff, parseOptions, seatOption, text } from './options.ts';

export interface VerifyCommandDeps {
  exec: Exec;
  stdout: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  sleep?: (ms: number) => Promise<void>;
  /** Where verify says what it waits for (attempt N/M). */
  progress?: (line: string) => void;
}

export const verifyOptions = z.strictObject({
  name: text(),
  json: onOff(),
  seat: seatOption(),
  all: onOff(),
});

/** `egress-lab verify`: exit 0 when every hop is proven, 1 otherwise. */
export async function verify(
  opts: { name?: string; json?: boolean; seat?: number },
  deps: VerifyCommandDeps,
): Promise<void> {
  const ledger = requireLedger(opts.name, deps.env);
  checkSeat(ledger, opts.seat);
  await guardCluster(deps.exec, ledger, 'verify it', deps.env);
  const report = await verifyLab(ledger, deps, opts.seat === undefined ? {} : { seat: opts.seat });
  recordVerify(ledger.lab, report, deps.env);
  deps.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  if (!report.ok)
    throw new ActionableError(
      `verify: the ${report.firstBroken} hop is not proven${report.hint ? ` (${report.hint})` : ''}`,
    );
}

export async function run(raw: unknown, streams: Streams): Promise<void> {
  const opts = parseOptions(verifyOptions, raw);
  checkStateRoot(process.env, 'read');
  // Progress goes to stderr, so stdout keeps only the report (or its JSON).
  const progress = (line: string) => void process.stderr.write(`${line}\n`);
  const deps = { exec: createExec(), stdout: streams.stdout, env: process.env, progress };
  if (!opts.all) return verify(opts, deps);
  await everyLab('verify', opts, deps, (name, stdout) =>
    verify({ name, json: Boolean(opts.json) }, { ...deps, stdout }),
  );
}
