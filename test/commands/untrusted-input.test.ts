import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { type CliResult, cli, entry } from '../helpers/cli.ts';
import { scratch } from '../helpers/temp.ts';

// Issue 11, items 13, 15 and 18, through the built CLI: what the table of bad-input.test.ts cannot express (files
// that would hang or exhaust memory, the state folder, the arguments as typed, the lab folder removed during up).

let fakes: Fakes;
const tmp = scratch();
beforeAll(async () => (fakes = await createFakes()));
afterAll(() => {
  fakes.cleanup();
  tmp.cleanup();
});

const fifo = (name: string) => {
  const path = join(tmp.dir, name);
  if (!existsSync(path)) spawnSync('mkfifo', [path]);
  return path;
};

/** Exit 2, one line on stderr matching `message`, no control character, no program run, nothing written. */
function expectRefused(r: CliResult, message: RegExp, home = fakes.home) {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: no control character reaches the terminal
  expect(r.stderr.trimEnd()).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  expect(fakes.calls()).toEqual([]);
  expect(existsSync(home)).toBe(false);
}

const run = (args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string) => {
  fakes.clearCalls();
  return cli(args, { env: { ...fakes.env, ...env }, ...(cwd ? { cwd } : {}) });
};

describe('files that are not regular files are refused before they are opened (item 13)', () => {
  it('a FIFO as --profile: exit 2 at once, no hang', async () => {
    expectRefused(await run(['up', '--yes', '--profile', fifo('profile.yaml')]), /profile\.yaml: is a named pipe/);
  });
  it('a FIFO as --license-file: exit 2 at once, no hang', async () => {
    const r = await run(['up', '--yes', '--profile', 'kind-enterprise', '--license-file', fifo('licence.env')]);
    expectRefused(r, /licence\.env: is a named pipe \(FIFO\), not a regular file/);
  });
  it('a FIFO as an extends: target', async () => {
    fifo('parent.yaml');
    const child = tmp.write('child.yaml', 'description: x\nextends: ./parent.yaml\n');
    expectRefused(await run(['up', '--yes', '--profile', child]), /parent\.yaml: is a named pipe/);
  });
  it('/dev/zero as --profile and as --license-file: exit 2, memory stays bounded', async () => {
    expectRefused(await run(['up', '--yes', '--profile', '/dev/zero']), /\/dev\/zero: is a device/);
    const r = await run(['doctor', '--profile', 'kind-enterprise', '--license-file', '/dev/zero']);
    expectRefused(r, /\/dev\/zero: is a device/);
  });
  it('a folder as --profile or as extends: is exit 2 naming it, not a stack trace', async () => {
    expectRefused(await run(['render', '--out', join(tmp.dir, 'r0'), '--profile', `${tmp.dir}/`]), /is a folder/);
    const child = tmp.write('dir-parent.yaml', `description: x\nextends: ${tmp.dir}/\n`);
    expectRefused(await run(['up', '--yes', '--profile', child]), /egress-lab-test-\w+\/?: is a folder, not a file/);
  });
});

describe('contradicting flags as typed are refused before commander keeps the last (item 18)', () => {
  const cases: [string[], RegExp][] = [
    [['up', '--squid', '--no-squid'], /--squid and --no-squid contradict each other/],
    [['up', '--no-squid', '--squid'], /--no-squid and --squid contradict each other/],
    [['up', '--ext-auth', '--no-ext-auth'], /--ext-auth and --no-ext-auth contradict each other/],
    [
      ['render', '--out', join(tmp.dir, 'never'), '--no-ext-auth', '--ext-auth'],
      /--no-ext-auth and --ext-auth contradict/,
    ],
    [['up', '--squid', '--squid-external', 'proxy.corp:3128'], /--squid and --squid-external contradict/],
    [['up', '--squid-external=proxy.corp:3128', '--no-squid'], /--squid-external and --no-squid contradict/],
    [['up', '--platform', 'kind', '--platform', 'gke'], /--platform is given twice with different values/],
    [['doctor', '--gke-cluster', 'c1'], /--gke-cluster is for GKE, but the profile runs on kind/],
    [['up', '--profile', 'kind-full', '--gke-project', 'demo-project-1'], /--gke-project is for GKE/],
  ];
  for (const [args, message] of cases) {
    it(args.join(' '), async () => expectRefused(await run(args[0] === 'up' ? [...args, '--yes'] : args), message));
  }
  it('a value that looks like a flag is a value (--name --squid is a bad name, not --squid)', async () => {
    expectRefused(
      await run(['up', '--yes', '--name', '--squid', '--no-squid']),
      /--name: "--squid" is not a DNS-1123 label/,
    );
  });
  it('a hostile option or value is echoed escaped: no raw newline, no ANSI escape', async () => {
    const r = await run(['up', '--yes', '--name', 'x\n\u001b[2J\u001b]0;owned\u0007']);
    expectRefused(r, /--name: "x\\n\\x1b\[2J\\x1b\]0;owned\\x07"/);
    const unknown = await run(['up', '--\u001b[31mred']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).not.toContain('\u001b');
    expect(unknown.stderr).toContain('--\\x1b[31mred');
  });
});

