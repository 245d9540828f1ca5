// The status the lab's controllers write on the objects verify and status read, computed when the object is
// read, as a running controller keeps it current:
// - agentgateway's controller on a policy (agentgateway v1.4.1 controller/pkg/agentgateway/plugins/
//   traffic_plugin.go: one ancestor per Gateway the target resolves to, Accepted True Valid "Policy accepted"
//   and Attached True Attached "Attached to all targets"; a target that does not exist gives the ancestor
//   "StatusSummary" with Attached False Pending "Policy is not attached: KIND NS/NAME not found";
//   pluginsdk/reporter/types.go for the messages); on a backend, condition Accepted (False TranslationError when
//   its auth policy reads a missing Secret or key, ./backend-auth.mjs).
// - istiod on a ServiceEntry labelled istio.io/use-waypoint, when nothing else set it (istio/istio 1.30.3
//   pilot/pkg/model/service.go GetConditions, pilot/pkg/serviceregistry/ambient/status.go): istio.io/WaypointBound
//   True WaypointAccepted "Successfully attached to waypoint NS/NAME" once the waypoint Gateway has an address,
//   else False WaypointIsNotReady "waypoint \"NS/NAME\" is not ready".
// - agentgateway's controller on an HTTPRoute (agentgateway v1.4.1 controller/pkg/agentgateway/translator/
//   route_collections.go): one status.parents entry per Gateway its parentRefs name, without sectionName, with
//   Accepted (./dataplane.mjs routeParentVerdict) and ResolvedRefs (routeBackendProblem).

import { backendAccepted } from './backend-auth.ts';
import { routeBackendProblem, routeParentVerdict } from './dataplane.ts';

const key = (kind, ns, name) => `${kind}|${ns ?? ''}|${name}`;
const CONTROLLER = {
  'agentgateway.dev': 'agentgateway.dev/agentgateway',
  'enterpriseagentgateway.solo.io': 'solo.io/enterprise-agentgateway',
  'gateway.kgateway.dev': 'solo.io/agentgateway',
};

function policyAncestors(cluster, o) {
  const controllerName = CONTROLLER[o.apiVersion.split('/')[0]] ?? 'agentgateway.dev/agentgateway';
  const gen = o.metadata.generation ?? 1;
  const cond = (type, status, reason, message) => ({ type, status, reason, message, observedGeneration: gen });
  const accepted = cond('Accepted', 'True', 'Valid', 'Policy accepted');
  const ancestors = [];
  const missing = [];
  for (const t of o.spec?.targetRefs ?? []) {
    const ns = o.metadata.namespace;
    const target = cluster.objects[key(t.kind, ns, t.name)];
    if (!target) {
      missing.push(`Policy is not attached: ${t.kind} ${ns}/${t.name} not found`);
      continue;
    }
    // The Gateway a target resolves to: itself, or the Gateway a route or backend is used from (the lab's).
    const gw =
      t.kind === 'Gateway' ? target : cluster.objects[key('Gateway', 'common-infrastructure', 'egress-gateway')];
    if (!gw) continue;
    ancestors.push({
      ancestorRef: {
        group: 'gateway.networking.k8s.io',
        kind: 'Gateway',
        name: gw.metadata.name,
        namespace: gw.metadata.namespace,
      },
      controllerName,
      conditions: [accepted, cond('Attached', 'True', 'Attached', 'Attached to all targets')],
    });
  }
  if (missing.length)
    ancestors.push({
      ancestorRef: { group: o.apiVersion.split('/')[0], name: 'StatusSummary' },
      controllerName,
      conditions: [accepted, cond('Attached', 'False', 'Pending', missing.join('\n'))],
    });
  return ancestors;
}

function waypointBound(cluster, o) {
  const wpNs = o.metadata.labels['istio.io/use-waypoint-namespace'] ?? o.metadata.namespace;
  const name = `${wpNs}/${o.metadata.labels['istio.io/use-waypoint']}`;
  const gw = cluster.objects[key('Gateway', wpNs, o.metadata.labels['istio.io/use-waypoint'])];
  const programmed = gw?.status?.conditions?.some((c) => c.type === 'Programmed' && c.status === 'True');
  return programmed
    ? {
        type: 'istio.io/WaypointBound',
        status: 'True',
        reason: 'WaypointAccepted',
        message: `Successfully attached to waypoint ${name}`,
      }
    : {
        type: 'istio.io/WaypointBound',
        status: 'False',
        reason: 'WaypointIsNotReady',
        message: `waypoint "${name}" is not ready`,
      };
}

function routeParents(cluster, o) {
  const gen = o.metadata.generation ?? 1;
  const cond = (type, status, reason, message) => ({ type, status, reason, message, observedGeneration: gen });
  const problem = routeBackendProblem(cluster, o);
  const resolved = problem
    ? cond('ResolvedRefs', 'False', problem.reason, problem.message)
    : cond('ResolvedRefs', 'True', 'ResolvedRefs', '');
  // One entry per Gateway: accepted when any of the parentRefs naming it attached.
  const byGateway = new Map();
  for (const p of o.spec?.parentRefs ?? []) {
    const v = routeParentVerdict(cluster, o, p);
    if (!v) continue;
    const id = `${v.gateway.metadata.namespace}/${v.gateway.metadata.name}`;
    const seen = byGateway.get(id);
    if (!seen || (!seen.accepted && v.accepted)) byGateway.set(id, v);
  }
  return [...byGateway.values()].map((v) => ({
    parentRef: {
      group: 'gateway.networking.k8s.io',
      kind: 'Gateway',
      name: v.gateway.metadata.name,
      namespace: v.gateway.metadata.namespace,
    },
    controllerName: 'agentgateway.dev/agentgateway',
    conditions: [cond('Accepted', v.accepted ? 'True' : 'False', v.reason, v.message), resolved],
  }));
}

/** The object as kubectl get shows it, with the status its controller keeps. */
export function withLiveStatus(cluster, o) {
  if (o.kind.endsWith('AgentgatewayPolicy') && !o.status?.ancestors)
    return { ...o, status: { ...o.status, ancestors: policyAncestors(cluster, o) } };
  if (o.kind === 'AgentgatewayBackend' && !o.status?.conditions)
    return { ...o, status: { conditions: [backendAccepted(cluster, o)] } };
  if (o.kind === 'HTTPRoute' && !o.status?.parents)
    return { ...o, status: { ...o.status, parents: routeParents(cluster, o) } };
  if (o.kind === 'ServiceEntry' && o.metadata.labels?.['istio.io/use-waypoint'] && !o.status?.conditions)
    return { ...o, status: { ...o.status, conditions: [waypointBound(cluster, o)] } };
  return o;
}
