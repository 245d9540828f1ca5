// RBAC for the callers the fake API server sees, as Kubernetes authorizes them (kubernetes.io/docs/reference/
// access-authn-authz/rbac): a ServiceAccount token minted by `kubectl create token` acts as
// system:serviceaccount:NS:NAME; a Role grants only in its own namespace and only through a RoleBinding there
// that names the subject; a rule matches on apiGroups, resources (sub-resources as "pods/exec"), verbs and, for
// verbs other than list, watch, create and deletecollection, resourceNames. Everything else is denied. The lab's
// own admin credentials (the token the fake kind and gcloud write into a lab kubeconfig) may do anything.

/** The admin token the fake kind and gcloud put into the kubeconfigs they write. */
export const ADMIN_TOKEN = 'fake-token';

/** Mints a ServiceAccount token (the fake `kubectl create token`); the cluster keeps who it stands for. */
export function mintToken(cluster, namespace, name, seconds) {
  cluster.tokens ??= {};
  const token = `fake-sa-token.${namespace}.${name}.${Math.random().toString(36).slice(2, 12)}`;
  const expires = new Date(Date.now() + seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  // A token is bound to the ServiceAccount object (its uid): one deleted and made again does not take it back.
  const uid = cluster.objects[`ServiceAccount|${namespace}|${name}`]?.metadata?.uid;
  cluster.tokens[token] = { namespace, name, expires, uid };
  return { token, expires };
}

/** Who calls: the admin (undefined), or a ServiceAccount; a token the cluster never issued is Unauthorized. */
export function callerOf(cluster, token) {
  if (token === undefined || token === ADMIN_TOKEN) return undefined;
  const sa = cluster.tokens?.[token];
  if (!sa || sa.expires < new Date().toISOString()) {
    const err = new Error('error: You must be logged in to the server (Unauthorized)');
    err.unauthorized = true;
    throw err;
  }
  const account = cluster.objects[`ServiceAccount|${sa.namespace}|${sa.name}`];
  if (!account || account.metadata?.uid !== sa.uid) {
    // A deleted ServiceAccount invalidates its tokens, also once one of its name is made again.
    const err = new Error('error: You must be logged in to the server (Unauthorized)');
    err.unauthorized = true;
    throw err;
  }
  return { namespace: sa.namespace, name: sa.name };
}

const userName = (sa) => `system:serviceaccount:${sa.namespace}:${sa.name}`;

const names = (subject, sa) =>
  (subject.kind === 'ServiceAccount' && subject.name === sa.name && (subject.namespace ?? '') === sa.namespace) ||
  (subject.kind === 'Group' &&
    ['system:serviceaccounts', `system:serviceaccounts:${sa.namespace}`].includes(subject.name)) ||
  (subject.kind === 'User' && subject.name === userName(sa));

/** Whether the caller may do `verb` on group/resource (name) in the namespace. */
export function allowed(cluster, sa, { verb, group, resource, namespace, name }) {
  if (!sa) return true;
  const bindings = Object.values(cluster.objects).filter(
    (o) =>
      o.kind === 'RoleBinding' && o.metadata.namespace === namespace && (o.subjects ?? []).some((s) => names(s, sa)),
  );
  return bindings.some((b) => {
    if (b.roleRef?.kind !== 'Role') return false;
    const role = cluster.objects[`Role|${namespace}|${b.roleRef.name}`];
    return (role?.rules ?? []).some(
      (r) =>
        (r.apiGroups ?? []).some((g) => g === '*' || g === group) &&
        (r.resources ?? []).some((x) => x === '*' || x === resource) &&
        (r.verbs ?? []).some((v) => v === '*' || v === verb) &&
        (!r.resourceNames?.length ||
          ['list', 'watch', 'create', 'deletecollection'].includes(verb) ||
          (name !== undefined && r.resourceNames.includes(name))),
    );
  });
}

/** The API server's refusal, as kubectl prints it. */
export function forbidden(sa, { verb, group, resource, namespace, name }) {
  const what = name ? `${resource.split('/')[0]} "${name}"` : resource;
  return `Error from server (Forbidden): ${what} is forbidden: User "${userName(sa)}" cannot ${verb} resource "${resource}" in API group "${group}" in the namespace "${namespace}"`;
}

const RESOURCES = {
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
export function resourceOf(typed, apiVersion) {
  const known = RESOURCES[typed.toLowerCase()];
  if (known) return { group: known[0], resource: known[1] };
  const plural = typed.toLowerCase().replace(/y$/, 'ie').replace(/s?$/, 's');
  return { group: apiVersion?.includes('/') ? apiVersion.split('/')[0] : '', resource: plural };
}
