import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.ts';
import { scratch } from '../helpers/temp.ts';

interface Outcome {
  round: string;
  pid: number;
  won?: boolean;
  error?: string;
  released?: boolean;
}

/** A contender process: `send` writes a line to it, `next` resolves with its next JSON line. */
function contender(home: string) {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'test', 'helpers', 'lock-contender.ts')],
    { cwd: repoRoot, env: { ...process.env, EGRESS_LAB_HOME: home }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const w = waiting.shift();
    if (w) w(line);
    else lines.push(line);
  });
  const nextLine = () =>
    new Promise<string>((ok) => {
      const line = lines.shift();
      if (line !== undefined) ok(line);
      else waiting.push(ok);
    });
  return {
    child,
    ready: nextLine(),
    send: (line: string) => child.stdin.write(`${line}\n`),
    next: async () => JSON.parse(await nextLine()) as Outcome,
  };
}

let running: ReturnType<typeof contender>[] = [];
let dir: ReturnType<typeof scratch> | undefined;
afterEach(() => {
  for (const c of running) c.child.kill();
  running = [];
  dir?.cleanup();
});

describe('the lab lock', () => {
  it('many runs finding the same stale lock at once: exactly one takes it, each other names that run', async () => {
    dir = scratch();
    const home = join(dir.dir, 'home');
    const labDir = join(home, 'egress-lab');
    mkdirSync(labDir, { recursive: true });
    running = Array.from({ length: 6 }, () => contender(home));
    await Promise.all(running.map((c) => c.ready));
    const stat = readFileSync(`/proc/${process.pid}/stat`, 'utf8');
    const started = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    for (let round = 0; round < 150; round++) {
      // A lock left by a run that is gone: this PID with another start time is another process.
      writeFileSync(join(labDir, 'lock'), JSON.stringify({ pid: process.pid, started: `${started}${round}` }));
      for (const c of running) c.send(`go ${round}`);
      const outcomes = await Promise.all(running.map((c) => c.next()));
      const winners = outcomes.filter((o) => o.won);
      expect(winners, JSON.stringify(outcomes)).toHaveLength(1);
      const winner = winners[0]!.pid;
      for (const o of outcomes.filter((o) => !o.won))
        expect(o.error).toBe(
          `ActionableError: the lab "egress-lab" is in use by another egress-lab run (PID ${winner}); wait for it, or stop it`,
        );
      expect(JSON.parse(readFileSync(join(labDir, 'lock'), 'utf8'))).toMatchObject({ pid: winner });
      for (const c of running) c.send(`release ${round}`);
      await Promise.all(running.map((c) => c.next()));
      // Nothing is left behind: no lock once released, no takeover marks or half-written files.
      expect(readdirSync(labDir)).toEqual([]);
    }
  }, 120_000);
});
