// Upstream rules the lab depends on (docs/upstream-rules.md), shown the way a user would meet them: the lab
// is up, one thing the rule needs is taken away on the cluster, and verify proves the path broken at the hop
// a real cluster would break. The fakes decide like the products (test/fakes/dataplane.ts).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { kubeAccess } from '../../scripts/kube/access.ts';
import { down } from '../../scripts/lab/down.ts';
import { up } from '../../scripts/lab/up.ts';
import { readLedger } from '../../scripts/state/ledger.ts';
import type { VerifyReport } from '../../scripts/verify/report-schema.ts';
import { verifyLab } from '../../scripts/verify/verify.ts';
import { createFakes, type FakeState, type Fakes } from '../fakes/fakes.ts';
import { fakeDeps } from '../helpers/lab.ts';

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
};

let fakes: Fakes;
let afterUp: FakeState;
beforeAll(async () => {
  fakes = await createFakes();
  await up({ profile: 'kind-full', yes: true, verify: false }, fakeDeps(fakes));
  afterUp = fakes.state();
}, 180_000);
afterAll(() => fakes.cleanup());
beforeEach(() => fakes.update((s) => Object.assign(s, structuredClone(afterUp))));

const cluster = (s: FakeState) => s.clusters['egress-lab']!;
/** Changes one object of the lab's cluster, as `kubectl edit` would. */
const edit = (kind: string, ns: string | undefined, name: string, change: (o: Obj) => void) =>
  fakes.update((s) => change(cluster(s).objects[`${kind}|${ns ?? ''}|${name}`] as Obj));
/** Puts a new object into the lab's cluster, as `kubectl apply` would. */
const add = (o: Obj) =>
  fakes.update((s) => {
    cluster(s).objects[`${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`] = o;
  });
/** Changes the values of the release of one chart, as `helm upgrade --reuse-values --set …` would. */
const helmValues = (chart: string, change: (v: Record<string, unknown>) => void) =>
  fakes.update((s) => {
    const rel = Object.values(cluster(s).releases).find((r) => r.chart.split('/').at(-1) === chart)!;
    change(rel.values as Record<string, unknown>);
  });
const run = () =>
  verifyLab(readLedger('egress-lab', fakes.env)!, { exec: fakeDeps(fakes).exec, sleep: async () => undefined });
const status = (r: VerifyReport) => Object.fromEntries(r.hops.map((h) => [h.hop, h.status]));
/** The path breaks before the gateway proves anything: ztunnel's hop (or the gateway's) is the first broken one. */
const brokenBeforeGateway = (r: VerifyReport) => {
  expect(r.ok).toBe(false);
  expect(['ztunnel', 'gateway']).toContain(r.firstBroken);
  expect(['failed', 'not-reached']).toContain(status(r).gateway);
};

