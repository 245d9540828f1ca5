// What istiod decides for the fakes: which waypoint a ServiceEntry is bound to, and the status it writes.
// Read from istio/istio 1.30.3:
// - pilot/pkg/serviceregistry/ambient/waypoints.go: fetchWaypointForTarget (the object's istio.io/use-waypoint
//   label, else its namespace's; istio.io/use-waypoint-namespace overrides the namespace; "none" opts out),
//   gatewayToWaypointTransform (a Gateway is a waypoint only once status.addresses is set), makeInboundBinding
//   (ambient.istio.io/waypoint-inbound-binding on the Gateway, else its GatewayClass), makeAllowedRoutes (the
//   bound listener, else the HBONE listener on 15008, else Same), makeWaypointSelector (no allowedRoutes or no
//   namespaces: Same), AllowsAttachmentFromNamespace (All, Selector on the namespace's labels, Same).
// - pilot/pkg/serviceregistry/ambient/status.go: the reasons WaypointIsNotReady, AttachmentDenied,
//   UnsupportedTrafficType and their messages.
// - pilot/pkg/model/service.go (GetConditions): condition istio.io/WaypointBound, True with reason
//   WaypointAccepted and "Successfully attached to waypoint NS/NAME", False with the error's reason; no
//   condition when nothing asks for a waypoint.
// - pkg/config/constants/constants.go: WaypointSandwichListenerProxyProtocol = "istio.io/PROXY".

import { arr, type FakeCluster, type Json, type K8sObject, rec, recs, str, strs } from './types.ts';

const BINDING = 'ambient.istio.io/waypoint-inbound-binding';
const key = (kind: string, ns: string | undefined, name: string | undefined) => `${kind}|${ns ?? ''}|${name}`;

/** The namespace's labels as the API server keeps them: kubernetes.io/metadata.name is always set. */
export function namespaceLabels(cluster: FakeCluster, name: string): Record<string, string> {
  const labels = cluster.objects[key('Namespace', undefined, name)]?.metadata?.labels ?? {};
  return { ...labels, 'kubernetes.io/metadata.name': name };
}

