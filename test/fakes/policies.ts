// What the oss waypoint (agentgateway v1.4.1) does with the AgentgatewayPolicies attached to its Gateway beyond
// ext-authz: CEL authorization (traffic.authorization), local rate limits (traffic.rateLimit) and the access log's
// added attributes (frontend.accessLog.attributes.add). CEL is evaluated by a real CEL implementation
// (@marcbachmann/cel-js); an expression that fails to parse or evaluate counts as false, as agentgateway's
// `eval_bool` does (crates/agentgateway/src/cel/types.rs). Each rule names where it was read; docs/upstream-rules.md
// lists them (A13–A16).

import { evaluate } from '@marcbachmann/cel-js';
import { withLiveStatus } from './controllers.ts';
import { SRC } from './logs.ts';
import { at, type FakeCluster, type K8sObject, type RateLimitBucket, rec, recs, str, strs } from './types.ts';

/** The CEL context of one request (celContext). */
export type CelContext = ReturnType<typeof celContext>;

/**
 * The AgentgatewayPolicies that apply to requests on the Gateway: those targeting it by name in its own namespace
 * (targetRefs are local, A4) that its controller reports Attached, in creation order.
 */
function gatewayPolicies(cluster: FakeCluster, gateway: K8sObject): K8sObject[] {
  return Object.values(cluster.objects).filter(
    (o) =>
      o.kind === 'AgentgatewayPolicy' &&
      o.apiVersion?.startsWith('agentgateway.dev/') &&
      o.metadata.namespace === gateway.metadata.namespace &&
      recs(o.spec?.['targetRefs']).some(
        (t) =>
          t['group'] === 'gateway.networking.k8s.io' && t['kind'] === 'Gateway' && t['name'] === gateway.metadata.name,
      ) &&
      recs(withLiveStatus(cluster, o).status?.['ancestors']).some((a) =>
        recs(a['conditions']).some((c) => c['type'] === 'Attached' && c['status'] === 'True'),
      ),
  );
}

/**
 * The CEL context of a request from the sample of namespace `ns`: `source` carries the SPIFFE identity of the
 * client certificate ztunnel presented on the HBONE connection (`spiffe://<trust domain>/ns/<ns>/sa/<service
 * account>`, the sample Deployment's serviceAccountName; the lab keeps Istio's trust domain cluster.local) as
 * `source.identity` and `source.subjectAltNames` (crates/agentgateway/src/transport/tls.rs, cel/types.rs), and
 * `request` the method, path, host and headers (lower-case names).
 */
export function celContext(
  cluster: FakeCluster,
  ns: string,
  { host, path, headers }: { host: string; path: string; headers: string[] },
) {
  const sleep = cluster.objects[`Deployment|${ns}|sleep`];
  const serviceAccount = at(sleep?.spec, 'template', 'spec', 'serviceAccountName') ?? 'default';
  const identity = { trustDomain: 'cluster.local', namespace: ns, serviceAccount };
  const requestHeaders = Object.fromEntries(
    headers.map((h) => [(h.split(':')[0] ?? '').trim().toLowerCase(), h.split(':').slice(1).join(':').trim()]),
  );
  return {
    source: {
      address: SRC.ip,
      port: SRC.port,
      identity,
      subjectAltNames: [`spiffe://cluster.local/ns/${ns}/sa/${String(serviceAccount)}`],
    },
    request: { method: 'GET', path, host, headers: { host, ...requestHeaders } },
  };
}

/** An expression's value, or undefined when it does not parse or fails to evaluate. */
function celValue(expression: string, context: CelContext): unknown {
  try {
    const value: unknown = evaluate(expression, context);
    return value;
  } catch {
    return undefined;
  }
}

/** Only a boolean true matches; an error or a value of another type is false (cel/types.rs `eval_bool`). */
const celTrue = (expression: string, context: CelContext) => celValue(expression, context) === true;

