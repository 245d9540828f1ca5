import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../scripts/errors.ts';
import { down } from '../../scripts/lab/down.ts';
import { up } from '../../scripts/lab/up.ts';
import { readLedger } from '../../scripts/state/ledger.ts';
import { verifyLab } from '../../scripts/verify/verify.ts';
import { existingGkeCluster, type FakeCluster, type Fakes, GKE_PROJECT_LOCATION as GKE_KEY } from '../fakes/fakes.ts';
import { at, type K8sObject, recs } from '../fakes/types.ts';
import { cli, doctorFindings } from '../helpers/cli.ts';
import { changing } from '../helpers/fault-loops.ts';
import { cmdline, fakeDeps } from '../helpers/lab.ts';
import { createSharedFakes, sharedLab } from '../helpers/shared-lab.ts';
import { scratch } from '../helpers/temp.ts';

// Rules of the real products the lab relies on, enforced by the fakes (see docs/upstream-rules.md).
let fakes: Fakes;
beforeEach(async () => {
  fakes = await createSharedFakes();
});
afterEach(() => fakes.cleanup());

const sleep = async () => undefined;
/** kind-full without verify: built once in this file, a fresh copy for each test after the first. */
const upKindFull = () =>
  sharedLab(fakes, 'up kind-full', () => up({ profile: 'kind-full', yes: true, verify: false }, fakeDeps(fakes)));
const gkeOpts = { profile: 'gke-full', gkeProject: 'demo-project-1', gkeLocation: 'europe-west1-b', yes: true };

/** The ServiceEntry as `kubectl get -o json` shows it, through the lab's kubeconfig. */
async function serviceEntry(name: string, ns: string) {
  const ledger = readLedger('egress-lab', fakes.env)!;
  const { stdout } = await fakeDeps(fakes).exec('kubectl', [
    '--kubeconfig',
    ledger.kubeconfig,
    '--context',
    ledger.context,
    'get',
    'serviceentry',
    name,
    '-n',
    ns,
    '-o',
    'json',
  ]);
  return JSON.parse(stdout) as { status?: { conditions?: { type: string; status: string; reason: string }[] } };
}
const waypointBound = (se: Awaited<ReturnType<typeof serviceEntry>>) =>
  se.status?.conditions?.find((c) => c.type === 'istio.io/WaypointBound');

/**
 * The shared kind-full lab with its waypoint Gateway changed as `change` says, then verified (istiod reconciles on
 * the next change it sees; verify's first call of the fakes triggers it).
 */
async function verifyWithWaypoint(change: (gateway: K8sObject) => void) {
  await upKindFull();
  fakes.update((s) => change(s.clusters['egress-lab']!.objects['Gateway|common-infrastructure|egress-gateway']!));
  return verifyLab(readLedger('egress-lab', fakes.env)!, { exec: fakeDeps(fakes).exec, sleep });
}

const seedGke = (name: string, networking: Partial<FakeCluster>) => existingGkeCluster(fakes, name, networking);

