// RBAC for the callers the fake API server sees, as Kubernetes authorizes them (kubernetes.io/docs/reference/
// access-authn-authz/rbac): a ServiceAccount token minted by `kubectl create token` acts as
// system:serviceaccount:NS:NAME; a Role grants only in its own namespace and only through a RoleBinding there
// that names the subject; a rule matches on apiGroups, resources (sub-resources as "pods/exec"), verbs and, for
// verbs other than list, watch, create and deletecollection, resourceNames. Everything else is denied. The lab's
// own admin credentials (the token the fake kind and gcloud write into a lab kubeconfig) may do anything.

import { type FakeCluster, groupOf, rec, recs, str, strs } from './types.ts';

/** A ServiceAccount caller. */
export interface Caller {
  namespace: string;
  name: string;
}

/** One request to the API server, as RBAC authorizes it. */
export interface AccessRequest {
  verb: string;
  group: string;
  resource: string;
  namespace: string;
  name?: string | undefined;
}

/** A caller whose token the API server does not accept. */
export class Unauthorized extends Error {
  readonly unauthorized = true;
}

/** The admin token the fake kind and gcloud put into the kubeconfigs they write. */
export const ADMIN_TOKEN = 'fake-token';

/** Mints a ServiceAccount token (the fake `kubectl create token`); the cluster keeps who it stands for. */
export function mintToken(
  cluster: FakeCluster,
  namespace: string,
  name: string,
  seconds: number,
): { token: string; expires: string } {
  cluster.tokens ??= {};
  const token = `fake-sa-token.${namespace}.${name}.${Math.random().toString(36).slice(2, 12)}`;
  const expires = new Date(Date.now() + seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  // A token is bound to the ServiceAccount object (its uid): one deleted and made again does not take it back.
  const uid = cluster.objects[`ServiceAccount|${namespace}|${name}`]?.metadata?.uid;
  cluster.tokens[token] = { namespace, name, expires, uid };
  return { token, expires };
}

/** Who calls: the admin (undefined), or a ServiceAccount; a token the cluster never issued is Unauthorized. */
export function callerOf(cluster: FakeCluster, token: string | undefined): Caller | undefined {
  if (token === undefined || token === ADMIN_TOKEN) return undefined;
  const sa = cluster.tokens?.[token];
  if (!sa || sa.expires < new Date().toISOString()) {
    throw new Unauthorized('error: You must be logged in to the server (Unauthorized)');
  }
  const account = cluster.objects[`ServiceAccount|${sa.namespace}|${sa.name}`];
  if (!account || account.metadata?.uid !== sa.uid) {
    // A deleted ServiceAccount invalidates its tokens, also once one of its name is made again.
    throw new Unauthorized('error: You must be logged in to the server (Unauthorized)');
  }
  return { namespace: sa.namespace, name: sa.name };
}

const userName = (sa: Caller) => `system:serviceaccount:${sa.namespace}:${sa.name}`;

const names = (subject: Record<string, unknown>, sa: Caller) =>
  (subject.kind === 'ServiceAccount' && subject.name === sa.name && (subject.namespace ?? '') === sa.namespace) ||
  (subject.kind === 'Group' &&
    ['system:serviceaccounts', `system:serviceaccounts:${sa.namespace}`].includes(str(subject.name) ?? '')) ||
  (subject.kind === 'User' && subject.name === userName(sa));

/** Whether the caller may do `verb` on group/resource (name) in the namespace. */
export function allowed(
  cluster: FakeCluster,
  sa: Caller | undefined,
  { verb, group, resource, namespace, name }: AccessRequest,
): boolean {
  if (!sa) return true;
  const bindings = Object.values(cluster.objects).filter(
    (o) =>
      o.kind === 'RoleBinding' && o.metadata.namespace === namespace && recs(o['subjects']).some((s) => names(s, sa)),
  );
  return bindings.some((b) => {
    const roleRef = rec(b['roleRef']);
    if (roleRef['kind'] !== 'Role') return false;
    const role = cluster.objects[`Role|${namespace}|${str(roleRef['name'])}`];
    return recs(role?.['rules']).some(
      (r) =>
        strs(r['apiGroups']).some((g) => g === '*' || g === group) &&
        strs(r['resources']).some((x) => x === '*' || x === resource) &&
        strs(r['verbs']).some((v) => v === '*' || v === verb) &&
        (!strs(r['resourceNames']).length ||
          ['list', 'watch', 'create', 'deletecollection'].includes(verb) ||
          (name !== undefined && strs(r['resourceNames']).includes(name))),
    );
  });
}

/** The API server's refusal, as kubectl prints it. */
export function forbidden(sa: Caller, { verb, group, resource, namespace, name }: AccessRequest): string {
  const what = name ? `${resource.split('/')[0]} "${name}"` : resource;
  return `Error from server (Forbidden): ${what} is forbidden: User "${userName(sa)}" cannot ${verb} resource "${resource}" in API group "${group}" in the namespace "${namespace}"`;
}

const RESOURCES: Record<string, [string, string]> = {
  deploy: ['apps', 'deployments'],
  deployment: ['apps', 'deployments'],
  deployments: ['apps', 'deployments'],
  'deployment.apps': ['apps', 'deployments'],
  pod: ['', 'pods'],
  pods: ['', 'pods'],
  serviceentry: ['networking.istio.io', 'serviceentries'],
  serviceentries: ['networking.istio.io', 'serviceentries'],
  'serviceentries.networking.istio.io': ['networking.istio.io', 'serviceentries'],
  networkpolicy: ['networking.k8s.io', 'networkpolicies'],
  networkpolicies: ['networking.k8s.io', 'networkpolicies'],
  namespace: ['', 'namespaces'],
  namespaces: ['', 'namespaces'],
  ns: ['', 'namespaces'],
  serviceaccount: ['', 'serviceaccounts'],
  serviceaccounts: ['', 'serviceaccounts'],
  sa: ['', 'serviceaccounts'],
  secret: ['', 'secrets'],
  secrets: ['', 'secrets'],
  configmap: ['', 'configmaps'],
  configmaps: ['', 'configmaps'],
  role: ['rbac.authorization.k8s.io', 'roles'],
  roles: ['rbac.authorization.k8s.io', 'roles'],
  rolebinding: ['rbac.authorization.k8s.io', 'rolebindings'],
  rolebindings: ['rbac.authorization.k8s.io', 'rolebindings'],
};

/** The API group and plural resource of what kubectl was given: a name as typed (deploy, pods …) or a kind. */
export function resourceOf(typed: string, apiVersion?: string): { group: string; resource: string } {
  const known = RESOURCES[typed.toLowerCase()];
  if (known) return { group: known[0], resource: known[1] };
  const plural = typed.toLowerCase().replace(/y$/, 'ie').replace(/s?$/, 's');
  return { group: apiVersion?.includes('/') ? groupOf(apiVersion) : '', resource: plural };
}