/**
 * traffic.authorization: the controller turns each matchExpression of a policy into one rule of the policy's
 * action (Allow by default) (controller/pkg/agentgateway/plugins/traffic_plugin.go TranslateAuthorization), and
 * the rule sets of every policy attached to the Gateway apply together: any matching Deny denies, every Require
 * must match, any matching Allow allows, and when there are Allow rules and none matched the request is denied
 * (crates/agentgateway/src/http/authorization.rs `validate`). So an Allow that errors allows nothing and a Deny
 * that errors denies nothing. Returns whether the request is denied.
 */
function authorizationDenies(policies: K8sObject[], context: CelContext): boolean {
  const rules = policies.flatMap((p) => {
    const auth = at(p.spec, 'traffic', 'authorization');
    if (!auth) return [];
    const action = rec(auth)['action'] ?? 'Allow';
    return strs(at(auth, 'policy', 'matchExpressions')).map((expression) => ({ action, expression }));
  });
  if (rules.length === 0) return false;
  const of = (action: string) => rules.filter((r) => r.action === action);
  if (of('Deny').some((r) => celTrue(r.expression, context))) return true;
  if (!of('Require').every((r) => celTrue(r.expression, context))) return true;
  if (of('Allow').some((r) => celTrue(r.expression, context))) return false;
  return of('Allow').length > 0;
}

const UNIT_MS: Record<string, number> = { Seconds: 1000, Minutes: 60_000, Hours: 3_600_000 };

/**
 * The local rate limits of a policy's traffic.rateLimit, as the proxy gets them: `local` alone is one
 * unconditional entry, `conditional` one entry per item with its condition; of each `local` list only the first
 * item is sent (traffic_plugin.go processLocalRateLimitTraffic "TODO: support multiple"). `global` needs a rate
 * limit service the lab does not run: not modelled.
 */
/** One local limit of a policy: its place in the list, its CEL condition, and the limit. */
interface LocalLimit {
  index: number;
  condition: string | undefined;
  local: { requests: number; burst?: number; unit?: string } | undefined;
}

/** A local limit as the policy spells it (requests, burst, unit), or undefined when it is not one. */
function localSpec(x: unknown): LocalLimit['local'] {
  const l = rec(x);
  const requests = l['requests'];
  if (typeof requests !== 'number') return undefined;
  return { ...l, requests, burst: typeof l['burst'] === 'number' ? l['burst'] : undefined, unit: str(l['unit']) };
}

function localLimits(policy: K8sObject): LocalLimit[] {
  const rl = rec(at(policy.spec, 'traffic', 'rateLimit'));
  if (!at(policy.spec, 'traffic', 'rateLimit')) return [];
  const entries = rl['conditional'] ?? (rl['local'] ? [{ policy: { local: rl['local'] } }] : []);
  return recs(entries).map((e, index) => ({
    index,
    condition: str(e['condition']),
    local: localSpec(at(e, 'policy', 'local', 0)),
  }));
}

/**
 * A token bucket as agentgateway builds it for a local limit (crates/agentgateway/src/http/localratelimit.rs,
 * a fork of pelikan-io ratelimit; controller traffic_plugin.go): capacity `requests + burst`, starts full, adds
 * `requests` at whole `unit` intervals counted from when the bucket was built, never above capacity. A new bucket
 * is built whenever the proxy gets the rate-limit policy again, i.e. when its spec changes (the controller sends
 * only changed resources, controller/pkg/syncer/krtxds/xds.go). Kept in the cluster's state by policy uid and
 * entry; `now` in ms.
 */
function bucketFor(
  cluster: FakeCluster,
  policy: K8sObject,
  limit: LocalLimit & { local: { requests: number; burst?: number; unit?: string } },
  now: number,
): RateLimitBucket {
  const key = `${policy.metadata.uid ?? policy.metadata.name}|${limit.index}`;
  const spec = JSON.stringify({
    targetRefs: policy.spec?.['targetRefs'],
    limit,
    phase: at(policy.spec, 'traffic', 'phase'),
  });
  cluster.rateLimitBuckets ??= {};
  const capacity = limit.local.requests + (limit.local.burst ?? 0);
  const interval = UNIT_MS[limit.local.unit ?? ''] ?? 60_000;
  let b = cluster.rateLimitBuckets[key];
  if (!b || b.spec !== spec) {
    b = { spec, builtAt: now, refillAt: now + interval, available: capacity };
    cluster.rateLimitBuckets[key] = b;
  }
  if (now >= b.refillAt) {
    const intervals = Math.floor((now - b.refillAt) / interval) + 1;
    b.available = Math.min(capacity, b.available + intervals * limit.local.requests);
    b.refillAt += intervals * interval;
  }
  return b;
}

