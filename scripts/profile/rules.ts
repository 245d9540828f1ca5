import { platformFor } from '../platform/platform.ts';
import { WAYPOINT_NAMESPACE } from './layout.ts';
import { type ScenarioName, scenarioClients } from './scenarios.ts';
import type { Profile } from './schema.ts';
import type { Stack } from './stack.ts';
import { clusterSupport, kindNodeKubernetes, SUPPORT_MATRIX_FILE } from './support.ts';

type Fail = (path: PropertyKey[], message: string) => never;

/**
 * Rules of the products that a user's own profile can break, checked before anything runs (exit 2): each
 * message names the rule, the fix and where the rule comes from.
 */
export function checkUpstreamRules(profile: Profile, stack: Stack, fail: Fail): void {
  checkClientNamespace(profile, stack, fail);
  checkSeats(profile, stack, fail);
  checkScenarios(profile, fail);
  // A platform whose node image fixes the cluster's Kubernetes (kind) is checked against the stack's ranges.
  const node = platformFor(profile.platform).nodeImage;
  const k8s = node && kindNodeKubernetes(node.of(profile));
  if (!node || !k8s) return;
  const [problem] = clusterSupport(k8s, stack.versions['istio'] ?? '', stack.gatewayApi.url);
  if (problem)
    fail(
      [...node.path],
      `${problem.message}; fix: ${node.fix} or another stack (source: ${problem.source}; ranges in ${SUPPORT_MATRIX_FILE})`,
    );
}

/** The client namespace holds the ServiceEntries and the egress guard: it must be a namespace of its own. */
function checkClientNamespace(profile: Profile, stack: Stack, fail: Fail): void {
  const ns = profile.components.sample.namespace;
  const path = ['components', 'sample', 'namespace'];
  const fix = 'fix: give the sample its own namespace (the default is ns1)';
  if (ns === 'kube-system')
    fail(
      path,
      `kube-system is never in the ambient mesh (istio-cni excludes it), so the sample's traffic would not reach the waypoint; ${fix} (source: istio/istio manifests/charts/istio-cni/values.yaml@1.30.3, cni.excludeNamespaces)`,
    );
  const istio = Object.values(stack.releases).find((r) => r.role === 'istiod')?.namespace ?? 'istio-system';
  const taken: [string, string][] = [
    [WAYPOINT_NAMESPACE, "the egress waypoint's namespace"],
    [istio, "Istio's namespace"],
    [stack.controller.namespace, "the gateway controller's namespace"],
  ];
  if (profile.components.squid.mode === 'in-cluster')
    taken.push([profile.components.squid.namespace, "Squid's namespace"]);
  const hit = taken.find(([name]) => name === ns);
  if (!hit) return;
  const guard = stack.templates.egressGuard
    ? `, and the ${profile.stack} stack's egress guard (a NetworkPolicy selecting every pod of the client namespace) would cut that component off`
    : '';
  fail(
    path,
    `"${ns}" is ${hit[1]}: the sample would share it with a component the lab installs${guard}; ${fix} (source: Kubernetes NetworkPolicy, an empty podSelector selects every pod of its namespace, kubernetes.io/docs/concepts/services-networking/network-policies; the lab's templates/egress/oss-network-policy.yaml)`,
  );
}

/**
 * Seats need egress objects per client namespace (a ServiceEntry and the egress guard in each seat, the route
 * once). Only a stack that declares its per-host route apart from its ServiceEntry has that shape.
 */
function checkSeats(profile: Profile, stack: Stack, fail: Fail): void {
  if (profile.seats === 0 || (stack.templates.hostRoute && stack.templates.serviceEntry)) return;
  fail(
    ['seats'],
    `the ${profile.stack} stack steers egress with objects shared by the whole lab (its ServiceEntries in ${WAYPOINT_NAMESPACE} and ztunnel's egress policy), not per client namespace, so egress-lab builds seats on the oss stack only; fix: --stack oss (or a kind-full or gke-full profile), or no --seats`,
  );
}

/**
 * Why a stack cannot hold the packs: each pack's objects and proof are written against open-source agentgateway
 * v1.4.1 (its CRDs in ../shared/crds, its source at that tag). For the Solo builds egress-lab pins, no public
 * documentation of these features at those versions was found (docs/scenarios/README.md says what was searched).
 */
const STACK_REFUSAL: Record<string, string> = {
  seed: 'the seed stack is the seed demo exactly (Gloo Gateway 2.1.0-beta.1, Solo Istio 1.28.1-solo), whose gateway tunnels every request to Squid from its own environment and whose policy fields for TLS, authorization, backend auth and rate limits are not documented for that beta',
  enterprise:
    "Solo's enterprise agentgateway v2026.7.0 and Istio 1.29.1-solo publish no documentation for these features at those versions (only a field engineer's repository shows some), so egress-lab cannot cite what the objects do",
};

/** What a pack needs of the profile besides the oss stack. */
function scenarioNeeds(name: ScenarioName, profile: Profile): string | undefined {
  const { squid } = profile.components;
  if (name === 'proxy-auth' && squid.mode !== 'in-cluster')
    return `proxy-auth makes the lab's own Squid require a password, so it needs Squid in the cluster (components.squid.mode is ${squid.mode}); fix: --squid, or a kind-squid / kind-full profile`;
  return undefined;
}

/** Packs hold on the oss stack, with what each needs; anything else is refused (exit 2). */
function checkScenarios(profile: Profile, fail: Fail): void {
  if (profile.scenarios.length === 0) return;
  const refusal = STACK_REFUSAL[profile.stack];
  if (refusal)
    fail(
      ['scenarios'],
      `the ${profile.stack} stack cannot hold scenario packs: ${refusal}; fix: --stack oss (or --profile kind-showcase), or no --scenario`,
    );
  profile.scenarios.forEach((name, i) => {
    const problem = scenarioNeeds(name, profile);
    if (problem) fail(['scenarios', i], problem);
  });
  const long = scenarioClients(profile).find((c) => c.namespace.length > 63);
  if (long)
    fail(
      ['components', 'sample', 'namespace'],
      `the ${long.scenario} pack adds the client namespace "${long.namespace}", longer than a namespace may be (63 characters); fix: a shorter sample namespace`,
    );
}
