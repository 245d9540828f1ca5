import { createHash, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ActionableError } from '../errors.ts';
import { labDir } from './paths.ts';

/** Lock files this process holds, with the text it wrote: removed on every way out, even process.exit. */
const held = new Map<string, string>();
let exitHook = false;

export function releaseAllLocks(): void {
  for (const [file, text] of held) removeIfStill(file, text);
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
  /** Makes each lock's text unique, so a stale lock is told from a new one written by the same PID. */
  id?: string;
}

/** A file's text, or undefined when it is not there (released or taken over meanwhile). */
function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function parseHolder(text: string): Holder | undefined {
  try {
    const h = JSON.parse(text) as Holder;
    return Number.isInteger(h.pid) && h.pid > 0 ? h : undefined;
  } catch {
    const pid = Number(text.trim());
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
 * Creates `file` holding `text` only when no file has that name, in one step that at most one process wins:
 * the text is written to a file of this process's own (exclusive create), then hard-linked to `file`, which
 * fails with EEXIST when `file` exists. A reader never sees a half-written lock.
 */
function createExclusive(file: string, text: string): boolean {
  const own = `${file}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(own, text, { flag: 'wx', mode: 0o600 });
  try {
    linkSync(own, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(own, { force: true });
  }
}

function removeIfStill(file: string, text: string): void {
  if (readText(file) === text) rmSync(file, { force: true });
}

/** Waits a little without giving the event loop a turn (acquiring stays synchronous). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Removes the stale lock whose text is `stale`, at most once among all runs that found it: the run that
 * creates this stale lock's takeover mark removes the lock if it still holds that text. Only the holder of
 * the mark may remove a lock with that text, so nothing changes it between the check and the removal; a
 * newer lock has another text and is never removed. Returns whether the caller should pause before retrying.
 */
function removeStale(file: string, stale: string, me: string, lab: string): boolean {
  const mark = `${file}.takeover-${createHash('sha256').update(stale).digest('hex').slice(0, 16)}`;
  if (!createExclusive(mark, me)) {
    const text = readText(mark);
    const other = text === undefined ? undefined : parseHolder(text);
    if (other === undefined || holderRuns(other)) return true;
    throw new ActionableError(
      `a run that was taking over the stale lock of the lab "${lab}" ended half-way; remove ${mark} and ${file}, then run again`,
    );
  }
  try {
    removeIfStill(file, stale);
  } finally {
    rmSync(mark, { force: true });
  }
  return false;
}

/**
 * One run per lab: a lock file holding the PID and start time of the run, created only where none exists.
 * A lock whose run is gone (its process ended, or its PID now belongs to another program) is taken over, and
 * when several runs find it at once exactly one of them gets the lab. Released on every exit path.
 */
export function acquireLock(lab: string, env: NodeJS.ProcessEnv = process.env): () => void {
  mkdirSync(labDir(lab, env), { recursive: true, mode: 0o700 });
  const file = join(labDir(lab, env), 'lock');
  const started = startTime(process.pid);
  const me: Holder = { pid: process.pid, ...(started ? { started } : {}), id: randomBytes(8).toString('hex') };
  const text = `${JSON.stringify(me)}\n`;
  for (let attempt = 0; attempt < 200; attempt++) {
    if (createExclusive(file, text)) {
      held.set(file, text);
      if (!exitHook) process.once('exit', releaseAllLocks);
      exitHook = true;
      return () => {
        held.delete(file);
        removeIfStill(file, text);
      };
    }
    const current = readText(file);
    if (current === undefined) continue;
    const holder = parseHolder(current);
    if (holder && holderRuns(holder)) {
      throw new ActionableError(
        `the lab "${lab}" is in use by another egress-lab run (PID ${holder.pid}); wait for it, or stop it`,
      );
    }
    if (removeStale(file, current, text, lab)) pause(5);
  }
  throw new ActionableError(`cannot take the lock of the lab "${lab}": other runs keep taking it over; try again`);
}
