import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { cli, entry, repoRoot } from '../helpers/cli.ts';

let fakes: Fakes;
beforeEach(async () => (fakes = await createFakes()));
afterEach(() => fakes.cleanup());

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const jsonLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown> & { type: string });

/** Runs the CLI with its stdout closed at once, as `| head -1` closes it after the first line. */
function withClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((ok) => {
    const child = spawn(process.execPath, [entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => ok({ code, stderr }));
  });
}

describe('help, usage errors and versions', () => {
  it('egress-lab with no arguments prints the help on stdout and exits 0', async () => {
    const r = await cli([]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^Usage: egress-lab/);
  });

  it('--help has examples, the defaults, exit codes, environment variables and the commands in lifecycle order', async () => {
    const r = await cli(['--help']);
    expect(r.stdout).toMatch(/Examples:\n {2}egress-lab up/);
    expect(r.stdout).toMatch(/Defaults: --profile kind .*--name egress-lab/);
    expect(r.stdout).toMatch(/Exit codes: 0 success; 1 .*; 2 bad usage.*\n.*; 130 cancelled/);
    for (const v of ['EGRESS_LAB_HOME', 'GLOO_MESH_LICENSE_KEY', 'AGENTGATEWAY_LICENSE_KEY', 'CI'])
      expect(r.stdout).toContain(v);
    const order = [...r.stdout.matchAll(/^ {2}(\w+) /gm)].map((m) => m[1]);
    const lifecycle = ['doctor', 'up', 'status', 'verify', 'logs', 'env', 'down'];
    expect(order.filter((c) => lifecycle.includes(c!))).toEqual(lifecycle);
    const up = await cli(['up', '--help']);
    expect(up.stdout).toMatch(/--profile <name\|path> [\s\S]{0,120}?\(default:\s+kind\)/);
    expect(up.stdout).toMatch(/--name <lab> [\s\S]{0,120}?\(default:\s+egress-lab\)/);
    expect(up.stdout).toMatch(/Examples:/);
  });

  it('a usage error is one line and where to read more, exit 2', async () => {
    const r = await cli(['up', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("egress-lab: unknown option '--bogus'\nsee egress-lab up --help\n");
    const unknown = await cli(['upp']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(2);
    expect(unknown.stderr).toMatch(/see egress-lab --help\n$/);
  });

  it('-v, -V, --version and version print the version', async () => {
    for (const args of [['-v'], ['-V'], ['--version'], ['version']])
      expect(await cli(args), args[0]).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('writing to a closed pipe (profiles | head -1) exits quietly', async () => {
    for (const args of [['profiles'], ['--help'], ['profiles', '--json']]) {
      const r = await withClosedStdout(args);
      expect(r.stderr, args.join(' ')).toBe('');
      expect(r.code, args.join(' ')).toBe(0);
    }
  });
});

describe('up as a user meets it, against the fakes', () => {
  it('prints no MaxListenersExceededWarning, prefixes plain output with its step, and shows export KUBECONFIG', async () => {
    const r = await cli(['up', '--profile', 'kind-full', '--yes'], { env: fakes.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/MaxListenersExceededWarning|memory leak/);
    expect(r.stdout).toMatch(/^› istiod \| /m);
    expect(r.stdout).toMatch(/^› squid \| deployment "squid-proxy" successfully rolled out$/m);
    const kubeconfig = join(fakes.home, 'egress-lab', 'kubeconfig');
    expect(r.stdout).toContain(`export KUBECONFIG=${kubeconfig}\n`);
    expect(await cli(['env'], { env: fakes.env })).toMatchObject({
      code: 0,
      stdout: `export KUBECONFIG=${kubeconfig}\n`,
    });
  });

  it('a failed up prints its error once, the likely cause, the run log and the next steps', async () => {
    fakes.update(
      (s) =>
        (s.faults = [
          { match: '^helm upgrade --install istiod ', stderr: 'Error: INSTALLATION FAILED: context deadline exceeded' },
        ]),
    );
    const r = await cli(['up', '--profile', 'kind-full', '--yes'], { env: fakes.env });
    expect(r.code).toBe(1);
    const all = r.stdout + r.stderr;
    expect(all.match(/INSTALLATION FAILED: context deadline exceeded/g)?.length, all).toBe(2); // the live line, the error
    expect(all.match(/helm upgrade --install istiod/g)).toHaveLength(1);
    expect(r.stderr).toMatch(/likely cause: pods did not become ready in time/);
    const log = /run log: (\S+)/.exec(r.stderr)?.[1];
    expect(log && existsSync(log)).toBe(true);
    expect(readFileSync(log!, 'utf8')).toMatch(/istiod FAILED: .*context deadline exceeded/);
    expect(r.stderr).toMatch(/next: egress-lab up continues where it stopped; egress-lab down removes what was made/);
  });
});

describe('--json keeps its promises', () => {
  it('a failed up ends with a result event, and the steps it never started have events', async () => {
    fakes.update((s) => (s.faults = [{ match: '^helm upgrade --install istiod ', stderr: 'Error: boom' }]));
    const r = await cli(['up', '--profile', 'kind-full', '--yes', '--json'], { env: fakes.env });
    expect(r.code).toBe(1);
    const events = jsonLines(r.stdout);
    expect(events.at(-1)).toMatchObject({ type: 'result', ok: false, exitCode: 1, failedSteps: ['istiod'] });
    const skipped = events.filter((e) => e.type === 'skipped').map((e) => e.step);
    expect(skipped).toEqual(expect.arrayContaining(['istio-cni', 'ztunnel', 'waypoint', 'sample', 'egress']));
  });

  it('a doctor blocker under --json ends with a result event too', async () => {
    fakes.update((s) => (s.docker = false));
    const r = await cli(['up', '--yes', '--json'], { env: fakes.env });
    expect(r.code).toBe(1);
    expect(jsonLines(r.stdout).at(-1)).toMatchObject({
      type: 'result',
      ok: false,
      error: expect.stringMatching(/doctor/),
    });
  });

  it('status --json with no lab, and down --json, print JSON', async () => {
    const status = await cli(['status', '--json'], { env: fakes.env });
    expect(status.code).toBe(1);
    expect(JSON.parse(status.stdout)).toMatchObject({ lab: 'egress-lab', found: false, labs: [] });
    const none = await cli(['down', '--json'], { env: fakes.env });
    expect(jsonLines(none.stdout)).toEqual([expect.objectContaining({ type: 'result', ok: true, found: false })]);
    expect((await cli(['up', '--profile', 'kind', '--yes', '--no-verify'], { env: fakes.env })).code).toBe(0);
    const down = await cli(['down', '--json', '--yes'], { env: fakes.env });
    expect(down.code, down.stderr).toBe(0);
    expect(jsonLines(down.stdout)).toEqual([
      expect.objectContaining({ type: 'result', ok: true, lab: 'egress-lab', removed: true, clusterKept: false }),
    ]);
  });
});
