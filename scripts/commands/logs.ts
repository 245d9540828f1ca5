import * as z from 'zod';
import { ActionableError, InputError } from '../errors.ts';
import { CommandError, createExec, type Exec } from '../exec/exec.ts';
import { kubeAccess } from '../kube/access.ts';
import { nameFlag } from '../name-flag.ts';
import { WAYPOINT_NAMESPACE } from '../profile/layout.ts';
import { requireLedger } from '../state/labs.ts';
import type { Ledger } from '../state/ledger.ts';
import { checkStateRoot } from '../state/paths.ts';
import type { Streams } from '../ui/prompter.ts';
import { onOff, parseOptions, text } from './options.ts';

/** What `logs` needs: the programs it runs, where it prints, the environment (for the state folder). */
export interface LogsDeps {
  exec: Exec;
  stdout: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

export const logsOptions = z.strictObject({
  name: text(),
  path: onOff(),
  follow: onOff(),
  tail: z
    .string()
    .regex(/^\d+$/, { error: (issue) => `"${String(issue.input)}" is not a number of lines` })
    .optional(),
  since: z
    .string()
    .regex(/^\d+(s|m|h)$/, {
      error: (issue) => `"${String(issue.input)}" is not a duration such as 30s, 5m or 2h`,
    })
    .optional(),
});

export const LOG_COMPONENTS = [
  'gateway',
  'waypoint',
  'squid',
  'ext-authz',
  'sample',
  'ztunnel',
  'istio-cni',
  'istiod',
] as const;

/** Where a component's log comes from: a Deployment, or a DaemonSet's pods by their chart's label (one per node). */
type LogSource = { deployment: string; namespace: string } | { daemonSet: string; selector: string; namespace: string };

/** Each component's log source, or why the lab has none. */
function logSources(ledger: Ledger): Record<string, LogSource | string> {
  const { squid, extAuth, sample } = ledger.profile.components;
  return {
    gateway: { deployment: 'egress-gateway', namespace: WAYPOINT_NAMESPACE },
    squid:
      squid.mode === 'in-cluster'
        ? { deployment: 'squid-proxy', namespace: squid.namespace }
        : `this lab has no in-cluster Squid (squid: ${squid.mode})`,
    'ext-authz': extAuth.enabled
      ? { deployment: 'ext-authz', namespace: WAYPOINT_NAMESPACE }
      : 'this lab has no ext-authz server',
    sample: { deployment: 'sleep', namespace: sample.namespace },
    // The charts' pod labels: istio/istio manifests/charts/ztunnel and istio-cni templates/daemonset.yaml.
    ztunnel: { daemonSet: 'ztunnel', selector: 'app=ztunnel', namespace: 'istio-system' },
    'istio-cni': { daemonSet: 'istio-cni-node', selector: 'k8s-app=istio-cni-node', namespace: 'istio-system' },
    istiod: { deployment: 'istiod', namespace: 'istio-system' },
  };
}

function logSource(component: string, ledger: Ledger): LogSource {
  const source = logSources(ledger)[component === 'waypoint' ? 'gateway' : component];
  if (source === undefined)
    throw new InputError(`unknown component "${component}"; one of: ${LOG_COMPONENTS.join(', ')}`);
  if (typeof source === 'string') throw new InputError(source);
  return source;
}

function logArgs(
  source: LogSource,
  opts: { follow?: boolean; tail?: string; since?: string; timestamps?: boolean },
): string[] {
  const tail = opts.tail ?? '200';
  const which =
    'deployment' in source
      ? [`deploy/${source.deployment}`]
      : // Every pod of the DaemonSet, each line prefixed with [pod/NAME/CONTAINER]; --follow needs a request per node.
        ['-l', source.selector, '--prefix', '--max-log-requests=50'];
  return [
    'logs',
    ...which,
    '-n',
    source.namespace,
    `--tail=${tail}`,
    ...(opts.since ? [`--since=${opts.since}`] : []),
    ...(opts.follow ? ['--follow'] : []),
    ...(opts.timestamps ? ['--timestamps'] : []),
  ];
}

/** A kubectl logs run; a Deployment or DaemonSet that is gone says that up restores it. */
async function runLogs(deps: LogsDeps, ledger: Ledger, source: LogSource, args: string[], onLine: (l: string) => void) {
  try {
    await deps.exec('kubectl', [...kubeAccess(ledger), ...args], { onLine });
  } catch (err) {
    const what = 'deployment' in source ? `Deployment ${source.deployment}` : `DaemonSet ${source.daemonSet}`;
    if (err instanceof CommandError && /NotFound|not found/.test(err.stderr))
      throw new ActionableError(
        `the ${what} is not in the namespace ${source.namespace} any more; egress-lab up${nameFlag(ledger.lab)} restores it`,
      );
    throw err;
  }
}

/** The components a request crosses, in path order (a lab without ext-authz or an in-cluster Squid has fewer). */
const PATH_COMPONENTS = ['gateway', 'ext-authz', 'squid'] as const;

/**
 * The instant kubectl's `--timestamps` put before a line, as a key that sorts in time order: the kubelet writes
 * RFC3339 with nine fraction digits (RFC3339NanoFixed) and a space (docs/upstream-rules.md KC6). Seconds since
 * the epoch, then the fraction padded to nine digits: nanoseconds order is kept where a Date would drop it.
 */
const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d) /;
function stamped(line: string): { key: string; text: string } | undefined {
  const m = STAMP.exec(line);
  if (!m) return undefined;
  const epoch = Date.parse(`${m[1]}${m[3]}`) / 1000;
  if (Number.isNaN(epoch)) return undefined;
  return { key: `${String(epoch).padStart(12, '0')}.${(m[2] ?? '').padEnd(9, '0')}`, text: line.slice(m[0].length) };
}

