import { shellQuote } from '../plan/markdown.ts';
import type { ClusterTarget } from '../plan/plan.ts';
import type { Profile } from '../profile/schema.ts';
import { WAYPOINT_NAMESPACE } from '../render/context.ts';

/** The shell line that points kubectl, helm and k9s at a lab's kubeconfig. */
export const exportKubeconfig = (kubeconfig: string) => `export KUBECONFIG=${shellQuote(kubeconfig)}`;

/** The request path of this profile, drawn in ASCII. */
export function trafficDiagram(profile: Profile): string {
  const { squid, extAuth, sample } = profile.components;
  const host = profile.egress.hosts[0] ?? 'the internet';
  const steer = profile.stack === 'oss' ? 'ServiceEntry -> waypoint' : 'egressPolicies / ServiceEntry';
  const lines = [
    `  ${sample.namespace}/sleep (spiffe://cluster.local/ns/${sample.namespace}/sa/sleep)`,
    `      |  ztunnel: ${steer}, HBONE mTLS`,
    `      v`,
    `  ${WAYPOINT_NAMESPACE}/egress-gateway (agentgateway waypoint)`,
  ];
  if (extAuth.enabled)
    lines.push(`      |-- check --> ${WAYPOINT_NAMESPACE}/ext-authz:9000 (gRPC; allows "x-ext-authz: allow")`);
  if (squid.mode === 'in-cluster')
    lines.push(
      '      |  CONNECT (HTTPS) / absolute-form GET (HTTP)',
      '      v',
      `  ${squid.namespace}/squid-proxy:${squid.port}`,
    );
  if (squid.mode === 'external')
    lines.push('      |  CONNECT / absolute-form GET', '      v', `  external proxy ${squid.external}`);
  lines.push('      |', '      v', `  ${host}`);
  return lines.join('\n');
}

/** The seed's manual test commands for this lab, each runnable as copied (lab kubeconfig and context included). */
export function testCommands(profile: Profile, target: ClusterTarget): string[] {
  const k = `kubectl --kubeconfig ${shellQuote(target.kubeconfig)} --context ${shellQuote(target.context)}`;
  const { squid, extAuth, sample } = profile.components;
  const host = profile.egress.hosts.find((h) => !h.startsWith('*.')) ?? 'httpbingo.org';
  const curl = `${k} exec deploy/sleep -n ${sample.namespace} -- curl -s http://${host}/headers`;
  const out = extAuth.enabled
    ? [
        `# denied by ext-authz (403):`,
        curl,
        `# allowed, with "X-Ext-Authz-Check-Result": ["allowed"] in the echoed headers:`,
        `${curl} -H 'x-ext-authz: allow'`,
      ]
    : [`# through the egress gateway:`, curl];
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
