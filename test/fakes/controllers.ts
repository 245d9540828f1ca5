// The status the lab's controllers write on the objects verify and status read, computed when the object is
// read, as a running controller keeps it current:
// - agentgateway's controller on a policy (agentgateway v1.4.1 controller/pkg/agentgateway/plugins/
//   traffic_plugin.go: one ancestor per Gateway the target resolves to, Accepted True Valid "Policy accepted"
//   and Attached True Attached "Attached to all targets"; a target that does not exist gives the ancestor
//   "StatusSummary" with Attached False Pending "Policy is not attached: KIND NS/NAME not found";
//   pluginsdk/reporter/types.go for the messages); on a backend, condition Accepted (False TranslationError when
//   its auth policy reads a missing Secret or key, ./backend-auth.ts).
// - istiod on a ServiceEntry labelled istio.io/use-waypoint, when nothing else set it (istio/istio 1.30.3
//   pilot/pkg/model/service.go GetConditions, pilot/pkg/serviceregistry/ambient/status.go): istio.io/WaypointBound
//   True WaypointAccepted "Successfully attached to waypoint NS/NAME" once the waypoint Gateway has an address,
//   else False WaypointIsNotReady "waypoint \"NS/NAME\" is not ready".
// - agentgateway's controller on an HTTPRoute (agentgateway v1.4.1 controller/pkg/agentgateway/translator/
//   route_collections.go): one status.parents entry per Gateway its parentRefs name, without sectionName, with
//   Accepted (./dataplane.ts routeParentVerdict) and ResolvedRefs (routeBackendProblem).

import { backendAccepted } from './backend-auth.ts';
import { type ParentVerdict, routeBackendProblem, routeParentVerdict } from './routes.ts';
import { type Condition, type FakeCluster, groupOf, type Json, type K8sObject, recs } from './types.ts';

const key = (kind: string, ns: string | undefined, name: unknown) => `${kind}|${ns ?? ''}|${name}`;
const CONTROLLER: Record<string, string> = {
  'agentgateway.dev': 'agentgateway.dev/agentgateway',
  'enterpriseagentgateway.solo.io': 'solo.io/enterprise-agentgateway',
  'gateway.kgateway.dev': 'solo.io/agentgateway',
};

/** One ancestor of a policy's status: the object it attached through, the controller, the conditions. */
interface PolicyAncestor {
  ancestorRef: Json;
  controllerName: string;
  conditions: Condition[];
}

/** A status condition maker for an object at generation `gen` (observedGeneration set, as controllers write it). */
const conditionAt =
  (gen: number) =>
  (type: string, status: string, reason: string, message: string): Condition => ({
    type,
    status,
    reason,
    message,
    observedGeneration: gen,
  });

function policyAncestors(cluster: FakeCluster, o: K8sObject): PolicyAncestor[] {
  const controllerName = CONTROLLER[groupOf(o.apiVersion)] ?? 'agentgateway.dev/agentgateway';
  const gen = o.metadata.generation ?? 1;
  const cond = conditionAt(gen);
  const accepted = cond('Accepted', 'True', 'Valid', 'Policy accepted');
  const ancestors: PolicyAncestor[] = [];
  const missing: string[] = [];
  for (const t of recs(o.spec?.['targetRefs'])) {
    const ns = o.metadata.namespace;
    const target = cluster.objects[key(String(t['kind']), ns, t['name'])];
    if (!target) {
      missing.push(`Policy is not attached: ${String(t['kind'])} ${ns}/${String(t['name'])} not found`);
      continue;
    }
    // The Gateway a target resolves to: itself, or the Gateway a route or backend is used from (the lab's).
    const gw =
      t['kind'] === 'Gateway' ? target : cluster.objects[key('Gateway', 'common-infrastructure', 'egress-gateway')];
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
      ancestorRef: { group: groupOf(o.apiVersion), name: 'StatusSummary' },
      controllerName,
      conditions: [accepted, cond('Attached', 'False', 'Pending', missing.join('\n'))],
    });
  return ancestors;
}

function waypointBound(cluster: FakeCluster, o: K8sObject): Condition {
  const labels = o.metadata.labels ?? {};
  const wpNs = labels['istio.io/use-waypoint-namespace'] ?? o.metadata.namespace;
  const name = `${wpNs}/${labels['istio.io/use-waypoint']}`;
  const gw = cluster.objects[key('Gateway', wpNs, labels['istio.io/use-waypoint'])];
  const programmed = recs(gw?.status?.['conditions']).some((c) => c['type'] === 'Programmed' && c['status'] === 'True');
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

function routeParents(cluster: FakeCluster, o: K8sObject): Json[] {
  const gen = o.metadata.generation ?? 1;
  const cond = conditionAt(gen);
  const problem = routeBackendProblem(cluster, o);
  const resolved = problem
    ? cond('ResolvedRefs', 'False', problem.reason, problem.message)
    : cond('ResolvedRefs', 'True', 'ResolvedRefs', '');
  // One entry per Gateway: accepted when any of the parentRefs naming it attached.
  const byGateway = new Map<string, ParentVerdict>();
  for (const p of recs(o.spec?.['parentRefs'])) {
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
export function withLiveStatus(cluster: FakeCluster, o: K8sObject): K8sObject {
  if (o.kind.endsWith('AgentgatewayPolicy') && !o.status?.['ancestors'])
    return { ...o, status: { ...o.status, ancestors: policyAncestors(cluster, o) } };
  if (o.kind === 'AgentgatewayBackend' && !o.status?.['conditions'])
    return { ...o, status: { conditions: [backendAccepted(cluster, o)] } };
  if (o.kind === 'HTTPRoute' && !o.status?.['parents'])
    return { ...o, status: { ...o.status, parents: routeParents(cluster, o) } };
  if (o.kind === 'ServiceEntry' && o.metadata.labels?.['istio.io/use-waypoint'] && !o.status?.['conditions'])
    return { ...o, status: { ...o.status, conditions: [waypointBound(cluster, o)] } };
  return o;
}