describe('upstream rules, enforced by the fakes', () => {
  it('the experimental Gateway API CRDs install only server-side: the HTTPRoute CRD is too large for client-side apply', async () => {
    const ledger = readLedger('egress-lab', fakes.env)!;
    const url = 'https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.4.0/experimental-install.yaml';
    const { exec } = fakeDeps(fakes);
    await expect(exec('kubectl', [...kubeAccess(ledger), 'apply', '-f', url])).rejects.toThrow(
      /"httproutes\.gateway\.networking\.k8s\.io" is invalid: metadata\.annotations: Too long/,
    );
    const serverSide = ['apply', '--server-side', '--field-manager', 'egress-lab', '-f', url];
    await expect(exec('kubectl', [...kubeAccess(ledger), ...serverSide])).resolves.toBeTruthy();
  });

  it('the lab as rendered passes: every rule below holds for it', async () => {
    const r = await run();
    expect(r.ok).toBe(true);
  });

  it('istio-cni enrols only pods of a namespace labelled istio.io/dataplane-mode=ambient: unlabelled, nothing reaches the gateway', async () => {
    edit('Namespace', undefined, 'ns1', (o) => delete o.metadata.labels?.['istio.io/dataplane-mode']);
    const r = await run();
    brokenBeforeGateway(r);
    expect(r.requests.find((q) => q.name === 'allowed')?.status).toBe(0);
  });

  it('a pod labelled istio.io/dataplane-mode=none opts out of an ambient namespace', async () => {
    edit('Deployment', 'ns1', 'sleep', (o) => {
      const template = (o.spec as { template: { metadata: { labels: Record<string, string> } } }).template;
      template.metadata.labels['istio.io/dataplane-mode'] = 'none';
    });
    brokenBeforeGateway(await run());
  });

  it('ambient is on only with profile: ambient on istiod (PILOT_ENABLE_AMBIENT)', async () => {
    helmValues('istiod', (v) => delete v['profile']);
    brokenBeforeGateway(await run());
  });

  it('ambient is on only with profile: ambient on istio-cni (ambient.enabled)', async () => {
    helmValues('cni', (v) => delete v['profile']);
    brokenBeforeGateway(await run());
  });

  it('a ServiceEntry host is captured only through DNS capture (istio-cni ambient.dnsCapture)', async () => {
    helmValues('cni', (v) => (v['ambient'] = { dnsCapture: false }));
    brokenBeforeGateway(await run());
  });

  it('open-source agentgateway terminates HBONE only with Istio integration on (AgentgatewayParameters spec.istio)', async () => {
    edit('AgentgatewayParameters', 'common-infrastructure', 'egress-gateway', (o) => delete o.spec?.['istio']);
    brokenBeforeGateway(await run());
  });

  it('an AgentgatewayPolicy attaches only to the Gateway its targetRef names in its own namespace: ext-authz is skipped otherwise', async () => {
    edit('AgentgatewayPolicy', 'common-infrastructure', 'gateway-ext-auth-policy', (o) => {
      (o.spec as { targetRefs: { name: string }[] }).targetRefs[0]!.name = 'another-gateway';
    });
    const r = await run();
    expect(r.ok).toBe(false);
    expect(r.requests.find((q) => q.name === 'denied')?.status).toBe(200);
    expect(status(r)['ext-authz']).toBe('failed');
  });

  it('an HTTPRoute whose sectionName names no listener does not attach: the waypoint goes straight to the host, never through Squid', async () => {
    edit('HTTPRoute', 'common-infrastructure', 'httpbingo-org', (o) => {
      (o.spec as { parentRefs: { sectionName: string }[] }).parentRefs[0]!.sectionName = 'http';
    });
    const r = await run();
    expect(r.ok).toBe(false);
    expect(r.firstBroken).toBe('squid');
    // The controller's own verdict on the route is in the hint.
    expect(r.hops.find((h) => h.hop === 'squid')?.hint).toMatch(
      /HTTPRoute common-infrastructure\/httpbingo-org says Gateway common-infrastructure\/egress-gateway: Accepted=False NoMatchingParent: No listener with the specified sectionName on the parent Gateway/,
    );
  });

  it('a route backendRef into another namespace needs a ReferenceGrant there (BackendRefGrantMode route)', async () => {
    const backend = afterUp.clusters['egress-lab']!.objects['AgentgatewayBackend|common-infrastructure|httpbingo-org'];
    fakes.update((s) => {
      const objects = cluster(s).objects;
      delete objects['AgentgatewayBackend|common-infrastructure|httpbingo-org'];
      objects['AgentgatewayBackend|squid|httpbingo-org'] = {
        ...structuredClone(backend!),
        metadata: { name: 'httpbingo-org', namespace: 'squid' },
      };
    });
    edit('HTTPRoute', 'common-infrastructure', 'httpbingo-org', (o) => {
      const rules = (o.spec as { rules: { backendRefs: { namespace?: string }[] }[] }).rules;
      rules[0]!.backendRefs[0]!.namespace = 'squid';
    });
    const broken = await run();
    expect(broken.firstBroken).toBe('squid');
    expect(broken.hops.find((h) => h.hop === 'squid')?.hint).toMatch(
      /ResolvedRefs=False RefNotPermitted: backendRef squid\/httpbingo-org not accessible to a HTTPRoute in namespace "common-infrastructure" \(missing a ReferenceGrant\?\)/,
    );
    add({
      apiVersion: 'gateway.networking.k8s.io/v1beta1',
      kind: 'ReferenceGrant',
      metadata: { name: 'routes-from-common-infrastructure', namespace: 'squid' },
      spec: {
        from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'common-infrastructure' }],
        to: [{ group: 'agentgateway.dev', kind: 'AgentgatewayBackend' }],
      },
    });
    expect((await run()).ok).toBe(true);
  });

  it("a tunnel to a port the proxy's Service does not expose goes nowhere: no Squid line", async () => {
    edit('Service', 'squid', 'squid-proxy', (o) => {
      (o.spec as { ports: { port: number }[] }).ports[0]!.port = 3129;
    });
    expect((await run()).firstBroken).toBe('squid');
  });
});

