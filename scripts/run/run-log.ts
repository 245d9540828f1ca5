import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ActionableError } from '../errors.ts';
import { labDir } from '../state/paths.ts';
import type { RunEvent } from './runner.ts';

/**
 * The lab's run log, `<lab>/logs/<verb>-<time>.log`: every step's start, output lines and end, so a
 * failure can be read after the terminal is gone. Output lines are already redacted by exec.
 * A write that fails (the lab folder was removed during the run) never throws where it happens (a program's
 * output handler); it is kept, and `check()` throws it as an ActionableError, so the running step fails cleanly.
 */
export function runLog(
  lab: string,
  verb: string,
  env: NodeJS.ProcessEnv,
): ((e: RunEvent) => void) & { file: string; check: () => void } {
  const dir = join(labDir(lab, env), 'logs');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${verb}-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
  let broken: ActionableError | undefined;
  const write = (e: RunEvent) => {
    if (broken) return;
    const text =
      e.type === 'output'
        ? `${e.step} | ${e.line}`
        : e.type === 'started'
          ? `${e.step} started: ${e.title}`
          : e.type === 'done'
            ? `${e.step} ${e.skipped ? `skipped (${e.skipped})` : `done in ${e.durationMs} ms`}`
            : e.type === 'skipped'
              ? `${e.step} not started (${e.reason})`
              : `${e.step} FAILED: ${e.error}`;
    try {
      appendFileSync(file, `${e.at} ${text}\n`, { mode: 0o600 });
    } catch (err) {
      broken = new ActionableError(`cannot write the run log ${file} (${(err as NodeJS.ErrnoException).code})`);
    }
  };
  return Object.assign(write, {
    file,
    check: () => {
      if (broken) throw broken;
    },
  });
}
