import { existsSync } from 'node:fs';
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
];

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
      expect(fakes.calls()).toEqual([]);
      expect(existsSync(fakes.home)).toBe(false);
    });
  }
});
