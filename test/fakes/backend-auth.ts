// The credential-injection and proxy-auth packs in the fakes: agentgateway's backend auth policies (the key it
// adds to a host's requests, the Proxy-Authorization it gives the tunnel), the Secrets they read, and the Squid
// that requires basic authentication. Each rule names the product source it was read from; docs/upstream-rules.md
// lists them (A-rules for agentgateway, Q-rules for Squid).

import { createHash } from 'node:crypto';
import { at, type Condition, type FakeCluster, type Json, type K8sObject, rec, recs, str } from './types.ts';

const key = (kind: string, ns: string | undefined, name: string | undefined) => `${kind}|${ns ?? ''}|${name}`;

/** One key of a Secret as text (data, base64, where the API server keeps stringData: docs/upstream-rules.md KC9). */
function secretText(secret: K8sObject, name: string): string | undefined {
  const data = secret.data?.[name];
  if (data !== undefined) return Buffer.from(data, 'base64').toString('utf8');
  return str(secret.stringData?.[name]);
}

/**
 * What agentgateway's controller reads for `policies.auth.secretRef` of a backend in namespace `ns`
 * (agentgateway v1.4.1 controller/pkg/agentgateway/plugins/backend_policies.go translateBackendAuth :869-907;
 * controller/pkg/utils/kubeutils/secrets.go GetSecret :73-79, GetSecretDataValue :109-115 trims, GetSecretDataAuth
 * for the default key `Authorization` also strips `Bearer `). Returns { value } or { error } in the controller's words.
 */
export function authSecretValue(
  cluster: FakeCluster,
  ns: string | undefined,
  secretRef: Json,
): { value?: string; error?: string } {
  const secret = cluster.objects[key('Secret', ns, str(secretRef['name']))];
  if (!secret) return { error: `secret ${ns}/${str(secretRef['name'])} not found` };
  const name = str(secretRef['key']) || 'Authorization';
  let value = (secretText(secret, name) ?? '').trim();
  if (name === 'Authorization') value = value.replace(/^Bearer /, '');
  if (!value) return { error: `secret ${ns}/${str(secretRef['name'])} missing ${name} value` };
  return { value };
}

/** The kinds of backend an AgentgatewayBackend's spec names, exactly one of which it must set (v1.4.1 CRD). */
export const BACKEND_KINDS = ['ai', 'static', 'dynamicForwardProxy', 'mcp', 'aws', 'a2a'] as const;

/** The backend kinds `spec` sets (a field present and not null, as CEL's has() sees an applied object). */
export const backendKinds = (spec: Json | undefined) =>
  BACKEND_KINDS.filter((k) => spec?.[k] !== undefined && spec?.[k] !== null);

/**
 * Why agentgateway's controller does not send a backend to the proxy: an inline policy that fails to translate
 * (a secretRef to a missing Secret or key) drops the whole backend, with status Accepted False TranslationError
 * "failed to translate backend: <err>" (controller/pkg/syncer/backend/backend_plugin.go BuildAgwBackend :137-163,
 * TranslateAgwBackend :214-233). A spec that sets none of static, a2a, dynamicForwardProxy, mcp, ai and aws
 * translates to no backend: BuildAgwBackend joins "unknown backend" to the policy's error (errors.Join, one per
 * line; backend_plugin.go :211@v1.4.1). undefined when the backend is sent.
 */
export function backendTranslationError(cluster: FakeCluster, backend: K8sObject | undefined): string | undefined {
  if (!backend) return undefined;
  const ref = at(backend.spec, 'policies', 'auth', 'secretRef');
  const policyError = ref ? authSecretValue(cluster, backend.metadata.namespace, rec(ref)).error : undefined;
  const kindError = backendKinds(backend.spec).length === 0 ? 'unknown backend' : undefined;
  return [policyError, kindError].filter(Boolean).join('\n') || undefined;
}

/** A backend's status as its controller writes it (see backendTranslationError). */
export function backendAccepted(cluster: FakeCluster, backend: K8sObject): Condition {
  const error = backendTranslationError(cluster, backend);
  return error
    ? {
        type: 'Accepted',
        status: 'False',
        reason: 'TranslationError',
        message: `failed to translate backend: ${error}`,
      }
    : { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'Backend successfully accepted' };
}