/** Builds (or rebuilds) the buckets of a rate-limit policy as it is applied, so refills count from then. */
export function rateLimitApplied(cluster: FakeCluster, policy: K8sObject, now = Date.now()): void {
  if (policy.kind !== 'AgentgatewayPolicy') return;
  for (const limit of localLimits(policy))
    if (limit.local?.requests) bucketFor(cluster, policy, { ...limit, local: limit.local }, now);
}

/**
 * Whether the request is over a local limit: of the entries of the first policy with a rate limit, the first
 * whose condition holds (an entry without one always does) takes one token from its own bucket
 * (crates/agentgateway/src/store/policy.rs `select`; localratelimit.rs `check_request`); no entry matching
 * means no limit. A `tokens` limit counts LLM tokens and never limits a plain request.
 */
function rateLimited(cluster: FakeCluster, policies: K8sObject[], context: CelContext, now: number): boolean {
  const policy = policies.find((p) => localLimits(p).length > 0);
  if (!policy) return false;
  const limit = localLimits(policy).find((l) => l.condition === undefined || celTrue(l.condition, context));
  if (!limit?.local?.requests) return false;
  const bucket = bucketFor(cluster, policy, { ...limit, local: limit.local }, now);
  if (bucket.available <= 0) return true;
  bucket.available--;
  return false;
}

/**
 * The answer of the route-phase policies that run after ext-authz, in agentgateway's order (crates/agentgateway/
 * src/proxy/httpproxy.rs `apply_request_policies`: ext_authz, authorization, local rate limit): 403
 * `authorization failed` reason Authorization, or 429 `rate limit exceeded` reason RateLimit (proxy/mod.rs);
 * undefined to go on. A denied request returns before the rate limit and takes no token.
 */
export function routePolicyAnswer(
  cluster: FakeCluster,
  gateway: K8sObject,
  context: CelContext,
  now = Date.now(),
): { status: number; error: string; reason: string } | undefined {
  const policies = gatewayPolicies(cluster, gateway);
  if (authorizationDenies(policies, context))
    return { status: 403, error: 'authorization failed', reason: 'Authorization' };
  if (rateLimited(cluster, policies, context, now))
    return { status: 429, error: 'rate limit exceeded', reason: 'RateLimit' };
  return undefined;
}

/** A CEL value as the text log writes it: strings Debug-quoted, numbers and booleans bare, lists and maps Debug. */
function logValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(logValue).join(', ')}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${logValue(k)}: ${logValue(x)}`).join(', ')}}`;
  if (v && typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}: ${logValue(x)}`)
      .join(', ')}}`;
  return '()';
}

/**
 * The attributes the Gateway's access-log policy adds to each request line, as [name, text] pairs: only the
 * first policy with frontend.accessLog counts (crates/agentgateway/src/store/binds.rs `set_if_empty`), each
 * attribute is evaluated with CEL, one that fails or is null is left out, and they are written after the default
 * keys (crates/agentgateway/src/telemetry/log.rs).
 */
export function accessLogAttributes(cluster: FakeCluster, gateway: K8sObject, context: CelContext): [string, string][] {
  const policy = gatewayPolicies(cluster, gateway).find((p) => at(p.spec, 'frontend', 'accessLog'));
  return recs(at(policy?.spec, 'frontend', 'accessLog', 'attributes', 'add')).flatMap(
    ({ name, expression }): [string, string][] => {
      const v = celValue(String(expression), context);
      return v === undefined || v === null ? [] : [[String(name), logValue(v)]];
    },
  );
}
