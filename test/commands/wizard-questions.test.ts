import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { up } from '../../scripts/lab/up.ts';
import { createFakes, existingGkeCluster, type Fakes } from '../fakes/fakes.ts';
import { fakeDeps } from '../helpers/lab.ts';
import { ENTER } from '../helpers/prompter.ts';
import { type Answer, Q, upWith } from '../helpers/wizard.ts';

let fakes: Fakes;
beforeEach(async () => (fakes = await createFakes()));
afterEach(() => fakes.cleanup());

interface Path {
  name: string;
  /** What is there before up runs: a lab built with kind-full, a GKE cluster, licence keys exported. */
  given?: { lab?: boolean; gkeCluster?: boolean; gcloudProject?: string; env?: Record<string, string> };
  opts?: { profile?: string; dryRun?: boolean };
  /** The questions in the order asked (the flag each names) and the answer to each. */
  answers: Answer[];
  /** What Enter offers at some questions. */
  initial?: Partial<Record<string, unknown>>;
  /** What the run then prints: the plan, or what it changed. */
  result: RegExp[];
}

const kindDefaults = { [Q.platform]: 'kind', [Q.stack]: 'oss', [Q.squid]: 'none', [Q.extAuth]: false };
const gkeWizard = (project: string, cluster: string): Answer[] => [
  [Q.platform, 'gke'],
  [Q.project, project],
  [Q.location, 'europe-west1-b'],
  [Q.cluster, cluster],
];

const PATHS: Path[] = [
  {
    name: 'kind, oss, Enter everywhere: the default profile',
    answers: [
      [Q.platform, ENTER],
      [Q.stack, ENTER],
      [Q.squid, ENTER],
      [Q.extAuth, ENTER],
      [Q.scenario, ENTER],
    ],
    initial: { ...kindDefaults, [Q.scenario]: [] },
    result: [/^profile: +kind \(kind, stack oss\)$/m, /^components: .*sample$/m],
  },
  {
    name: 'kind, oss, Squid in the cluster, ext-authz on',
    answers: [
      [Q.platform, 'kind'],
      [Q.stack, 'oss'],
      [Q.squid, 'in-cluster'],
      [Q.extAuth, true],
      [Q.scenario, ''],
    ],
    result: [/^profile: +kind-full \(kind, stack oss\)$/m, /^components: .*squid, ext-authz/m],
  },
  {
    name: 'kind, oss, Squid in the cluster, ext-authz on, every pack: the built-in kind-showcase',
    answers: [
      [Q.platform, 'kind'],
      [Q.stack, 'oss'],
      [Q.squid, 'in-cluster'],
      [Q.extAuth, true],
      [Q.scenario, 'tls-origination,identity-authz,credential-injection,proxy-auth,rate-limit,no-bypass'],
    ],
    result: [/^profile: +kind-showcase \(kind, stack oss\)$/m, /^scenarios: .*tls-origination.*no-bypass/m],
  },
  {
    name: 'kind, oss, a proxy the user runs (its host:port asked next)',
    answers: [
      [Q.platform, 'kind'],
      [Q.stack, 'oss'],
      [Q.squid, 'external'],
      [Q.squidExternal, 'proxy.example.com:3128'],
      [Q.extAuth, false],
      [Q.scenario, 'no-bypass'],
    ],
    result: [
      /^profile: +kind --squid-external proxy\.example\.com:3128 --scenario no-bypass \(kind, stack oss\)$/m,
      /^scenarios: +no-bypass/m,
    ],
  },
  {
    name: 'kind, enterprise, no keys in the environment: both keys asked',
    answers: [
      [Q.platform, 'kind'],
      [Q.stack, 'enterprise'],
      [Q.squid, 'in-cluster'],
      [Q.extAuth, false],
      [Q.glooMesh, 'key-1'],
      [Q.agentgateway, 'key-3'],
    ],
    result: [/^profile: +.*\(kind, stack enterprise\)$/m],
  },
  {
    name: 'kind, enterprise, keys in the environment: none asked',
    given: { env: { GLOO_MESH_LICENSE_KEY: 'key-1', AGENTGATEWAY_LICENSE_KEY: 'key-3' } },
    answers: [
      [Q.platform, 'kind'],
      [Q.stack, 'enterprise'],
      [Q.squid, 'in-cluster'],
      [Q.extAuth, false],
    ],
    result: [/^profile: +.*\(kind, stack enterprise\)$/m],
  },
  {
    name: 'kind, seed, one key in the environment: the other two asked',
    given: { env: { GLOO_MESH_LICENSE_KEY: 'key-1' } },
    answers: [
      [Q.platform, 'kind'],
      [Q.stack, 'seed'],
      [Q.squid, 'in-cluster'],
      [Q.extAuth, true],
      [Q.glooGateway, 'key-2'],
      [Q.agentgateway, 'key-3'],
    ],
    result: [/^profile: +.*\(kind, stack seed\)$/m],
  },
  {
    name: 'GKE, a new cluster: Enter now answers as the built-in GKE profile',
    given: { gcloudProject: 'my-proj' },
    answers: [...gkeWizard('my-proj', ''), [Q.stack, ENTER], [Q.squid, ENTER], [Q.extAuth, ENTER], [Q.scenario, ENTER]],
    initial: {
      [Q.platform]: 'kind',
      [Q.project]: 'my-proj',
      [Q.cluster]: '',
      [Q.squid]: 'in-cluster',
      [Q.extAuth]: true,
    },
    result: [
      /^profile: +gke-full .*\(gke, stack oss\)$/m,
      /^cluster: +create the GKE Standard cluster "egress-lab" in my-proj\/europe-west1-b$/m,
    ],
  },
  {
    name: "GKE, one of the project's clusters",
    given: { gkeCluster: true, gcloudProject: 'demo-project-1' },
    answers: [
      ...gkeWizard('demo-project-1', 'team@europe-west1-b'),
      [Q.stack, 'oss'],
      [Q.squid, 'none'],
      [Q.extAuth, false],
      [Q.scenario, ENTER],
    ],
    result: [/^cluster: +use the existing GKE cluster "team" in demo-project-1\/europe-west1-b$/m],
  },
  {
    name: 'up --profile gke-full: only the GKE target is asked',
    given: { gcloudProject: 'my-proj' },
    opts: { profile: 'gke-full' },
    answers: [
      [Q.project, 'my-proj'],
      [Q.location, 'us-central1'],
    ],
    result: [/^cluster: +create the GKE Standard cluster "egress-lab" in my-proj\/us-central1$/m],
  },
  {
    name: 'a lab that exists, kept: nothing else is asked',
    given: { lab: true },
    answers: [[Q.keep, 'keep']],
    initial: { [Q.keep]: 'keep' },
    result: [/^The lab "egress-lab" is up to date \(kind-full\): nothing to change\.$/m],
  },
  {
    name: 'a lab that exists, changed: its choices are what Enter offers; the change is confirmed, then made',
    given: { lab: true },
    opts: { dryRun: false },
    answers: [
      [Q.keep, 'change'],
      [Q.platform, ENTER],
      [Q.stack, ENTER],
      [Q.squid, ENTER],
      [Q.extAuth, false],
      [Q.scenario, ENTER],
      [Q.yes, true],
    ],
    initial: { [Q.platform]: 'kind', [Q.stack]: 'oss', [Q.squid]: 'in-cluster', [Q.extAuth]: true, [Q.scenario]: [] },
    result: [/^The lab "egress-lab" is up: kind cluster "egress-lab", stack oss\.$/m],
  },
];

