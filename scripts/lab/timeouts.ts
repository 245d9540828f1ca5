import { InputError } from '../errors.ts';
import type { Command, Program } from '../plan/plan.ts';

/**
 * How long one step command may run before it is ended, by kind of command. Generous: they cover a slow
 * network and a cold GKE, and exist so that a hung program fails its step instead of hanging egress-lab.
 * `up --step-timeout` and `down --step-timeout` replace them all.
 */
export function defaultTimeoutSeconds(cmd: Pick<Command, 'bin' | 'args'>): number {
  return TIMEOUTS[cmd.bin](cmd.args[0] ?? '', cmd.args);
}

/** Each program's limit in seconds, from its verb (the first argument) and its arguments. */
const TIMEOUTS: Record<Program, (verb: string, args: readonly string[]) => number> = {
  gcloud: (_verb, args) => (args.includes('create') || args.includes('delete') ? 45 * 60 : 5 * 60),
  kind: (verb) => (['create', 'load'].includes(verb) ? 15 * 60 : 5 * 60),
  docker: (verb) => (['pull', 'save'].includes(verb) ? 20 * 60 : 5 * 60),
  helm: () => 15 * 60,
  // kubectl: its waits carry their own --timeout (at most 300 s), with room to report.
  kubectl: () => 10 * 60,
};

/** The limit for one command, in milliseconds: the flag's, else the default for its kind. */
export const commandTimeoutMs = (cmd: Pick<Command, 'bin' | 'args'>, stepTimeoutSeconds?: number) =>
  (stepTimeoutSeconds ?? defaultTimeoutSeconds(cmd)) * 1000;

/** Why a --step-timeout value is refused, or undefined when it is a whole number of seconds from 1 to 86400. */
export function stepTimeoutProblem(value: string | number): string | undefined {
  const n = Number(value);
  if (/^\d+$/.test(String(value).trim()) && n >= 1 && n <= 86_400) return undefined;
  return `${JSON.stringify(String(value))} is not a number of seconds from 1 to 86400`;
}

/** --step-timeout SECONDS, checked (bad input is exit 2). */
export function stepTimeoutSeconds(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const problem = stepTimeoutProblem(value);
  if (problem) throw new InputError(`--step-timeout: ${problem}`);
  return Number(value);
}
