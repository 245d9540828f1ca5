import { kubeAccess } from '../kube/access.ts';
import { probeHost, sampleIdentity, WAYPOINT_NAMESPACE } from '../profile/layout.ts';
import { RATE_LIMIT, SCENARIOS, type ScenarioName, scenarioClient } from '../profile/scenarios.ts';
import type { Profile } from '../profile/schema.ts';
import { API_KEY_HEADER, CHECK_HEADER, spareHost } from '../render/scenarios.ts';
import { shellQuote } from './command-line.ts';
import type { ClusterTarget } from './types.ts';

/**
 * Per scenario pack of the profile: what it shows, and the commands that show it by hand (each runnable as copied:
 * the lab's kubeconfig and context included), for up's summary and plan.md. `egress-lab verify` proves the same.
 */
export function scenarioCommands(profile: Profile, target: ClusterTarget): { name: ScenarioName; lines: string[] }[] {
  const k = ['kubectl', ...kubeAccess(target)].map(shellQuote).join(' ');
  const { extAuth, squid, sample } = profile.components;
  const host = probeHost(profile);
  const allow = extAuth.enabled ? " -H 'x-ext-authz: allow'" : '';
  const curl = (ns: string, url = `http://${host}/headers`, extra = '') =>
    `${k} exec deploy/sleep -n ${ns} -- curl -s ${url}${allow}${extra}`;
  const gatewayLog = `${k} logs deploy/egress-gateway -n ${WAYPOINT_NAMESPACE} --tail 20`;
  const squidLog = `${k} logs deploy/squid-proxy -n ${squid.namespace} --tail 20`;
  const inCluster = squid.mode === 'in-cluster';
  const lines: Record<ScenarioName, () => string[]> = {
    'tls-origination': () => [
      `# http from the app; "X-Forwarded-Proto": ["https"] in the echo, endpoint=${host}:443 in the gateway's line:`,
      curl(sample.namespace),
      gatewayLog,
      ...(inCluster ? [`# Squid tunnels it (CONNECT ${host}:443), never a plain GET:`, squidLog] : []),
    ],
    'identity-authz': () => {
      const other = scenarioClient(profile, 'identity-authz')!;
      return [
        `# the sample's identity is allowed; ${other}'s is denied with 403 "authorization failed":`,
        curl(sample.namespace, `http://${host}/headers`, " -o /dev/null -w '%{http_code}\\n'"),
        curl(other, `http://${host}/headers`, " -w '\\n%{http_code}\\n'"),
        `# the gateway's line for the denial: reason=Authorization caller="${sampleIdentity(other)}"`,
        gatewayLog,
      ];
    },
    'credential-injection': () => [
      `# the echo shows ${API_KEY_HEADER} (the lab's key; the app sent none, and a forged one is replaced):`,
      curl(sample.namespace, `http://${host}/headers`, ` -H '${API_KEY_HEADER}: forged-by-the-app'`),
      `# the app's pod has no such key in its spec or environment:`,
      `${k} exec deploy/sleep -n ${sample.namespace} -- env`,
    ],
    'proxy-auth': () => [
      "# Squid logs the user egress-lab on the gateway's requests:",
      curl(sample.namespace, `http://${host}/headers`, " -o /dev/null -w '%{http_code}\\n'"),
      squidLog,
      '# the same request without the credential: 407 from Squid (TCP_DENIED/407 in its log):',
      curl(
        sample.namespace,
        `http://${host}/headers`,
        ` -H '${CHECK_HEADER}: without-proxy-credential' -o /dev/null -w '%{http_code}\\n'`,
      ),
    ],
    'rate-limit': () => {
      const limited = scenarioClient(profile, 'rate-limit')!;
      return [
        `# ${limited} may send ${RATE_LIMIT.requests} requests a minute; the next gets 429 "rate limit exceeded":`,
        `for i in $(seq ${RATE_LIMIT.requests + 1}); do ${curl(limited, `http://${host}/headers`, " -o /dev/null -w '%{http_code}\\n'")}; done`,
        `# the sample's identity is not limited:`,
        curl(sample.namespace, `http://${host}/headers`, " -o /dev/null -w '%{http_code}\\n'"),
      ];
    },
    'no-bypass': () => [
      '# each way around the gateway fails (curl exit 28: the egress NetworkPolicy drops it):',
      `${k} exec deploy/sleep -n ${sample.namespace} -- curl -s -m 5 http://${spareHost(profile, 1)}/`,
      `${k} exec deploy/sleep -n ${sample.namespace} -- curl -s -m 5 http://1.1.1.1/`,
      `${k} exec deploy/sleep -n ${sample.namespace} -- curl -s -m 5 http://${spareHost(profile)}/`,
      `${k} get networkpolicies -n ${sample.namespace}`,
    ],
  };
  return profile.scenarios.map((name) => ({
    name,
    lines: [`${name}: ${SCENARIOS[name].title}`, ...lines[name]().map((l) => `  ${l}`)],
  }));
}
