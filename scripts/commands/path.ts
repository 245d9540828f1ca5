import * as z from 'zod';
import { ActionableError } from '../errors.ts';
import { nameFlag } from '../name-flag.ts';
import { requireLedger } from '../state/labs.ts';
import { lastVerifyFile, readVerifyRecord } from '../state/last-verify.ts';
import { checkStateRoot } from '../state/paths.ts';
import type { Streams } from '../ui/prompter.ts';
import { formatReport } from '../verify/report.ts';
import { VerifyReportSchema } from '../verify/report-schema.ts';
import { onOff, parseOptions, text } from './options.ts';

export const pathOptions = z.strictObject({ name: text(), json: onOff() });

const seconds = (iso: string) => `${iso.slice(0, 19).replace('T', ' ')} UTC`;

/**
 * `egress-lab path`: the request path of the lab's last verify (`up`'s or `verify`'s), each hop marked with what
 * that verify saw. Reads the lab's record only: nothing runs against the cluster.
 */
export function path(
  opts: { name?: string; json?: boolean },
  deps: { stdout: NodeJS.WritableStream; env: NodeJS.ProcessEnv },
): void {
  const ledger = requireLedger(opts.name, deps.env);
  const flag = nameFlag(ledger.lab);
  const record = readVerifyRecord(ledger.lab, deps.env, VerifyReportSchema);
  if (!record)
    throw new ActionableError(
      `no verify recorded for the lab ${ledger.lab} yet: egress-lab verify${flag} proves the path`,
    );
  if ('unreadable' in record)
    throw new ActionableError(
      `cannot read the last verify of the lab ${ledger.lab} from ${lastVerifyFile(ledger.lab, deps.env)}: ${record.unreadable}; egress-lab verify${flag} records it again`,
    );
  if (opts.json) {
    deps.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
    return;
  }
  const { at, report } = record;
  const outcome = report.ok ? 'every hop proven' : `first broken hop: ${report.firstBroken}`;
  // The report as verify printed it (its first line names the lab, profile and stack), under when it ran.
  deps.stdout.write(`Last verify of the lab ${ledger.lab}: ${seconds(at)}, ${outcome}.\n${formatReport(report)}`);
}

export async function run(raw: unknown, streams: Streams): Promise<void> {
  const opts = parseOptions(pathOptions, raw);
  checkStateRoot(process.env, 'read');
  path(opts, { stdout: streams.stdout, env: process.env });
}