async function given(g: Path['given'] = {}): Promise<void> {
  if (g.lab) await up({ profile: 'kind-full', yes: true, verify: false }, fakeDeps(fakes));
  if (g.gkeCluster) existingGkeCluster(fakes, 'team');
  if (g.gcloudProject)
    fakes.update((s) => (s.gcloud = { project: g.gcloudProject!, projects: [g.gcloudProject!, 'my-proj'] }));
  Object.assign(fakes.env, g.env ?? {});
}

const asked = new Set<string>();

describe('every question of an interactive up, path by path', () => {
  it.each(PATHS)(
    '$name',
    async (path) => {
      await given(path.given);
      const run = await upWith(fakes, { dryRun: true, verify: false, ...path.opts }, path.answers);
      expect(run.error).toBeUndefined();
      expect(run.flags).toEqual(path.answers.map(([flag]) => flag));
      for (const [flag, initial] of Object.entries(path.initial ?? {}))
        expect(run.asked.find((q) => q.flag === flag)?.initial, flag).toEqual(initial);
      for (const line of path.result) expect(run.output + run.notes.join('\n')).toMatch(line);
      for (const flag of run.flags) asked.add(flag);
    },
    180_000,
  );

  // Runs after the table (a file's tests run in order): every question the code can ask is asked by some path.
  it('no question is unreachable: the paths above ask every one', () => {
    expect([...asked].sort()).toEqual(Object.values(Q).sort());
  });
});

describe('the scenario packs question', () => {
  const packsOffered = async (squid: string) => {
    const answers: Answer[] = [
      [Q.platform, 'kind'],
      [Q.stack, 'oss'],
      [Q.squid, squid],
      [Q.extAuth, true],
      [Q.scenario, ''],
    ];
    const run = await upWith(fakes, { dryRun: true, verify: false }, answers);
    expect(run.error).toBeUndefined();
    return run.asked.find((q) => q.flag === Q.scenario)!;
  };

  it('offers every pack with its one-line title when Squid runs in the cluster', async () => {
    const q = await packsOffered('in-cluster');
    expect(q.options?.map((o) => o.value)).toEqual([
      'tls-origination',
      'identity-authz',
      'credential-injection',
      'proxy-auth',
      'rate-limit',
      'no-bypass',
    ]);
    expect(q.options?.find((o) => o.value === 'proxy-auth')?.hint).toMatch(/Squid requires basic authentication/);
  });

  it('without Squid in the cluster leaves out proxy-auth, which needs it, and says so', async () => {
    const q = await packsOffered('none');
    expect(q.options?.map((o) => o.value)).not.toContain('proxy-auth');
    expect(q.message).toMatch(/proxy-auth needs Squid in the cluster/);
  });
});

describe('the GKE cluster question', () => {
  it('shows an Autopilot cluster of the project but does not offer it: Istio ambient cannot run there', async () => {
    existingGkeCluster(fakes, 'team');
    existingGkeCluster(fakes, 'auto', { autopilot: { enabled: true } });
    fakes.update((s) => (s.gcloud = { project: 'demo-project-1', projects: ['demo-project-1'] }));
    const run = await upWith(fakes, { dryRun: true, verify: false }, [
      ...gkeWizard('demo-project-1', 'team@europe-west1-b'),
      [Q.stack, 'oss'],
      [Q.squid, 'none'],
      [Q.extAuth, false],
      [Q.scenario, ENTER],
    ]);
    expect(run.error).toBeUndefined();
    const options = run.asked.find((q) => q.flag === Q.cluster)!.options!;
    expect(options.find((o) => o.label === 'team')).toMatchObject({ hint: 'europe-west1-b' });
    expect(options.find((o) => o.label === 'team')?.disabled).toBeUndefined();
    expect(options.find((o) => o.label === 'auto')).toMatchObject({
      disabled: true,
      hint: 'europe-west1-b, Autopilot: Istio ambient cannot run there',
    });
  });
});
