// What the data plane does with a request from a pod, for the fake `kubectl exec … curl`: whether ztunnel
// captures the pod at all, whether a ServiceEntry host resolves to a captured address, which ext-authz policy
// the waypoint runs, and whether the waypoint's route for the host tunnels through Squid. Each rule names the
// product source it was read from; docs/upstream-rules.md lists them with what in egress-lab relies on them.

import { arr, at, type FakeCluster, type Json, type K8sObject, rec, recs, str, strs } from './types.ts';

const key = (kind: string, ns: string | undefined, name: unknown) => `${kind}|${ns ?? ''}|${name}`;
const objectsOf = (cluster: FakeCluster, kind: string) => Object.values(cluster.objects).filter((o) => o.kind === kind);
const releaseOf = (cluster: FakeCluster, chartName: string) =>
  Object.values(cluster.releases ?? {}).find((r) => r.chartName === chartName);
const hostMatches = (pattern: string, host: string) =>
  pattern === host || (pattern.startsWith('*.') && host.endsWith(pattern.slice(1)));

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

/** The Deployment behind Service `ns/name` when the Service exposes `port`: a Service nothing selects goes nowhere. */
function serviceWorkload(
  cluster: FakeCluster,
  ns: string | undefined,
  name: unknown,
  port: unknown,
): K8sObject | undefined {
  const svc = cluster.objects[key('Service', ns, name)];
  if (!svc || !recs(svc.spec?.['ports']).some((p) => p['port'] === Number(port))) return undefined;
  const selector = Object.entries(rec(svc.spec?.['selector']));
  if (selector.length === 0) return undefined;
  return objectsOf(cluster, 'Deployment').find(
    (d) =>
      d.metadata.namespace === ns &&
      selector.every(([k, v]) => at(d.spec, 'template', 'metadata', 'labels', k) === v || d.metadata.labels?.[k] === v),
  );
}

/** A tunnel's backendRef (kind Service, namespace defaulting to the referrer's) to the proxy Deployment. */
function tunnelTarget(cluster: FakeCluster, ref: unknown, fromNs: string | undefined): K8sObject | undefined {
  if (!ref) return undefined;
  const r = rec(ref);
  if ((r['kind'] ?? 'Service') !== 'Service' || (r['group'] ?? '') !== '') return undefined;
  return serviceWorkload(cluster, str(r['namespace']) ?? fromNs, r['name'], r['port']);
}

/** Whether a ReferenceGrant in `toNs` lets HTTPRoutes of `fromNs` reference `kind` objects there (Gateway API v1.4.0). */
function referenceGranted(
  cluster: FakeCluster,
  fromNs: string | undefined,
  toNs: string | undefined,
  group: string,
  kind: string,
  name: unknown,
): boolean {
  return objectsOf(cluster, 'ReferenceGrant').some(
    (g) =>
      g.metadata.namespace === toNs &&
      recs(g.spec?.['from']).some(
        (f) => f['group'] === 'gateway.networking.k8s.io' && f['kind'] === 'HTTPRoute' && f['namespace'] === fromNs,
      ) &&
      recs(g.spec?.['to']).some(
        (t) => t['group'] === group && t['kind'] === kind && (t['name'] === undefined || t['name'] === name),
      ),
  );
}

/**
 * How agentgateway's controller judges one parentRef of an HTTPRoute (agentgateway v1.4.1
 * controller/pkg/agentgateway/translator/route_collections.go ProcessParentReferences): the route attaches to
 * the listeners of the parent Gateway that its sectionName names (all when none is named) and that admit it
 * (allowedRoutes default `from: Same`, Gateway API v1.4.0 ListenerNamespaces). When none does, Accepted is False
 * with, in this order, NotAllowedByListeners "Parent listener not usable or not permitted" (the Gateway is in
 * another namespace than the route), NoMatchingParent "No listener with the specified sectionName on the parent
 * Gateway" (a sectionName or port was given), else NoMatchingListenerHostname "No route hostnames intersect any
 * listener hostname". A parentRef naming no Gateway gets no status entry (undefined).
 */
/** How the controller judges one parentRef: the Gateway it names, whether the route attached, and why. */
export interface ParentVerdict {
  gateway: K8sObject;
  accepted: boolean;
  reason: string;
  message: string;
}

