/**
 * Scenario packs: each adds one behaviour of the egress gateway to a lab (its objects, its proof in verify and a
 * negative check). What a pack needs of the profile is here, so a profile that cannot hold it is refused before
 * anything runs; what it renders is in render/scenarios.ts, its proof in verify/scenarios.ts. docs/scenarios/
 * has a page per pack with its sources.
 */

export const SCENARIO_NAMES = [
  'tls-origination',
  'identity-authz',
  'credential-injection',
  'proxy-auth',
  'rate-limit',
  'no-bypass',
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface ScenarioInfo {
  name: ScenarioName;
  /** One line for `profiles`, the plan and the summary. */
  title: string;
}

export const SCENARIOS: Record<ScenarioName, ScenarioInfo> = {
  'tls-origination': {
    name: 'tls-origination',
    title: 'the app calls http://HOST; the gateway opens TLS to HOST:443 (through the Squid tunnel when there is one)',
  },
  'identity-authz': {
    name: 'identity-authz',
    title: "the gateway allows only the sample's SPIFFE identity; a second client namespace is denied with 403",
  },
  'credential-injection': {
    name: 'credential-injection',
    title: 'the gateway adds an API key from a Secret to requests for the host; the app never holds it',
  },
  'proxy-auth': {
    name: 'proxy-auth',
    title: 'Squid requires basic authentication; the gateway supplies it from a Secret',
  },
  'rate-limit': {
    name: 'rate-limit',
    title: 'a per-identity rate limit at the gateway: a third client namespace gets 429 after its quota',
  },
  'no-bypass': {
    name: 'no-bypass',
    title: 'every way around the gateway (a host without a ServiceEntry, a direct IP, a stopped waypoint) is closed',
  },
};

/** The client namespace a pack adds beside the sample's: its own identity, `spiffe://…/ns/NS/sa/sleep`. */
export const SCENARIO_CLIENT_SUFFIX = {
  'identity-authz': 'other',
  'rate-limit': 'limited',
} as const satisfies Partial<Record<ScenarioName, string>>;

/** The extra client namespaces of a profile's packs, after the sample's (ns1-other, ns1-limited). */
export function scenarioClients(profile: {
  scenarios: readonly ScenarioName[];
  components: { sample: { namespace: string } };
}): { scenario: ScenarioName; namespace: string }[] {
  return (Object.entries(SCENARIO_CLIENT_SUFFIX) as [ScenarioName, string][])
    .filter(([name]) => profile.scenarios.includes(name))
    .map(([scenario, suffix]) => ({ scenario, namespace: `${profile.components.sample.namespace}-${suffix}` }));
}

/** The namespace of a pack's own client, when the pack has one. */
export function scenarioClient(
  profile: Parameters<typeof scenarioClients>[0],
  scenario: ScenarioName,
): string | undefined {
  return scenarioClients(profile).find((c) => c.scenario === scenario)?.namespace;
}

/** The rate-limit pack's quota: requests per minute from its client's identity. */
export const RATE_LIMIT = { requests: 3, unit: 'Minutes', seconds: 60 } as const;

/** The user the gateway logs in to Squid as (proxy-auth); Squid's access log shows it on each request. */
export const PROXY_USER = 'egress-lab';
