import { ActionableError, InputError } from '../errors.ts';
import type { Exec } from '../exec/exec.ts';
import { guardCluster } from '../lab/guard.ts';
import { kubeAccess } from '../plan/plan.ts';
import { WAYPOINT_NAMESPACE } from '../render/context.ts';
import { readLedger } from '../state/ledger.ts';
import { stateRoot } from '../state/paths.ts';
import { formatReport } from '../verify/report.ts';
import { verifyLab } from '../verify/verify.ts';
import { labName } from './render.ts';

export interface VerifyCommandDeps {
  exec: Exec;
  stdout: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  sleep?: (ms: number) => Promise<void>;
  /** Where verify says what it waits for (attempt N/M). */
  progress?: (line: string) => void;
}

function ledgerOf(name: string | undefined, env: NodeJS.ProcessEnv) {
  const lab = labName(name);
  const ledger = readLedger(lab, env);
  if (!ledger) throw new ActionableError(`no lab "${lab}" in ${stateRoot(env)}; egress-lab up creates one`);
  return ledger;
}

/** `egress-lab verify`: exit 0 when every hop is proven, 1 otherwise. */
export async function verify(opts: { name?: string; json?: boolean }, deps: VerifyCommandDeps): Promise<void> {
  const ledger = ledgerOf(opts.name, deps.env);
  await guardCluster(deps.exec, ledger, 'verify it', deps.env);
  const report = await verifyLab(ledger, deps);
  deps.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  if (!report.ok)
    throw new ActionableError(
      `verify: the ${report.firstBroken} hop is not proven${report.hint ? ` (${report.hint})` : ''}`,
    );
}

export const LOG_COMPONENTS = ['gateway', 'squid', 'ext-authz', 'ztunnel', 'istiod'] as const;

/** `egress-lab logs COMPONENT [--follow]`: the component's log through the lab's kubeconfig. */
export async function logs(
  component: string,
  opts: { name?: string; follow?: boolean; tail?: string },
  deps: VerifyCommandDeps,
): Promise<void> {
  const ledger = ledgerOf(opts.name, deps.env);
  const { squid, extAuth } = ledger.profile.components;
  const where: Record<string, [string, string] | string> = {
    gateway: ['deploy/egress-gateway', WAYPOINT_NAMESPACE],
    squid:
      squid.mode === 'in-cluster'
        ? ['deploy/squid-proxy', squid.namespace]
        : `this lab has no in-cluster Squid (squid: ${squid.mode})`,
    'ext-authz': extAuth.enabled ? ['deploy/ext-authz', WAYPOINT_NAMESPACE] : 'this lab has no ext-authz server',
    ztunnel: ['ds/ztunnel', 'istio-system'],
    istiod: ['deploy/istiod', 'istio-system'],
  };
  const target = where[component];
  if (target === undefined)
    throw new InputError(`unknown component "${component}"; one of: ${LOG_COMPONENTS.join(', ')}`);
  if (typeof target === 'string') throw new InputError(target);
  const tail = opts.tail ?? '200';
  if (!/^\d+$/.test(tail)) throw new InputError(`--tail: "${tail}" is not a number of lines`);
  const args = [
    ...kubeAccess(ledger),
    'logs',
    target[0],
    '-n',
    target[1],
    `--tail=${tail}`,
    ...(opts.follow ? ['--follow'] : []),
  ];
  await deps.exec('kubectl', args, { onLine: (line) => void deps.stdout.write(`${line}\n`) });
}
