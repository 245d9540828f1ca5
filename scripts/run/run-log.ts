import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { labDir } from '../state/paths.ts';
import type { RunEvent } from './runner.ts';

/**
 * The lab's run log, `<lab>/logs/<verb>-<time>.log`: every step's start, output lines and end, so a
 * failure can be read after the terminal is gone. Output lines are already redacted by exec.
 */
export function runLog(lab: string, verb: string, env: NodeJS.ProcessEnv): ((e: RunEvent) => void) & { file: string } {
  const dir = join(labDir(lab, env), 'logs');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${verb}-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
  const write = (e: RunEvent) => {
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
    appendFileSync(file, `${e.at} ${text}\n`, { mode: 0o600 });
  };
  return Object.assign(write, { file });
}
