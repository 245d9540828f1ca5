import type { Exec } from '../../exec/exec.ts';
import { WAYPOINT_NAMESPACE } from '../../profile/layout.ts';
import { spareHost } from '../../render/scenarios.ts';
import { carriesMark, gatewayLine, parseSquidLine } from '../evidence.ts';
import { describeResult, excerpt } from '../judge.ts';
import type { CurlResult } from '../probe.ts';
import { failed, ok, type PackProver } from '../scenario-probe.ts';
import { readVerdicts } from '../verdicts.ts';

/** An address no ServiceEntry of the lab claims, asked for by IP: a client skipping DNS. */
export const DIRECT_IP = '1.1.1.1';

interface Attempt {
  what: string;
  target: string;
  /** The probe mark in the attempt's query, which a gateway or Squid line of it would carry. */
  mark: string;
  result: CurlResult;
}

/** The client namespace's egress NetworkPolicies, named with what they allow; [] when there are none. */
async function egressPolicies(exec: Exec, k: readonly string[], namespace: string): Promise<string[]> {
  try {
    const { stdout } = await exec('kubectl', [...k, 'get', 'networkpolicies', '-n', namespace, '-o', 'json'], {
      timeoutMs: 15_000,
    });
    const list = JSON.parse(stdout) as { items?: { metadata: { name: string }; spec?: { policyTypes?: string[] } }[] };
    return (list.items ?? [])
      .filter((p) => (p.spec?.policyTypes ?? []).includes('Egress'))
      .map((p) => `NetworkPolicy ${namespace}/${p.metadata.name}`);
  } catch {
    return [];
  }
}

/**
 * no-bypass: three ways around the gateway, each tried from the sample: a host without a ServiceEntry, an address
 * asked for by IP, and a host whose ServiceEntry names a waypoint that does not run. ztunnel sends each on as
 * plain TCP to the address (istio/ztunnel 1.30.3 src/proxy/outbound.rs; istiod leaves a ServiceEntry whose
 * waypoint is not ready unbound, istio/istio 1.30.3 pilot/pkg/serviceregistry/ambient/waypoints.go), so only the
 * client namespace's egress NetworkPolicy stops them (enforced by kind's kindnetd and GKE Dataplane V2). Proof:
 * each attempt fails and the control that stopped it is named; negative: none reached Squid, the gateway or an
 * answer.
 */
export const proveNoBypass: PackProver = async (p) => {
  const { squid, sample } = p.profile.components;
  const ns = sample.namespace;
  const stopped = spareHost(p.profile);
  const attempts: Attempt[] = [];
  for (const [what, target] of [
    ['a host without a ServiceEntry', spareHost(p.profile, 1)],
    ['an address asked for by IP', DIRECT_IP],
    ['a host bound to a waypoint that does not run', stopped],
  ] as const) {
    const mark = p.mark(`n${attempts.length}`);
    attempts.push({ what, target, mark, result: await p.curl(ns, `http://${target}/?${mark}`, [], 5) });
  }
  const gateway = (await p.logs('deploy/egress-gateway', WAYPOINT_NAMESPACE)).lines;
  const squidLines = squid.mode === 'in-cluster' ? (await p.logs('deploy/squid-proxy', squid.namespace)).lines : [];
  // A CONNECT line cannot show the mark; a forwarded request's URL does.
  const inSquid = (a: Attempt) =>
    squidLines.find((l) => {
      const e = parseSquidLine(l);
      return (
        e !== undefined &&
        (e.url === `${a.target}:80` || (e.url.startsWith(`http://${a.target}/`) && carriesMark(e.url, a.mark)))
      );
    });
  const controls = await egressPolicies(p.exec, p.k, ns);
  const [verdict] = await readVerdicts(p.exec, p.k, [
    { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', name: 'no-bypass-stopped-waypoint', namespace: ns },
  ]);
  const passed = attempts.filter((a) => a.result.status > 0);
  // A NetworkPolicy drop is a hang (curl's --max-time, exit 28); ztunnel refusing a host whose waypoint has no
  // running pod closes the connection at once (exit 56 or 52, "unknown waypoint": istio/ztunnel 1.30.3
  // src/state.rs fetch_waypoint, src/proxy/outbound.rs).
  const byZtunnel = attempts.filter((a) => a.result.curlExit === 52 || a.result.curlExit === 56);
  const seen = attempts.flatMap((a) => {
    const line = inSquid(a) ?? gatewayLine(gateway, a.target, a.mark)?.line;
    return line ? [`${a.target}: ${excerpt(line, 160)}`] : [];
  });
  const told = (a: Attempt) => `${a.what} (http://${a.target}/): ${describeResult(a.result)}`;
  const guard = `${p.kubectl} get networkpolicies -n ${ns} -o yaml`;
  const proof =
    passed.length === 0 && (controls.length > 0 || byZtunnel.length === attempts.length)
      ? ok(
          [
            attempts.map(told).join('; '),
            ...(byZtunnel.length
              ? [`ztunnel refused ${byZtunnel.map((a) => a.target).join(', ')} (no running waypoint)`]
              : []),
            ...(controls.length
              ? [
                  `stopped by ${controls.join(', ')}, which lets ${ns} reach only DNS, istio-system and the gateway's HBONE port`,
                ]
              : []),
            ...(verdict ? [`${verdict.object} says ${verdict.says}`] : []),
          ].join('; '),
        )
      : failed(
          passed.length
            ? `got through: ${passed.map(told).join('; ')}`
            : `every attempt failed, but ${ns} has no egress NetworkPolicy to name: ${attempts.map(told).join('; ')}`,
          `the client namespace needs its egress NetworkPolicy (${guard}), and the cluster must enforce NetworkPolicy (kind's kindnetd does; on GKE, Dataplane V2)`,
        );
  const negative =
    passed.length === 0 && seen.length === 0
      ? ok(
          `no attempt got an answer, and neither the gateway nor ${squid.mode === 'in-cluster' ? 'Squid' : 'the proxy'} logged any of ${attempts.map((a) => a.target).join(', ')}`,
        )
      : failed([...passed.map(told), ...seen].join('; '), `traffic found a way around the gateway: ${guard}`);
  return { proof, negative };
};
