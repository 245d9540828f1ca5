import { execFile } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, entry, repoRoot } from '../helpers/cli.ts';
import { scratch } from '../helpers/temp.ts';

const tmp = scratch();
afterAll(() => tmp.cleanup());

/**
 * The sources a run loaded: dist/ is one bundle split in chunks, so the trace of the files the process
 * loaded is mapped through dist/meta.json (esbuild's record of what each chunk holds) to the sources inside.
 */
function loadedSources(trace: string): string {
  const meta = JSON.parse(readFileSync(join(repoRoot, 'dist', 'meta.json'), 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, unknown> }>;
  };
  const chunks = readFileSync(trace, 'utf8')
    .split('\n')
    .filter((url) => url.startsWith(`file://${join(repoRoot, 'dist')}/`))
    .map((url) => `dist/${url.slice(url.lastIndexOf('/') + 1)}`);
  expect(chunks).toContain('dist/egress-lab.js');
  return chunks.flatMap((c) => Object.keys(meta.outputs[c]!.inputs).map((i) => `/${i}`)).join('\n');
}

describe('egress-lab, spawned as a user runs it', () => {
  it('--help lists the working commands and exits 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: egress-lab/);
    expect(r.stdout).toMatch(/render \[options\]/);
    expect(r.stdout).toMatch(/profiles \[options\]/);
  });

  it('the built entry is executable, as npx runs it directly', () => {
    expect(statSync(entry).mode & 0o111).toBe(0o111);
    expect(readFileSync(entry, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect(await cli(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('--version and profiles load neither zx, listr2 nor @clack/prompts', async () => {
    for (const args of [['--version'], ['profiles']]) {
      const trace = join(tmp.dir, `imports-${args[0]}.txt`);
      const r = await cli(args, {
        env: { EGRESS_LAB_TRACE_IMPORTS: trace },
        nodeArgs: ['--import', join(repoRoot, 'test/helpers/trace-imports.mjs')],
      });
      expect(r.code).toBe(0);
      const loaded = loadedSources(trace);
      for (const heavy of ['/node_modules/zx/', '/node_modules/listr2/', '/node_modules/@clack/'])
        expect(loaded, args.join(' ')).not.toContain(heavy);
    }
  });

  it("--help and --version load no child_process module: commander's executable subcommands are never used", async () => {
    for (const flag of ['--help', '--version']) {
      const list = join(tmp.dir, `builtins${flag}.txt`);
      const recorder = join(tmp.dir, 'record-builtins.cjs');
      writeFileSync(
        recorder,
        `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')));`,
      );
      const r = await cli([flag], { nodeArgs: ['--require', recorder] });
      expect(r.code, flag).toBe(0);
      const loaded = readFileSync(list, 'utf8').split('\n');
      expect(loaded, flag).toContain('NativeModule fs');
      expect(
        loaded.filter((m) => /child_process/.test(m)),
        flag,
      ).toEqual([]);
    }
  });

  it('status (here with no lab) loads neither listr2 nor @clack/prompts: only up and down run steps', async () => {
    const trace = join(tmp.dir, 'imports-status.txt');
    const r = await cli(['status'], {
      env: { EGRESS_LAB_TRACE_IMPORTS: trace, EGRESS_LAB_HOME: join(tmp.dir, 'no-labs') },
      nodeArgs: ['--import', join(repoRoot, 'test/helpers/trace-imports.mjs')],
    });
    expect(r.stderr).toMatch(/^egress-lab: no lab/);
    const loaded = loadedSources(trace);
    expect(loaded).toContain('/scripts/commands/status.ts');
    for (const heavy of ['/node_modules/listr2/', '/node_modules/@clack/']) expect(loaded).not.toContain(heavy);
  });

  it('each verb is a module of its own under commands/; only up and down bring listr2, none brings clack', () => {
    const meta = JSON.parse(readFileSync(join(repoRoot, 'dist', 'meta.json'), 'utf8')) as {
      outputs: Record<
        string,
        { entryPoint?: string; inputs: Record<string, unknown>; imports: { path: string; kind: string }[] }
      >;
    };
    /** What loading a chunk loads with it: its static imports, transitively (dynamic imports wait for a call). */
    const sources = (chunk: string, seen = new Set<string>()): Set<string> => {
      if (seen.has(chunk)) return seen;
      seen.add(chunk);
      for (const i of meta.outputs[chunk]!.imports)
        if (i.kind === 'import-statement' && meta.outputs[i.path]) sources(i.path, seen);
      return seen;
    };
    // The verbs are what the bin imports lazily from commands/ (program.ts's map).
    const verbs = meta.outputs['dist/egress-lab.js']!.imports.filter(
      (i) => i.kind === 'dynamic-import' && meta.outputs[i.path]?.entryPoint?.startsWith('scripts/commands/'),
    ).map(({ path: chunk }) => {
      const inputs = [...sources(chunk)].flatMap((c) => Object.keys(meta.outputs[c]!.inputs)).join('\n');
      return [meta.outputs[chunk]!.entryPoint!.slice('scripts/commands/'.length, -'.ts'.length), inputs] as const;
    });
    expect(verbs.map(([verb]) => verb).sort()).toEqual([
      'bundle',
      'doctor',
      'down',
      'endpoints',
      'env',
      'handout',
      'list',
      'logs',
      'path',
      'profiles',
      'render',
      'reset',
      'status',
      'up',
      'verify',
    ]);
    for (const [verb, inputs] of verbs) {
      expect(inputs.includes('node_modules/listr2/'), verb).toBe(verb === 'up' || verb === 'down');
      expect(inputs, verb).not.toContain('node_modules/@clack/');
    }
  });

  it('profiles parses no YAML while the built-in profiles are as the build left them (dist/profiles.json)', async () => {
    const trace = join(tmp.dir, 'imports-profiles-yaml.txt');
    const r = await cli(['profiles'], {
      env: { EGRESS_LAB_TRACE_IMPORTS: trace },
      nodeArgs: ['--import', join(repoRoot, 'test/helpers/trace-imports.mjs')],
    });
    expect(r.code).toBe(0);
    expect(loadedSources(trace)).not.toContain('/node_modules/yaml/');
  });

  it('a built-in profile changed after the build is read from its file: a new description shows, a broken file is reported', async () => {
    const pkg = join(tmp.dir, 'package-copy');
    for (const part of ['package.json', 'dist', 'profiles', 'templates'])
      cpSync(join(repoRoot, part), join(pkg, part), { recursive: true });
    const copy = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((ok) =>
        execFile(process.execPath, [join(pkg, 'dist', 'egress-lab.js'), ...args], (err, stdout, stderr) =>
          ok({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
      );
    expect((await copy(['profiles', '--json'])).stdout).toBe((await cli(['profiles', '--json'])).stdout);
    const kind = join(pkg, 'profiles', 'kind.yaml');
    writeFileSync(
      kind,
      readFileSync(kind, 'utf8').replace(/^description: .*$/m, 'description: changed after the build'),
    );
    const changed = await copy(['profiles']);
    expect(changed.code).toBe(0);
    expect(changed.stdout).toMatch(/^kind +kind +oss +none +no +none +changed after the build$/m);
    writeFileSync(kind, `${readFileSync(kind, 'utf8')}squid: true\n`);
    expect(await copy(['profiles'])).toMatchObject({
      code: 2,
      stdout: '',
      stderr: expect.stringMatching(/^egress-lab: profiles\/kind\.yaml:\d+:1: unknown key "squid"\n$/),
    });
  });

  it('--help loads neither zx, listr2 nor @clack/prompts (nor yaml or zod)', async () => {
    const trace = join(tmp.dir, 'imports.txt');
    const r = await cli(['--help'], {
      env: { EGRESS_LAB_TRACE_IMPORTS: trace },
      nodeArgs: ['--import', join(repoRoot, 'test/helpers/trace-imports.mjs')],
    });
    expect(r.code).toBe(0);
    const loaded = loadedSources(trace);
    expect(loaded).toContain('/node_modules/commander/');
    for (const heavy of [
      '/node_modules/zx/',
      '/node_modules/listr2/',
      '/node_modules/@clack/',
      '/node_modules/yaml/',
      '/node_modules/zod/',
    ])
      expect(loaded).not.toContain(heavy);
  });

  it('profiles lists at least six profiles; --json gives the same as data', async () => {
    const text = await cli(['profiles']);
    expect(text.code).toBe(0);
    const json = await cli(['profiles', '--json']);
    const list = JSON.parse(json.stdout) as { name: string; platform: string; stack: string; components: string[] }[];
    expect(list.length).toBeGreaterThanOrEqual(6);
    for (const p of list) expect(text.stdout).toMatch(new RegExp(`^${p.name} +${p.platform} +${p.stack} `, 'm'));
    expect(list.find((p) => p.name === 'kind-full')!.components).toEqual([
      'gateway-api',
      'istio',
      'controller',
      'waypoint',
      'egress',
      'squid',
      'ext-authz',
      'sample',
    ]);
  });

  it('render --profile P --out D works for every built-in profile', async () => {
    const list = JSON.parse((await cli(['profiles', '--json'])).stdout) as { name: string }[];
    for (const { name } of list) {
      const out = join(tmp.dir, `render-${name}`);
      const r = await cli(['render', '--profile', name, '--out', out]);
      expect(r, name).toMatchObject({ code: 0, stderr: '' });
      expect(readdirSync(out)).toContain('plan.md');
    }
  });

  it('bad input exits 2 with one line naming file:line:col, and writes nothing', async () => {
    const profile = tmp.write(
      'typo.yaml',
      'description: typo\nextends: kind\ncomponents:\n  squid:\n    mdoe: in-cluster\n',
    );
    const out = join(tmp.dir, 'never');
    const r = await cli(['render', '--profile', profile, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`egress-lab: ${profile}:5:5: components.squid: unknown key "mdoe"\n`);
    expect(r.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
  });

  it('a bad option value is exit 2 with one line naming the flag, checked before the lab is even looked up', async () => {
    const env = { EGRESS_LAB_HOME: join(tmp.dir, 'no-labs') };
    for (const [args, line] of [
      [['logs', 'squid', '--tail', 'abc'], '--tail: "abc" is not a number of lines'],
      [['logs', 'squid', '--since', '5d'], '--since: "5d" is not a duration such as 30s, 5m or 2h'],
      [['down', '--step-timeout', '5m'], '--step-timeout: "5m" is not a number of seconds from 1 to 86400'],
    ] as const) {
      const r = await cli([...args], { env });
      expect(r, args.join(' ')).toMatchObject({ code: 2, stdout: '', stderr: `egress-lab: ${line}\n` });
    }
  });

  it('an unknown option or command is bad usage: exit 2', async () => {
    expect((await cli(['render', '--profile', 'kind', '--out', join(tmp.dir, 'x'), '--nope'])).code).toBe(2);
    expect((await cli(['nope'])).code).toBe(2);
    expect((await cli(['render', '--profile', 'kind'])).stderr).toMatch(/required option '--out <dir>'/);
  });

  it('with licence variables set to a canary, the canary is in no printed line and no rendered file', async () => {
    const canary = 'LICENCE-CANARY-31337';
    const env = { GLOO_MESH_LICENSE_KEY: canary, GLOO_GATEWAY_LICENSE_KEY: canary, AGENTGATEWAY_LICENSE_KEY: canary };
    const out = join(tmp.dir, 'canary');
    const r = await cli(['render', '--profile', 'seed', '--out', out], { env });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(canary);
    for (const f of readdirSync(out)) expect(readFileSync(join(out, f), 'utf8')).not.toContain(canary);
    expect(readFileSync(join(out, 'istiod.values.yaml'), 'utf8')).toContain('value: <from GLOO_MESH_LICENSE_KEY>');
  });
});
