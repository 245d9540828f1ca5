import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../scripts/errors.ts';
import { type UpOptions, up } from '../../scripts/lab/up.ts';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { fakeDeps } from '../helpers/lab.ts';
import { scratch } from '../helpers/temp.ts';

let fakes: Fakes;
const tmp = scratch();
beforeAll(async () => (fakes = await createFakes()));
afterAll(() => {
  fakes.cleanup();
  tmp.cleanup();
});

const file = (name: string, text: string) => ({ profile: tmp.write(name, text) });
const licenceFile = (text: string) => tmp.write(`lic-${Math.random().toString(16).slice(2)}.env`, text);

/** Each: the options of `up`, and what the one-line message must say. None may run any program. */
const cases: [string, () => UpOptions, RegExp][] = [
  [
    'unknown key',
    () => file('a.yaml', 'description: x\ncomponents:\n  squid:\n    mdoe: none\n'),
    /a\.yaml:4:5: components\.squid: unknown key "mdoe"/,
  ],
  ['unknown top-level key', () => file('b.yaml', 'description: x\nsquid: true\n'), /b\.yaml:2:1: unknown key "squid"/],
  [
    'wrong type',
    () => file('c.yaml', 'description: x\nkind:\n  workers: two\n'),
    /kind\.workers: expected number, received string/,
  ],
  ['too many workers', () => file('d.yaml', 'description: x\nkind:\n  workers: 50\n'), /kind\.workers: Too big/],
  [
    'invalid host',
    () => file('e.yaml', 'description: x\negress:\n  hosts: ["http://x.com"]\n'),
    /"http:\/\/x\.com" is not a DNS name/,
  ],
  ['empty host list', () => file('f.yaml', 'description: x\negress:\n  hosts: []\n'), /egress\.hosts: Too small/],
  [
    'host listed twice',
    () => file('g.yaml', 'description: x\negress:\n  hosts: [a.example.com, a.example.com]\n'),
    /listed twice/,
  ],
  [
    'wildcard on oss',
    () => file('h.yaml', 'description: x\negress:\n  hosts: ["*.example.com"]\n'),
    /cannot take a wildcard/,
  ],
  [
    'invalid CIDR',
    () => file('i.yaml', 'description: x\ncomponents:\n  squid:\n    allowedClients: [10.0.0/8]\n'),
    /"10\.0\.0\/8" is not a CIDR/,
  ],
  [
    'IPv6 CIDR too wide',
    () => file('j.yaml', 'description: x\ncomponents:\n  squid:\n    allowedClients: ["fd00::/129"]\n'),
    /"fd00::\/129" is not a CIDR/,
  ],
  ['port 0', () => file('k.yaml', 'description: x\ncomponents:\n  squid:\n    port: 0\n'), /0 is not a port/],
  [
    'port as text',
    () => file('l.yaml', 'description: x\ncomponents:\n  squid:\n    ports: [http]\n'),
    /components\.squid\.ports\.0: expected number/,
  ],
  [
    'namespace with capitals',
    () => file('m.yaml', 'description: x\ncomponents:\n  sample:\n    namespace: NS1\n'),
    /"NS1" is not a DNS-1123 label/,
  ],
  [
    'namespace too long',
    () => file('n.yaml', `description: x\ncomponents:\n  squid:\n    namespace: ${'a'.repeat(64)}\n`),
    /longer than 63 characters/,
  ],
  [
    'bad image',
    () => file('o.yaml', 'description: x\ncomponents:\n  sample:\n    image: "curl; rm -rf /"\n'),
    /not a container image reference/,
  ],
  [
    'external proxy without address',
    () => file('p.yaml', 'description: x\ncomponents:\n  squid:\n    mode: external\n'),
    /external needs components\.squid\.external/,
  ],
  [
    'external proxy address without port',
    () => file('q.yaml', 'description: x\ncomponents:\n  squid:\n    mode: external\n    external: proxy.corp\n'),
    /"proxy\.corp" is not host:port/,
  ],
  [
    'YAML syntax error',
    () => file('r.yaml', 'description: x\negress:\n  hosts: [a.com\n'),
    /r\.yaml:\d+:\d+: YAML syntax error/,
  ],
  [
    'duplicate key',
    () => file('s.yaml', 'description: x\ndescription: y\n'),
    /YAML syntax error: Map keys must be unique/,
  ],
  [
    'alias bomb',
    () =>
      file(
        't.yaml',
        `description: x\na: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n`,
      ),
    /alias/i,
  ],
  ['file too large', () => file('u.yaml', `description: x\n#${'y'.repeat(300_000)}\n`), /the limit is 262144/],
  ['not a mapping', () => file('v.yaml', '42\n'), /a profile is a YAML mapping/],
  [
    'extends cycle',
    () => {
      tmp.write('w1.yaml', 'description: x\nextends: ./w2.yaml\n');
      tmp.write('w2.yaml', 'description: y\nextends: ./w1.yaml\n');
      return { profile: `${tmp.dir}/w1.yaml` };
    },
    /extends cycle: w1\.yaml -> w2\.yaml -> w1\.yaml/,
  ],
  [
    'extends an unknown profile',
    () => file('x.yaml', 'description: x\nextends: kind-fll\n'),
    /unknown profile "kind-fll"/,
  ],
  [
    'stack override with a bad version',
    () => file('y.yaml', 'description: x\nstackOverrides:\n  versions:\n    istio: "1.30"\n'),
    /stackOverrides\.versions\.istio: not a version/,
  ],
  [
    'stack override with an unknown key',
    () => file('z.yaml', 'description: x\nstackOverrides:\n  charts: {}\n'),
    /stackOverrides: unknown key "charts"/,
  ],
  ['missing profile file', () => ({ profile: './no/such/lab.yaml' }), /no such file/],
  ['unknown built-in profile', () => ({ profile: 'kind-fll' }), /unknown profile "kind-fll"; built-in profiles:/],
  ['--platform not kind or gke', () => ({ platform: 'eks' }), /platform: .* \(from --platform\)/],
  ['--stack unknown', () => ({ stack: 'istio' }), /stack: .* \(from --stack\)/],
  [
    '--gke-project invalid',
    () => ({ profile: 'gke-full', gkeProject: 'Project!', gkeLocation: 'europe-west1-b' }),
    /gke\.project: not a GCP project ID \(from --gke-project\)/,
  ],
  [
    '--gke-location invalid',
    () => ({ profile: 'gke-full', gkeProject: 'demo-project-1', gkeLocation: 'mars' }),
    /gke\.location: not a GCP region or zone .* \(from --gke-location\)/,
  ],
  [
    '--gke-cluster invalid',
    () => ({
      profile: 'gke-full',
      gkeProject: 'demo-project-1',
      gkeLocation: 'europe-west1-b',
      gkeCluster: 'My_Cluster',
    }),
    /gke\.cluster: "My_Cluster" is not a GKE cluster name .* \(from --gke-cluster\)/,
  ],
  ['--name invalid', () => ({ name: 'Lab 1' }), /--name: "Lab 1" is not a DNS-1123 label/],
  ['--name too long', () => ({ name: 'l'.repeat(64) }), /--name: .* longer than 63 characters/],
  [
    '--squid-external invalid',
    () => ({ squidExternal: 'proxy:http' }),
    /"proxy:http" is not host:port .*\(from --squid-external\)$/,
  ],
  [
    '--no-squid with --squid-external',
    () => ({ squid: false, squidExternal: 'proxy.corp:3128' }),
    /--no-squid and --squid-external contradict each other/,
  ],
  ['--no-squid on the seed stack', () => ({ profile: 'seed', squid: false }), /needs Squid .* \(from --no-squid\)/],
  [
    '--license-file missing',
    () => ({ profile: 'kind-enterprise', licenseFile: '/no/such/licence.env' }),
    /--license-file: cannot read the file/,
  ],
  [
    '--license-file bad line',
    () => ({ profile: 'kind-enterprise', licenseFile: licenceFile('GLOO_MESH_LICENSE_KEY abc\n') }),
    /licence\.env|lic-.*:1:1: expected NAME=value/,
  ],
  [
    '--license-file unknown variable',
    () => ({ profile: 'kind-enterprise', licenseFile: licenceFile('AWS_SECRET=1\n') }),
    /AWS_SECRET is not a licence variable/,
  ],
  // Reliability: system namespaces are never a lab component's namespace (down would remove them).
  [
    'sample in kube-system',
    () => file('sys1.yaml', 'description: x\ncomponents:\n  sample:\n    namespace: kube-system\n'),
    /components\.sample\.namespace: kube-system is never in the ambient mesh/,
  ],
  [
    'squid in default',
    () => file('sys2.yaml', 'description: x\ncomponents:\n  squid:\n    namespace: default\n'),
    /components\.squid\.namespace: "default" is a system namespace/,
  ],
  [
    'sample in istio-system',
    () => file('sys3.yaml', 'description: x\ncomponents:\n  sample:\n    namespace: istio-system\n'),
    /"istio-system" is Istio's namespace/,
  ],
  [
    'sample in default',
    () => file('sys5.yaml', 'description: x\ncomponents:\n  sample:\n    namespace: default\n'),
    /components\.sample\.namespace: "default" is a system namespace/,
  ],
  [
    'squid in kube-public',
    () => file('sys4.yaml', 'description: x\ncomponents:\n  squid:\n    namespace: kube-public\n'),
    /"kube-public" is a system namespace/,
  ],
  ['--step-timeout 0', () => ({ stepTimeout: '0' }), /^--step-timeout: "0" is not a number of seconds/],
  ['--step-timeout not a number', () => ({ stepTimeout: '5m' }), /^--step-timeout: "5m" is not a number of seconds/],
  // Issue 11, items 13, 14, 16, 18: untrusted files and hostile values.
  ['--profile is a folder', () => ({ profile: `${tmp.dir}/` }), /: is a folder, not a file$/],
  [
    'extends: a folder',
    () => file('ext-dir.yaml', `description: x\nextends: ${tmp.dir}/\n`),
    /egress-lab-test-\w+\/?: is a folder, not a file$/,
  ],
  ['--profile is /dev/zero', () => ({ profile: '/dev/zero' }), /\/dev\/zero: is a device, not a regular file/],
  [
    'YAML unknown tag',
    () => file('tag.yaml', 'description: x\nkind:\n  workers: !foo 1\n'),
    /tag\.yaml:3:\d+: the YAML tag !foo is not allowed/,
  ],
  [
    'YAML !!binary tag',
    () => file('tag2.yaml', 'description: !!binary aGk=\n'),
    /tag2\.yaml:1:\d+: the YAML tag !!binary is not allowed/,
  ],
  [
    'YAML not UTF-8',
    () => ({
      profile: tmp.writeBytes(
        'latin1.yaml',
        Buffer.from('description: x\negress:\n  hosts: [caf\xe9.com]\n', 'latin1'),
      ),
    }),
    /latin1\.yaml:3:14: not UTF-8 text/,
  ],
  [
    'YAML __proto__ key, nested',
    () => file('proto.yaml', 'description: x\ncomponents:\n  squid:\n    __proto__: {mode: none}\n'),
    /proto\.yaml:4:5: the key "__proto__" is not allowed/,
  ],
  [
    'YAML constructor key',
    () => file('ctor.yaml', 'description: x\nconstructor: {a: 1}\n'),
    /ctor\.yaml:2:1: the key "constructor" is not allowed/,
  ],
  ...(
    [
      ['istioHub with a scheme', 'https://registry.example.com/istio'],
      ['istioHub with @', 'user@registry.example.com/istio'],
      ['istioHub with uppercase', 'Registry.example.com/istio'],
      ['istioHub with a trailing slash', 'registry.example.com/istio/'],
      ['istioHub with a space', 'registry.example.com/is tio'],
    ] as const
  ).map(([name, hub], i): [string, () => UpOptions, RegExp] => [
    name,
    () => file(`hub${i}.yaml`, `description: x\nstackOverrides:\n  istioHub: "${hub}"\n`),
    new RegExp(`hub${i}\\.yaml:3:13: stackOverrides\\.istioHub: not an image registry path`),
  ]),
  [
    'release named like a step',
    () =>
      file(
        'rel.yaml',
        'description: x\nstackOverrides:\n  releases:\n    waypoint:\n      component: istio\n      role: base\n      chart: base\n      version: istio\n      namespace: istio-system\n      values: istio/base.yaml\n      waits: []\n',
      ),
    /rel\.yaml:5:7: stackOverrides\.releases\.waypoint: a release cannot be named "waypoint": up has a step of that name/,
  ],
  [
    'template path outside templates/ and the profile folder',
    () => outsideProfile('tpl', 'templates:\n    waypoint: OUTSIDE'),
    /tpl\.yaml:4:15: stackOverrides\.templates\.waypoint: ".*secret\.yaml" resolves to .*secret\.yaml, outside egress-lab's templates folder and the profile's folder/,
  ],
  [
    'template path climbing out of templates/ with ..',
    () =>
      file(
        'climb.yaml',
        'description: x\nstackOverrides:\n  templates:\n    waypoint: ../../../../../../../../etc/hostname\n',
      ),
    /climb\.yaml:4:15: stackOverrides\.templates\.waypoint: ".*etc\/hostname" resolves to \/etc\/hostname, outside/,
  ],
  [
    'template path through a symlink in the profile folder',
    () => outsideProfile('link', 'templates:\n    extAuthPolicy: LINK'),
    /link\.yaml:4:20: stackOverrides\.templates\.extAuthPolicy: ".*link-to-secret\.yaml" resolves to .*secret\.yaml, outside/,
  ],
  [
    'release values path outside',
    () => outsideProfile('vals', 'releases:\n    istiod:\n      values: OUTSIDE'),
    /vals\.yaml:5:15: stackOverrides\.releases\.istiod\.values: ".*secret\.yaml" resolves to/,
  ],
  [
    'template that does not exist',
    () => file('none.yaml', 'description: x\nstackOverrides:\n  templates:\n    waypoint: waypoint/nope.yaml\n'),
    /none\.yaml:4:15: stackOverrides\.templates\.waypoint: "waypoint\/nope\.yaml": no such template/,
  ],
  [
    '--gke-cluster on a kind profile',
    () => ({ gkeCluster: 'c1' }),
    /^--gke-cluster is for GKE, but the profile runs on kind/,
  ],
  [
    '--gke-project and --gke-location on a kind profile',
    () => ({ profile: 'kind-full', gkeProject: 'demo-project-1', gkeLocation: 'europe-west1-b' }),
    /^--gke-project, --gke-location are for GKE, but the profile runs on kind/,
  ],
  [
    '--license-file empty value',
    () => ({ profile: 'kind-enterprise', licenseFile: licenceFile('# keys\nGLOO_MESH_LICENSE_KEY=\n') }),
    /lic-\w+\.env:2:23: GLOO_MESH_LICENSE_KEY: the value is empty/,
  ],
  [
    '--license-file empty quoted value',
    () => ({ profile: 'kind-enterprise', licenseFile: licenceFile('GLOO_MESH_LICENSE_KEY=""\n') }),
    /:1:23: GLOO_MESH_LICENSE_KEY: the value is empty/,
  ],
  [
    '--license-file inline comment',
    () => ({ profile: 'kind-enterprise', licenseFile: licenceFile('GLOO_MESH_LICENSE_KEY=abc123 # the trial key\n') }),
    /:1:23: GLOO_MESH_LICENSE_KEY: a comment after the value/,
  ],
  [
    '--license-file unbalanced quote',
    () => ({ profile: 'kind-enterprise', licenseFile: licenceFile('GLOO_GATEWAY_LICENSE_KEY="abc123\n') }),
    /:1:26: GLOO_GATEWAY_LICENSE_KEY: the " quote is not closed/,
  ],
  [
    '--license-file quote in the middle',
    () => ({ profile: 'kind-enterprise', licenseFile: licenceFile("AGENTGATEWAY_LICENSE_KEY=abc'123\n") }),
    /:1:26: AGENTGATEWAY_LICENSE_KEY: a stray quote in the value/,
  ],
  [
    '--license-file is /dev/zero',
    () => ({ profile: 'kind-enterprise', licenseFile: '/dev/zero' }),
    /is a device, not a regular file/,
  ],
  [
    '--license-file is a folder',
    () => ({ profile: 'kind-enterprise', licenseFile: tmp.dir }),
    /is a folder, not a file/,
  ],
  [
    'hostile --name is escaped',
    () => ({ name: 'lab\n\u001b[2J\u009b31m' }),
    /--name: "lab\\n\\x1b\[2J\\x9b31m" is not a DNS-1123 label/,
  ],
  [
    'hostile extends: is escaped',
    () => file('hostile.yaml', 'description: x\nextends: "kind\\e]0;owned\\a\\u2028"\n'),
    /unknown profile "kind\\x1b]0;owned\\x07\\u2028"/,
  ],
];

