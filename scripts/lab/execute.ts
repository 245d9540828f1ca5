import { createHash } from 'node:crypto';
import type { Exec } from '../exec/exec.ts';
import { commandLine } from '../plan/markdown.ts';
import type { Command, Step } from '../plan/plan.ts';
import type { StepExecutor } from '../run/runner.ts';
import { fillLicences, type Licences } from './licences.ts';

export interface ExecuteContext {
  exec: Exec;
  /** The lab's render folder: commands run there, as plan.md says. */
  cwd: string;
  files: ReadonlyMap<string, string>;
  licences: Licences;
  verbose: boolean;
  /** Every command as it starts (for the run log), whether or not --verbose shows it. */
  onCommand?: (step: Step, line: string) => void;
  signal?: AbortSignal;
}

/** What a step's stdin gets: the rendered file, with licence markers filled for helm values. */
function stdinFor(cmd: Command, ctx: ExecuteContext): string | undefined {
  if (!cmd.stdin) return undefined;
  const text = ctx.files.get(cmd.stdin);
  if (text === undefined) throw new Error(`the plan feeds ${cmd.stdin}, which was not rendered`);
  return cmd.bin === 'helm' ? fillLicences(text, ctx.licences) : text;
}

/** Content hash of a step: its commands and the rendered files they read (markers, not licence values). */
export function stepHash(step: Step, files: ReadonlyMap<string, string>): string {
  const inputs = [...step.run, ...step.waits].map((c) => (c.stdin ? files.get(c.stdin) ?? '' : ''));
  return createHash('sha256').update(JSON.stringify({ run: step.run, waits: step.waits, inputs })).digest('hex').slice(0, 16);
}

/** Runs a step's commands, then its readiness checks; `after` records it once it succeeded (with the commands' stdout). */
export function stepExecutor(ctx: ExecuteContext, after: (step: Step, stdout: string, out: (line: string) => void) => Promise<void>): StepExecutor {
  return async (step, out) => {
    let stdout = '';
    for (const cmd of [...step.run, ...step.waits]) {
      if (ctx.signal?.aborted) throw new Error('interrupted');
      ctx.onCommand?.(step, `$ ${commandLine(cmd)}`);
      if (ctx.verbose) out(`$ ${commandLine(cmd)}`);
      const result = await ctx.exec(cmd.bin, cmd.args, { input: stdinFor(cmd, ctx), cwd: ctx.cwd, env: cmd.env, onLine: out });
      if (step.run.includes(cmd)) stdout += result.stdout;
    }
    await after(step, stdout, out);
  };
}