describe('Istio waypoint admission (allowedRoutes of the HBONE listener)', () => {
  it('oss: the waypoint admits the client namespace, istiod binds its ServiceEntry, and verify proves the path', async () => {
    await up({ profile: 'kind-full', yes: true }, fakeDeps(fakes));
    expect(waypointBound(await serviceEntry('httpbingo-org', 'ns1'))).toMatchObject({
      status: 'True',
      reason: 'WaypointAccepted',
    });
  });

  it('a waypoint without allowedRoutes refuses a ServiceEntry of another namespace: not captured, verify fails', async () => {
    const report = await verifyWithWaypoint((gw) => {
      for (const l of recs(at(gw, 'spec', 'listeners'))) delete l.allowedRoutes;
    });
    expect(waypointBound(await serviceEntry('httpbingo-org', 'ns1'))).toMatchObject({
      status: 'False',
      reason: 'AttachmentDenied',
    });
    // On kind the NetworkPolicy drops the uncaptured request: no response at all.
    expect(report.ok).toBe(false);
    expect(report.requests[0]).toMatchObject({ name: 'allowed', status: 0 });
  });

  it('a waypoint for workload traffic only (istio.io/waypoint-for) does not serve the ServiceEntry: verify fails', async () => {
    const report = await verifyWithWaypoint((gw) => {
      gw.metadata.labels = { ...gw.metadata.labels, 'istio.io/waypoint-for': 'workload' };
    });
    expect(waypointBound(await serviceEntry('httpbingo-org', 'ns1'))).toMatchObject({
      status: 'False',
      reason: 'UnsupportedTrafficType',
    });
    expect(report.ok).toBe(false);
    expect(report.requests[0]).toMatchObject({ name: 'allowed', status: 0 });
  });

  it('a Gateway whose controller has not published status.addresses is not a waypoint yet: verify fails, saying so', async () => {
    // I7: istiod takes a Gateway as a waypoint only once its controller set status.addresses (istio/istio 1.30.3
    // pilot/pkg/serviceregistry/ambient/waypoints.go, gatewayToWaypointTransform).
    const report = await verifyWithWaypoint((gw) => delete gw.status!['addresses']);
    expect(waypointBound(await serviceEntry('httpbingo-org', 'ns1'))).toMatchObject({
      status: 'False',
      reason: 'WaypointIsNotReady',
    });
    expect(report.ok).toBe(false);
    expect(report.requests[0]).toMatchObject({ name: 'allowed', status: 0 });
    const verdicts = report.hops.flatMap((h) => h.verdicts ?? []);
    expect(verdicts).toContainEqual({
      object: 'ServiceEntry ns1/httpbingo-org',
      ok: false,
      says: 'istio.io/WaypointBound=False WaypointIsNotReady: waypoint "common-infrastructure/egress-gateway" is not ready',
    });
  });

  it('a namespace without the client label is not admitted, even with the use-waypoint labels', async () => {
    await upKindFull();
    const ledger = readLedger('egress-lab', fakes.env)!;
    const manifest = [
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-b\n',
      'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: other\n  namespace: team-b\n  labels:\n    istio.io/use-waypoint: egress-gateway\n    istio.io/use-waypoint-namespace: common-infrastructure\nspec:\n  hosts: [other.example]\n  location: MESH_EXTERNAL\n  resolution: DNS\n  ports: [{number: 80, name: http, protocol: HTTP}]\n',
    ].join('---\n');
    await fakeDeps(fakes).exec(
      'kubectl',
      [
        '--kubeconfig',
        ledger.kubeconfig,
        '--context',
        ledger.context,
        'apply',
        '--server-side',
        '--field-manager',
        'egress-lab',
        '-f',
        '-',
      ],
      { input: manifest },
    );
    expect(waypointBound(await serviceEntry('other', 'team-b'))).toMatchObject({
      status: 'False',
      reason: 'AttachmentDenied',
    });
    expect(waypointBound(await serviceEntry('httpbingo-org', 'ns1'))).toMatchObject({ status: 'True' });
  });
});

describe('GKE NetworkPolicy enforcement', () => {
  it('up creates the cluster with Dataplane V2, so the negative control is blocked', async () => {
    await up(gkeOpts, fakeDeps(fakes));
    const create = fakes.calls().find((c) => c.bin === 'gcloud' && c.argv[2] === 'create')!;
    expect(create.argv).toContain('--enable-dataplane-v2');
    expect(fakes.state().clusters[`${GKE_KEY}/egress-lab`]!.networkConfig).toEqual({
      datapathProvider: 'ADVANCED_DATAPATH',
    });
  });

  it('a cluster that does not enforce NetworkPolicy lets the negative control leave directly', async () => {
    seedGke('dpv2', { networkConfig: { datapathProvider: 'ADVANCED_DATAPATH' } });
    await up({ ...gkeOpts, gkeCluster: 'dpv2', verify: false }, fakeDeps(fakes));
    // The same lab moved onto a cluster without enforcement (what an old `up` created).
    fakes.update((s) => {
      s.clusters[`${GKE_KEY}/dpv2`]!.networkConfig = { datapathProvider: 'LEGACY_DATAPATH' };
    });
    const report = await verifyLab(readLedger('egress-lab', fakes.env)!, { exec: fakeDeps(fakes).exec, sleep });
    expect(report.negativeControl.status).toBe('failed');
    expect(report.ok).toBe(false);
  });

  it('refuses an existing cluster without enforcement before anything changes, naming the fix (exit 1)', async () => {
    seedGke('legacy', { networkConfig: { datapathProvider: 'LEGACY_DATAPATH' } });
    const err = await up({ ...gkeOpts, gkeCluster: 'legacy' }, fakeDeps(fakes)).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error & { exitCode: number }).exitCode).toBe(1);
    expect((err as Error).message).toMatch(
      /"legacy" does not enforce NetworkPolicy .*nothing was changed.*--update-addons=NetworkPolicy=ENABLED/,
    );
    const gcloud = fakes.calls().filter((c) => c.bin === 'gcloud' && c.argv[0] !== '--version');
    // Only reads: doctor's login and API checks, then the cluster's description.
    expect(gcloud.map(cmdline)).toEqual([
      'gcloud auth list --filter=status:ACTIVE --format=value(account) --quiet',
      'gcloud services list --enabled --project demo-project-1 --filter=config.name=container.googleapis.com --format=value(config.name) --quiet',
      'gcloud container clusters describe legacy --project demo-project-1 --location europe-west1-b --format json --quiet',
    ]);
    // Beyond doctor's version checks, no kubectl or helm ran.
    expect(fakes.calls().some((c) => (c.bin === 'kubectl' || c.bin === 'helm') && c.argv[0] !== 'version')).toBe(false);
    expect(readLedger('egress-lab', fakes.env)).toBeUndefined();
  });

  for (const stack of ['oss', 'enterprise'] as const)
    it(`refuses an existing Autopilot cluster before anything changes, naming the fix (${stack} stack, exit 1)`, async () => {
      // Dataplane V2 enforces NetworkPolicy: only the cluster's mode stands in the way.
      seedGke('auto', { autopilot: { enabled: true }, networkConfig: { datapathProvider: 'ADVANCED_DATAPATH' } });
      Object.assign(fakes.env, { GLOO_MESH_LICENSE_KEY: 'k', AGENTGATEWAY_LICENSE_KEY: 'k' });
      const err = await up({ ...gkeOpts, gkeCluster: 'auto', stack }, fakeDeps(fakes)).catch((e: Error) => e);
      expect((err as Error & { exitCode: number }).exitCode).toBe(1);
      expect((err as Error).message).toMatch(
        /"auto" is an Autopilot cluster, and Istio ambient cannot run there: .*SYS_ADMIN.*nothing was changed\. Fix: give --gke-cluster a GKE Standard cluster/,
      );
      expect(changing(fakes.calls())).toEqual([]);
      expect(fakes.calls().some((c) => c.bin === 'helm' && c.argv[0] !== 'version')).toBe(false);
      expect(readLedger('egress-lab', fakes.env)).toBeUndefined();
    });

  it('accepts an existing cluster with the network policy add-on', async () => {
    seedGke('calico', {
      networkConfig: { datapathProvider: 'LEGACY_DATAPATH' },
      networkPolicy: { enabled: true, provider: 'CALICO' },
      addonsConfig: { networkPolicyConfig: {} },
    });
    await up({ ...gkeOpts, gkeCluster: 'calico' }, fakeDeps(fakes));
    expect(readLedger('egress-lab', fakes.env)!.cluster.name).toBe('calico');
  });
});

