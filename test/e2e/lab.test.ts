import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { cli, entry } from '../helpers/cli.ts';

let fakes: Fakes;
beforeEach(async () => (fakes = await createFakes()));
afterEach(() => fakes.cleanup());

/** Spawns the CLI with stdin as an open pipe that never closes (as CI runners and zx children give it). */
function withOpenStdin(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stderr: string; killed: boolean }> {
  return new Promise((ok) => {
    const child = spawn(process.execPath, [entry, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      ok({ code, stderr, killed: signal === 'SIGKILL' });
    });
  });
}

describe('egress-lab up / status / down, spawned against the fakes', () => {
  it('up --profile kind-full --yes, status --json, down --yes', async () => {
    const upRun = await cli(['up', '--profile', 'kind-full', '--yes'], { env: fakes.env });
    expect(upRun.code, upRun.stderr).toBe(0);
    expect(upRun.stdout).toContain('The lab "egress-lab" is up');
    expect(upRun.stdout).toMatch(
      /exec deploy\/sleep -n ns1 -- curl -s http:\/\/httpbingo\.org\/headers -H 'x-ext-authz: allow'/,
    );
    const status = await cli(['status', '--json'], { env: fakes.env });
    expect(status.code).toBe(0);
    const report = JSON.parse(status.stdout) as {
      healthy: boolean;
      profile: string;
      components: { name: string; healthy: boolean }[];
    };
    expect(report).toMatchObject({ healthy: true, profile: 'kind-full' });
    expect(report.components.map((c) => c.name)).toEqual(
      expect.arrayContaining(['cluster', 'istio', 'controller', 'waypoint', 'squid', 'ext-authz', 'sample', 'egress']),
    );
    const downRun = await cli(['down', '--yes'], { env: fakes.env });
    expect(downRun.code).toBe(0);
    expect(fakes.state().clusters).toEqual({});
    expect(await cli(['status'], { env: fakes.env })).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/no lab "egress-lab"/),
    });
  });

  it('--json prints one JSON event per line, ending with the result, and no licence', async () => {
    const canary = 'CANARY-json-5521';
    const env = { ...fakes.env, GLOO_MESH_LICENSE_KEY: canary, AGENTGATEWAY_LICENSE_KEY: canary };
    const r = await cli(['up', '--profile', 'kind-enterprise', '--yes', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; step?: string });
    expect(events[0]).toMatchObject({
      type: 'doctor',
      findings: expect.arrayContaining([expect.objectContaining({ check: 'docker', level: 'ok' })]),
    });
    expect(new Set(events.map((e) => e.type))).toEqual(
      new Set(['doctor', 'started', 'output', 'done', 'verify', 'result']),
    );
    expect(events.at(-2)).toMatchObject({ type: 'verify', report: { ok: true, stack: 'enterprise' } });
    expect(events.at(-1)).toMatchObject({ type: 'result', ok: true, verified: true, lab: 'egress-lab' });
    expect(events.filter((e) => e.type === 'done').map((e) => e.step)).toEqual(
      expect.arrayContaining(['cluster', 'istiod', 'waypoint', 'egress']),
    );
    expect(r.stdout + r.stderr).not.toContain(canary);
  });

  it('a failing step exits 1 naming the step and the command', async () => {
    fakes.update(
      (s) =>
        (s.faults = [
          {
            match: '^helm upgrade --install ztunnel ',
            stderr: 'Error: INSTALLATION FAILED: timed out waiting for the condition',
          },
        ]),
    );
    const r = await cli(['up', '--profile', 'kind', '--yes'], { env: fakes.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^egress-lab: step ztunnel failed: helm upgrade --install ztunnel .* failed \(exit 1\): Error: INSTALLATION FAILED: timed out waiting for the condition$/m,
    );
  });

  it('without Docker: exit 1 with the findings, nothing created', async () => {
    fakes.update((s) => (s.docker = false));
    const r = await cli(['up'], { env: fakes.env });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✖ the Docker engine is not reachable/);
    expect(r.stderr).toMatch(/doctor found 1 problem .* nothing was created/);
    expect(fakes.calls().some((c) => c.argv.includes('create'))).toBe(false);
  });

  it('a question without its flag exits 2 naming the flag, with stdin /dev/null or an open pipe: never a hang', async () => {
    const args = ['up', '--profile', 'gke-full', '--gke-location', 'europe-west1-b'];
    const closed = await cli(args, { env: fakes.env });
    expect(closed.code).toBe(2);
    expect(closed.stderr).toMatch(
      /"GCP project ID" needs an answer and this run is not interactive: pass --gke-project ID/,
    );
    const open = await withOpenStdin(args, fakes.env);
    expect(open.killed).toBe(false);
    expect(open.code).toBe(2);
    expect(open.stderr).toMatch(/pass --gke-project ID/);
    const confirm = await withOpenStdin(
      ['up', '--profile', 'gke-full', '--gke-project', 'demo-project-1', '--gke-location', 'europe-west1-b'],
      fakes.env,
    );
    expect(confirm).toMatchObject({ code: 2, killed: false, stderr: expect.stringMatching(/pass --yes/) });
    expect(fakes.state().clusters).toEqual({});
  });

  it('one run per lab: a live lock holder is named; a stale lock, or a live PID that is not the run, is taken over', async () => {
    const lockDir = join(fakes.home, 'egress-lab');
    mkdirSync(lockDir, { recursive: true });
    // A run that holds the lock: its PID, and the start time the system gives for that PID.
    const stat = readFileSync(`/proc/${process.pid}/stat`, 'utf8');
    const started = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    writeFileSync(join(lockDir, 'lock'), JSON.stringify({ pid: process.pid, started }));
    const busy = await cli(['up', '--profile', 'kind', '--yes'], { env: fakes.env });
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(new RegExp(`in use by another egress-lab run \\(PID ${process.pid}\\)`));
    // The same PID, now another program (the PID was reused): not a run of egress-lab.
    writeFileSync(join(lockDir, 'lock'), JSON.stringify({ pid: process.pid, started: '1' }));
    expect((await cli(['up', '--profile', 'kind', '--yes', '--no-verify'], { env: fakes.env })).code).toBe(0);
    // A lock of an older egress-lab (a bare PID) held by a live process that is not egress-lab (PID 1).
    writeFileSync(join(lockDir, 'lock'), '1');
    expect((await cli(['up', '--profile', 'kind', '--yes', '--no-verify'], { env: fakes.env })).code).toBe(0);
    writeFileSync(join(lockDir, 'lock'), '999999');
    expect((await cli(['up', '--profile', 'kind', '--yes'], { env: fakes.env })).code).toBe(0);
  });

  it('two up at once on one lab: exactly one builds it, the other exits 1 naming the PID of the one that runs', async () => {
    // kind create is slow, so the second run reaches the lock while the first holds it.
    fakes.update((s) => (s.delays = [{ match: '^kind create', ms: 5000 }]));
    const start = () => {
      const child = spawn(process.execPath, [entry, 'up', '--profile', 'kind', '--yes', '--no-verify'], {
        env: fakes.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (c) => (stderr += c));
      return new Promise<{ pid: number; code: number | null; stderr: string }>((ok) =>
        child.on('close', (code) => ok({ pid: child.pid!, code, stderr })),
      );
    };
    const runs = await Promise.all([start(), start()]);
    const built = runs.filter((r) => r.code === 0);
    const refused = runs.filter((r) => r.code !== 0);
    expect(built, JSON.stringify(runs)).toHaveLength(1);
    expect(refused[0]!.code, refused[0]!.stderr).toBe(1);
    expect(refused[0]!.stderr).toContain(
      `the lab "egress-lab" is in use by another egress-lab run (PID ${built[0]!.pid}); wait for it, or stop it`,
    );
    expect(fakes.calls().filter((c) => c.bin === 'kind' && c.argv[0] === 'create')).toHaveLength(1);
    expect(Object.keys(fakes.state().clusters)).toHaveLength(1);
  });

  it('down --dry-run lists what would go and changes nothing', async () => {
    expect((await cli(['up', '--profile', 'kind', '--yes'], { env: fakes.env })).code).toBe(0);
    const before = JSON.stringify(fakes.state().clusters);
    const r = await cli(['down', '--dry-run', '--keep-cluster'], { env: fakes.env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^down would remove, in this order \(nothing was changed\):/);
    expect(r.stdout).toMatch(/helm release istio-system\/istiod/);
    expect(r.stdout).toMatch(/Gateway common-infrastructure\/egress-gateway/);
    expect(JSON.stringify(fakes.state().clusters)).toBe(before);
  });
});
