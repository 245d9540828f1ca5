import { shellQuote } from '../plan/command-line.ts';
import { sampleIdentity, seatNamespace, WAYPOINT_NAMESPACE } from '../profile/layout.ts';
import type { Profile } from '../profile/schema.ts';

/** The shell line that points kubectl, helm and k9s at a lab's kubeconfig. */
export const exportKubeconfig = (kubeconfig: string) => `export KUBECONFIG=${shellQuote(kubeconfig)}`;

/** The request path of this profile, drawn in ASCII. */
export function trafficDiagram(profile: Profile): string {
  const { squid, extAuth, sample } = profile.components;
  const host = profile.egress.hosts[0] ?? 'the internet';
  const steer = profile.stack === 'oss' ? 'ServiceEntry -> waypoint' : 'egressPolicies / ServiceEntry';
  const lines = [
    profile.seats > 0
      ? `  seat-NN/sleep, one per seat (${profile.seats}: seat-01 … ${seatNamespace(profile.seats)}; spiffe://cluster.local/ns/seat-NN/sa/sleep)`
      : `  ${sample.namespace}/sleep (${sampleIdentity(sample.namespace)})`,
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