/**
 * `egress-lab logs --path`: the lines of the gateway, ext-authz and Squid merged in the order they were written,
 * each prefixed with its component. Printed without the timestamps kubectl added to order them (README).
 */
async function pathLogs(opts: z.output<typeof logsOptions>, deps: LogsDeps): Promise<void> {
  const ledger = requireLedger(opts.name, deps.env);
  const sources = logSources(ledger);
  const merged: { key: string; seq: number; text: string }[] = [];
  const present = PATH_COMPONENTS.filter((c) => typeof sources[c] !== 'string');
  for (const component of present) {
    const source = sources[component] as LogSource;
    let key = '';
    const onLine = (line: string) => {
      const s = stamped(line);
      // A line without a timestamp (none is expected) stays right after the line before it.
      if (s) key = s.key;
      merged.push({ key, seq: merged.length, text: `${component.padEnd(9)}| ${s ? s.text : line}` });
    };
    await runLogs(deps, ledger, source, logArgs(source, { ...opts, timestamps: true }), onLine);
  }
  merged.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.seq - b.seq));
  for (const l of merged) deps.stdout.write(`${l.text}\n`);
  if (merged.length === 0)
    deps.stdout.write(`(no log lines from ${present.join(', ')}${opts.since ? ` in the last ${opts.since}` : ''})\n`);
}

/** `egress-lab logs COMPONENT [--follow] [--since D]` (or `--path`): the log through the lab's kubeconfig. */
export async function logs(component: string, given: z.input<typeof logsOptions>, deps: LogsDeps): Promise<void> {
  const opts = parseOptions(logsOptions, given);
  if (opts.path) {
    if (component)
      throw new InputError(`logs: --path shows the path's components; give it no COMPONENT ("${component}")`);
    if (opts.follow) throw new InputError('logs: --path merges what is logged so far; it does not --follow');
    return pathLogs(opts, deps);
  }
  if (!component) throw new InputError(`logs: name a COMPONENT (${LOG_COMPONENTS.join(', ')}) or give --path`);
  const ledger = requireLedger(opts.name, deps.env);
  const source = logSource(component, ledger);
  let lines = 0;
  await runLogs(deps, ledger, source, logArgs(source, opts), (line) => {
    lines++;
    deps.stdout.write(`${line}\n`);
  });
  if (lines === 0 && 'daemonSet' in source)
    deps.stdout.write(
      `(no log lines from the ${source.daemonSet} pods${opts.since ? ` in the last ${opts.since}` : ''})\n`,
    );
}

export async function run(raw: unknown, streams: Streams, [component]: string[]): Promise<void> {
  checkStateRoot(process.env, 'read');
  await logs(component ?? '', raw as z.input<typeof logsOptions>, {
    exec: createExec(),
    stdout: streams.stdout,
    env: process.env,
  });
}
