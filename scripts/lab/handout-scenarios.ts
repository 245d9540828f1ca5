import { probeHost, sampleIdentity, WAYPOINT_NAMESPACE } from '../profile/layout.ts';
import { RATE_LIMIT, type ScenarioName, scenarioClient } from '../profile/scenarios.ts';
import { API_KEY_HEADER, CHECK_HEADER, spareHost } from '../render/scenarios.ts';
import type { Ledger } from '../state/ledger.ts';

/** One step of a seat's handout: what to do, the command, and what to look for. */
export interface HandoutStep {
  title: string;
  command: string;
  expect: string;
}

/**
 * A seat's steps for each scenario pack of the lab, with only what a seat's credentials allow: requests from its
 * own sample, and the shared logs. `k(ns)` is the seat's kubectl in namespace ns.
 */
export function scenarioSteps(ledger: Ledger, seatNamespace: string, k: (ns: string) => string): HandoutStep[] {
  const { profile } = ledger;
  const { squid, extAuth } = profile.components;
  const host = probeHost(profile);
  const allow = extAuth.enabled ? " -H 'x-ext-authz: allow'" : '';
  const curl = `${k(seatNamespace)} exec deploy/sleep -- curl -s http://${host}/headers${allow}`;
  const gatewayLog = (grep: string) => `${k(WAYPOINT_NAMESPACE)} logs deploy/egress-gateway --tail 200 | grep ${grep}`;
  const steps: Record<ScenarioName, () => HandoutStep[]> = {
    'tls-origination': () => [
      {
        title: 'tls-origination: your plain http request leaves the cluster as TLS',
        command: curl,
        expect: `"X-Forwarded-Proto": ["https"] among the headers ${host} echoes, though you asked for http://`,
      },
      {
        title: 'tls-origination: the gateway opened TLS to port 443',
        command: gatewayLog(`'endpoint=${host}:443'`),
        expect: `lines with endpoint=${host}:443${squid.mode === 'in-cluster' ? ` (Squid saw only CONNECT ${host}:443)` : ''}`,
      },
    ],
    'identity-authz': () => [
      {
        title: 'identity-authz: only allowed identities leave',
        command: gatewayLog('reason=Authorization'),
        expect: `403 lines for caller="${sampleIdentity(scenarioClient(profile, 'identity-authz')!)}", which is not allowed (the host's egress-lab verify sends its request); your own requests pass`,
      },
    ],
    'credential-injection': () => [
      {
        title: 'credential-injection: the gateway adds the API key, whatever the app sends',
        command: `${curl} -H '${API_KEY_HEADER}: forged-by-the-app'`,
        expect: `"${API_KEY_HEADER}" with the lab's key, not forged-by-the-app: the gateway replaced it (this echo service shows it; a real API would not)`,
      },
    ],
    'proxy-auth': () => [
      {
        title: 'proxy-auth: Squid wants a password, and the gateway gives it',
        command: `${curl} -H '${CHECK_HEADER}: without-proxy-credential' -o /dev/null -w '%{http_code}\\n'`,
        expect: '407: this request goes through Squid without the credential, and Squid refuses it',
      },
    ],
    'rate-limit': () => [
      {
        title: 'rate-limit: one identity has a quota, the others do not',
        command: gatewayLog('reason=RateLimit'),
        expect: `429 lines for caller="${sampleIdentity(scenarioClient(profile, 'rate-limit')!)}" once its ${RATE_LIMIT.requests} requests a minute are spent (the host's egress-lab verify spends them); your identity has no quota`,
      },
    ],
    'no-bypass': () => [
      {
        title: 'no-bypass: every way around the gateway is closed',
        command: `for target in ${spareHost(profile, 1)} 1.1.1.1 ${spareHost(profile)}; do ${k(seatNamespace)} exec deploy/sleep -- curl -s -m 5 http://$target/ >/dev/null || echo "$target: curl exit $?"; done`,
        expect: `three lines ending "curl exit 28": a host without a ServiceEntry, a bare IP and a host bound to a waypoint that does not run all time out (the namespace's egress NetworkPolicy drops them)`,
      },
    ],
  };
  return profile.scenarios.flatMap((name) => steps[name]());
}
