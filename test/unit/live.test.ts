import { describe, expect, it } from 'vitest';
import type { Exec } from '../../scripts/exec/exec.ts';
import { helmAccess, kubeAccess } from '../../scripts/kube/access.ts';
import { stepChecks } from '../../scripts/lab/live.ts';
import type { Ledger, LedgerStep } from '../../scripts/state/ledger.ts';

const lab = { kubeconfig: '/labs/demo/kubeconfig', context: 'kind-demo' };
const ledger = { lab: 'demo', ...lab } as Ledger;
const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'squid-proxy', namespace: 'squid' };
const crd = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'x.example.com' };
const step: LedgerStep = {
  hash: 'h',
  component: 'squid',
  finishedAt: '',
  durationMs: 0,
  releases: [{ name: 'istio-base', namespace: 'istio-system' }],
  objects: [deployment, crd],
};
const gatewayApi: LedgerStep = { ...step, component: 'gateway-api', releases: [], objects: [crd] };
const gatewayCrd = { kind: 'CustomResourceDefinition', metadata: { name: 'gateways.gateway.networking.k8s.io' } };

/** A cluster where the release is deployed and kubectl finds `found` (the Deployment with 0 of 1 ready). */
function cluster(found: object[]) {
  const calls: string[] = [];
  const exec: Exec = async (bin, args) => {
    calls.push([bin, ...args].join(' '));
    if (bin === 'helm') return { stdout: '[{"name":"istio-base","status":"deployed"}]', stderr: '' };
    return { stdout: JSON.stringify({ items: found }), stderr: '' };
  };
  return { exec, calls };
}
const unready = { ...deployment, metadata: { name: 'squid-proxy', namespace: 'squid' }, spec: { replicas: 1 } };
const crdLive = { kind: 'CustomResourceDefinition', metadata: { name: 'x.example.com' } };

describe('the kube access flags', () => {
  it("point kubectl and helm at the lab's own kubeconfig and context", () => {
    expect(kubeAccess(lab)).toEqual(['--kubeconfig', '/labs/demo/kubeconfig', '--context', 'kind-demo']);
    expect(helmAccess(lab)).toEqual(['--kubeconfig', '/labs/demo/kubeconfig', '--kube-context', 'kind-demo']);
  });
});

describe("the live check of the lab's steps", () => {
  const steps = [
    ['squid', step],
    ['gateway-api', gatewayApi],
  ] as const;

  it('reads every object of every step in one kubectl call and the releases in one helm list per namespace', async () => {
    for (const mode of ['present', 'healthy'] as const) {
      const { exec, calls } = cluster([unready, crdLive, gatewayCrd]);
      await stepChecks(exec, ledger, steps, mode);
      expect(calls.sort()).toEqual([
        'helm list --namespace istio-system --all --max 0 --kubeconfig /labs/demo/kubeconfig --kube-context kind-demo -o json',
        'kubectl --kubeconfig /labs/demo/kubeconfig --context kind-demo get --ignore-not-found -o json -f -',
      ]);
    }
  });

  it("for up's diff: whether each thing is still there; a not-ready Deployment is there", async () => {
    const checks = await stepChecks(cluster([unready, crdLive, gatewayCrd]).exec, ledger, steps, 'present');
    expect(checks.get('squid')!.map((c) => c.ok)).toEqual([true, true, true]);
    expect(checks.get('gateway-api')).toEqual([{ what: 'Gateway API CRDs', ok: true, detail: 'present' }]);
    const gone = await stepChecks(cluster([crdLive, gatewayCrd]).exec, ledger, steps, 'present');
    expect(gone.get('squid')).toContainEqual({ what: 'Deployment squid/squid-proxy', ok: false, detail: 'not found' });
  });

  it('for status: how healthy each thing is, the CRDs judged through what uses them', async () => {
    const checks = await stepChecks(cluster([unready, crdLive, gatewayCrd]).exec, ledger, steps, 'healthy');
    expect(checks.get('squid')).toEqual([
      { what: 'helm release istio-system/istio-base', ok: true, detail: 'deployed' },
      { what: 'Deployment squid/squid-proxy', ok: false, detail: '0/1 ready' },
    ]);
    expect(checks.get('gateway-api')).toEqual([{ what: 'Gateway API CRDs', ok: true, detail: 'present' }]);
  });
});
