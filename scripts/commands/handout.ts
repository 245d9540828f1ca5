import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import * as z from 'zod';
import { InputError } from '../errors.ts';
import { createExec, type Exec } from '../exec/exec.ts';
import { guardCluster } from '../lab/guard.ts';
import { mintSeatAccess } from '../lab/handout.ts';
import { handoutsHtml, hostSheet, seatReadme } from '../lab/handout-text.ts';
import { platformFor } from '../platform/platform.ts';
import { seatNamespace } from '../profile/layout.ts';
import { requireLedger } from '../state/labs.ts';
import { checkStateRoot } from '../state/paths.ts';
import type { Streams } from '../ui/prompter.ts';
import { checkSeat, onOff, parseOptions, seatOption, text } from './options.ts';

/** 10 minutes is the TokenRequest minimum; GKE has been seen to cap tokens at 48 hours. */
const DURATION = /^(\d+)(m|h)$/;
const durationMinutes = (d: string) => {
  const [, n, unit] = d.match(DURATION)!;
  return Number(n) * (unit === 'h' ? 60 : 1);
};

export const handoutOptions = z.strictObject({
  name: text(),
  out: z.string(),
  force: onOff(),
  duration: z
    .string()
    .refine((d) => DURATION.test(d) && durationMinutes(d) >= 10 && durationMinutes(d) <= 48 * 60, {
      error: (issue) =>
        `"${String(issue.input)}" is not a duration from 10m to 48h (Kubernetes issues no token under 10 minutes; GKE has been seen to cap them at 48 hours)`,
    })
    .optional(),
  seat: seatOption(),
});
type HandoutOptions = z.output<typeof handoutOptions>;

/** What handout writes into --out (and --force replaces): the seats' folders, the HTML page, the host sheet. */
const OWN_ENTRY = /^(seat-\d\d|handouts\.html|host\.md)$/;

/** --out: absent (written beside, then renamed into place), or a folder that is empty or given with --force. */
function prepareOut(out: string, force: boolean): { writeDir: string; finalDir?: string } {
  if (!existsSync(out)) {
    const temp = join(dirname(out), `.${basename(out)}.tmp-${process.pid}`);
    mkdirSync(temp, { recursive: true, mode: 0o700 });
    return { writeDir: temp, finalDir: out };
  }
  if (!statSync(out).isDirectory()) throw new InputError(`--out ${out}: exists and is not a folder`);
  const entries = readdirSync(out);
  if (entries.length > 0 && !force)
    throw new InputError(`--out ${out}: folder is not empty (${entries.length} entries); pass --force to replace`);
  for (const e of entries.filter((e) => OWN_ENTRY.test(e))) rmSync(join(out, e), { recursive: true, force: true });
  return { writeDir: out };
}

/** `egress-lab handout`: per seat a folder with its kubeconfig and README.md, the printable page, the host sheet. */
export async function handout(
  opts: HandoutOptions,
  deps: { exec: Exec; stdout: NodeJS.WritableStream; env: NodeJS.ProcessEnv },
): Promise<void> {
  const ledger = requireLedger(opts.name, deps.env);
  const { seats } = ledger.profile;
  if (seats === 0)
    throw new InputError(
      `the lab "${ledger.lab}" has no seats: egress-lab up --seats N (or --profile kind-workshop / gke-workshop) builds them`,
    );
  checkSeat(ledger, opts.seat);
  const out = resolve(opts.out);
  await guardCluster(deps.exec, ledger, 'write its handouts', deps.env);
  const wanted = opts.seat ? [opts.seat] : Array.from({ length: seats }, (_, i) => i + 1);
  const access = await mintSeatAccess(deps.exec, ledger, wanted, opts.duration ?? '12h');
  const reach = platformFor(ledger.cluster.platform).apiServerReach;
  const { writeDir, finalDir } = prepareOut(out, Boolean(opts.force));
  try {
    for (const seat of access) {
      const dir = join(writeDir, seat.namespace);
      mkdirSync(dir, { mode: 0o700 });
      writeFileSync(join(dir, 'kubeconfig'), seat.kubeconfig, { mode: 0o600 });
      writeFileSync(join(dir, 'README.md'), seatReadme(ledger, seat, reach));
    }
    writeFileSync(join(writeDir, 'handouts.html'), handoutsHtml(ledger, access, reach));
    writeFileSync(join(writeDir, 'host.md'), hostSheet(ledger, access, opts.out, reach));
    if (finalDir) renameSync(writeDir, finalDir);
  } catch (err) {
    if (finalDir) rmSync(writeDir, { recursive: true, force: true });
    throw err;
  }
  const first = seatNamespace(wanted[0]!);
  deps.stdout.write(
    `Wrote handouts for ${access.length} seat${access.length > 1 ? 's' : ''} of the lab "${ledger.lab}" into ${opts.out}: ${access.length > 1 ? `${first}/ … ${seatNamespace(wanted.at(-1)!)}/` : `${first}/`} (kubeconfig, README.md), handouts.html, host.md.\nCredentials work until ${access[0]!.expires}, ${reach}.\n`,
  );
}

export async function run(raw: unknown, streams: Streams): Promise<void> {
  const opts = parseOptions(handoutOptions, raw);
  checkStateRoot(process.env, 'read');
  await handout(opts, { exec: createExec(), stdout: streams.stdout, env: process.env });
}