describe('render --out that cannot be written safely (item 18)', () => {
  it('a dangling symlink', async () => {
    const link = join(tmp.dir, 'dangling');
    symlinkSync(join(tmp.dir, 'nowhere'), link);
    expectRefused(
      await run(['render', '--out', link]),
      /--out .*dangling: is a symlink to .*nowhere, which does not exist/,
    );
    expect(existsSync(join(tmp.dir, 'nowhere'))).toBe(false);
  });
  it('a path under a regular file', async () => {
    const file = tmp.write('plain-file', 'x');
    expectRefused(await run(['render', '--out', `${file}/sub`]), /plain-file is a file, not a folder/);
  });
});

/** The CLI as another user (root is never refused a write, so a read-only folder is read-only only to others). */
function cliAs(uid: number, args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((ok) => {
    const child = spawn(process.execPath, [entry, ...args], {
      env: { ...fakes.env, ...env },
      cwd: tmp.dir,
      uid,
      gid: uid,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => ok({ code, stdout, stderr }));
  });
}

describe('EGRESS_LAB_HOME (item 15)', () => {
  it('a regular file: up, down and status are exit 2 before anything runs; render and profiles do not use it', async () => {
    const file = tmp.write('home-file', '');
    for (const cmd of [['up', '--yes'], ['down', '--yes'], ['status']])
      expectRefused(
        await run(cmd, { EGRESS_LAB_HOME: file }),
        /EGRESS_LAB_HOME \(.*home-file\): is a file, not a folder/,
      );
    const render = await run(['render', '--out', join(tmp.dir, 'r1')], { EGRESS_LAB_HOME: file });
    expect(render.code, render.stderr).toBe(0);
  });
  it('a path under a regular file', async () => {
    const file = tmp.write('home-file2', '');
    expectRefused(
      await run(['up', '--yes'], { EGRESS_LAB_HOME: `${file}/labs` }),
      /home-file2 is a file, not a folder/,
    );
  });
  it('under /proc or /sys, also through a symlink', async () => {
    expectRefused(await run(['up', '--yes'], { EGRESS_LAB_HOME: '/proc/self/labs' }), /is under \/proc or \/sys/);
    expectRefused(await run(['down', '--yes'], { EGRESS_LAB_HOME: '/sys/kernel/labs' }), /is under \/proc or \/sys/);
    const link = join(tmp.dir, 'to-sys');
    symlinkSync('/sys/kernel', link);
    expectRefused(await run(['up', '--yes'], { EGRESS_LAB_HOME: `${link}/labs` }), /is under \/proc or \/sys/);
  });
  it('a folder this user cannot write: up is exit 2, status may still read it', async () => {
    const dir = join(tmp.dir, 'read-only');
    mkdirSync(dir);
    chmodSync(dir, 0o555);
    chmodSync(tmp.dir, 0o755);
    const uid = process.getuid?.() === 0 ? 65534 : (process.getuid?.() ?? 0);
    const home = join(dir, 'labs');
    const r = await cliAs(uid, ['up', '--yes'], { EGRESS_LAB_HOME: home });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/EGRESS_LAB_HOME \(.*read-only\/labs\): .*read-only is not writable/);
    const status = await cliAs(uid, ['status'], { EGRESS_LAB_HOME: home });
    expect(status.stderr).not.toMatch(/not writable/);
  });
  it('a relative value is the folder it names from where egress-lab started', async () => {
    const cwd = join(tmp.dir, 'start');
    mkdirSync(cwd);
    const r = await run(['up', '--yes', '--no-verify'], { EGRESS_LAB_HOME: 'rel-home' }, cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(cwd, 'rel-home', 'egress-lab', 'state.json'))).toBe(true);
    const down = await run(['down', '--yes'], { EGRESS_LAB_HOME: 'rel-home' }, cwd);
    expect(down.code, down.stderr).toBe(0);
  }, 120_000);
});

describe('the lab folder removed while up runs (item 15)', () => {
  it('fails the running step with one clear error, exit 1, no uncaught exception', async () => {
    const home = join(tmp.dir, 'home-removed');
    fakes.update((s) => {
      s.removes = [{ match: '^helm upgrade --install istiod ', path: join(home, 'egress-lab') }];
    });
    const r = await run(['up', '--yes', '--no-verify'], { EGRESS_LAB_HOME: home });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      /egress-lab: step \S+ failed: the lab folder .*home-removed\/egress-lab was removed while up ran/,
    );
    expect(r.stderr).not.toMatch(/internal error|\n\s+at |Uncaught|ENOENT: no such file or directory, open/);
    expect(fakes.state().removes?.[0]?.done).toBe(true);
  }, 120_000);
});
