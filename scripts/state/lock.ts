import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ActionableError } from '../errors.ts';
import { labDir } from './paths.ts';

/** Lock files this process holds: removed on every way out, even process.exit. */
const held = new Set<string>();
let exitHook = false;

export function releaseAllLocks(): void {
  for (const file of held) rmSync(file, { force: true });
  held.clear();
}

/** When a process started (Linux: field 22 of /proc/PID/stat), so a reused PID is told from the run that locked. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Holder {
  pid: number;
  /** The holder's start time, where the system tells it. */
  started?: string;
}

function readHolder(file: string): Holder | undefined {
  const text = readFileSync(file, 'utf8').trim();
  try {
    const h = JSON.parse(text) as Holder;
    return Number.isInteger(h.pid) && h.pid > 0 ? h : undefined;
  } catch {
    const pid = Number(text);
    return Number.isInteger(pid) && pid > 0 ? { pid } : undefined;
  }
}

/** Whether the run that wrote the lock is still running: its PID is alive and is still that process. */
function holderRuns(h: Holder): boolean {
  if (!pidAlive(h.pid)) return false;
  const now = startTime(h.pid);
  if (now !== undefined && h.started !== undefined) return now === h.started;
  // A lock without a start time (an older egress-lab), where the system tells: the process must be egress-lab.
  if (now !== undefined) {
    try {
      return readFileSync(`/proc/${h.pid}/cmdline`, 'utf8').includes('egress-lab');
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * One run per lab: a lock file holding the PID and start time of the run. A lock whose run is gone (its
 * process ended, or its PID now belongs to another program) is taken over. Released on every exit path.
 */
export function acquireLock(lab: string, env: NodeJS.ProcessEnv = process.env): () => void {
  mkdirSync(labDir(lab, env), { recursive: true, mode: 0o700 });
  const file = join(labDir(lab, env), 'lock');
  const me: Holder = { pid: process.pid, ...(startTime(process.pid) ? { started: startTime(process.pid)! } : {}) };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${JSON.stringify(me)}\n`, { flag: 'wx' });
      held.add(file);
      if (!exitHook) process.once('exit', releaseAllLocks);
      exitHook = true;
      return () => {
        held.delete(file);
        rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readHolder(file);
      if (holder && holderRuns(holder)) {
        throw new ActionableError(
          `the lab "${lab}" is in use by another egress-lab run (PID ${holder.pid}); wait for it, or stop it`,
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new ActionableError(`cannot take the lock of the lab "${lab}"`);
}
