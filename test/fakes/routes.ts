// How the egress waypoint routes a request (open-source agentgateway, the enterprise policy, the seed image): which
// HTTPRoute and AgentgatewayBackend take a host, how the controller judges a route's parents and backendRefs, and
// which proxy a backend's tunnel reaches. Each rule names the product source it was read from; docs/upstream-rules.md
// lists them with what in egress-lab relies on them.

import { at, type FakeCluster, type Json, type K8sObject, rec, recs, str, strs } from './types.ts';

const key = (kind: string, ns: string | undefined, name: unknown) => `${kind}|${ns ?? ''}|${name}`;
const objectsOf = (cluster: FakeCluster, kind: string) => Object.values(cluster.objects).filter((o) => o.kind === kind);
const hostMatches = (pattern: string, host: string) =>
  pattern === host || (pattern.startsWith('*.') && host.endsWith(pattern.slice(1)));

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