/** A metav1.LabelSelector against a label set. */
export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  if (!selector) return false;
  const { matchLabels, matchExpressions } = rec(selector);
  for (const [k, v] of Object.entries(rec(matchLabels))) if (labels[k] !== v) return false;
  for (const expression of recs(matchExpressions)) {
    const k = str(expression['key']) ?? '';
    const operator = expression['operator'];
    const values = strs(expression['values']);
    const has = Object.hasOwn(labels, k);
    if (operator === 'In' && !(has && values.includes(labels[k] ?? ''))) return false;
    if (operator === 'NotIn' && has && values.includes(labels[k] ?? '')) return false;
    if (operator === 'Exists' && !has) return false;
    if (operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function inboundBinding(cluster: FakeCluster, gateway: K8sObject): { protocol: string; port: number } | undefined {
  const cls = cluster.objects[key('GatewayClass', undefined, str(gateway.spec?.['gatewayClassName']))];
  const value = gateway.metadata.annotations?.[BINDING] ?? cls?.metadata?.annotations?.[BINDING];
  if (!value) return undefined;
  const [protocol, port] = value.split('/');
  if (protocol !== 'PROXY' && protocol !== 'NONE') return undefined;
  return { protocol, port: port ? Number(port) : 0 };
}

/** The listener whose allowedRoutes decide who may use the waypoint. */
function admissionListener(cluster: FakeCluster, gateway: K8sObject): Json | undefined {
  const listeners = recs(gateway.spec?.['listeners']);
  const binding = inboundBinding(cluster, gateway);
  if (binding) {
    const bound = listeners.find((l) =>
      binding.port ? l['port'] === binding.port : binding.protocol === 'PROXY' && l['protocol'] === 'istio.io/PROXY',
    );
    if (bound) return bound;
  }
  return listeners.find((l) => l['protocol'] === 'HBONE' && l['port'] === 15008);
}

/** Whether the waypoint Gateway admits objects of namespace `ns`. */
export function waypointAdmits(cluster: FakeCluster, gateway: K8sObject, ns: string): boolean {
  const namespaces = rec(rec(admissionListener(cluster, gateway)?.['allowedRoutes'])['namespaces']);
  const from = namespaces['from'] ?? 'Same';
  if (from === 'All') return true;
  if (from === 'Selector') return selectorMatches(namespaces['selector'], namespaceLabels(cluster, ns));
  return gateway.metadata.namespace === ns;
}

/** A waypoint reference: its name and namespace. */
interface WaypointRef {
  name: string;
  namespace: string;
}

function useWaypoint(
  labels: Record<string, string> | undefined,
  fallbackNamespace: string,
): WaypointRef | 'none' | undefined {
  const name = labels?.['istio.io/use-waypoint'];
  if (name === undefined) return undefined;
  if (name === 'none') return 'none';
  return { name, namespace: labels?.['istio.io/use-waypoint-namespace'] ?? fallbackNamespace };
}

function trafficType(cluster: FakeCluster, gateway: K8sObject): string {
  const cls = cluster.objects[key('GatewayClass', undefined, str(gateway.spec?.['gatewayClassName']))];
  return (
    gateway.metadata.labels?.['istio.io/waypoint-for'] ?? cls?.metadata?.labels?.['istio.io/waypoint-for'] ?? 'service'
  );
}

/** istiod's answer for a Service or ServiceEntry: { waypoint } bound, { error } refused, or {} (none asked). */
/** istiod's binding of a service to a waypoint. */
export interface WaypointBinding {
  waypoint?: K8sObject;
  name?: string;
  error?: { reason: string; message: string };
}

export function serviceWaypoint(cluster: FakeCluster, obj: K8sObject): WaypointBinding {
  const ns = obj.metadata.namespace ?? 'default';
  let ref = useWaypoint(obj.metadata.labels, ns);
  if (ref === 'none') return {};
  if (!ref) {
    const fromNs = useWaypoint(cluster.objects[key('Namespace', undefined, ns)]?.metadata?.labels, ns);
    if (!fromNs || fromNs === 'none') return {};
    ref = fromNs;
  }
  const name = `${ref.namespace}/${ref.name}`;
  const gateway = cluster.objects[key('Gateway', ref.namespace, ref.name)];
  if (!gateway || !arr(gateway.status?.['addresses']).length)
    return { error: { reason: 'WaypointIsNotReady', message: `waypoint "${name}" is not ready` } };
  if (!waypointAdmits(cluster, gateway, ns))
    return {
      error: {
        reason: 'AttachmentDenied',
        message: `we are not permitted to attach to waypoint "${name}" (missing allowedRoutes?)`,
      },
    };
  if (!['service', 'all'].includes(trafficType(cluster, gateway)))
    return {
      error: {
        reason: 'UnsupportedTrafficType',
        message: `attempting to bind to traffic type "service" which the waypoint "${name}" does not support`,
      },
    };
  return { waypoint: gateway, name };
}

/** What istiod writes into each ServiceEntry's status, while istiod runs. */
export function reconcileIstio(cluster: FakeCluster): void {
  const istiod = Object.values(cluster.releases ?? {}).some((r) => r.chartName === 'istiod');
  for (const o of Object.values(cluster.objects)) {
    if (o.kind !== 'ServiceEntry' || !istiod) continue;
    const { waypoint, name, error } = serviceWaypoint(cluster, o);
    const others = arr(o.status?.['conditions']).filter((c) => rec(c)['type'] !== 'istio.io/WaypointBound');
    const bound = waypoint
      ? {
          type: 'istio.io/WaypointBound',
          status: 'True',
          reason: 'WaypointAccepted',
          message: `Successfully attached to waypoint ${name}`,
        }
      : error && { type: 'istio.io/WaypointBound', status: 'False', reason: error.reason, message: error.message };
    o.status = { ...(o.status ?? {}), conditions: bound ? [...others, bound] : others };
  }
}
