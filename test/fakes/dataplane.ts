// What the data plane does with a request from a pod, for the fake `kubectl exec … curl`: whether ztunnel
// captures the pod at all, whether a ServiceEntry host resolves to a captured address, which ext-authz policy
// the waypoint runs, whether the waypoint takes HBONE, and which pods the platform admits (routes.ts: whether the
// waypoint's route for the host tunnels through Squid). Each rule names the product source it was read from;
// docs/upstream-rules.md lists them with what in egress-lab relies on them.

import { arr, at, type FakeCluster, type K8sObject, rec, recs } from './types.ts';

const key = (kind: string, ns: string | undefined, name: unknown) => `${kind}|${ns ?? ''}|${name}`;
const objectsOf = (cluster: FakeCluster, kind: string) => Object.values(cluster.objects).filter((o) => o.kind === kind);
const releaseOf = (cluster: FakeCluster, chartName: string) =>
  Object.values(cluster.releases ?? {}).find((r) => r.chartName === chartName);

/**
 * Ambient is on only where the charts were told: istiod's PILOT_ENABLE_AMBIENT and istio-cni's ambient.enabled
 * default to off and come from `profile: ambient` (istio/istio 1.30.3 manifests/charts/*\/files/profile-ambient.yaml,
 * istio-cni values.yaml `ambient.enabled: false`); an explicit value wins over the profile. ztunnel must run too.
 */
function ambientInstalled(cluster: FakeCluster): boolean {
  const istiod = releaseOf(cluster, 'istiod');
  const cni = releaseOf(cluster, 'cni');
  if (!istiod || !cni || !releaseOf(cluster, 'ztunnel')) return false;
  const pilot =
    at(istiod.values, 'env', 'PILOT_ENABLE_AMBIENT') ?? at(istiod.values, 'pilot', 'env', 'PILOT_ENABLE_AMBIENT');
  const pilotOn = pilot === undefined ? at(istiod.values, 'profile') === 'ambient' : String(pilot) === 'true';
  const cniOn = at(cni.values, 'ambient', 'enabled') ?? at(cni.values, 'profile') === 'ambient';
  return pilotOn && cniOn === true;
}

/**
 * Whether istio-cni enrols the client pods of namespace `ns` (the sample Deployment `sleep`): the chart's default
 * ambient.enablementSelectors select a pod labelled istio.io/dataplane-mode=ambient, or a pod not labelled
 * `none` in a namespace labelled istio.io/dataplane-mode=ambient (istio/istio 1.30.3
 * manifests/charts/istio-cni/values.yaml). Nothing else is captured by ztunnel.
 */
export function ambientEnrolled(cluster: FakeCluster, ns: string): boolean {
  if (!ambientInstalled(cluster)) return false;
  const mode = 'istio.io/dataplane-mode';
  const nsLabels = cluster.objects[key('Namespace', undefined, ns)]?.metadata?.labels ?? {};
  const podLabels = rec(at(cluster.objects[key('Deployment', ns, 'sleep')]?.spec, 'template', 'metadata', 'labels'));
  if (podLabels[mode] === 'ambient') return true;
  return podLabels[mode] !== 'none' && nsLabels[mode] === 'ambient';
}

/**
 * A ServiceEntry host without addresses reaches ztunnel only through DNS capture: istio-cni's
 * ambient.dnsCapture (default true, istio-cni values.yaml@1.30.3) answers the pod's lookup with the address
 * istiod allocated (PILOT_ENABLE_IP_AUTOALLOCATE, default true, pilot/pkg/features/pilot.go@1.30.3). With
 * either off the pod gets the host's public address, which no ServiceEntry claims.
 */
export function serviceEntryAddressed(cluster: FakeCluster, serviceEntry: K8sObject): boolean {
  if (arr(serviceEntry.spec?.['addresses']).length > 0) return true;
  const dns = at(releaseOf(cluster, 'cni')?.values, 'ambient', 'dnsCapture');
  const istiod = releaseOf(cluster, 'istiod')?.values ?? {};
  const alloc =
    at(istiod, 'env', 'PILOT_ENABLE_IP_AUTOALLOCATE') ?? at(istiod, 'pilot', 'env', 'PILOT_ENABLE_IP_AUTOALLOCATE');
  return dns !== false && String(dns) !== 'false' && String(alloc ?? 'true') !== 'false';
}

/**
 * Whether an ext-authz policy is attached to the Gateway `gateway`: a policy's targetRefs are local references
 * (group, kind, name; no namespace), so it attaches to a Gateway of that name in the policy's own namespace
 * only (agentgateway/agentgateway v1.4.1 controller/api/v1alpha1/agentgateway/agentgateway_policy_types.go,
 * LocalPolicyTargetReference). A policy naming anything else attaches to nothing.
 */
