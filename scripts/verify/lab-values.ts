import { createHash } from 'node:crypto';
import type { Exec } from '../exec/exec.ts';
import { WAYPOINT_NAMESPACE } from '../profile/layout.ts';
import type { Profile } from '../profile/schema.ts';
import { type LabSecrets, secretForms } from '../state/lab-secrets.ts';

/**
 * The values of the lab's secrets as the cluster holds them, so verify can compare what a destination saw with
 * them by hash and keep them out of everything it prints: credential-injection's API key comes back in the
 * destination's echo of the request's headers (httpbingo /headers), which the report quotes.
 */

export const API_KEY_SECRET = { namespace: WAYPOINT_NAMESPACE, name: 'egress-lab-api-key', key: 'api-key' };
export const PROXY_SECRET = { namespace: WAYPOINT_NAMESPACE, name: 'squid-proxy-credentials', key: 'credentials' };

type SecretKey = typeof API_KEY_SECRET;

/** A short hash prefix that names a value without showing it. */
export const hashTag = (value: string) => `sha256:${createHash('sha256').update(value).digest('hex').slice(0, 8)}…`;

/**
 * One key of a Secret, decoded from its base64 data (the API server keeps stringData there), trimmed as
 * agentgateway's controller reads it (v1.4.1 controller/pkg/utils/kubeutils/secrets.go GetSecretDataValue).
 */
async function readSecretKey(exec: Exec, k: readonly string[], ref: SecretKey): Promise<SecretRead> {
  let data: Record<string, string> | undefined;
  try {
    const { stdout } = await exec('kubectl', [...k, 'get', 'secret', ref.name, '-n', ref.namespace, '-o', 'json'], {
      timeoutMs: 30_000,
    });
    data = (JSON.parse(stdout) as { data?: Record<string, string> }).data;
  } catch (err) {
    const first = (err as Error).message.split('\n')[0]!;
    return { error: /failed \(exit \d+\): (.*)$/.exec(first)?.[1] ?? first };
  }
  const raw = data?.[ref.key];
  if (raw === undefined) return { error: `secret ${ref.namespace}/${ref.name} has no key ${ref.key}` };
  const value = Buffer.from(raw, 'base64').toString('utf8').trim();
  return value ? { value } : { error: `secret ${ref.namespace}/${ref.name} key ${ref.key} is empty` };
}

/** A Secret key's value as the cluster holds it, or why it cannot be read. */
export type SecretRead = { value: string } | { error: string };
/** Reads a Secret key at most once per verify run: the redactions and a pack's proof share the answer. */
export type SecretReader = (ref: SecretKey) => Promise<SecretRead>;

export function secretReader(exec: Exec, k: readonly string[]): SecretReader {
  const reads = new Map<string, Promise<SecretRead>>();
  return (ref) => {
    const id = `${ref.namespace}/${ref.name}/${ref.key}`;
    const known = reads.get(id);
    if (known) return known;
    const read = readSecretKey(exec, k, ref);
    reads.set(id, read);
    return read;
  };
}

export interface Redaction {
  value: string;
  label: string;
}

/**
 * The lab's secret values the profile's packs put in the cluster, each with the label that replaces it; with the
 * values the lab's folder keeps (`kept`), so a Secret that cannot be read this time still never shows.
 */
export async function labValues(read: SecretReader, profile: Profile, kept?: LabSecrets): Promise<Redaction[]> {
  const out: Redaction[] = [];
  if (kept) {
    const forms = secretForms(kept);
    out.push(
      { value: forms['api-key'], label: `<api key ${hashTag(forms['api-key'])}>` },
      { value: forms['proxy-basic'], label: `<proxy credential ${hashTag(forms['proxy-basic'])}>` },
      { value: kept.proxyPassword, label: `<proxy password ${hashTag(kept.proxyPassword)}>` },
    );
  }
  if (profile.scenarios.includes('credential-injection')) {
    const r = await read(API_KEY_SECRET);
    if ('value' in r) out.push({ value: r.value, label: `<api key ${hashTag(r.value)}>` });
  }
  if (profile.scenarios.includes('proxy-auth')) {
    const r = await read(PROXY_SECRET);
    if ('value' in r) {
      const decoded = Buffer.from(r.value, 'base64').toString('utf8');
      const password = decoded.slice(decoded.indexOf(':') + 1);
      out.push({ value: r.value, label: `<proxy credential ${hashTag(r.value)}>` });
      if (password) out.push({ value: password, label: `<proxy password ${hashTag(password)}>` });
    }
  }
  const seen = new Set<string>();
  return out.filter((r) => r.value.length >= 8 && !seen.has(r.value) && seen.add(r.value));
}

/** A text with every secret value replaced by its label (longest first). */
export function redactValues(text: string, values: readonly Redaction[]): string {
  return [...values]
    .sort((a, b) => b.value.length - a.value.length)
    .reduce((t, r) => t.split(r.value).join(r.label), text);
}

/** Every string inside a JSON-like value, redacted. */
export function redactDeep<T>(value: T, values: readonly Redaction[]): T {
  if (values.length === 0) return value;
  if (typeof value === 'string') return redactValues(value, values) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, values)) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, redactDeep(v, values)])) as T;
  return value;
}
