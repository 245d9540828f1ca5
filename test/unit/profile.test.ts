import { afterEach, describe, expect, it } from 'vitest';
import { InputError } from '../../scripts/errors.ts';
import type { ProfileFlags } from '../../scripts/profile/flags.ts';
import { builtinProfileNames, loadProfile } from '../../scripts/profile/load.ts';
import { scratch } from '../helpers/temp.ts';

let tmp = scratch();
afterEach(() => {
  tmp.cleanup();
  tmp = scratch();
});

function inputError(flags: ProfileFlags): InputError {
  try {
    loadProfile(flags);
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected an InputError');
}

describe('built-in profiles', () => {
  const all = builtinProfileNames().map((name) => loadProfile({ profile: name }));

  it('cover kind and GKE, with and without Squid and ext-authz, on all three stacks', () => {
    expect(all.length).toBeGreaterThanOrEqual(6);
    const seen = (f: (p: (typeof all)[number]['profile']) => unknown) => new Set(all.map((l) => f(l.profile)));
    expect(seen((p) => p.platform)).toEqual(new Set(['kind', 'gke']));
    expect(seen((p) => p.stack)).toEqual(new Set(['seed', 'enterprise', 'oss']));
    expect(seen((p) => p.components.squid.mode !== 'none')).toEqual(new Set([true, false]));
    expect(seen((p) => p.components.extAuth.enabled)).toEqual(new Set([true, false]));
  });

  it('have a one-line description each', () => {
    for (const l of all) expect(l.profile.description).toMatch(/^[^\n]{10,200}$/);
  });

  it('seed is the seed demo: Solo Istio 1.28.1-solo, Gloo Gateway 2.1.0-beta.1, Squid beside the gateway, ext-authz', () => {
    const seed = loadProfile({ profile: 'seed' });
    expect(seed.stack.versions).toEqual({ istio: '1.28.1-solo', controller: '2.1.0-beta.1' });
    expect(seed.stack.licenses).toEqual([
      'GLOO_MESH_LICENSE_KEY',
      'GLOO_GATEWAY_LICENSE_KEY',
      'AGENTGATEWAY_LICENSE_KEY',
    ]);
    expect(seed.profile.components.squid).toMatchObject({ mode: 'in-cluster', namespace: 'common-infrastructure' });
    expect(seed.profile.components.extAuth.enabled).toBe(true);
  });

  it('defaults to the kind profile on the licence-free oss stack', () => {
    const l = loadProfile({});
    expect(l.name).toBe('kind');
    expect(l.profile).toMatchObject({ platform: 'kind', stack: 'oss' });
    expect(l.stack.licenses).toEqual([]);
  });
});

describe('layering: defaults < extends chain < file < flags', () => {
  it('takes each value from the highest layer that sets it', () => {
    tmp.write(
      'team.yaml',
      'description: team base\nextends: kind-full\ncomponents:\n  squid:\n    port: 3300\negress:\n  hosts: [api.github.com]\n',
    );
    const path = tmp.write(
      'mine.yaml',
      'description: my lab\nextends: ./team.yaml\ncomponents:\n  sample:\n    namespace: demo\n',
    );
    const { profile } = loadProfile({ profile: path, extAuth: false, platform: 'gke', gkeProject: 'my-proj-123' });
    expect(profile.description).toBe('my lab');
    expect(profile.components.squid).toMatchObject({ mode: 'in-cluster', port: 3300, namespace: 'squid' });
    expect(profile.components.sample.namespace).toBe('demo');
    expect(profile.egress.hosts).toEqual(['api.github.com']);
    expect(profile.components.extAuth.enabled).toBe(false);
    expect(profile.platform).toBe('gke');
    expect(profile.gke.project).toBe('my-proj-123');
  });

  it('--squid turns on an in-cluster Squid but keeps an external one; --no-squid turns either off', () => {
    expect(loadProfile({ profile: 'kind', squid: true }).profile.components.squid.mode).toBe('in-cluster');
    const ext = tmp.write(
      'ext.yaml',
      'description: external proxy\ncomponents:\n  squid:\n    mode: external\n    external: proxy.corp.example:3128\n',
    );
    expect(loadProfile({ profile: ext, squid: true }).profile.components.squid.mode).toBe('external');
    expect(loadProfile({ profile: ext, squid: false }).profile.components.squid.mode).toBe('none');
  });

  it('stackOverrides change the stack data, and are checked against the stack schema', () => {
    const path = tmp.write('pin.yaml', 'description: pinned\nstackOverrides:\n  versions:\n    controller: v1.4.0\n');
    expect(loadProfile({ profile: path }).stack.versions['controller']).toBe('v1.4.0');
    const bad = tmp.write('bad.yaml', 'description: bad pin\nstackOverrides:\n  versions:\n    controller: latest\n');
    expect(inputError({ profile: bad }).message).toBe(`${bad}:4:17: stackOverrides.versions.controller: not a version`);
  });
});

describe('bad input: exit 2 with one message naming file, line and column', () => {
  const cases: { name: string; file?: string; flags?: ProfileFlags; message: RegExp; at?: string }[] = [
    {
      name: 'an unknown key',
      file: 'description: x\ncomponents:\n  squid:\n    mdoe: in-cluster\n',
      message: /components\.squid: unknown key "mdoe"/,
      at: ':4:5',
    },
    {
      name: 'an unknown top-level key',
      file: 'description: x\nplatfrom: kind\n',
      message: /unknown key "platfrom"/,
      at: ':2:1',
    },
    {
      name: 'a wrong type',
      file: 'description: x\ncomponents:\n  squid:\n    port: "3128"\n',
      message: /components\.squid\.port: expected number, received string/,
      at: ':4:11',
    },
    {
      name: 'an invalid host',
      file: 'description: x\negress:\n  hosts: [httpbingo.org, "bad host!"]\n',
      message: /egress\.hosts\.1: "bad host!" is not a DNS name/,
      at: ':3:26',
    },
    {
      name: 'an IP instead of a host',
      file: 'description: x\negress:\n  hosts: [10.1.2.3]\n',
      message: /looks like an IP address/,
    },
    {
      name: 'an invalid CIDR',
      file: 'description: x\ncomponents:\n  squid:\n    allowedClients: [10.0.0.0/33]\n',
      message: /"10\.0\.0\.0\/33" is not a CIDR/,
      at: ':4:22',
    },
    {
      name: 'a YAML syntax error',
      file: 'description: x\ncomponents:\n  squid:\n mode: in-cluster\n',
      message: /YAML syntax error/,
    },
    {
      name: 'a port out of range',
      file: 'description: x\ncomponents:\n  squid:\n    ports: [80, 70000]\n',
      message: /70000 is not a port/,
    },
    {
      name: 'a bad namespace',
      file: 'description: x\ncomponents:\n  sample:\n    namespace: Team_A\n',
      message: /"Team_A" is not a DNS-1123 label/,
    },
    {
      name: 'an external proxy without its address',
      file: 'description: x\ncomponents:\n  squid:\n    mode: external\n',
      message: /external needs components\.squid\.external/,
      at: ':4:11',
    },
    {
      name: 'a repeated host',
      file: 'description: x\negress:\n  hosts: [a.example.com, A.example.com]\n',
      message: /"A\.example\.com" is listed twice/,
    },
    {
      name: 'a wildcard on the oss stack',
      file: 'description: x\negress:\n  hosts: ["*.github.com"]\n',
      message: /cannot take a wildcard/,
    },
    {
      name: 'a list where a mapping goes',
      file: 'description: x\ncomponents: [squid]\n',
      message: /components: expected object, received array/,
    },
    { name: 'a profile that is not a mapping', file: '- kind\n', message: /a profile is a YAML mapping/ },
    {
      name: 'a non-string extends',
      file: 'extends: [kind]\ndescription: x\n',
      message: /extends: expected the name of a profile/,
    },
    {
      name: 'an unknown profile in extends',
      file: 'extends: kind-fulll\ndescription: x\n',
      message: /unknown profile "kind-fulll"; built-in profiles: .*kind-full/,
      at: ':1:10',
    },
    {
      name: 'alias expansion (billion laughs)',
      file: `description: x\na: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c]\n`,
      message: /cannot read the YAML: .*alias/i,
    },
    {
      name: 'an unknown profile name',
      flags: { profile: 'kind-fulll' },
      message: /^unknown profile "kind-fulll"; built-in profiles: /,
    },
    { name: 'a missing file', flags: { profile: './nope/lab.yaml' }, message: /nope\/lab\.yaml: no such file$/ },
    {
      name: 'a bad --platform',
      flags: { platform: 'eks' },
      message: /^platform: Invalid option: expected one of "kind"\|"gke" \(from --platform\)$/,
    },
    { name: 'a bad --stack', flags: { stack: 'solo' }, message: /\(from --stack\)$/ },
    {
      name: 'a bad --gke-project',
      flags: { profile: 'gke-full', gkeProject: 'My Project' },
      message: /gke\.project: not a GCP project ID \(from --gke-project\)/,
    },
    {
      name: 'Squid off on the seed stack',
      flags: { profile: 'seed', squid: false },
      message: /needs Squid .* \(from --no-squid\)$/,
    },
  ];
  for (const c of cases) {
    it(`rejects ${c.name}`, () => {
      const file = c.file === undefined ? undefined : tmp.write('lab.yaml', c.file);
      const err = inputError({ ...(file ? { profile: file } : {}), ...c.flags });
      expect(err.exitCode).toBe(2);
      expect(err.message).toMatch(c.message);
      expect(err.message.split('\n')).toHaveLength(1);
      if (c.at) expect(err.message).toContain(`lab.yaml${c.at}: `);
    });
  }

  it('rejects an extends cycle, naming the files of the cycle', () => {
    tmp.write('a.yaml', 'description: a\nextends: ./b.yaml\n');
    tmp.write('b.yaml', 'description: b\nextends: ./a.yaml\n');
    expect(inputError({ profile: `${tmp.dir}/a.yaml` }).message).toMatch(
      /extends cycle: a\.yaml -> b\.yaml -> a\.yaml/,
    );
  });

  it('rejects a file over the size limit before parsing it', () => {
    const big = tmp.write('big.yaml', `description: x\n# ${'x'.repeat(300 * 1024)}\n`);
    expect(inputError({ profile: big }).message).toMatch(/big\.yaml: file is \d+ bytes; the limit is 262144/);
  });
});
