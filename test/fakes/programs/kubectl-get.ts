// The fake `kubectl get`: one object, the objects on stdin, a list of kinds, namespaces, CRDs.

import { type K8sObject, recs, str } from '../types.ts';
import { Fail, flag, notFound, take } from './common.ts';
import type { KubeCall } from './kubectl-verbs.ts';
import { crdObject, findByResource, listKinds, liveView, namespacesBySelector, yamlObjects } from './objects.ts';

/** `kubectl get -f -`: the live objects the stdin names (missing ones fail unless --ignore-not-found). */
function getStdinObjects({ cluster, output, ctx }: KubeCall, ignore: boolean): string {
  const found: K8sObject[] = [];
  for (const o of yamlObjects(ctx.stdin ?? '')) {
    const obj = findByResource(cluster, o.kind.toLowerCase(), o.metadata.namespace ?? 'default', o.metadata.name);
    if (obj) found.push(liveView(cluster, obj));
    else if (!ignore) throw notFound(o.kind.toLowerCase(), o.metadata.name);
  }
  if (output === 'json')
    return found.length === 0
      ? ''
      : `${JSON.stringify(found.length === 1 ? found[0] : { apiVersion: 'v1', kind: 'List', items: found })}\n`;
  return found.map((o) => `${o.kind.toLowerCase()}/${o.metadata.name}\n`).join('');
}

/** `kubectl get crd`: every CRD the cluster serves. */
function getCrds({ cluster, output }: KubeCall): string {
  if (output === 'json')
    return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: Object.keys(cluster.crds).map((n) => crdObject(cluster, n)) })}\n`;
  return Object.keys(cluster.crds)
    .map((n) => `customresourcedefinition.apiextensions.k8s.io/${n}\n`)
    .join('');
}

/** `kubectl get TYPE NAME`: the object, its name, a jsonpath the lab reads, or its JSON. */
function getOne({ cluster, ns, output, args }: KubeCall, ignore: boolean): string {
  const obj = findByResource(cluster, args[1], ns, args[2]);
  if (!obj && ignore) return '';
  if (!obj) throw notFound(args[1], args[2]);
  if (output === 'name') return `${args[1]}/${args[2]}\n`;
  if (output?.startsWith('jsonpath=')) {
    if (output.includes('readyReplicas'))
      return `${liveView(cluster, obj).status?.['readyReplicas'] ?? 0}/${obj.spec?.['replicas'] ?? 1}`;
    if (output.includes('Programmed'))
      return str(recs(obj.status?.['conditions']).find((c) => c['type'] === 'Programmed')?.['status']) ?? '';
  }
  return `${JSON.stringify(liveView(cluster, obj))}\n`;
}

export function get(call: KubeCall): string {
  const { cluster, ns, output, args } = call;
  if (args[1] === '--raw') return 'ok';
  if (args[1] === 'namespace' && args[2] === 'kube-system') return cluster.uid ?? 'uid-unknown';
  const ignore = flag(args, '--ignore-not-found');
  if (take(args, '-f') === '-') return getStdinObjects(call, ignore);
  if (args[1]?.includes(',') && args[2] === undefined) return listKinds(cluster, ns, args[1].split(','), output);
  const selector = take(args, '-l', '--selector');
  if (args[1] === 'namespaces' && selector !== undefined) return namespacesBySelector(cluster, selector, output);
  if (selector !== undefined) throw new Fail(`fake kubectl: get ${args[1]} -l is not emulated`);
  if (args[1] === 'namespaces') return `${cluster.namespaces.map((n) => `namespace/${n}`).join('\n')}\n`;
  if (['crd', 'crds', 'customresourcedefinitions'].includes(String(args[1])) && args[2] === undefined)
    return getCrds(call);
  // A type without a name lists the namespace's objects: -o json gives a List whatever their number (KC5).
  if (args[2] === undefined && output === 'json') return listKinds(cluster, ns, [String(args[1])], output);
  return getOne(call, ignore);
}
