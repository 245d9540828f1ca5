import { WAYPOINT_NAMESPACE } from '../../profile/layout.ts';
import { PROXY_USER } from '../../profile/scenarios.ts';
import { CHECK_HEADER } from '../../render/scenarios.ts';
import { parseSquidLine, type SquidEntry, squidPassed } from '../evidence.ts';
import { describeResult, excerpt } from '../judge.ts';
import type { CurlResult } from '../probe.ts';
import { failed, ok, type PackProver, type ScenarioProbe } from '../scenario-probe.ts';

/**
 * proxy-auth: the lab's Squid requires basic authentication (squid.conf's auth lines), and the gateway logs in
 * with the lab's credential (the AgentgatewayBackend squid-proxy's policies.auth becomes the tunnel's
 * Proxy-Authorization, agentgateway v1.4.1 http/auth/mod.rs apply_tunnel_auth).
 * Proof: Squid's line for the probe request shows the user egress-lab with a 2xx (with tls-origination, the
 * CONNECT HOST:443 line). Negative: a request that takes the check route (header x-egress-lab-check), which tunnels
 * to Squid without the credential, gets Squid's 407 (plain HTTP: the gateway passes it through, client/mod.rs)
 * and Squid logs TCP_DENIED/407 with no user.
 */
export const CHECK_VALUE = 'without-proxy-credential';

const answered = (r: CurlResult) =>
  `${describeResult(r)}${r.status && r.status !== 200 && r.body ? ` "${excerpt(r.body, 80)}"` : ''}`;

/**
 * Squid's line for the probe: the forwarded URL with its mark, or (TLS origination, where a CONNECT shows no
 * mark) the last CONNECT to HOST:443: the probe is this run's last request for HOST:443, and the log window
 * starts a second early, so earlier CONNECTs (the path's own request, a run just before) may be in it.
 */
function probeLine(entries: SquidEntry[], host: string, mark: string, tls: boolean): SquidEntry | undefined {
  if (!tls) return entries.find((e) => e.method !== 'CONNECT' && e.url.includes(mark));
  return entries.filter((e) => e.method === 'CONNECT' && e.url === `${host}:443`).at(-1);
}

async function squidEntries(p: ScenarioProbe): Promise<{ entries: SquidEntry[]; error?: string }> {
  const squid = p.profile.components.squid;
  const { lines, error } = await p.logs('deploy/squid-proxy', squid.namespace);
  return { entries: lines.flatMap((l) => parseSquidLine(l) ?? []), ...(error ? { error } : {}) };
}

export const proveProxyAuth: PackProver = async (p) => {
  const { extAuth, sample, squid } = p.profile.components;
  const authz = extAuth.enabled ? ['x-ext-authz: allow'] : [];
  const tls = p.profile.scenarios.includes('tls-origination');
  const marks = { probe: p.mark('p'), check: p.mark('q') };
  const answer = await p.curl(sample.namespace, `http://${p.host}/headers?${marks.probe}`, authz);
  const check = await p.curl(sample.namespace, `http://${p.host}/headers?${marks.check}`, [
    ...authz,
    `${CHECK_HEADER}: ${CHECK_VALUE}`,
  ]);
  const { entries, error } = await squidEntries(p);
  const conf = `${p.kubectl} get configmap squid-config -n ${squid.namespace} -o yaml`;
  const backend = `${p.kubectl} get agentgatewaybackend squid-proxy -n ${WAYPOINT_NAMESPACE} -o yaml`;

  const line = probeLine(entries, p.host, marks.probe, tls);
  const proof =
    answer.status === 200 && line?.user === PROXY_USER && squidPassed(line)
      ? ok(`Squid let the gateway in as ${PROXY_USER}: ${excerpt(line.line, 220)}`)
      : failed(
          [
            `the request got ${answered(answer)}`,
            line
              ? `Squid's line: ${excerpt(line.line, 220)}`
              : `Squid logged no line for it${error ? ` (${error})` : ''}`,
          ].join('; '),
          line?.status === 407
            ? `Squid refused the gateway's credential: the Secret squid-proxy-credentials (key credentials, base64 of ${PROXY_USER}:password) must match Squid's passwd Secret squid-users, and the backend must send it with prefix "Basic " (${backend})`
            : `the host's backend must tunnel through the AgentgatewayBackend squid-proxy, whose policies.auth gives Squid the credential (${backend}); ${p.logsCommand('squid')}`,
        );

  const refused = entries.find((e) => e.method !== 'CONNECT' && e.url.includes(marks.check));
  const negative =
    check.status === 407 && refused?.status === 407 && refused.user === '-'
      ? ok(`without the credential Squid answered 407 Proxy Authentication Required: ${excerpt(refused.line, 220)}`)
      : failed(
          [
            `a request without the proxy credential (header ${CHECK_HEADER}: ${CHECK_VALUE}) got ${answered(check)}`,
            refused ? `Squid's line: ${excerpt(refused.line, 220)}` : 'Squid logged no line for it',
          ].join('; '),
          refused && squidPassed(refused)
            ? `Squid let a request without a credential through: its squid.conf must require a login (auth_param basic and proxy_auth REQUIRED on the allow line) (${conf})`
            : `the check route ${p.host.replace(/[^a-z0-9]+/g, '-')}-without-proxy-credential must tunnel to Squid's Service without the credential (${p.kubectl} get httproute,agentgatewaybackend -n ${WAYPOINT_NAMESPACE})`,
        );
  return { proof, negative };
};