describe('upstream rules on GKE', () => {
  let gkeFakes: Fakes;
  const key = 'gke/demo-project-1/europe-west1-b/egress-lab';
  beforeAll(async () => {
    gkeFakes = await createFakes();
    const gke = { profile: 'gke-full', gkeProject: 'demo-project-1', gkeLocation: 'europe-west1-b', yes: true };
    await up({ ...gke, verify: false }, fakeDeps(gkeFakes));
  }, 180_000);
  afterAll(() => gkeFakes.cleanup());

  it('node-critical pods (istio-cni, ztunnel) start outside kube-system only with a ResourceQuota for their priority class', async () => {
    const ledger = readLedger('egress-lab', gkeFakes.env)!;
    const { exec } = fakeDeps(gkeFakes);
    const rollout = () =>
      exec('kubectl', [...kubeAccess(ledger), '--namespace', 'istio-system', 'rollout', 'status', 'ds/ztunnel']);
    await expect(rollout()).resolves.toBeTruthy();
    const quota = gkeFakes.state().clusters[key]!.objects['ResourceQuota|istio-system|gcp-critical-pods'];
    gkeFakes.update((s) => {
      const c = s.clusters[key]!;
      delete c.objects['ResourceQuota|istio-system|gcp-critical-pods'];
      (c.releases['istio-system/istio-cni']!.values as { global: Record<string, unknown> }).global = {};
    });
    await expect(rollout()).rejects.toThrow(/timed out waiting for the condition/);
    gkeFakes.update((s) => {
      s.clusters[key]!.objects['ResourceQuota|istio-system|gcp-critical-pods'] = quota!;
    });
    await expect(rollout()).resolves.toBeTruthy();
  });
});

describe('kubectl apply --server-side names every object it applied, created or already there', () => {
  it('on an adopted cluster, down leaves the Gateway API CRDs and the namespace that were there before', async () => {
    const own = await createFakes();
    try {
      const crd = (plural: string, kind: string) => [
        `${plural}.gateway.networking.k8s.io`,
        { group: 'gateway.networking.k8s.io', kind },
      ];
      own.update((s) => {
        s.clusters['egress-lab'] = {
          platform: 'kind',
          server: 'https://127.0.0.1:39997',
          crds: Object.fromEntries([
            crd('gateways', 'Gateway'),
            crd('httproutes', 'HTTPRoute'),
            crd('gatewayclasses', 'GatewayClass'),
          ]),
          objects: {
            'Namespace||ns1': { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns1' } },
            'ConfigMap|ns1|theirs': {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name: 'theirs', namespace: 'ns1' },
            },
          },
          releases: {},
          namespaces: ['default', 'kube-system', 'ns1'],
        };
      });
      // Three CRDs without a Gateway API release annotation: egress-lab applies over them only when told to.
      await up({ profile: 'kind', yes: true, adopt: true, takeOverCrds: true, verify: false }, fakeDeps(own));
      expect(own.state().clusters['egress-lab']!.crds['grpcroutes.gateway.networking.k8s.io']).toBeDefined();
      await down({ yes: true }, fakeDeps(own));
      const after = own.state().clusters['egress-lab']!;
      expect(Object.keys(after.crds).sort()).toEqual([
        'gatewayclasses.gateway.networking.k8s.io',
        'gateways.gateway.networking.k8s.io',
        'httproutes.gateway.networking.k8s.io',
      ]);
      expect(after.namespaces).toContain('ns1');
      expect(after.objects['ConfigMap|ns1|theirs']).toBeDefined();
      expect(after.objects['Deployment|ns1|sleep']).toBeUndefined();
    } finally {
      own.cleanup();
    }
  }, 300_000);
});
