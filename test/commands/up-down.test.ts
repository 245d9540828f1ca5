import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { down } from '../../scripts/lab/down.ts';
import { labStatus } from '../../scripts/lab/status.ts';
import { up } from '../../scripts/lab/up.ts';
import { builtinProfileNames, loadProfile } from '../../scripts/profile/load.ts';
import { renderLab } from '../../scripts/render/render.ts';
import { readLedger } from '../../scripts/state/ledger.ts';
import { type Call, existingGkeCluster, existingKindCluster, type Fakes } from '../fakes/fakes.ts';
import { cmdline, fakeDeps } from '../helpers/lab.ts';
import { createSharedFakes, sharedLab } from '../helpers/shared-lab.ts';

const CANARY = 'CANARY-licence-0b5e7d';
const LICENCES = { GLOO_MESH_LICENSE_KEY: CANARY, GLOO_GATEWAY_LICENSE_KEY: CANARY, AGENTGATEWAY_LICENSE_KEY: CANARY };
const kindProfiles = builtinProfileNames().filter((p) => loadProfile({ profile: p }).profile.platform === 'kind');

let fakes: Fakes;
let userKubeconfigBefore: string;
beforeEach(async () => {
  fakes = await createSharedFakes();
  Object.assign(fakes.env, LICENCES);
  userKubeconfigBefore = readFileSync(fakes.userKubeconfig, 'utf8');
});
afterEach(() => fakes.cleanup());
/** `up` with these options: built once in this file, a fresh copy of what it left for each test after the first. */
const upShared = (opts: Parameters<typeof up>[0], deps = fakeDeps(fakes)) =>
  sharedLab(fakes, JSON.stringify(opts), () => up(opts, deps));

/** What every recorded call must respect: the lab kubeconfig and context, no licence in argv, values on stdin. */
function expectSafeCalls(calls: Call[], kubeconfig: string) {
  for (const c of calls) {
    const line = cmdline(c);
    expect(line, line).not.toContain(CANARY);
    if (c.bin === 'kubectl' && c.argv[0] !== 'version')
      expect(c.argv.slice(0, 2), line).toEqual(['--kubeconfig', kubeconfig]);
    if (c.bin === 'kubectl' && c.argv[0] !== 'version') expect(c.argv[2], line).toBe('--context');
    if (c.bin === 'helm' && c.argv[0] !== 'version') {
      expect(c.argv, line).toContain('--kube-context');
      expect(c.argv[c.argv.indexOf('--kubeconfig') + 1], line).toBe(kubeconfig);
    }
    if (c.bin === 'helm' && c.argv[0] === 'upgrade') expect(c.argv.slice(-2), line).toEqual(['--values', '-']);
    if (c.bin === 'gcloud' && c.argv[0] !== '--version') expect(c.argv, line).toContain('--quiet');
  }
}

function expectNoCanaryAt(rest: string[]) {
  for (const text of rest) expect(text).not.toContain(CANARY);
  const home = fakes.home;
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
    );
  if (existsSync(home)) for (const f of walk(home)) expect(readFileSync(f, 'utf8'), f).not.toContain(CANARY);
}

