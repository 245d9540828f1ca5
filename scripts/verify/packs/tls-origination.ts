import { WAYPOINT_NAMESPACE } from '../../profile/layout.ts';
import { gatewayLine, parseSquidLine } from '../evidence.ts';
import { describeResult, excerpt } from '../judge.ts';
import { failed, ok, type PackProver } from '../scenario-probe.ts';

/**
 * tls-origination: the app asks for http://HOST; the gateway's request line names the endpoint HOST:443 (the
 * backend's target, agentgateway v1.4.1 telemetry/log.rs), and Squid tunnels it as `CONNECT HOST:443`
 * (client/mod.rs: TLS through a tunnel uses CONNECT). Negative: Squid never sees the request in the clear, as it
 * does without the pack (an absolute-form `GET http://HOST/…`, which carries the probe mark).
 */
export const proveTlsOrigination: PackProver = async (p) => {
  const { squid, extAuth, sample } = p.profile.components;
  const mark = p.mark('t');
  const url = `http://${p.host}/headers?${mark}`;
  const answer = await p.curl(sample.namespace, url, extAuth.enabled ? ['x-ext-authz: allow'] : []);
  const gateway = await p.logs('deploy/egress-gateway', WAYPOINT_NAMESPACE);
  const line = gatewayLine(gateway.lines, p.host, mark);
  const squidLines = squid.mode === 'in-cluster' ? (await p.logs('deploy/squid-proxy', squid.namespace)).lines : [];
  const entries = squidLines.flatMap((l) => parseSquidLine(l) ?? []);
  const tunnel = entries.find((e) => e.method === 'CONNECT' && e.url === `${p.host}:443` && e.status === 200);
  const clear = entries.find(
    (e) => e.method !== 'CONNECT' && e.url.startsWith(`http://${p.host}/`) && e.url.includes(mark),
  );
  const backend = `${p.kubectl} get agentgatewaybackend -n ${WAYPOINT_NAMESPACE} -o yaml`;

  const at443 = line?.endpoint === `${p.host}:443`;
  // httpbingo.org sits behind Fly.io, whose edge tells the app the scheme it was reached by (X-Forwarded-Proto);
  // other hosts may not say, so its absence is not a failure (research: go-httpbin adds no such header itself).
  const scheme = /"X-Forwarded-Proto"\s*:\s*\[\s*"(https?)"/i.exec(answer.body)?.[1];
  const tunnelled = squid.mode !== 'in-cluster' || tunnel !== undefined;
  const proof =
    answer.status === 200 && at443 && tunnelled && scheme !== 'http'
      ? ok(
          [
            `http://${p.host}/headers answered 200${scheme ? `, and ${p.host} says it was reached over ${scheme} (X-Forwarded-Proto)` : ''}; the gateway's line names the endpoint ${line.endpoint}: ${excerpt(line.line, 300)}`,
            ...(tunnel ? [`Squid tunnelled it: ${excerpt(tunnel.line, 200)}`] : []),
          ].join(' | '),
        )
      : failed(
          [
            `the request got ${describeResult(answer)}${scheme === 'http' ? `, and ${p.host} says it was reached over http` : ''}`,
            line
              ? `the gateway's line names the endpoint ${line.endpoint ?? '(none)'}, not ${p.host}:443`
              : 'the gateway logged no line for it',
            ...(squid.mode === 'in-cluster' && !tunnel ? [`Squid logged no CONNECT ${p.host}:443`] : []),
          ].join('; '),
          `the host's AgentgatewayBackend must target port 443 with policies.tls (${backend}); ${p.logsCommand('gateway')}`,
        );
  const negative = clear
    ? failed(
        `Squid saw the request in the clear: ${excerpt(clear.line, 200)}`,
        `the gateway sent plain HTTP to Squid: the backend has no policies.tls (${backend})`,
      )
    : line && !at443 && squid.mode !== 'in-cluster'
      ? failed(`the gateway went to ${line.endpoint}, in the clear`, `the backend has no policies.tls (${backend})`)
      : ok(
          squid.mode === 'in-cluster'
            ? `Squid logged no plain GET http://${p.host}/… for this request: only the encrypted tunnel`
            : `the gateway did not go to ${p.host}:80 in the clear`,
        );
  return { proof, negative };
};