export function extAuthAttached(cluster: FakeCluster, gateway: K8sObject): boolean {
  return Object.values(cluster.objects).some(
    (o) =>
      /AgentgatewayPolicy$/.test(o.kind) &&
      at(o.spec, 'traffic', 'extAuth') &&
      o.metadata.namespace === gateway.metadata.namespace &&
      recs(o.spec?.['targetRefs']).some(
        (t) =>
          t['group'] === 'gateway.networking.k8s.io' && t['kind'] === 'Gateway' && t['name'] === gateway.metadata.name,
      ),
  );
}

/**
 * Whether the waypoint can take the HBONE connections ztunnel opens to it. With the waypoint-inbound-binding
 * annotation (PROXY/15088, on the Gateway or its class) ztunnel terminates HBONE itself and hands the waypoint
 * PROXY protocol. Otherwise the proxy terminates HBONE with an Istio certificate, which open-source agentgateway
 * gets only with Istio integration on: spec.istio.enabled of the Gateway's AgentgatewayParameters, else any
 * spec.istio block, else the chart's istio.autoEnabled (default false) (agentgateway/agentgateway v1.4.1
 * controller/pkg/deployer/agentgateway_parameters.go istioEnabledForGateway; install/helm/agentgateway/values.yaml).
 */
export function waypointTerminatesHbone(cluster: FakeCluster, gateway: K8sObject): boolean {
  const binding = 'ambient.istio.io/waypoint-inbound-binding';
  const cls = cluster.objects[key('GatewayClass', undefined, gateway.spec?.['gatewayClassName'])];
  if (gateway.metadata.annotations?.[binding] ?? cls?.metadata?.annotations?.[binding]) return true;
  if (gateway.spec?.['gatewayClassName'] !== 'agentgateway') return true;
  const ref = rec(at(gateway.spec, 'infrastructure', 'parametersRef'));
  const params =
    ref['kind'] === 'AgentgatewayParameters'
      ? cluster.objects[key('AgentgatewayParameters', gateway.metadata.namespace, ref['name'])]
      : undefined;
  const istio = params?.spec?.['istio'];
  if (istio) return Boolean(rec(istio)['enabled'] ?? true);
  return at(releaseOf(cluster, 'agentgateway')?.values, 'istio', 'autoEnabled') === true;
}

/**
 * GKE admits pods of priority class system-node-critical (the istio-cni node agent, ztunnel) only in namespaces
 * with a ResourceQuota scoped to that class; only kube-system has one (istio.io "Platform-Specific
 * Prerequisites", GKE). The cni and ztunnel charts render such a quota themselves with resourceQuotas.enabled,
 * which `global.platform: gke` turns on (istio/istio 1.30.3 manifests/charts/istio-cni/files/profile-platform-gke.yaml,
 * templates/resourcequota.yaml). The DaemonSet keeps retrying, so the pods start once a quota exists.
 */
export function podsAdmitted(cluster: FakeCluster, workload: K8sObject): boolean {
  const ns = workload.metadata.namespace;
  if (cluster.platform !== 'gke') return true;
  // GKE Autopilot rejects a pod that adds a capability beyond its defaults (NET_RAW is GKE's own example), unless an
  // allowlist admits the workload; none exists for Istio (docs/upstream-rules.md G4).
  const added = recs(at(workload.spec, 'template', 'spec', 'containers')).flatMap((c) =>
    arr(at(c['securityContext'], 'capabilities', 'add')),
  );
  if (cluster.autopilot?.enabled && added.some((cap) => ['NET_ADMIN', 'NET_RAW', 'SYS_ADMIN'].includes(String(cap))))
    return false;
  if (ns === 'kube-system') return true;
  if (at(workload.spec, 'template', 'spec', 'priorityClassName') !== 'system-node-critical') return true;
  const quota = objectsOf(cluster, 'ResourceQuota').some(
    (q) =>
      q.metadata.namespace === ns &&
      recs(at(q.spec, 'scopeSelector', 'matchExpressions')).some(
        (e) =>
          e['scopeName'] === 'PriorityClass' &&
          e['operator'] === 'In' &&
          arr(e['values']).includes('system-node-critical'),
      ),
  );
  const chartQuota = Object.values(cluster.releases ?? {}).some(
    (r) =>
      r.namespace === ns &&
      ['cni', 'ztunnel'].includes(r.chartName ?? '') &&
      (at(r.values, 'resourceQuotas', 'enabled') === true || at(r.values, 'global', 'platform') === 'gke'),
  );
  return quota || chartQuota;
}
