import { describe, expect, it } from 'vitest';
import { commandLine } from '../../scripts/plan/command-line.ts';
import { renderFiles } from '../../scripts/plan/files.ts';
import { buildPlan, type Step } from '../../scripts/plan/plan.ts';
import { builtinProfileNames, loadProfile } from '../../scripts/profile/load.ts';
import { renderLab } from '../../scripts/render/render.ts';

const env = { EGRESS_LAB_HOME: '/labs', KUBECONFIG: '/home/me/.kube/config' };
const plan = (profile: string, flags = {}) => {
  const rendered = renderLab(loadProfile({ profile, ...flags }), 'demo');
  return { steps: buildPlan(rendered, env), files: renderFiles(rendered, profile) };
};
/** Where a GKE profile runs; a kind profile refuses GKE flags. */
const gkeFlagsFor = (profile: string) =>
  loadProfile({ profile }).profile.platform === 'gke'
    ? { gkeProject: 'proj-12345', gkeLocation: 'europe-west1-b' }
    : {};
const ids = (steps: readonly Step[]) => steps.map((s) => s.id);
/** Everything a step transitively needs. */
function ancestors(steps: readonly Step[], id: string): Set<string> {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const out = new Set<string>();
  const walk = (x: string): void => {
    for (const n of byId.get(x)!.needs) {
      if (out.has(n)) continue;
      out.add(n);
      walk(n);
    }
  };
  walk(id);
  return out;
}