export function routeParentVerdict(cluster: FakeCluster, route: K8sObject, parentRef: Json): ParentVerdict | undefined {
  const routeNs = route.metadata.namespace;
  const gwNs = str(parentRef['namespace']) ?? routeNs;
  const gateway = cluster.objects[key('Gateway', gwNs, parentRef['name'])];
  if (!gateway) return undefined;
  const attached = recs(gateway.spec?.['listeners']).some((l) => {
    if (parentRef['sectionName'] && l['name'] !== parentRef['sectionName']) return false;
    if (parentRef['port'] && l['port'] !== parentRef['port']) return false;
    const from = at(l, 'allowedRoutes', 'namespaces', 'from') ?? 'Same';
    const admitted = from === 'All' || (from === 'Same' && routeNs === gwNs) || from === 'Selector';
    const hosts = strs(route.spec?.['hostnames']);
    const hostname = str(l['hostname']);
    return admitted && (!hostname || !hosts.length || hosts.some((h) => hostMatches(hostname, h)));
  });
  if (attached) return { gateway, accepted: true, reason: 'Accepted', message: '' };
  if (gwNs !== routeNs)
    return {
      gateway,
      accepted: false,
      reason: 'NotAllowedByListeners',
      message: 'Parent listener not usable or not permitted',
    };
  if (parentRef['sectionName'] || parentRef['port'])
    return {
      gateway,
      accepted: false,
      reason: 'NoMatchingParent',
      message: 'No listener with the specified sectionName on the parent Gateway',
    };
  return {
    gateway,
    accepted: false,
    reason: 'NoMatchingListenerHostname',
    message: 'No route hostnames intersect any listener hostname',
  };
}

/**
 * Whether a route's backendRefs resolve (agentgateway v1.4.1 controller/pkg/agentgateway/translator/
 * conversion.go): one into another namespace needs a ReferenceGrant there (BackendRefGrantMode default `route`,
 * controller/api/settings/settings.go), else ResolvedRefs False RefNotPermitted "backendRef NS/NAME not
 * accessible to a HTTPRoute in namespace "NS" (missing a ReferenceGrant?)"; one naming no object is
 * BackendNotFound. Returns the failing condition's reason and message, or undefined when all resolve.
 */
export function routeBackendProblem(
  cluster: FakeCluster,
  route: K8sObject,
): { reason: string; message: string } | undefined {
  const ns = route.metadata.namespace;
  for (const rule of recs(route.spec?.['rules']))
    for (const ref of recs(rule['backendRefs'])) {
      if (ref['group'] !== 'agentgateway.dev' || ref['kind'] !== 'AgentgatewayBackend') continue;
      const toNs = str(ref['namespace']) ?? ns;
      const name = String(ref['name']);
      if (toNs !== ns && !referenceGranted(cluster, ns, toNs, 'agentgateway.dev', 'AgentgatewayBackend', ref['name']))
        return {
          reason: 'RefNotPermitted',
          message: `backendRef ${toNs}/${name} not accessible to a HTTPRoute in namespace "${ns}" (missing a ReferenceGrant?)`,
        };
      if (!cluster.objects[key('AgentgatewayBackend', toNs, ref['name'])])
        return { reason: 'BackendNotFound', message: `AgentgatewayBackend ${toNs}/${name} not found` };
    }
  return undefined;
}

/** Whether an HTTPRoute rule's matches take a request with these headers ("name: value" strings); no matches: any. */
function ruleMatches(rule: Json, headers: string[]): { ok: boolean; headerMatches: number } {
  const matches = recs(rule['matches']);
  if (matches.length === 0) return { ok: true, headerMatches: 0 };
  const sent = new Map(
    headers.map((h) => [(h.split(':')[0] ?? '').trim().toLowerCase(), h.slice(h.indexOf(':') + 1).trim()]),
  );
  for (const m of matches) {
    const want = recs(m['headers']);
    if (want.every((w) => sent.get(String(w['name']).toLowerCase()) === w['value']))
      return { ok: true, headerMatches: want.length };
  }
  return { ok: false, headerMatches: 0 };
}

/**
 * Open-source agentgateway: the HTTPRoute rule and AgentgatewayBackend that take a request for `host`: among the
 * routes attached to a listener of the waypoint (routeParentVerdict) whose hostnames match, the rule whose
 * matches take the request's headers, the one with the most header matches first (Gateway API v1.4.0 HTTPRoute
 * precedence); its backendRef must be an AgentgatewayBackend, resolved as routeBackendProblem says. undefined
 * when no route takes it.
 */
