// kubectl logs: what the kubelet sends of the lines the fakes' workloads logged.

import type { FakeCluster, LogLine } from '../types.ts';
import { Fail, notFound, objKey } from './common.ts';

// The DaemonSets' pod labels and container names, as the istio charts set them (ztunnel and istio-cni
// templates/daemonset.yaml); one pod per node (kind: a control plane and two workers).
const DAEMONSET_PODS: Record<string, { name: string; container: string }> = {
  'app=ztunnel': { name: 'ztunnel', container: 'istio-proxy' },
  'k8s-app=istio-cni-node': { name: 'istio-cni-node', container: 'install-cni' },
};
const NODE_SUFFIXES = ['4xk2p', 'b7n9q', 'r2m8d'];

/** --since=5m as an RFC 3339 time to compare the stored lines with. */
export function sinceDuration(d: string | undefined): string | undefined {
  if (!d) return undefined;
  const m = /^(\d+)(s|m|h)$/.exec(d);
  if (!m) throw new Fail(`error: invalid argument "${d}" for "--since" flag: time: unknown unit`);
  const unit: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };
  const ms = Number(m[1]) * (unit[m[2] ?? ''] ?? Number.NaN);
  return new Date(Date.now() - ms).toISOString();
}

/**
 * What the kubelet sends for one container's log (kubernetes pkg/kubelet/kuberuntime/logs/logs.go): the last
 * `tail` lines of the log file, of those the ones not older than `since`, each with `--timestamps` prefixed by
 * its time as RFC3339NanoFixed (nine fraction digits, `Z` for UTC) and a space. The lines are stored with
 * millisecond times (toISOString).
 */
/** What kubectl logs asks of the kubelet: --since(-time), --tail (-1: all) and --timestamps. */
interface LogOpts {
  since: string | undefined;
  tail: number | undefined;
  timestamps: boolean;
}

function containerLog(lines: LogLine[], { since, tail, timestamps }: LogOpts & { tail: number }): string[] {
  const kept = (tail >= 0 ? lines.slice(lines.length - Math.min(tail, lines.length)) : lines).filter(
    (l) => !since || l.at >= since,
  );
  return kept.map((l) => `${timestamps ? `${l.at.replace(/\.(\d{3})Z$/, '.$1000000Z')} ` : ''}${l.line}`);
}

/**
 * kubectl logs -l SELECTOR: every matching pod, each at most --tail lines (10 when no --tail is given with a
 * selector: kubectl v0.35.7 pkg/cmd/logs/logs.go selectorTail); with --prefix each line starts
 * [pod/NAME/CONTAINER], before the kubelet's timestamp.
 */
export function selectorLogs(
  cluster: FakeCluster,
  ns: string,
  selector: string,
  prefix: boolean,
  opts: LogOpts,
): string {
  const ds = DAEMONSET_PODS[selector];
  if (!ds || !cluster.objects[objKey('DaemonSet', ns, ds.name)]) return `No resources found in ${ns} namespace.\n`;
  const lines = cluster.logs?.[`${ns}/${ds.name}`] ?? [];
  const pods = NODE_SUFFIXES.map((s) => `${ds.name}-${s}`);
  const out: string[] = [];
  for (const [p, pod] of pods.entries())
    for (const l of containerLog(
      lines.filter((_l, i) => i % pods.length === p),
      { ...opts, tail: opts.tail ?? 10 },
    ))
      out.push(`${prefix ? `[pod/${pod}/${ds.container}] ` : ''}${l}`);
  return out.length ? `${out.join('\n')}\n` : '';
}

export function workloadLogs(cluster: FakeCluster, ns: string, workload: string, opts: LogOpts): string {
  const name = workload.split('/')[1];
  const kind = workload.startsWith('ds/') ? 'DaemonSet' : 'Deployment';
  if (!cluster.objects[objKey(kind, ns, name)])
    throw notFound(kind === 'DaemonSet' ? 'daemonsets.apps' : 'deployments.apps', name);
  const all = cluster.logs?.[`${ns}/${name}`] ?? [];
  // As kubectl does: logs of ds/NAME are one pod's ("Found 3 pods, using pod/…"), not the DaemonSet's.
  const lines = kind === 'DaemonSet' ? all.filter((_l, i) => i % NODE_SUFFIXES.length === 0) : all;
  const out = containerLog(lines, { ...opts, tail: opts.tail ?? -1 });
  return out.length ? `${out.join('\n')}\n` : '';
}
