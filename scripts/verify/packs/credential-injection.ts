import { createHash } from 'node:crypto';
import { WAYPOINT_NAMESPACE } from '../../profile/layout.ts';
import { API_KEY_HEADER } from '../../render/scenarios.ts';
import { describeResult, excerpt } from '../judge.ts';
import { API_KEY_SECRET, hashTag } from '../lab-values.ts';
import type { CurlResult } from '../probe.ts';
import { failed, ok, type PackProver, type ScenarioProbe } from '../scenario-probe.ts';

/**
 * credential-injection: the gateway adds the lab's API key to every request for the host (the host's
 * AgentgatewayBackend policies.auth reads the Secret egress-lab-api-key), and the app never holds it.
 * Proof: httpbingo's echo shows X-Api-Key with the same sha256 as the Secret's value; the key is in neither the
 * app's pod spec nor its environment nor the gateway's log. Negative: the app sends its own X-Api-Key and the
 * destination still sees only the lab's, since the gateway replaces the header (agentgateway v1.4.1
 * crates/agentgateway/src/http/auth/mod.rs AuthorizationLocation::insert :362-375, HeaderMap::insert).
 * The key itself is never printed: only a short hash prefix.
 */
export const FORGED_KEY = 'forged-by-the-app';
const SECRET = `${API_KEY_SECRET.namespace}/${API_KEY_SECRET.name}`;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
/** A failed request in a line: its status and, for the gateway's own answer, its text (proxy/mod.rs: text/plain). */
const answered = (r: CurlResult) => `${describeResult(r)}${r.status && r.body ? ` "${excerpt(r.body, 80)}"` : ''}`;

/** The values of X-Api-Key in httpbingo's echo ({"headers": {"X-Api-Key": ["…"]}}), undefined when it is not one. */
export function echoedKey(body: string): string[] | undefined {
  try {
    const headers = (JSON.parse(body) as { headers?: Record<string, string[]> }).headers ?? {};
    const name = Object.keys(headers).find((h) => h.toLowerCase() === API_KEY_HEADER.toLowerCase());
    return name ? headers[name] : [];
  } catch {
    return undefined;
  }
}

/** What the destination saw under X-Api-Key, told without the key: the lab's (by hash), the app's, or other. */
function seenAs(values: string[] | undefined, key: string): string {
  if (values === undefined) return 'an answer that is not httpbingo’s JSON echo';
  if (values.length === 0) return `no ${API_KEY_HEADER}`;
  return values
    .map((v) =>
      v === key ? `the lab's key (${hashTag(v)})` : v === FORGED_KEY ? `the app's ${FORGED_KEY}` : hashTag(v),
    )
    .join(' and ');
}

/** Where the key shows up on the app's side or in the gateway's log (none is the proof). */
async function leaks(p: ScenarioProbe, key: string): Promise<{ found: string[]; checked: string[] }> {
  const ns = p.profile.components.sample.namespace;
  const found: string[] = [];
  const checked: string[] = [];
  const read = async (what: string, args: string[]) => {
    try {
      const { stdout } = await p.exec('kubectl', [...p.k, ...args], { timeoutMs: 30_000 });
      return stdout;
    } catch (err) {
      found.push(`${what} could not be read (${(err as Error).message.split('\n').at(-1)})`);
      return undefined;
    }
  };
  const spec = await read('the pod spec', ['get', 'deploy', 'sleep', '-n', ns, '-o', 'json']);
  if (spec !== undefined) {
    if (spec.includes(key) || spec.includes(API_KEY_SECRET.name)) found.push(`deploy/sleep's spec in ${ns}`);
    else checked.push(`deploy/sleep's spec in ${ns}`);
  }
  const env = await read('the environment', ['exec', 'deploy/sleep', '-n', ns, '--', 'env']);
  if (env !== undefined) {
    if (env.includes(key)) found.push(`the app's environment`);
    else checked.push(`its environment (${env.split('\n').filter(Boolean).length} variables)`);
  }
  const gateway = await p.logs('deploy/egress-gateway', WAYPOINT_NAMESPACE);
  if (gateway.lines.some((l) => l.includes(key))) found.push(`the gateway's log`);
  else checked.push(`the gateway's ${gateway.lines.length} log lines`);
  return { found, checked };
}

export const proveCredentialInjection: PackProver = async (p) => {
  const { extAuth, sample } = p.profile.components;
  const authz = extAuth.enabled ? ['x-ext-authz: allow'] : [];
  const url = (tag: string) => `http://${p.host}/headers?${p.mark(tag)}`;
  const backend = `${p.kubectl} get agentgatewaybackend -n ${WAYPOINT_NAMESPACE} -o yaml`;
  const secret = await p.secret(API_KEY_SECRET);
  const answer = await p.curl(sample.namespace, url('c'), authz);
  const forged = await p.curl(sample.namespace, url('f'), [...authz, `${API_KEY_HEADER}: ${FORGED_KEY}`]);
  if ('error' in secret) {
    const why = `the Secret ${SECRET} cannot be read: ${secret.error}`;
    const hint = `up makes it from the lab's folder (secrets.json); run up again, and look at ${backend}`;
    return { proof: failed(why, hint), negative: failed(`not checked: ${why}`, hint) };
  }
  const key = secret.value;
  const proof = await proveInjected(p, answer, key, backend);
  const forgedSeen = echoedKey(forged.body);
  const replaced = forged.status === 200 && forgedSeen?.length === 1 && forgedSeen[0] === key;
  const negative = replaced
    ? ok(
        `the app sent ${API_KEY_HEADER}: ${FORGED_KEY}; the destination saw only the lab's key (${hashTag(key)}): the gateway replaced the app's header`,
      )
    : failed(
        `the app sent ${API_KEY_HEADER}: ${FORGED_KEY}; ${forged.status === 200 ? `the destination saw ${seenAs(forgedSeen, key)}` : `the request got ${answered(forged)}`}`,
        `the host's AgentgatewayBackend must carry policies.auth (secretRef ${API_KEY_SECRET.name}, location.header ${API_KEY_HEADER}), which replaces the app's header (${backend})`,
      );
  return { proof, negative };
};

async function proveInjected(p: ScenarioProbe, answer: CurlResult, key: string, backend: string) {
  const seen = echoedKey(answer.body);
  const injected = answer.status === 200 && seen?.length === 1 && sha(seen[0]!) === sha(key);
  const { found, checked } = await leaks(p, key);
  if (!injected)
    return failed(
      `http://${p.host}/headers: ${answer.status === 200 ? `the destination saw ${seenAs(seen, key)}, not the lab's key (${hashTag(key)})` : `the request got ${answered(answer)}`}`,
      `the host's AgentgatewayBackend must carry policies.auth reading ${SECRET} key ${API_KEY_SECRET.key}; a missing Secret or key makes the controller drop the backend (its status says Accepted False): ${backend}`,
    );
  if (found.length)
    return failed(
      `the lab's key (${hashTag(key)}) shows in ${found.join(', ')}`,
      `the app must not hold the key: take it out of deploy/sleep (env, envFrom, volumes) and keep it in ${SECRET} only`,
    );
  return ok(
    `http://${p.host}/headers answered 200 and the destination saw ${API_KEY_HEADER} ${hashTag(key)}, the sha256 of ${SECRET} key ${API_KEY_SECRET.key} | the key is not in ${checked.join(', ')}`,
  );
}
