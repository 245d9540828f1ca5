import { InputError } from '../errors.ts';
import { type ScenarioName, scenarioClients } from './scenarios.ts';

/** Namespace of the egress gateway, ext-authz and (in the seed) Squid: fixed by the pattern. */
export const WAYPOINT_NAMESPACE = 'common-infrastructure';

/** The most seats one lab holds: a workshop of tens on GKE. */
export const MAX_SEATS = 40;

/** A seat's namespace: seat-01 … seat-40 (two digits, so they sort in order). */
export const seatNamespace = (seat: number) => `seat-${String(seat).padStart(2, '0')}`;

/**
 * The namespaces the sample runs in and the egress objects are declared in: one per seat on a seated lab,
 * else the profile's sample namespace; then those the scenario packs add (packClients).
 */
export function clientNamespaces(profile: {
  seats: number;
  scenarios?: readonly ScenarioName[];
  components: { sample: { namespace: string } };
}): string[] {
  return [...primaryClients(profile), ...packClients(profile)];
}

/** The namespaces whose samples are the lab's own clients: the seats', or the sample's (no pack's extra clients). */
export function primaryClients(profile: { seats: number; components: { sample: { namespace: string } } }): string[] {
  if (profile.seats > 0) return Array.from({ length: profile.seats }, (_, i) => seatNamespace(i + 1));
  return [profile.components.sample.namespace];
}

/**
 * The client namespaces the scenario packs add: the sample's own on a seated lab (the packs are proven from it,
 * the lab's sample, as on a lab without seats), then each pack's extra client (ns1-other, ns1-limited).
 */
export function packClients(profile: {
  seats: number;
  scenarios?: readonly ScenarioName[];
  components: { sample: { namespace: string } };
}): string[] {
  const scenarios = profile.scenarios ?? [];
  const extra = scenarioClients({ scenarios, components: profile.components }).map((c) => c.namespace);
  return profile.seats > 0 && scenarios.length > 0 ? [profile.components.sample.namespace, ...extra] : extra;
}

/**
 * The lab's own client namespaces: every seat's and the sample's (on a seated lab with packs the sample is one of
 * packClients): where the no-bypass pack's ServiceEntry goes, and the identities identity-authz allows.
 */
export function ownClients(profile: { seats: number; components: { sample: { namespace: string } } }): string[] {
  return [...new Set([...primaryClients(profile), profile.components.sample.namespace])];
}

/** The identity the oss waypoint sees for the sample (`deploy/sleep`, ServiceAccount sleep) of a client namespace. */
export const sampleIdentity = (namespace: string) => `spiffe://cluster.local/ns/${namespace}/sa/sleep`;

/** The allowed host verify and the lab's commands request: the first that is no wildcard. */
export const probeHost = (profile: { egress: { hosts: readonly string[] } }) =>
  profile.egress.hosts.find((h) => !h.startsWith('*.')) ?? 'httpbingo.org';

/** Hosts no lab should reach, in the order verify's checks take them: the never-direct control, then no-bypass's. */
const SPARE_HOSTS = ['example.com', 'example.org', 'example.net', 'example.edu'];

/** The spare hosts the profile does not allow (by name, or by a wildcard of their top-level domain). */
export function spareHosts(profile: { egress: { hosts: readonly string[] } }): string[] {
  const { hosts } = profile.egress;
  return SPARE_HOSTS.filter((h) => !hosts.includes(h) && !hosts.includes(`*.${h.split('.').slice(1).join('.')}`));
}

/** The host verify's negative control requests: one the lab must not let out directly. */
export const controlHost = (profile: { egress: { hosts: readonly string[] } }) =>
  spareHosts(profile)[0] ?? 'example.net';

/** A --seat the lab does not have is bad input: exit 2, nothing run. */
export function checkSeat(ledger: { lab: string; profile: { seats: number } }, seat: number | undefined): void {
  const { seats } = ledger.profile;
  if (seat === undefined || seat <= seats) return;
  throw new InputError(
    seats === 0
      ? `--seat: the lab "${ledger.lab}" has no seats`
      : `--seat: the lab "${ledger.lab}" has seats 1 to ${seats}, not ${seat}`,
  );
}
