import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { down } from '../../scripts/lab/down.ts';
import { up } from '../../scripts/lab/up.ts';
import { readLedger } from '../../scripts/state/ledger.ts';
import { createFakes, type FakeCluster, type Fakes } from '../fakes/fakes.ts';
import { fakeDeps, GKE_FULL } from '../helpers/lab.ts';
import { addUserCluster, userGatewayApi, userThings } from '../helpers/user-cluster.ts';

let fakes: Fakes;
beforeEach(async () => (fakes = await createFakes()));
afterEach(() => fakes.cleanup());

const GKE = GKE_FULL;
const GKE_KEY = 'gke/demo-project-1/europe-west1-b/shared';
const gkeCluster = {
  platform: 'gke' as const,
  name: 'shared',
  project: 'demo-project-1',
  location: 'europe-west1-b',
  // Dataplane V2: the cluster enforces NetworkPolicy, which the lab requires of an existing GKE cluster.
  networkConfig: { datapathProvider: 'ADVANCED_DATAPATH' },
};
const cluster = (key: string) => fakes.state().clusters[key]!;
const labLabelled = (c: FakeCluster) =>
  Object.entries(c.objects)
    .filter(([, o]) => o.metadata.labels?.['app.kubernetes.io/managed-by'] === 'egress-lab')
    .map(([k]) => k);
const istioCrds = (c: FakeCluster) => Object.keys(c.crds).filter((n) => n.endsWith('.istio.io'));
/** The Gateway API CRDs: standard (gateway.networking.k8s.io) and experimental (gateway.networking.x-k8s.io) groups. */
const gatewayCrds = (c: FakeCluster) =>
  Object.keys(c.crds).filter((n) => /\.gateway\.networking\.(x-)?k8s\.io$/.test(n));
/** Each test runs up and down against the fakes: seconds each, far more on a loaded machine. */
const SLOW = 900_000;

describe("down never removes what the lab did not make (the user's namespaces, CRDs, objects)", {
  timeout: SLOW,
}, () => {
  const platforms = [
    {
      name: 'kind --adopt',
      key: 'egress-lab',
      extra: {},
      opts: { profile: 'kind-full', adopt: true, yes: true, verify: false },
    },
    { name: 'GKE --gke-cluster', key: GKE_KEY, extra: gkeCluster, opts: { ...GKE, gkeCluster: 'shared' } },
  ];
  for (const p of platforms) {
    it(`${p.name}: every pre-existing namespace, ConfigMap, HTTPRoute and Gateway API CRD is there after down, byte for byte`, async () => {
      addUserCluster(fakes, p.key, p.extra);
      const before = cluster(p.key);
      await up(p.opts, fakeDeps(fakes));
      const ledger = readLedger('egress-lab', fakes.env)!;
      expect(ledger.steps['gateway-api']!.objects ?? []).toEqual([]);
      expect(ledger.steps['gateway-api']!.borrowed).toHaveLength(12);
      await down({ yes: true }, fakeDeps(fakes));
      const after = cluster(p.key);
      expect(userThings(after, before)).toEqual(userThings(before, before));
      expect(labLabelled(after)).toEqual([]);
      // The Istio CRDs the lab's istio-base installed go too (helm keeps them); the user's stay.
      expect(istioCrds(after)).toEqual([]);
      expect(Object.keys(after.crds).sort()).toEqual(Object.keys(before.crds).sort());
    });
  }
});

describe('Istio releases of the same name that the lab did not install', { timeout: SLOW }, () => {
  it('up --adopt refuses, naming them, and neither up nor down touches them', async () => {
    const release = (name: string, chartName: string) => ({
      name,
      namespace: 'istio-system',
      chart: chartName,
      chartName,
      version: '1.22.0',
      values: {},
      revision: 1,
      status: 'deployed',
    });
    addUserCluster(fakes, 'egress-lab', {
      namespaces: ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'ns1', 'squid', 'istio-system'],
      releases: {
        'istio-system/istio-base': release('istio-base', 'base'),
        'istio-system/istiod': release('istiod', 'istiod'),
      },
    });
    const before = cluster('egress-lab');
    await expect(up({ profile: 'kind', adopt: true, yes: true, verify: false }, fakeDeps(fakes))).rejects.toThrow(
      /istio-system\/istio-base \(base 1\.22\.0, deployed\), istio-system\/istiod \(istiod 1\.22\.0, deployed\) that egress-lab did not install/,
    );
    expect(fakes.calls().filter((c) => c.bin === 'helm' && c.argv[0] !== 'status' && c.argv[0] !== 'version')).toEqual(
      [],
    );
    await down({ yes: true }, fakeDeps(fakes));
    expect(userThings(cluster('egress-lab'), before)).toEqual(userThings(before, before));
  });
});

describe('Gateway API CRDs', { timeout: SLOW }, () => {
  it('a partly failed apply records each CRD it made, and down --keep-cluster removes exactly those', async () => {
    fakes.update((s) =>
      s.faults.push({
        match: 'apply .*experimental-install',
        afterObjects: 5,
        stderr: 'error: the server was unable to return a response in the time allotted',
      }),
    );
    await expect(up({ profile: 'kind', yes: true, verify: false }, fakeDeps(fakes))).rejects.toThrow(
      /unable to return a response/,
    );
    expect(gatewayCrds(cluster('egress-lab'))).toHaveLength(5);
    expect(readLedger('egress-lab', fakes.env)!.steps['gateway-api']!.objects).toHaveLength(5);
    await down({ keepCluster: true }, fakeDeps(fakes));
    expect(gatewayCrds(cluster('egress-lab'))).toEqual([]);
  });

  it('older CRDs another manager owns: up refuses and names them; --take-over-crds applies over them; down keeps them', async () => {
    addUserCluster(fakes, 'egress-lab', { crds: userGatewayApi('v1.2.0', 'helm') });
    const opts = { profile: 'kind', adopt: true, yes: true, verify: false };
    await expect(up(opts, fakeDeps(fakes))).rejects.toThrow(
      /12 Gateway API CRDs egress-lab did not install \(v1\.2\.0, managed by helm\); the lab needs v1\.4\.0 .*--take-over-crds/,
    );
    await up({ ...opts, takeOverCrds: true }, fakeDeps(fakes));
    const taken = cluster('egress-lab').crds['httproutes.gateway.networking.k8s.io']!.object as {
      metadata: { annotations: Record<string, string> };
    };
    expect(taken.metadata.annotations['gateway.networking.k8s.io/bundle-version']).toBe('v1.4.0');
    await down({ yes: true }, fakeDeps(fakes));
    expect(gatewayCrds(cluster('egress-lab'))).toHaveLength(12);
    expect(cluster('egress-lab').objects['HTTPRoute|ns1|user-route']).toBeDefined();
  });
});

describe('down --keep-cluster on a cluster the lab created', { timeout: SLOW }, () => {
  it('removes the Istio CRDs that istio-base installed (helm keeps them on uninstall)', async () => {
    await up({ profile: 'kind', yes: true, verify: false }, fakeDeps(fakes));
    expect(istioCrds(cluster('egress-lab'))).toHaveLength(15);
    await down({ keepCluster: true }, fakeDeps(fakes));
    expect(istioCrds(cluster('egress-lab'))).toEqual([]);
    expect(Object.keys(cluster('egress-lab').crds)).toEqual([]);
  });
});