/** Go's http.CanonicalHeaderKey, as go-httpbin's /headers echo shows names (x-api-key → X-Api-Key). */
const canonical = (name: string) =>
  name
    .toLowerCase()
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('-');

/**
 * The headers the destination sees from the app's request ("Name: value" strings), after the backend's key auth:
 * `location.header` sets `prefix + value` with HeaderMap::insert, which replaces every value the app sent under
 * that name (agentgateway v1.4.1 crates/agentgateway/src/http/auth/mod.rs AuthorizationLocation::insert :362-375,
 * apply_backend_auth `Key` :206-208; no location = `Authorization: Bearer <key>`, :304-313). As httpbingo echoes
 * them: canonical names, each with its list of values.
 */
export function destinationHeaders(
  cluster: FakeCluster,
  backend: K8sObject | undefined,
  sent: string[],
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const h of sent) {
    const name = canonical(h.slice(0, h.indexOf(':')).trim());
    out[name] = [...(out[name] ?? []), h.slice(h.indexOf(':') + 1).trim()];
  }
  const auth = rec(at(backend?.spec, 'policies', 'auth'));
  if (auth['secretRef']) {
    const { value } = authSecretValue(cluster, backend?.metadata.namespace, rec(auth['secretRef']));
    const header = rec(at(auth, 'location', 'header') ?? { name: 'Authorization', prefix: 'Bearer ' });
    if (value !== undefined) out[canonical(String(header['name']))] = [`${str(header['prefix']) ?? ''}${value}`];
  }
  return out;
}

/**
 * The Proxy-Authorization agentgateway sends the tunnel's proxy: the tunnel backend's own auth policy, `prefix +
 * value` whatever header name it gives (crates/agentgateway/src/http/auth/mod.rs apply_tunnel_auth :123-156;
 * proxy/httpproxy.rs build_transport :1590-1618), on the CONNECT and on a plain absolute-form request alike
 * (client/connect_tunnel.rs :24-28, client/mod.rs :646-655). undefined when the tunnel has none.
 */
export function tunnelToken(cluster: FakeCluster, via: K8sObject | undefined): string | undefined {
  const auth = rec(at(via?.spec, 'policies', 'auth'));
  if (!auth['secretRef']) return undefined;
  const { value } = authSecretValue(cluster, via?.metadata.namespace, rec(auth['secretRef']));
  if (value === undefined) return undefined;
  return `${str(at(auth, 'location', 'header', 'prefix')) ?? 'Bearer '}${value}`;
}

/** The acl names squid.conf defines as `acl NAME proxy_auth REQUIRED`. */
const proxyAuthAcls = (conf: string) =>
  [...conf.matchAll(/^\s*acl\s+(\S+)\s+proxy_auth\s+REQUIRED\s*$/gm)].map((m) => m[1]);

/**
 * Whether Squid asks for a login: an `http_access allow` line that names a proxy_auth acl (squid-cache/squid
 * SQUID_6_6 src/cf.data.pre "acl aclname proxy_auth", "http_access"). The lab's conf puts it on its one allow line.
 */
function authRequired(conf: string | undefined): boolean {
  const acls = proxyAuthAcls(conf ?? '');
  return (conf ?? '').split('\n').some(
    (l) =>
      /^\s*http_access\s+allow\s/.test(l) &&
      l
        .trim()
        .split(/\s+/)
        .slice(2)
        .some((a) => acls.includes(a)),
  );
}

