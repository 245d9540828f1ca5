/**
 * One contender for a lab's lock, in a process of its own (run with `node --import tsx`). It prints `ready`,
 * then for each `go N` line on stdin tries to take the lock of the lab "egress-lab" under EGRESS_LAB_HOME and
 * prints one JSON line with the outcome; `release N` lets go of a lock it holds.
 */
import { createInterface } from 'node:readline';
import { acquireLock } from '../../scripts/state/lock.ts';

let release: (() => void) | undefined;
createInterface({ input: process.stdin }).on('line', (line) => {
  const [verb, round] = line.split(' ');
  if (verb === 'go') {
    try {
      release = acquireLock('egress-lab');
      process.stdout.write(`${JSON.stringify({ round, pid: process.pid, won: true })}\n`);
    } catch (err) {
      const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      process.stdout.write(`${JSON.stringify({ round, pid: process.pid, won: false, error })}\n`);
    }
  } else if (verb === 'release') {
    release?.();
    release = undefined;
    process.stdout.write(`${JSON.stringify({ round, pid: process.pid, released: true })}\n`);
  }
});
process.stdout.write('ready\n');