describe('the install plan', () => {
  it('orders every step after what it needs, for every built-in profile', () => {
    for (const name of builtinProfileNames()) {
      const { steps } = plan(name, gkeFlagsFor(name));
      const seen = new Set<string>();
      for (const s of steps) {
        for (const n of s.needs) expect(seen.has(n), `${name}: ${s.id} needs ${n}`).toBe(true);
        seen.add(s.id);
      }
      expect(new Set(ids(steps)).size).toBe(steps.length);
    }
  });

  it('points every kubectl and helm call at the lab kubeconfig and context, and feeds files on stdin', () => {
    for (const name of builtinProfileNames()) {
      const { steps, files } = plan(name, gkeFlagsFor(name));
      for (const cmd of steps.flatMap((s) => [...s.run, ...s.waits])) {
        const line = commandLine(cmd);
        if (cmd.bin === 'kubectl')
          expect(cmd.args.slice(0, 4), line).toEqual([
            '--kubeconfig',
            '/labs/demo/kubeconfig',
            '--context',
            expect.stringMatching(/^(kind-demo|gke_proj-12345_europe-west1-b_demo)$/),
          ]);
        if (cmd.bin === 'helm') {
          expect(line).toMatch(
            / --kubeconfig \/labs\/demo\/kubeconfig --kube-context (kind-demo|gke_\S+) --values - < \S+\.values\.yaml$/,
          );
          expect(cmd.args).toContain('--version');
        }
        if (cmd.stdin) expect(files.has(cmd.stdin), `${line}: ${cmd.stdin} is rendered`).toBe(true);
        expect(line).not.toContain('/home/me/.kube/config');
      }
    }
  });

  it('keeps the critical path cluster → Istio → controller → waypoint and lets Squid, ext-authz and the sample overlap it', () => {
    const { steps } = plan('kind-full');
    const waypoint = ancestors(steps, 'waypoint');
    for (const need of [
      'cluster',
      'istio-base',
      'istiod',
      'istio-cni',
      'ztunnel',
      'agentgateway-crds',
      'agentgateway',
      'gateway-api',
    ])
      expect(waypoint.has(need), need).toBe(true);
    expect(ancestors(steps, 'istiod').has('gateway-api')).toBe(true);
    for (const side of ['squid', 'ext-authz']) {
      const needs = ancestors(steps, side);
      expect(needs.has('istiod') || needs.has('agentgateway'), side).toBe(false);
    }
    expect(ancestors(steps, 'sample').has('agentgateway')).toBe(false);
    expect(ancestors(steps, 'ext-authz-policy').has('waypoint')).toBe(true);
  });

  it('waits for readiness: CRDs Established, rollouts, the Gateway Programmed', () => {
    const { steps } = plan('kind-full');
    const waits = (id: string) =>
      steps
        .find((s) => s.id === id)!
        .waits.map(commandLine)
        .join('\n');
    expect(waits('gateway-api')).toContain('wait --for=condition=Established crd/gateways.gateway.networking.k8s.io');
    expect(waits('istio-base')).toContain('crd/serviceentries.networking.istio.io');
    expect(waits('istiod')).toContain('--namespace istio-system rollout status deploy/istiod');
    expect(waits('ztunnel')).toContain('rollout status ds/ztunnel');
    expect(waits('waypoint')).toContain('wait --for=condition=Programmed gateway/egress-gateway');
    expect(waits('squid')).toContain('--namespace squid rollout status deploy/squid-proxy');
    expect(waits('sample')).toContain('--namespace ns1 rollout status deploy/sleep');
  });

  it('creates a kind cluster into the lab kubeconfig, a GKE cluster with gcloud --quiet, or uses an existing one', () => {
    expect(commandLine(plan('kind').steps[0]!.run[0]!)).toBe(
      'kind create cluster --name demo --config kind-cluster.yaml --kubeconfig /labs/demo/kubeconfig',
    );
    const created = plan('gke-full', { gkeProject: 'proj-12345', gkeLocation: 'europe-west1-b' }).steps[0]!.run.map(
      commandLine,
    );
    expect(created).toEqual([
      'KUBECONFIG=/labs/demo/kubeconfig gcloud container clusters create demo --project proj-12345 --location europe-west1-b --machine-type e2-standard-4 --num-nodes 3 --labels managed-by=egress-lab,egress-lab-lab=demo --enable-dataplane-v2 --quiet',
      'KUBECONFIG=/labs/demo/kubeconfig gcloud container clusters get-credentials demo --project proj-12345 --location europe-west1-b --quiet',
    ]);
    const existing = plan('gke-full', { gkeProject: 'proj-12345', gkeLocation: 'europe-west1-b', gkeCluster: 'shared' })
      .steps[0]!;
    expect(existing.run.map(commandLine)).toEqual([
      'KUBECONFIG=/labs/demo/kubeconfig gcloud container clusters get-credentials shared --project proj-12345 --location europe-west1-b --quiet',
    ]);
  });

  it('plan.md is a runbook: before you start, verify, tear down, internet endpoints, licence markers, no machine path', () => {
    const { files } = plan('kind-full');
    const md = files.get('plan.md')!;
    expect(md).not.toContain('/labs');
    expect(md).not.toContain('/home/');
    expect(md).toMatch(/## Before you start\n[\s\S]*export EGRESS_LAB_HOME="\$\{EGRESS_LAB_HOME:-/);
    expect(md).toMatch(
      /## Verify\n\n`egress-lab verify --name demo`[\s\S]*kubectl --kubeconfig "\$EGRESS_LAB_HOME"\/demo\/kubeconfig --context kind-demo exec deploy\/sleep/,
    );
    expect(md).toMatch(/## Tear down\n\n`egress-lab down --name demo`[\s\S]*kind delete cluster --name demo/);
    expect(md).toMatch(
      /## Internet endpoints\n\n- Helm charts: `istio-release\.storage\.googleapis\.com`, `cr\.agentgateway\.dev`/,
    );
    expect(md).toMatch(/- Images: .*`docker\.io`/);
    expect(md).toMatch(/- What the lab lets out.*`httpbingo\.org`/);
    const enterprise = plan('kind-enterprise').files.get('plan.md')!;
    expect(enterprise).toMatch(
      /## Licence keys\n[\s\S]*```sh\nsed -e "s\|<from GLOO_MESH_LICENSE_KEY>\|\$GLOO_MESH_LICENSE_KEY\|g" -e "s\|<from AGENTGATEWAY_LICENSE_KEY>\|\$AGENTGATEWAY_LICENSE_KEY\|g" \S+\.values\.yaml \| helm upgrade --install \S+ [^<\n]*--values -\n```/,
    );
  });

  it('plan.md lists every step with its exact commands', () => {
    const { steps, files } = plan('kind-full');
    const md = files.get('plan.md')!;
    // plan.md names the state root by its variable: the commands are the plan's, with /labs as "$EGRESS_LAB_HOME".
    for (const s of steps)
      for (const c of [...s.run, ...s.waits])
        expect(md).toContain(commandLine(c).split('/labs').join('"$EGRESS_LAB_HOME"'));
    expect(md).toContain('Licence keys: none.');
    expect(plan('gke-full').files.get('plan.md')).toContain(
      "--project '<set --gke-project>' --location '<set --gke-location>'",
    );
  });
});
