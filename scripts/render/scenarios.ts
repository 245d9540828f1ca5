import type { Document } from 'yaml';
import { ownClients, probeHost, sampleIdentity, spareHosts } from '../profile/layout.ts';
import type { LoadedProfile } from '../profile/load.ts';
import { RATE_LIMIT, type ScenarioName, scenarioClient } from '../profile/scenarios.ts';
import type { Profile } from '../profile/schema.ts';
import { OMIT, renderTemplate, type TemplateContext } from './template.ts';

/**
 * What the scenario packs render: the objects each pack adds (templates/scenarios/), and how they change the
 * objects of each allowed host (its backend's port and policies) and Squid (its password file).
 */

/**
 * Where a value egress-lab makes for the lab goes (an API key, the proxy's password): the rendered files hold
 * this marker, and `up` fills it in from the lab's own secrets file on the way to kubectl (lab/lab-secrets.ts).
 */
export const LAB_SECRET_PREFIX = '<egress-lab secret ';
export const labSecretMarker = (name: LabSecretForm) => `${LAB_SECRET_PREFIX}${name}>`;
/** api-key: the key itself; proxy-basic: base64(user:password); proxy-passwd: Squid's passwd line. */
export type LabSecretForm = 'api-key' | 'proxy-basic' | 'proxy-passwd';

/** The header verify's proxy-auth check sends to have its request go through Squid without the credential. */
export const CHECK_HEADER = 'x-egress-lab-check';
/** The header the gateway adds the API key to (credential-injection). */
export const API_KEY_HEADER = 'X-Api-Key';

const has = (profile: Profile, name: ScenarioName) => profile.scenarios.includes(name);

/** A host no lab allows, after verify's control host, for the no-bypass pack's attempts (`skip` picks the next). */
export const spareHost = (profile: Profile, skip = 0) => spareHosts(profile)[skip + 1] ?? 'example.edu';

/** The tunnel to Squid every host's backend uses: straight to its Service, or (proxy-auth) its backend with the credential. */
export function tunnelRef(profile: Profile, squidRef: unknown): unknown {
  if (!has(profile, 'proxy-auth')) return squidRef;
  return { group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: 'squid-proxy' };
}

/** A host's AgentgatewayBackend: its port and inline policies, as the packs change them. */
export function hostBackend(profile: Profile, squidRef: unknown): { port: number; policies: unknown } {
  const squidOn = profile.components.squid.mode !== 'none';
  const tls = has(profile, 'tls-origination');
  const policies = {
    ...(squidOn ? { tunnel: { backendRef: tunnelRef(profile, squidRef) } } : {}),
    ...(tls ? { tls: {} } : {}),
    ...(has(profile, 'credential-injection')
      ? {
          auth: {
            secretRef: { name: 'egress-lab-api-key', key: 'api-key' },
            location: { header: { name: API_KEY_HEADER } },
          },
        }
      : {}),
  };
  return { port: tls ? 443 : 80, policies: Object.keys(policies).length ? policies : OMIT };
}

/** The CEL expression that writes the caller's SPIFFE ID into the gateway's request line. */
export const CALLER_EXPRESSION = 'source.subjectAltNames[0]';

function scenarioContext(loaded: LoadedProfile): TemplateContext {
  const { profile } = loaded;
  // The lab's own clients (the sample, and every seat) and the rate-limit pack's client may leave; no one else.
  const limitedClient = scenarioClient(profile, 'rate-limit');
  const allowed = [...ownClients(profile), ...(limitedClient ? [limitedClient] : [])];
  const limited = scenarioClient(profile, 'rate-limit') ?? '';
  const host = probeHost(profile);
  return {
    allowedIdentities: `source.subjectAltNames.exists(id, id in ${JSON.stringify(allowed.map(sampleIdentity))})`,
    callerExpression: CALLER_EXPRESSION,
    rateLimit: {
      condition: `source.identity.namespace == ${JSON.stringify(limited)}`,
      requests: RATE_LIMIT.requests,
      unit: RATE_LIMIT.unit,
    },
    apiKey: labSecretMarker('api-key'),
    proxyBasic: labSecretMarker('proxy-basic'),
    checkName: `${host.replace(/[^a-z0-9]+/g, '-')}-without-proxy-credential`.slice(0, 63),
    checkHost: host,
    checkHeader: CHECK_HEADER,
    stoppedWaypointHost: spareHost(profile),
  };
}

/**
 * The objects of the profile's packs, one list per pack that adds objects, in the profile's order; `inClients`
 * renders a template once in each of the lab's own client namespaces (the sample's, and every seat's).
 */
export function scenarioDocs(
  loaded: LoadedProfile,
  ctx: TemplateContext,
  inClients: (template: string, c: TemplateContext) => Document[],
): { name: ScenarioName; docs: Document[] }[] {
  const c = { ...ctx, scenario: scenarioContext(loaded) };
  const { scenarios } = loaded.profile;
  const callerLogged = (name: ScenarioName) =>
    (name === 'identity-authz' || name === 'rate-limit') &&
    scenarios.find((s) => s === 'identity-authz' || s === 'rate-limit') === name;
  const templates: Partial<Record<ScenarioName, string>> = {
    'identity-authz': 'scenarios/identity-authz.yaml',
    'rate-limit': 'scenarios/rate-limit.yaml',
    'credential-injection': 'scenarios/credential-injection.yaml',
    'proxy-auth': 'scenarios/proxy-auth.yaml',
    'no-bypass': 'scenarios/no-bypass.yaml',
  };
  // Per client namespace: the no-bypass pack's ServiceEntry, so each client (each seat) can try its host.
  const perClient = new Set<ScenarioName>(['no-bypass']);
  return scenarios.flatMap((name) => {
    const template = templates[name];
    if (!template) return [];
    const docs = [
      ...(perClient.has(name) ? inClients(template, c) : renderTemplate(template, c)),
      ...(callerLogged(name) ? renderTemplate('scenarios/caller-log.yaml', c) : []),
    ];
    return [{ name, docs }];
  });
}
