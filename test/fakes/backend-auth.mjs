// The credential-injection and proxy-auth packs in the fakes: agentgateway's backend auth policies (the key it
// adds to a host's requests, the Proxy-Authorization it gives the tunnel), the Secrets they read, and the Squid
// that requires basic authentication. Each rule names the product source it was read from; docs/upstream-rules.md
// lists them (A-rules for agentgateway, Q-rules for Squid).

import { createHash } from 'node:crypto';

const key = (kind, ns, name) => `${kind}|${ns ?? ''}|${name}`;

/** One key of a Secret as text (data, base64, where the API server keeps stringData: docs/upstream-rules.md KC9). */
function secretText(secret, name) {
  if (secret.data?.[name] !== undefined) return Buffer.from(secret.data[name], 'base64').toString('utf8');
  return secret.stringData?.[name];
}

/**
 * What agentgateway's controller reads for `policies.auth.secretRef` of a backend in namespace `ns`
 * (agentgateway v1.4.1 controller/pkg/agentgateway/plugins/backend_policies.go translateBackendAuth :869-907;
 * controller/pkg/utils/kubeutils/secrets.go GetSecret :73-79, GetSecretDataValue :109-115 trims, GetSecretDataAuth
 * for the default key `Authorization` also strips `Bearer `). Returns { value } or { error } in the controller's words.
 */
export function authSecretValue(cluster, ns, secretRef) {
  const secret = cluster.objects[key('Secret', ns, secretRef.name)];
  if (!secret) return { error: `secret ${ns}/${secretRef.name} not found` };
  const name = secretRef.key || 'Authorization';
  let value = (secretText(secret, name) ?? '').trim();
  if (name === 'Authorization') value = value.replace(/^Bearer /, '');
  if (!value) return { error: `secret ${ns}/${secretRef.name} missing ${name} value` };
  return { value };
}

/**
 * Why agentgateway's controller does not send a backend to the proxy: an inline policy that fails to translate
 * (a secretRef to a missing Secret or key) drops the whole backend, with status Accepted False TranslationError
 * "failed to translate backend: <err>" (controller/pkg/syncer/backend/backend_plugin.go BuildAgwBackend :137-163,
 * TranslateAgwBackend :214-233). undefined when the backend is sent.
 */
export function backendTranslationError(cluster, backend) {
  const ref = backend?.spec?.policies?.auth?.secretRef;
  if (!ref) return undefined;
  return authSecretValue(cluster, backend.metadata.namespace, ref).error;
}

