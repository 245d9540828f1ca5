import { kubeAccess } from '../kube/access.ts';
import { clientNamespaces, probeHost, WAYPOINT_NAMESPACE } from '../profile/layout.ts';
import type { Profile } from '../profile/schema.ts';
import { shellQuote } from './command-line.ts';
import type { ClusterTarget } from './types.ts';

/** The seed's manual test commands for this lab, each runnable as copied (lab kubeconfig and context included). */
export function testCommands(profile: Profile, target: ClusterTarget): string[] {
  const k = ['kubectl', ...kubeAccess(target)].map(shellQuote).join(' ');
  const { squid, extAuth } = profile.components;
  const host = probeHost(profile);
  const namespace = clientNamespaces(profile)[0]!;
  const curl = `${k} exec deploy/sleep -n ${namespace} -- curl -s http://${host}/headers`;
  const seats = profile.seats > 0 ? [`# from seat 1 (${namespace}); every seat-NN namespace works the same:`] : [];
  const out = extAuth.enabled
    ? [
        `# denied by ext-authz (403):`,
        curl,
        `# allowed, with "X-Ext-Authz-Check-Result": ["allowed"] in the echoed headers:`,
        `${curl} -H 'x-ext-authz: allow'`,
      ]
    : [`# through the egress gateway:`, curl];
  out.unshift(...seats);
  out.push('# what the egress gateway saw:', `${k} logs deploy/egress-gateway -n ${WAYPOINT_NAMESPACE}`);
  if (squid.mode === 'in-cluster')
    out.push(
      '# what Squid saw (TCP_TUNNEL/200 ... CONNECT, or TCP_MISS/200 ... GET):',
      `${k} logs deploy/squid-proxy -n ${squid.namespace}`,
    );
  if (extAuth.enabled)
    out.push(
      "# ext-authz decisions with the caller's SPIFFE principal:",
      `${k} logs deploy/ext-authz -n ${WAYPOINT_NAMESPACE}`,
    );
  return out;
}