/** The passwd file basic_ncsa_auth reads, from the Secret volume mounted where `auth_param basic program` points. */
function passwdLines(cluster: FakeCluster, squid: K8sObject, conf: string): string[] {
  const file = /^\s*auth_param\s+basic\s+program\s+\S+\s+(\S+)\s*$/m.exec(conf)?.[1];
  if (!file) return [];
  const spec = rec(at(squid.spec, 'template', 'spec'));
  const mounts = recs(spec['containers']).flatMap((c) => recs(c['volumeMounts']));
  for (const m of mounts) {
    const mountPath = String(m['mountPath']);
    const name = file.startsWith(`${mountPath}/`) ? file.slice(mountPath.length + 1) : undefined;
    const secretName = str(
      at(
        recs(spec['volumes']).find((v) => v['name'] === m['name']),
        'secret',
        'secretName',
      ),
    );
    if (!name || !secretName) continue;
    const secret = cluster.objects[key('Secret', squid.metadata.namespace, secretName)];
    return (secret ? (secretText(secret, name) ?? '') : '').split('\n').filter(Boolean);
  }
  return [];
}

/**
 * Squid with basic authentication checks the request's Proxy-Authorization against its passwd file through
 * basic_ncsa_auth (user:md5hex is one of the forms it accepts, src/auth/basic/NCSA/basic_ncsa_auth.cc). Without a
 * good `Basic` credential it answers 407 Proxy Authentication Required (src/client_side_request.cc) and logs
 * TCP_DENIED/407 with the user it was given, `-` when none (Debian squid 5.7, test/squid/proxy-auth.test.ts).
 * Returns { required: false } when the conf asks for no login, else { ok, user }.
 */
export function squidLogin(
  cluster: FakeCluster,
  squid: K8sObject,
  conf: string | undefined,
  token: string | undefined,
): { required: boolean; ok: boolean; user: string } {
  if (!authRequired(conf)) return { required: false, ok: true, user: '-' };
  const basic = /^Basic\s+(\S+)$/.exec(token ?? '');
  if (!basic) return { required: true, ok: false, user: '-' };
  const decoded = Buffer.from(basic[1] ?? '', 'base64').toString('utf8');
  const user = decoded.slice(0, decoded.indexOf(':'));
  const password = decoded.slice(decoded.indexOf(':') + 1);
  const md5 = createHash('md5').update(password).digest('hex');
  const ok = decoded.includes(':') && passwdLines(cluster, squid, conf ?? '').includes(`${user}:${md5}`);
  return { required: true, ok, user: user || '-' };
}

/**
 * `kubectl exec deploy/NAME -- env`: the container's environment as the kubelet sets it (its env values, a
 * secretKeyRef or configMapKeyRef resolved, envFrom Secrets and ConfigMaps) after the image's PATH and HOSTNAME.
 */
export function podEnv(cluster: FakeCluster, deployment: K8sObject): string {
  const ns = deployment.metadata.namespace;
  const container = rec(at(deployment.spec, 'template', 'spec', 'containers', 0));
  const lines = [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    `HOSTNAME=${deployment.metadata.name}-6d4cf56db6-x2x8l`,
  ];
  const from = (kind: string, name: unknown, k: unknown) => {
    const o = cluster.objects[key(kind, ns, str(name))];
    return kind === 'Secret' ? o && secretText(o, String(k)) : o?.data?.[String(k)];
  };
  for (const e of recs(container['envFrom'])) {
    const kind = e['secretRef'] ? 'Secret' : 'ConfigMap';
    const o = cluster.objects[key(kind, ns, str(rec(e['secretRef'] ?? e['configMapRef'])['name']))];
    for (const k of Object.keys(o?.data ?? {}))
      lines.push(`${str(e['prefix']) ?? ''}${k}=${from(kind, o?.metadata.name, k)}`);
  }
  for (const e of recs(container['env'])) {
    const s = at(e, 'valueFrom', 'secretKeyRef');
    const c = at(e, 'valueFrom', 'configMapKeyRef');
    const value = s
      ? from('Secret', rec(s)['name'], rec(s)['key'])
      : c
        ? from('ConfigMap', rec(c)['name'], rec(c)['key'])
        : e['value'];
    lines.push(`${String(e['name'])}=${value ?? ''}`);
  }
  lines.push('KUBERNETES_SERVICE_HOST=10.96.0.1', 'KUBERNETES_SERVICE_PORT=443', 'HOME=/root');
  return `${lines.join('\n')}\n`;
}