describe('up → status → down against the fakes', () => {
  for (const profile of kindProfiles) {
    it(`${profile}: builds every release and object, reports them healthy, and leaves nothing behind`, async () => {
      const deps = fakeDeps(fakes);
      await upShared({ profile, yes: true }, deps);
      const ledger = readLedger('egress-lab', fakes.env)!;
      const cluster = fakes.state().clusters['egress-lab']!;
      expect(cluster.platform).toBe('kind');
      const rendered = renderLab(loadProfile({ profile }), 'egress-lab');
      expect(Object.keys(cluster.releases).sort()).toEqual(
        rendered.releases.map((r) => `${r.release.namespace}/${r.name}`).sort(),
      );
      for (const o of rendered.manifests.flatMap((m) => m.objects)) {
        const key = `${o.kind}|${o.kind === 'Namespace' || o.kind === 'GatewayClass' ? '' : o.metadata.namespace}|${o.metadata.name}`;
        expect(cluster.objects[key], key).toBeDefined();
        expect(cluster.objects[key]!.metadata.labels).toMatchObject({
          'app.kubernetes.io/managed-by': 'egress-lab',
          'egress-lab.dev/lab': 'egress-lab',
        });
      }
      const status = await labStatus(deps.exec, ledger);
      expect(status.healthy).toBe(true);
      expect(status.components.map((c) => c.name).sort()).toEqual(
        [
          ...new Set([
            'cluster',
            'gateway-api',
            ...rendered.manifests.map((m) => m.component),
            ...rendered.releases.map((r) => r.release.component),
          ]),
        ].sort(),
      );

      await down({ yes: true }, deps);
      expect(fakes.state().clusters).toEqual({});
      expect(existsSync(join(fakes.home, 'egress-lab'))).toBe(false);
      expect(readFileSync(fakes.userKubeconfig, 'utf8')).toBe(userKubeconfigBefore);
      expectSafeCalls(fakes.calls(), ledger.kubeconfig);
      expectNoCanaryAt([deps.output()]);
      expect(fakes.calls().every((c) => c.env.KUBECONFIG === fakes.userKubeconfig || c.bin === 'gcloud')).toBe(true);
    });
  }

  it('licence keys reach helm only on stdin', async () => {
    await upShared({ profile: 'seed', yes: true });
    const istiod = fakes.calls().find((c) => c.bin === 'helm' && c.argv[2] === 'istiod')!;
    expect(parse(istiod.stdin!).license).toEqual({ value: CANARY });
    const gloo = fakes.calls().find((c) => c.bin === 'helm' && c.argv[2] === 'gloo-gateway')!;
    expect(parse(gloo.stdin!).licensing).toEqual({ glooGatewayLicenseKey: CANARY, agentgatewayLicenseKey: CANARY });
    expect(readFileSync(join(fakes.home, 'egress-lab', 'render', 'istiod.values.yaml'), 'utf8')).toContain(
      '<from GLOO_MESH_LICENSE_KEY>',
    );
    expectNoCanaryAt([]);
  });

  it('runs independent steps at the same time (overlapping call intervals)', async () => {
    fakes.update(
      (s) =>
        (s.delays = [
          { match: '^helm upgrade', ms: 400 },
          { match: '^kubectl .* apply', ms: 300 },
        ]),
    );
    await up({ profile: 'kind-full', yes: true }, fakeDeps(fakes));
    const calls = fakes.calls();
    const find = (re: RegExp) => calls.find((c) => re.test(cmdline(c)))!;
    const istiod = find(/^helm upgrade --install istiod /);
    const squid = calls.find(
      (c) => c.bin === 'kubectl' && c.argv.includes('apply') && c.stdin?.includes('name: squid-proxy'),
    )!;
    const crds = find(/^helm upgrade --install agentgateway-crds /);
    const overlaps = (a: Call, b: Call) => a.start < b.end && b.start < a.end;
    expect(overlaps(istiod, crds) || overlaps(squid, istiod) || overlaps(squid, crds)).toBe(true);
    const cni = find(/^helm upgrade --install istio-cni /);
    const ztunnel = find(/^helm upgrade --install ztunnel /);
    expect(overlaps(cni, ztunnel)).toBe(true);
  });
});

describe('GKE', () => {
  const gke = { profile: 'gke-full', gkeProject: 'demo-project-1', gkeLocation: 'europe-west1-b', yes: true };

  it('creates a Standard cluster with gcloud, and down deletes it', async () => {
    const deps = fakeDeps(fakes);
    await up(gke, deps);
    const cluster = fakes.state().clusters['gke/demo-project-1/europe-west1-b/egress-lab']!;
    expect(cluster).toMatchObject({ platform: 'gke', name: 'egress-lab' });
    expect(cluster.objects['ResourceQuota|istio-system|gcp-critical-pods']).toBeDefined();
    expect((cluster.releases['istio-system/istio-cni']!.values as { global: unknown }).global).toMatchObject({
      platform: 'gke',
    });
    const create = fakes.calls().find((c) => c.bin === 'gcloud' && c.argv[2] === 'create')!;
    expect(create.argv).toEqual(
      expect.arrayContaining(['--project', 'demo-project-1', '--location', 'europe-west1-b', '--quiet']),
    );
    const ledger = readLedger('egress-lab', fakes.env)!;
    expect(ledger.cluster).toMatchObject({ createdByEgressLab: true, platform: 'gke' });
    await down({ yes: true }, deps);
    expect(fakes.state().clusters).toEqual({});
    expectSafeCalls(fakes.calls(), ledger.kubeconfig);
    expect(readFileSync(fakes.userKubeconfig, 'utf8')).toBe(userKubeconfigBefore);
  });

  it('uses an existing cluster (--gke-cluster), and down removes only the lab from it', async () => {
    existingGkeCluster(fakes, 'shared', {
      objects: {
        'Deployment|team-apps|billing': {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'billing', namespace: 'team-apps' },
        },
      },
      namespaces: ['default', 'kube-system', 'team-apps'],
    });
    const deps = fakeDeps(fakes);
    await up({ ...gke, gkeCluster: 'shared' }, deps);
    expect(fakes.calls().some((c) => c.bin === 'gcloud' && c.argv[2] === 'create')).toBe(false);
    expect(readLedger('egress-lab', fakes.env)!.cluster.createdByEgressLab).toBe(false);
    await down({ yes: true }, deps);
    const left = fakes.state().clusters['gke/demo-project-1/europe-west1-b/shared']!;
    expect(left).toBeDefined();
    expect(Object.keys(left.objects)).toEqual(['Deployment|team-apps|billing']);
    expect(left.releases).toEqual({});
    expect(left.crds).toEqual({});
    expect(left.namespaces.sort()).toEqual(['default', 'kube-system', 'team-apps']);
    expect(fakes.calls().some((c) => c.bin === 'gcloud' && c.argv[2] === 'delete')).toBe(false);
  });

  it('asks for --yes before creating or deleting a GKE cluster when not interactive', async () => {
    await expect(up({ ...gke, yes: false }, fakeDeps(fakes))).rejects.toThrow(/costs money .* pass --yes/);
    expect(fakes.state().clusters).toEqual({});
    await up(gke, fakeDeps(fakes));
    await expect(down({}, fakeDeps(fakes))).rejects.toThrow(/needs a confirmation: pass --yes/);
    expect(Object.keys(fakes.state().clusters)).toHaveLength(1);
  });

  it('names the missing GKE flag when not interactive', async () => {
    await expect(up({ profile: 'gke-full', yes: true }, fakeDeps(fakes))).rejects.toThrow(
      /"GCP project ID" needs an answer .* pass --gke-project ID/,
    );
  });
});

