import * as z from 'zod';
import { ActionableError, InputError } from '../errors.ts';
import { CommandError, createExec, type Exec } from '../exec/exec.ts';
import { kubeAccess } from '../plan/plan.ts';
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

function logSource(component: string, ledger: Ledger): LogSource {
  const { squid, extAuth, sample } = ledger.profile.components;
  const sources: Record<string, LogSource | string> = {
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
  const source = sources[component === 'waypoint' ? 'gateway' : component];
  if (source === undefined)
    throw new InputError(`unknown component "${component}"; one of: ${LOG_COMPONENTS.join(', ')}`);
  if (typeof source === 'string') throw new InputError(source);
  return source;
}

function logArgs(source: LogSource, opts: { follow?: boolean; tail?: string; since?: string }): string[] {
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
  ];
}

/** `egress-lab logs COMPONENT [--follow] [--since D]`: the component's log through the lab's kubeconfig. */
export async function logs(component: string, given: z.input<typeof logsOptions>, deps: LogsDeps): Promise<void> {
  const opts = parseOptions(logsOptions, given);
  const ledger = requireLedger(opts.name, deps.env);
  const source = logSource(component, ledger);
  const args = [...kubeAccess(ledger), ...logArgs(source, opts)];
  let lines = 0;
  try {
    const onLine = (line: string) => {
      lines++;
      deps.stdout.write(`${line}\n`);
    };
    await deps.exec('kubectl', args, { onLine });
  } catch (err) {
    const what = 'deployment' in source ? `Deployment ${source.deployment}` : `DaemonSet ${source.daemonSet}`;
    if (err instanceof CommandError && /NotFound|not found/.test(err.stderr))
      throw new ActionableError(
        `the ${what} is not in the namespace ${source.namespace} any more; egress-lab up${ledger.lab === 'egress-lab' ? '' : ` --name ${ledger.lab}`} restores it`,
      );
    throw err;
  }
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