export function ossRouteBackend(
  cluster: FakeCluster,
  gateway: K8sObject,
  host: string,
  headers: string[] = [],
): { route: K8sObject; backend: K8sObject } | undefined {
  const gwNs = gateway.metadata.namespace;
  const candidates: { route: K8sObject; rule: Json; headerMatches: number }[] = [];
  for (const route of objectsOf(cluster, 'HTTPRoute')) {
    const routeNs = route.metadata.namespace;
    const attached = recs(route.spec?.['parentRefs']).some(
      (p) =>
        p['name'] === gateway.metadata.name &&
        (p['namespace'] ?? routeNs) === gwNs &&
        routeParentVerdict(cluster, route, p)?.accepted,
    );
    if (!attached) continue;
    if (!strs(route.spec?.['hostnames']).some((h) => hostMatches(h, host))) continue;
    for (const rule of recs(route.spec?.['rules'])) {
      const match = ruleMatches(rule, headers);
      if (match.ok) candidates.push({ route, rule, headerMatches: match.headerMatches });
    }
  }
  candidates.sort((a, b) => b.headerMatches - a.headerMatches);
  for (const { route, rule } of candidates) {
    const routeNs = route.metadata.namespace;
    for (const ref of recs(rule['backendRefs'])) {
      if (ref['group'] !== 'agentgateway.dev' || ref['kind'] !== 'AgentgatewayBackend') continue;
      const backendNs = str(ref['namespace']) ?? routeNs;
      // An unresolved backendRef: agentgateway keeps the route and answers 500 (route_collections.go); the
      // fakes send the request on without the tunnel instead, which breaks the same hop (no Squid line).
      if (
        backendNs !== routeNs &&
        !referenceGranted(cluster, routeNs, backendNs, 'agentgateway.dev', 'AgentgatewayBackend', ref['name'])
      )
        continue;
      const backend = cluster.objects[key('AgentgatewayBackend', backendNs, ref['name'])];
      if (backend) return { route, backend };
    }
  }
  return undefined;
}

/**
 * The proxy a backend's tunnel policy reaches: a Service reference (namespace defaulting to the backend's), or an
 * AgentgatewayBackend whose static host is a Service's cluster name (NAME.NS.svc.cluster.local), whose inline
 * policies then apply to the tunnel (agentgateway v1.4.1 proxy/mod.rs: inline policies of a Backend reference are
 * used; http/auth/mod.rs apply_tunnel_auth). Returns { proxy, via } or undefined.
 */
export function tunnelOf(
  cluster: FakeCluster,
  backend: K8sObject | undefined,
): { proxy: K8sObject; via?: K8sObject | undefined } | undefined {
  const tunnelRef = at(backend?.spec, 'policies', 'tunnel', 'backendRef');
  const ns = backend?.metadata?.namespace;
  if (!tunnelRef) return undefined;
  const ref = rec(tunnelRef);
  if (ref['group'] === 'agentgateway.dev' && ref['kind'] === 'AgentgatewayBackend') {
    const via = cluster.objects[key('AgentgatewayBackend', str(ref['namespace']) ?? ns, ref['name'])];
    const m = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local$/.exec(str(at(via?.spec, 'static', 'host')) ?? '');
    const proxy = m && serviceWorkload(cluster, m[2], m[1], at(via?.spec, 'static', 'port'));
    return proxy ? { proxy, via } : undefined;
  }
  const proxy = tunnelTarget(cluster, tunnelRef, ns);
  return proxy ? { proxy } : undefined;
}

/**
 * Open-source agentgateway: a host leaves through a proxy only via the route and backend ossRouteBackend finds,
 * when the backend carries a tunnel policy (tunnelOf); a policy's own backendRefs (the tunnel's Service) need no
 * ReferenceGrant. Without a matching route the request goes straight to the host.
 */
function ossTunnel(cluster: FakeCluster, gateway: K8sObject, host: string, headers: string[]): K8sObject | undefined {
  return tunnelOf(cluster, ossRouteBackend(cluster, gateway, host, headers)?.backend)?.proxy;
}

/**
 * Where the waypoint sends `host`: the proxy Deployment (Squid) it tunnels through, or undefined when it goes
 * straight to the host. Enterprise: an EnterpriseAgentgatewayPolicy whose targetRef names the host's
 * ServiceEntry carries backend.tunnel (the seed repository's README, no public source). Seed: the gateway image
 * tunnels everything to its PROXY_DESTINATION (host:port of a Service).
 */
export function tunnelFor(
  cluster: FakeCluster,
  gateway: K8sObject,
  host: string,
  headers: string[] = [],
): K8sObject | undefined {
  for (const p of objectsOf(cluster, 'GatewayParameters')) {
    const dest =
      str(recs(at(p.spec, 'kube', 'agentgateway', 'env')).find((e) => e['name'] === 'PROXY_DESTINATION')?.['value']) ??
      '';
    const [svcHost = '', port] = dest.split(':');
    const [name, ns] = svcHost.split('.');
    if (name && ns) return serviceWorkload(cluster, ns, name, port);
  }
  for (const p of objectsOf(cluster, 'EnterpriseAgentgatewayPolicy')) {
    const ses = recs(p.spec?.['targetRefs']).filter((t) => t['kind'] === 'ServiceEntry');
    const matches = ses.some((t) =>
      strs(cluster.objects[key('ServiceEntry', p.metadata.namespace, t['name'])]?.spec?.['hosts']).some((h) =>
        hostMatches(h, host),
      ),
    );
    if (matches) return tunnelTarget(cluster, at(p.spec, 'backend', 'tunnel', 'backendRef'), p.metadata.namespace);
  }
  return ossTunnel(cluster, gateway, host, headers);
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