describe("gcloud never touches the user's kubeconfig", () => {
  const KUBE =
    'apiVersion: v1\nkind: Config\ncurrent-context: production\ncontexts:\n- name: production\n  context: {cluster: prod, user: admin}\n';

  for (const existing of [false, true])
    for (const where of ['KUBECONFIG', 'HOME/.kube/config'] as const)
      it(`${existing ? 'existing' : 'created'} cluster, user kubeconfig in ${where}: byte-identical after up and down`, async () => {
        const home = join(fakes.dir, 'user-home');
        mkdirSync(join(home, '.kube'), { recursive: true });
        writeFileSync(join(home, '.kube', 'config'), KUBE);
        fakes.env['HOME'] = home;
        if (where === 'HOME/.kube/config') delete fakes.env['KUBECONFIG'];
        const before = readFileSync(fakes.userKubeconfig, 'utf8');
        if (existing) seedGke('shared', { networkConfig: { datapathProvider: 'ADVANCED_DATAPATH' } });
        const opts = existing ? { ...gkeOpts, gkeCluster: 'shared' } : gkeOpts;
        await up(opts, fakeDeps(fakes));
        expect(readFileSync(fakes.userKubeconfig, 'utf8')).toBe(before);
        expect(readFileSync(join(home, '.kube', 'config'), 'utf8')).toBe(KUBE);
        // The lab's own kubeconfig got the entry instead.
        const ledger = readLedger('egress-lab', fakes.env)!;
        expect(readFileSync(ledger.kubeconfig, 'utf8')).toContain(ledger.context);
        await down({ yes: true }, fakeDeps(fakes));
        expect(readFileSync(fakes.userKubeconfig, 'utf8')).toBe(before);
        expect(readFileSync(join(home, '.kube', 'config'), 'utf8')).toBe(KUBE);
        for (const c of fakes
          .calls()
          .filter((c) => c.bin === 'gcloud' && /create|delete|get-credentials/.test(c.argv[2] ?? '')))
          expect(c.env.KUBECONFIG, cmdline(c)).toBe(ledger.kubeconfig);
      });
});