const outside = join(tmpdir(), `egress-lab-outside-${process.pid}`);
afterAll(() => rmSync(outside, { recursive: true, force: true }));

/** A profile in a folder of its own that names `secret.yaml` outside it (OUTSIDE) or a symlink to it in its folder (LINK). */
function outsideProfile(name: string, overrides: string): UpOptions {
  const dir = join(tmp.dir, `${name}-profile`);
  mkdirSync(dir, { recursive: true });
  // Lower-case only: a release's values path is checked against a pattern first.
  mkdirSync(outside, { recursive: true });
  const secret = join(outside, 'secret.yaml');
  writeFileSync(secret, 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\n');
  const link = join(dir, 'link-to-secret.yaml');
  if (!existsSync(link)) symlinkSync(secret, link);
  const text = `description: x\nstackOverrides:\n  ${overrides.replace('OUTSIDE', secret).replace('LINK', link)}\n`;
  const profile = join(dir, `${name}.yaml`);
  writeFileSync(profile, text);
  return { profile };
}

describe('bad input: exit 2, one clear message, no program run, nothing written', () => {
  it(`has at least 30 cases (${cases.length})`, () => expect(cases.length).toBeGreaterThanOrEqual(30));
  for (const [name, opts, message] of cases) {
    it(name, async () => {
      fakes.clearCalls();
      const err = await up({ yes: true, ...opts() }, fakeDeps(fakes)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).exitCode).toBe(2);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain('\n');
      // biome-ignore lint/suspicious/noControlCharactersInRegex: no control character reaches the terminal
      expect((err as Error).message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
      expect(fakes.calls()).toEqual([]);
      expect(existsSync(fakes.home)).toBe(false);
    });
  }
});
