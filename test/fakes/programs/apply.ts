// kubectl apply --server-side in the fake API server: field managers, conflicts, and what each applied object does.

import { BACKEND_KINDS, backendKinds } from '../backend-auth.ts';
import { rateLimitApplied } from '../policies.ts';
import { at, type FakeCluster, groupOf, type Json, type K8sObject, type ObjectMeta, rec } from '../types.ts';
import { CLUSTER_SCOPED, CORE } from './charts.ts';
import { type Ctx, Fail, objKey, randomUid } from './common.ts';

function kindKnown(cluster: FakeCluster, apiVersion: string, kind: string): boolean {
  if (CORE[kind] === apiVersion) return true;
  const group = groupOf(apiVersion);
  return Object.values(cluster.crds).some((c) => c.group === group && c.kind === kind);
}

// ---- server-side apply: field managers (kubernetes.io/docs/reference/using-api/server-side-apply) ----------
// Each object keeps metadata.managedFields: [{ manager, operation, fields }], fields as JSON-encoded key paths.
// An apply by one manager conflicts on a field another manager owns with a different value (409, unless
// --force-conflicts); fields equal in value are shared; a field the applier owned before, no longer applies and
// nobody else owns is removed. Lists are treated as atomic leaves.
const isMap = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
/** A field path's keys: the fakes encode each path as a JSON list of strings (leafPaths). */
const keysOf = (path: string) => JSON.parse(path) as string[];
const IDENTITY = new Set(['["apiVersion"]', '["kind"]', '["metadata","name"]', '["metadata","namespace"]']);
function leafPaths(obj: Json, prefix: string[] = []): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [k, v] of Object.entries(obj ?? {})) {
    const path = [...prefix, k];
    if (prefix.length === 0 && ['status', 'ownedBy'].includes(k)) continue;
    if (prefix.length === 1 && prefix[0] === 'metadata' && ['managedFields', 'uid', 'resourceVersion'].includes(k))
      continue;
    if (isMap(v) && Object.keys(v).length > 0) out.push(...leafPaths(v, path));
    else if (!IDENTITY.has(JSON.stringify(path))) out.push([JSON.stringify(path), v]);
  }
  return out;
}
const getPath = (obj: unknown, path: string) =>
  keysOf(path).reduce<unknown>((o, k) => (isMap(o) ? o[k] : undefined), obj);
function setPath(obj: Json, path: string, value: unknown): void {
  const keys = keysOf(path);
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    const next = o[k];
    if (isMap(next)) o = next;
    else {
      const made: Json = {};
      o[k] = made;
      o = made;
    }
  }
  o[String(keys.at(-1))] = structuredClone(value);
}
function unsetPath(obj: Json, path: string): void {
  const keys = keysOf(path);
  const chain: unknown[] = [obj];
  for (const k of keys.slice(0, -1)) chain.push(at(chain.at(-1), k));
  const last = chain.at(-1);
  if (!isMap(last)) return;
  delete last[String(keys.at(-1))];
  for (let i = chain.length - 1; i > 0; i--) {
    const c = chain[i];
    const parent = chain[i - 1];
    if (isMap(c) && Object.keys(c).length === 0 && typeof parent === 'object' && parent !== null)
      Reflect.deleteProperty(parent, String(keys[i - 1]));
  }
}
const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const showPath = (path: string) => `.${keysOf(path).join('.')}`;

