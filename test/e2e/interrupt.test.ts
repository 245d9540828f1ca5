import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { cli, entry } from '../helpers/cli.ts';

let fakes: Fakes;
beforeEach(async () => (fakes = await createFakes()));
afterEach(() => fakes.cleanup());
/** Slow programs while `run` runs, so a signal lands in the middle of it; the runs before and after are not slowed. */
async function slowed<T>(run: () => Promise<T>): Promise<T> {
  fakes.update((s) => (s.delays = [{ match: '^(helm upgrade|kind (create|delete))', ms: 700 }]));
  try {
    return await run();
  } finally {
    fakes.update((s) => (s.delays = []));
  }
}

/** Starts the CLI, sends `signal` `afterMs` after its first task started, and resolves with its exit code and stderr. */
function interrupted(
  args: string[],
  afterMs: number,
  signal: NodeJS.Signals,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((ok) => {
    const child = spawn(process.execPath, [entry, ...args], { env: fakes.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stderr.on('data', (c) => (stderr += c));
    child.stdout.on('data', (c) => {
      if (!timer && String(c).includes('❯')) timer = setTimeout(() => child.kill(signal), afterMs);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      ok({ code, stderr });
    });
  });
}

function leftovers(): string[] {
  const walk = (dir: string): string[] =>
    existsSync(dir)
      ? readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
          e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
        )
      : [];
  return walk(fakes.home).filter((f) => /\.tmp$|\/lock$/.test(f));
}

describe('Ctrl-C and SIGTERM', () => {
  for (const [afterMs, signal] of [
    [100, 'SIGINT'],
    [1200, 'SIGINT'],
    [2500, 'SIGTERM'],
  ] as const) {
    it(`up interrupted after ${afterMs} ms (${signal}): exit 130, ledger written, no temp files, the next up completes`, async () => {
      const r = await slowed(() => interrupted(['up', '--profile', 'kind', '--yes', '--no-verify'], afterMs, signal));
      expect(r.code, r.stderr).toBe(130);
      expect(r.stderr).toMatch(/interrupted/);
      expect(leftovers()).toEqual([]);
      const again = await cli(['up', '--profile', 'kind', '--yes', '--no-verify'], { env: fakes.env });
      expect(again.code, again.stderr).toBe(0);
      expect((await cli(['down', '--yes'], { env: fakes.env })).code).toBe(0);
      expect(fakes.state().clusters).toEqual({});
    });
  }

  it('SIGHUP (terminal closed) is handled like SIGTERM: children ended, lock released, exit 129', async () => {
    // kind create takes long enough that the signal lands while it runs.
    fakes.update((s) => (s.delays = [{ match: '^kind create', ms: 4000 }]));
    const r = await interrupted(['up', '--profile', 'kind', '--yes', '--no-verify'], 300, 'SIGHUP');
    expect(r.code, r.stderr).toBe(129);
    expect(leftovers()).toEqual([]);
    // The kind client it started was ended, not orphaned: the fakes saw it go before it acted.
    for (let i = 0; i < 150 && !fakes.calls().some((c) => c.bin === 'kind' && c.argv[0] === 'create'); i++)
      await new Promise((ok) => setTimeout(ok, 50));
    expect(fakes.calls().find((c) => c.bin === 'kind' && c.argv[0] === 'create')?.exitCode).toBe(143);
    expect(fakes.state().clusters).toEqual({});
  });

  it('down interrupted: exit 130, and the next down finishes', async () => {
    expect((await cli(['up', '--profile', 'kind', '--yes', '--no-verify'], { env: fakes.env })).code).toBe(0);
    const r = await slowed(() => interrupted(['down', '--yes'], 200, 'SIGINT'));
    expect(r.code, r.stderr).toBe(130);
    expect(leftovers()).toEqual([]);
    expect((await cli(['down', '--yes'], { env: fakes.env })).code).toBe(0);
    expect(fakes.state().clusters).toEqual({});
    expect(existsSync(join(fakes.home, 'egress-lab'))).toBe(false);
  });
});