describe('a profile that breaks a rule a user can break: exit 2 with the rule, the fix and the source, nothing run', () => {
  const tmp = scratch();
  afterAll(() => tmp.cleanup());
  const profile = (name: string, text: string) => tmp.write(name, `description: x\n${text}`);
  const cases: [string, string, string, RegExp][] = [
    [
      'the waypoint namespace as client namespace',
      'kind-full',
      'components:\n  sample:\n    namespace: common-infrastructure\n',
      /components\.sample\.namespace: "common-infrastructure" is the egress waypoint's namespace.*NetworkPolicy.*fix: give the sample its own namespace.*source: Kubernetes NetworkPolicy/,
    ],
    [
      "Squid's namespace as client namespace",
      'kind-full',
      'components:\n  sample:\n    namespace: squid\n',
      /"squid" is Squid's namespace/,
    ],
    [
      "Istio's namespace as client namespace",
      'kind',
      'components:\n  sample:\n    namespace: istio-system\n',
      /"istio-system" is Istio's namespace/,
    ],
    [
      'kube-system as client namespace',
      'kind',
      'components:\n  sample:\n    namespace: kube-system\n',
      /kube-system is never in the ambient mesh .*source: istio\/istio manifests\/charts\/istio-cni\/values\.yaml@1\.30\.3/,
    ],
    [
      'a kind node older than the Istio release supports',
      'kind',
      'kind:\n  nodeImage: kindest/node:v1.31.4\n',
      /kind\.nodeImage: Istio 1\.30\.5 needs Kubernetes 1\.32 or newer, and the node image runs 1\.31; fix: .*source: istio\/istio istioctl\/pkg\/install\/k8sversion\/version\.go@1\.30\.3/,
    ],
    [
      'a kind node older than the Gateway API release supports',
      'seed',
      'kind:\n  nodeImage: kindest/node:v1.29.14\n',
      /Gateway API v1\.4\.0 supports Kubernetes 1\.30 or newer, and the node image runs 1\.29.*gateway-api site-src\/concepts\/versioning\.md@v1\.4\.0/,
    ],
  ];
  for (const [name, base, text, message] of cases)
    it(name, async () => {
      const path = profile(`${name.replace(/\W+/g, '-')}.yaml`, `extends: ${base}\n${text}`);
      const err = await up({ yes: true, profile: path }, fakeDeps(fakes)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).exitCode).toBe(2);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain('\n');
      expect(fakes.calls()).toEqual([]);
    });

  it('render refuses it too, and writes nothing', async () => {
    const path = profile(
      'render.yaml',
      'extends: kind-full\ncomponents:\n  sample:\n    namespace: common-infrastructure\n',
    );
    const out = join(fakes.dir, 'rendered');
    const r = await cli(['render', '--profile', path, '--out', out], { env: fakes.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"common-infrastructure" is the egress waypoint's namespace/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('doctor enforces the support matrix (profiles/_support-matrix.yaml)', () => {
  it('a helm built for an older Kubernetes than the kind node is a blocker: up stops before anything', async () => {
    fakes.update((s) => (s.versions = { helm: 'v3.17.3' }));
    const err = await up({ profile: 'kind', yes: true }, fakeDeps(fakes)).catch((e: Error) => e);
    expect((err as Error & { exitCode: number }).exitCode).toBe(1);
    expect((err as Error).message).toMatch(/doctor found 1 problem .*\(helm\)/);
    expect(fakes.calls().every((c) => c.argv[0] === 'version' || c.argv[0] === 'info')).toBe(true);
  });

  it('on GKE, where the cluster version is not known before up, a helm older than 3.12 is a blocker', async () => {
    fakes.update((s) => (s.versions = { helm: 'v3.11.3' }));
    const r = await cli(['doctor', '--profile', 'gke-full', '--gke-project', 'demo-project-1', '--json'], {
      env: fakes.env,
    });
    expect(r.code).toBe(1);
    const findings = doctorFindings(r);
    expect(findings.find((f) => f.check === 'helm')).toMatchObject({
      level: 'blocker',
      message: 'helm 3.11.3 is older than 3.12.0',
      fix: expect.stringMatching(/^install helm 3\.12 or newer \(agentgateway 1\.4 charts/),
    });
  });

  it('doctor names the range and its source for helm and kubectl', async () => {
    fakes.update((s) => (s.versions = { helm: 'v3.17.3', kubectl: 'v1.33.1' }));
    const r = await cli(['doctor', '--profile', 'kind', '--json'], { env: fakes.env });
    expect(r.code).toBe(1);
    const findings = doctorFindings(r);
    expect(findings.find((f) => f.check === 'helm')).toMatchObject({
      level: 'blocker',
      message: expect.stringMatching(
        /helm 3\.17\.3 supports Kubernetes 1\.29 to 1\.32, and the cluster runs 1\.35 \(source: helm\.sh\/docs\/topics\/version_skew/,
      ),
    });
    expect(findings.find((f) => f.check === 'kubectl')).toMatchObject({
      level: 'blocker',
      message: expect.stringMatching(
        /kubectl 1\.33\.1 supports Kubernetes 1\.32 to 1\.34, and the cluster runs 1\.35 \(source: kubernetes\.io\/releases\/version-skew-policy/,
      ),
    });
  });
});