/** The object after `manager` applies `applied` onto `existing` (undefined: a new object); throws on conflicts. */
function serverSideApply(
  existing: K8sObject | undefined,
  applied: K8sObject,
  manager: string,
  force: boolean,
): K8sObject {
  const fields = leafPaths(applied);
  const managed = existing?.metadata?.managedFields ?? [];
  const conflicts: { manager: string; path: string }[] = [];
  for (const [path, value] of fields)
    for (const m of managed)
      if (m.manager !== manager && m.fields.includes(path) && !sameValue(getPath(existing, path), value))
        conflicts.push({ manager: m.manager, path });
  if (conflicts.length > 0 && !force) {
    const list = conflicts.map((c) => `conflict with "${c.manager}" using ${applied.apiVersion}: ${showPath(c.path)}`);
    throw new Fail(
      `error: Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? 's' : ''}: ${list.join('\n')}\nPlease review the fields above--they currently have other managers.`,
    );
  }
  const result: K8sObject = existing
    ? structuredClone(existing)
    : { apiVersion: applied.apiVersion, kind: applied.kind, metadata: { name: applied.metadata.name } };
  if (!existing && applied.metadata.namespace) result.metadata.namespace = applied.metadata.namespace;
  const paths = fields.map(([p]) => p);
  const others = managed
    .filter((m) => m.manager !== manager)
    .map((m) => ({ ...m, fields: force ? m.fields.filter((p) => !conflicts.some((c) => c.path === p)) : m.fields }))
    .filter((m) => m.fields.length > 0);
  const mine = managed.find((m) => m.manager === manager)?.fields ?? [];
  for (const p of mine) if (!paths.includes(p) && !others.some((m) => m.fields.includes(p))) unsetPath(result, p);
  for (const [p, v] of fields) setPath(result, p, v);
  const entry =
    paths.length > 0 ? [{ manager, operation: 'Apply', apiVersion: applied.apiVersion, fields: paths }] : [];
  result.metadata.managedFields = [...others, ...entry];
  return result;
}

/**
 * kubectl apply --server-side of several objects: each one is applied on its own; one that fails does not stop
 * the others, and the errors come at the end (kubectl pkg/cmd/apply/apply.go: errs collected, then aggregated).
 * `cut`: an injected fault that lets the first N objects through, then fails the call (a dropped connection).
 */
/** How kubectl apply applies: its field manager, --force-conflicts, and an injected cut. */
interface ApplyOpts {
  manager: string;
  force: boolean;
  cut: Ctx['cut'];
}

export function applyDocs(
  cluster: FakeCluster,
  docs: K8sObject[],
  output: string | undefined,
  opts: ApplyOpts,
): string {
  const lines: string[] = [];
  const errors: string[] = [];
  for (const [i, o] of docs.entries()) {
    if (opts.cut && i >= opts.cut.after) {
      errors.push(opts.cut.stderr ?? 'error: the server was unable to return a response in the time allotted');
      break;
    }
    try {
      applyOne(cluster, o, opts);
      const { kind, metadata } = o;
      const ref =
        kind === 'CustomResourceDefinition' ? 'customresourcedefinition.apiextensions.k8s.io' : kind.toLowerCase();
      lines.push(output === 'name' ? `${ref}/${metadata.name}` : `${ref}/${metadata.name} serverside-applied`);
    } catch (e) {
      if (!(e instanceof Fail)) throw e;
      errors.push(e.message);
    }
  }
  const stdout = lines.length ? `${lines.join('\n')}\n` : '';
  if (errors.length) throw new Fail(errors.join('\n'), 1, stdout);
  return stdout;
}

/** A CRD applied: the kind it serves from now on. */
function applyCrd(cluster: FakeCluster, o: K8sObject, opts: ApplyOpts): void {
  const crdName = String(o.metadata?.name);
  const existing = cluster.crds[crdName]?.object;
  const object = serverSideApply(existing, o, opts.manager, opts.force);
  const spec = o.spec!;
  cluster.crds[crdName] = {
    ...cluster.crds[crdName],
    group: String(spec['group']),
    kind: String(rec(spec['names'])['kind']),
    object,
  };
}

/**
 * The API server refuses an object its CRD's validation rules reject; kubectl prints the Invalid status as
 * `The KIND "NAME" is invalid: FIELD: MESSAGE` (kubernetes/kubectl pkg/cmd/util/helpers.go@v0.35.0 checkErr). The
 * rule the fakes enforce: an AgentgatewayBackend sets exactly one backend kind (agentgateway v1.4.1
 * controller/api/v1alpha1/agentgateway/agentgateway_backend_types.go ExactlyOneOf; its CRD's
 * x-kubernetes-validations on spec, a rule on an object failing as `Invalid value: "object"`).
 */