describe('safety', () => {
  it('with Docker down, up stops at doctor and creates nothing', async () => {
    fakes.update((s) => (s.docker = false));
    const deps = fakeDeps(fakes);
    await expect(up({ profile: 'kind', yes: true }, deps)).rejects.toThrow(
      /doctor found 1 problem .*docker.* nothing was created/,
    );
    expect(deps.output()).toMatch(/✖ the Docker engine is not reachable: Cannot connect to the Docker daemon/);
    expect(
      fakes
        .calls()
        .map((c) => c.bin)
        .sort(),
    ).toEqual(['docker', 'helm', 'kind', 'kubectl']);
    expect(fakes.calls().every((c) => ['version', 'info'].includes(c.argv[0]!))).toBe(true);
    expect(existsSync(fakes.home)).toBe(false);
  });

  it('a missing licence stops up before anything is touched, and names the variable', async () => {
    delete fakes.env['GLOO_MESH_LICENSE_KEY'];
    await expect(up({ profile: 'kind-enterprise', yes: true }, fakeDeps(fakes))).rejects.toThrow(
      /doctor found 1 problem .*licence GLOO_MESH_LICENSE_KEY/,
    );
    expect(fakes.state().clusters).toEqual({});
  });

  it('refuses a kind cluster of the same name that it did not create, unless --adopt; down then keeps it', async () => {
    existingKindCluster(fakes, 'egress-lab');
    await expect(up({ profile: 'kind', yes: true }, fakeDeps(fakes))).rejects.toThrow(
      /already exists and egress-lab did not create it; pass --adopt/,
    );
    expect(fakes.calls().some((c) => c.argv[0] === 'create')).toBe(false);
    await up({ profile: 'kind', yes: true, adopt: true }, fakeDeps(fakes));
    expect(fakes.calls().some((c) => cmdline(c).startsWith('kind export kubeconfig --name egress-lab'))).toBe(true);
    await down({ yes: true }, fakeDeps(fakes));
    expect(fakes.state().clusters['egress-lab']).toMatchObject({
      releases: {},
      namespaces: ['default', 'kube-system'],
    });
  });

  it('a failed step exits with its command and last error line; the next up resumes and finishes', async () => {
    fakes.update(
      (s) =>
        (s.faults = [
          {
            match: '^helm upgrade --install istiod ',
            stderr: 'Error: INSTALLATION FAILED: context deadline exceeded',
            nth: 1,
          },
        ]),
    );
    const err = await up({ profile: 'kind-squid', yes: true }, fakeDeps(fakes)).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      /step istiod failed: helm upgrade --install istiod .* failed \(exit 1\): Error: INSTALLATION FAILED: context deadline exceeded/,
    );
    const ledger = readLedger('egress-lab', fakes.env)!;
    expect(ledger.steps['cluster']!.hash).not.toBe('');
    expect(ledger.steps['istiod']).toMatchObject({
      hash: '',
      releases: [{ name: 'istiod', namespace: 'istio-system' }],
    });
    expect(Object.keys(ledger.steps)).not.toContain('waypoint');
    fakes.clearCalls();
    await up({ profile: 'kind-squid', yes: true }, fakeDeps(fakes));
    const again = fakes.calls().map(cmdline);
    expect(again.some((l) => l.startsWith('kind create'))).toBe(false);
    expect(again.some((l) => l.startsWith('helm upgrade --install istiod '))).toBe(true);
    expect(Object.keys(readLedger('egress-lab', fakes.env)!.steps)).toContain('waypoint');
  });

  it('down with no lab says so and exits 0', async () => {
    const deps = fakeDeps(fakes);
    await down({ yes: true }, deps);
    expect(deps.output()).toMatch(/^nothing to remove: no lab "egress-lab"/);
  });

  it('several labs live side by side', async () => {
    await up({ profile: 'kind', yes: true, name: 'lab-a' }, fakeDeps(fakes));
    await up({ profile: 'kind-squid', yes: true, name: 'lab-b' }, fakeDeps(fakes));
    expect(Object.keys(fakes.state().clusters).sort()).toEqual(['lab-a', 'lab-b']);
    await down({ yes: true, name: 'lab-a' }, fakeDeps(fakes));
    expect(Object.keys(fakes.state().clusters)).toEqual(['lab-b']);
    expect(readLedger('lab-b', fakes.env)).toBeDefined();
  });
});
