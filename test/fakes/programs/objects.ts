// The fake API server's objects as kubectl reads and deletes them.

import { parseAllDocuments } from 'yaml';
import { withLiveStatus } from '../controllers.ts';
import { podsAdmitted } from '../dataplane.ts';
import { type FakeCluster, groupOf, type K8sObject } from '../types.ts';
import { CLUSTER_SCOPED } from './charts.ts';
import { Fail, objKey } from './common.ts';

/** A CRD as the API server returns it. */
export function crdObject(cluster: FakeCluster, name: string): K8sObject | undefined {
  const c = cluster.crds[name];
  if (!c) return undefined;
  return (
    c.object ?? {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name },
      spec: { group: c.group, names: { kind: c.kind } },
    }
  );
}

export function deleteObject(cluster: FakeCluster, kind: string, ns: string | undefined, name: string): void {
  // Deleting a CRD deletes every object of its kind.
  const crd = kind === 'CustomResourceDefinition' ? cluster.crds[name] : undefined;
  if (crd) {
    const { group, kind: served } = crd;
    for (const [k, o] of Object.entries(cluster.objects))
      if (o.kind === served && groupOf(o.apiVersion) === group) delete cluster.objects[k];
  }
  if (kind === 'Namespace') {
    cluster.namespaces = cluster.namespaces.filter((n) => n !== name);
    for (const k of Object.keys(cluster.objects)) if (k.split('|')[1] === name) delete cluster.objects[k];
  }
  if (kind === 'Gateway') delete cluster.objects[objKey('Deployment', ns, name)];
  if (kind === 'CustomResourceDefinition') delete cluster.crds[name];
  delete cluster.objects[objKey(kind, ns, name)];
}

/**
 * An object as the API server returns it to any get (by name or with -f, whose builder reads each object live:
 * kubectl pkg/cmd/get/get.go `.Latest()`): the status its controller writes, and a Deployment whose pods the
 * platform does not admit has no ready replica (dataplane.ts podsAdmitted).
 */
export function liveView(cluster: FakeCluster, obj: K8sObject): K8sObject {
  const live = withLiveStatus(cluster, obj);
  if (live.kind !== 'Deployment' || podsAdmitted(cluster, live)) return live;
  return { ...live, status: { ...live.status, readyReplicas: 0 } };
}

export function findByResource(
  cluster: FakeCluster,
  resource: string | undefined,
  ns: string,
  name: string | undefined,
): K8sObject | undefined {
  const kinds: Record<string, string> = {
    deploy: 'Deployment',
    deployment: 'Deployment',
    'deployment.apps': 'Deployment',
    ds: 'DaemonSet',
    daemonset: 'DaemonSet',
    gateway: 'Gateway',
    'gateway.gateway.networking.k8s.io': 'Gateway',
  };
  const kind = kinds[String(resource)];
  if (kind) return cluster.objects[objKey(kind, ns, name)];
  // `crd` is kubectl's short name for customresourcedefinitions: the same object.
  if (['crd', 'customresourcedefinition', 'customresourcedefinition.apiextensions.k8s.io'].includes(String(resource)))
    return crdObject(cluster, String(name));
  if (resource === 'namespace' || resource === 'ns')
    return name !== undefined && cluster.namespaces.includes(name)
      ? (cluster.objects[objKey('Namespace', '', name)] ?? { apiVersion: 'v1', kind: 'Namespace', metadata: { name } })
      : undefined;
  return Object.values(cluster.objects).find((o) => {
    const names = [o.kind.toLowerCase(), `${o.kind.toLowerCase()}.${groupOf(o.apiVersion)}`];
    if (!names.includes(String(resource)) || o.metadata.name !== name) return false;
    return CLUSTER_SCOPED.has(o.kind) || (o.metadata.namespace ?? 'default') === ns;
  });
}

/**
 * `kubectl get namespaces -l SELECTOR -o json`: a selector lists, so kubectl prints a List even when nothing
 * matches (`items: []`), never "No resources found" (kubectl v0.35.7 pkg/cmd/get/get.go: zero or several
 * items are coerced into a List for -o json). Label selectors: `key`, `!key`, `key=value`, `key!=value`, comma-joined.
 */
export function namespacesBySelector(cluster: FakeCluster, selector: string, output: string | undefined): string {
  if (output !== 'json') throw new Fail('fake kubectl: get namespaces -l is emulated with -o json only');
  const terms = selector.split(',').map((t) => {
    const m = t.trim().match(/^(!?)([\w./-]+)(?:(!=|==|=)(.*))?$/);
    if (!m) throw new Fail(`error: unable to parse requirement: ${t}`);
    return { not: m[1] === '!', key: m[2] ?? '', op: m[3], value: m[4] };
  });
  const matches = (labels: Record<string, string>) =>
    terms.every(({ not, key, op, value }) => {
      if (not) return !(key in labels);
      if (!op) return key in labels;
      return op === '!=' ? labels[key] !== value : labels[key] === value;
    });
  const items = cluster.namespaces
    .map(
      (name) =>
        cluster.objects[objKey('Namespace', undefined, name)] ?? {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name },
        },
    )
    .filter((ns) => matches(ns.metadata.labels ?? {}))
    .map((ns) => liveView(cluster, ns));
  return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } })}\n`;
}

/**
 * The objects of a YAML stream (kubectl apply/get/delete -f). The fakes take each as an object of the API
 * (apiVersion, kind, metadata), as egress-lab renders them; like kubectl they skip empty documents.
 */
export const yamlObjects = (text: string) =>
  parseAllDocuments(text)
    .map((d): unknown => d.toJS())
    .filter(Boolean) as K8sObject[];

/**
 * `kubectl get KIND1,KIND2 -n NS -o json`: every object of those kinds in the namespace, as one List (zero or
 * several items are always a List for -o json: KC5); a kind the cluster does not serve is an error.
 */
export function listKinds(cluster: FakeCluster, ns: string, types: string[], output: string | undefined): string {
  if (output !== 'json') throw new Fail('fake kubectl: get KIND,KIND is emulated with -o json only');
  const core: Record<string, string> = {
    'networkpolicies.networking.k8s.io': 'NetworkPolicy',
    networkpolicies: 'NetworkPolicy',
  };
  const kinds = types.map((t) => {
    const kind = cluster.crds[t]?.kind ?? core[t];
    if (!kind) throw new Fail(`error: the server doesn't have a resource type "${t}"`);
    return kind;
  });
  const items = Object.values(cluster.objects)
    .filter((o) => kinds.includes(o.kind) && o.metadata.namespace === ns)
    .map((o) => liveView(cluster, o));
  return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } })}\n`;
}
