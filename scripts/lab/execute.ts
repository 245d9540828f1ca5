import { createHash } from 'node:crypto';
import type { Exec } from '../exec/exec.ts';
import { commandLine } from '../plan/command-line.ts';
import type { Command, Step } from '../plan/plan.ts';
import { waitingFor } from '../platform/cluster.ts';
import { LAB_SECRET_PREFIX } from '../render/scenarios.ts';
import type { StepExecutor } from '../run/runner.ts';
import { fillLicences, type Licences } from './licences.ts';
import { commandTimeoutMs } from './timeouts.ts';

export interface ExecuteContext {
  exec: Exec;
  /** The lab's render folder: commands run there, as plan.md says. */
  cwd: string;
  files: ReadonlyMap<string, string>;
  licences: Licences;
  /** The values of the lab's secret markers (scenario packs), made or read when a step first needs them. */
  labSecrets?: () => ReadonlyMap<string, string>;
  verbose: boolean;
  /** Every command as it starts (for the run log), whether or not --verbose shows it. */
  onCommand?: (step: Step, line: string) => void;
  /** Each command that ran and succeeded (not skipped by skipIf or onlyIf). */
  onRan?: (step: Step, cmd: Command) => void;
  signal?: AbortSignal;
  /** --step-timeout: the limit of every command, in seconds, instead of the default for its kind. */
  stepTimeoutSeconds?: number;
  /** How often a long command (waitingFor) tells its elapsed time; 30 s by default. */
  progressEveryMs?: number;
}

const minutes = (ms: number) =>
  `${Math.floor(ms / 60_000)}m${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}s`;

/** Runs `run`, telling what it waits for at once and then its elapsed time every `every` ms. */
async function withProgress<T>(
  what: string | undefined,
  every: number,
  out: (l: string) => void,
  run: () => Promise<T>,
) {
  if (!what) return run();
  const start = Date.now();
  out(`${what}…`);
  const timer = setInterval(() => out(`${minutes(Date.now() - start)} elapsed: ${what}`), every);
  try {
    return await run();
  } finally {
    clearInterval(timer);
  }
}

/** What a step's stdin gets: the rendered file, with licence markers filled for helm values and lab secrets for kubectl. */
function stdinFor(cmd: Command, ctx: ExecuteContext): string | undefined {
  if (!cmd.stdin) return undefined;
  const text = ctx.files.get(cmd.stdin);
  if (text === undefined) throw new Error(`the plan feeds ${cmd.stdin}, which was not rendered`);
  if (cmd.bin === 'helm') return fillLicences(text, ctx.licences);
  if (!text.includes(LAB_SECRET_PREFIX) || !ctx.labSecrets) return text;
  let filled = text;
  for (const [marker, value] of ctx.labSecrets()) filled = filled.replaceAll(marker, value);
  return filled;
}

async function succeeds(ctx: ExecuteContext, check: Command): Promise<boolean> {
  try {
    await ctx.exec(check.bin, check.args, { cwd: ctx.cwd, timeoutMs: commandTimeoutMs(check, ctx.stepTimeoutSeconds) });
    return true;
  } catch {
    return false;
  }
}

/** Content hash of a step: its commands and the rendered files they read (markers, not licence values). */
export function stepHash(step: Step, files: ReadonlyMap<string, string>): string {
  const run = step.hashed ?? step.run;
  const inputs = [...run, ...step.waits].map((c) => (c.stdin ? (files.get(c.stdin) ?? '') : ''));
  return createHash('sha256')
    .update(JSON.stringify({ run, waits: step.waits, inputs }))
    .digest('hex')
    .slice(0, 16);
}

/** Runs a step's commands, then its readiness checks; `after` records it once it succeeded (with the commands' stdout). */
export function stepExecutor(
  ctx: ExecuteContext,
  after: (step: Step, stdout: string, out: (line: string) => void) => Promise<void>,
): StepExecutor {
  return async (step, out) => {
    const one = async (cmd: Command): Promise<string> => {
      if (ctx.signal?.aborted) throw new Error('interrupted');
      if (cmd.skipIf && (await succeeds(ctx, cmd.skipIf))) return '';
      if (cmd.onlyIf && !(await succeeds(ctx, cmd.onlyIf))) return '';
      ctx.onCommand?.(step, `$ ${commandLine(cmd)}`);
      if (ctx.verbose) out(`$ ${commandLine(cmd)}`);
      try {
        const result = await withProgress(waitingFor(cmd), ctx.progressEveryMs ?? 30_000, out, () =>
          ctx.exec(cmd.bin, cmd.args, {
            input: stdinFor(cmd, ctx),
            cwd: ctx.cwd,
            env: cmd.env,
            onLine: out,
            timeoutMs: commandTimeoutMs(cmd, ctx.stepTimeoutSeconds),
          }),
        );
        ctx.onRan?.(step, cmd);
        return result.stdout;
      } catch (err) {
        if (!cmd.optional) throw err;
        out(`! ${(err as Error).message} (not needed: the cluster fetches it itself)`);
        return '';
      }
    };
    let stdout = '';
    if (step.concurrent) stdout = (await Promise.all(step.run.map(one))).join('');
    else for (const cmd of step.run) stdout += await one(cmd);
    for (const cmd of step.waits) await one(cmd);
    await after(step, stdout, out);
  };
}