/** A backend's status as its controller writes it (see backendTranslationError). */
export function backendAccepted(cluster, backend) {
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
const canonical = (name) =>
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
export function destinationHeaders(cluster, backend, sent) {
  const out = {};
  for (const h of sent) {
    const name = canonical(h.slice(0, h.indexOf(':')).trim());
    out[name] = [...(out[name] ?? []), h.slice(h.indexOf(':') + 1).trim()];
  }
  const auth = backend?.spec?.policies?.auth;
  if (auth?.secretRef) {
    const { value } = authSecretValue(cluster, backend.metadata.namespace, auth.secretRef);
    const header = auth.location?.header ?? { name: 'Authorization', prefix: 'Bearer ' };
    if (value !== undefined) out[canonical(header.name)] = [`${header.prefix ?? ''}${value}`];
  }
  return out;
}

/**
 * The Proxy-Authorization agentgateway sends the tunnel's proxy: the tunnel backend's own auth policy, `prefix +
 * value` whatever header name it gives (crates/agentgateway/src/http/auth/mod.rs apply_tunnel_auth :123-156;
 * proxy/httpproxy.rs build_transport :1590-1618), on the CONNECT and on a plain absolute-form request alike
 * (client/connect_tunnel.rs :24-28, client/mod.rs :646-655). undefined when the tunnel has none.
 */
export function tunnelToken(cluster, via) {
  const auth = via?.spec?.policies?.auth;
  if (!auth?.secretRef) return undefined;
  const { value } = authSecretValue(cluster, via.metadata.namespace, auth.secretRef);
  if (value === undefined) return undefined;
  return `${auth.location?.header?.prefix ?? 'Bearer '}${value}`;
}

/** The acl names squid.conf defines as `acl NAME proxy_auth REQUIRED`. */
const proxyAuthAcls = (conf) => [...conf.matchAll(/^\s*acl\s+(\S+)\s+proxy_auth\s+REQUIRED\s*$/gm)].map((m) => m[1]);

/**
 * Whether Squid asks for a login: an `http_access allow` line that names a proxy_auth acl (squid-cache/squid
 * SQUID_6_6 src/cf.data.pre "acl aclname proxy_auth", "http_access"). The lab's conf puts it on its one allow line.
 */
function authRequired(conf) {
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
function passwdLines(cluster, squid, conf) {
  const file = /^\s*auth_param\s+basic\s+program\s+\S+\s+(\S+)\s*$/m.exec(conf)?.[1];
  if (!file) return [];
  const spec = squid.spec?.template?.spec ?? {};
  const mounts = (spec.containers ?? []).flatMap((c) => c.volumeMounts ?? []);
  for (const m of mounts) {
    const name = file.startsWith(`${m.mountPath}/`) ? file.slice(m.mountPath.length + 1) : undefined;
    const secretName = (spec.volumes ?? []).find((v) => v.name === m.name)?.secret?.secretName;
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
export function squidLogin(cluster, squid, conf, token) {
  if (!authRequired(conf)) return { required: false, ok: true, user: '-' };
  const basic = /^Basic\s+(\S+)$/.exec(token ?? '');
  if (!basic) return { required: true, ok: false, user: '-' };
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const user = decoded.slice(0, decoded.indexOf(':'));
  const password = decoded.slice(decoded.indexOf(':') + 1);
  const md5 = createHash('md5').update(password).digest('hex');
  const ok = decoded.includes(':') && passwdLines(cluster, squid, conf).includes(`${user}:${md5}`);
  return { required: true, ok, user: user || '-' };
}

/**
 * `kubectl exec deploy/NAME -- env`: the container's environment as the kubelet sets it (its env values, a
 * secretKeyRef or configMapKeyRef resolved, envFrom Secrets and ConfigMaps) after the image's PATH and HOSTNAME.
 */
export function podEnv(cluster, deployment) {
  const ns = deployment.metadata.namespace;
  const container = deployment.spec?.template?.spec?.containers?.[0] ?? {};
  const lines = [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    `HOSTNAME=${deployment.metadata.name}-6d4cf56db6-x2x8l`,
  ];
  const from = (kind, name, k) => {
    const o = cluster.objects[key(kind, ns, name)];
    return kind === 'Secret' ? o && secretText(o, k) : o?.data?.[k];
  };
  for (const e of container.envFrom ?? []) {
    const kind = e.secretRef ? 'Secret' : 'ConfigMap';
    const o = cluster.objects[key(kind, ns, (e.secretRef ?? e.configMapRef)?.name)];
    for (const k of Object.keys(o?.data ?? {})) lines.push(`${e.prefix ?? ''}${k}=${from(kind, o.metadata.name, k)}`);
  }
  for (const e of container.env ?? []) {
    const s = e.valueFrom?.secretKeyRef;
    const c = e.valueFrom?.configMapKeyRef;
    const value = s ? from('Secret', s.name, s.key) : c ? from('ConfigMap', c.name, c.key) : e.value;
    lines.push(`${e.name}=${value ?? ''}`);
  }
  lines.push('KUBERNETES_SERVICE_HOST=10.96.0.1', 'KUBERNETES_SERVICE_PORT=443', 'HOME=/root');
  return `${lines.join('\n')}\n`;
}