function refuseInvalid(o: K8sObject): void {
  if (o.kind !== 'AgentgatewayBackend' || groupOf(o.apiVersion) !== 'agentgateway.dev') return;
  if (backendKinds(o.spec).length === 1) return;
  throw new Fail(
    `The AgentgatewayBackend "${o.metadata.name}" is invalid: spec: Invalid value: "object": exactly one of the fields in [${BACKEND_KINDS.join(' ')}] must be set`,
  );
}

/** A Gateway applied: its controller deploys a proxy, Programmed once its class is known. */
function gatewayDeployed(cluster: FakeCluster, stored: K8sObject, ns: string | undefined): void {
  const name = stored.metadata.name;
  const classKnown = Boolean(cluster.objects[objKey('GatewayClass', '', stored.spec?.['gatewayClassName'])]);
  const status: Json = { conditions: [{ type: 'Programmed', status: classKnown ? 'True' : 'Unknown' }] };
  stored.status = status;
  // The controller publishes the address once a proxy runs; istiod only treats the Gateway as a waypoint then.
  if (classKnown) status['addresses'] = [{ type: 'Hostname', value: `${name}.${ns}.svc.cluster.local` }];
  cluster.objects[objKey('Deployment', ns, name)] = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: { replicas: 1 },
    status: { readyReplicas: classKnown ? 1 : 0 },
    ownedBy: 'Gateway',
  };
}

function applyOne(cluster: FakeCluster, o: K8sObject, opts: ApplyOpts): void {
  const { apiVersion, kind } = o;
  const metadata: Partial<ObjectMeta> = o.metadata ?? {};
  if (kind === 'CustomResourceDefinition') {
    applyCrd(cluster, o, opts);
    return;
  }
  if (!kindKnown(cluster, apiVersion, kind))
    throw new Fail(
      `error: resource mapping not found for name: "${metadata.name}" namespace: "${metadata.namespace ?? ''}" from "STDIN": no matches for kind "${kind}" in version "${apiVersion}"\nensure CRDs are installed first`,
    );
  const ns = CLUSTER_SCOPED.has(kind) ? undefined : (metadata.namespace ?? 'default');
  if (ns && !cluster.namespaces.includes(ns))
    throw new Fail(`Error from server (NotFound): error when creating "STDIN": namespaces "${ns}" not found`);
  refuseInvalid(o);
  const key = objKey(kind, ns, metadata.name);
  const existing =
    cluster.objects[key] ??
    (kind === 'Namespace' && cluster.namespaces.includes(String(metadata.name))
      ? { apiVersion: 'v1', kind: 'Namespace', metadata: { name: String(metadata.name) } }
      : undefined);
  const stored = serverSideApply(existing, o, opts.manager, opts.force);
  // Applied: the object has its metadata.
  const name = o.metadata.name;
  // A Secret's stringData is write-only: the API server merges it into data, base64-encoded, and never returns
  // it (Kubernetes API reference, core/v1 Secret: stringData).
  if (kind === 'Secret' && stored.stringData) {
    const data: Record<string, string> = { ...stored.data };
    stored.data = data;
    for (const [k, v] of Object.entries(stored.stringData)) data[k] = Buffer.from(String(v)).toString('base64');
    delete stored.stringData;
  }
  // The API server gives each object it creates a uid of its own; one created again gets a new one.
  if (!existing) stored.metadata.uid = randomUid();
  if (kind === 'Namespace' && !cluster.namespaces.includes(name)) cluster.namespaces.push(name);
  if (kind === 'Deployment') stored.status = { readyReplicas: o.spec?.['replicas'] ?? 1 };
  if (kind === 'Gateway') gatewayDeployed(cluster, stored, ns);
  cluster.objects[key] = stored;
  rateLimitApplied(cluster, stored);
}
