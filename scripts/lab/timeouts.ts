import { InputError } from '../errors.ts';
import type { Command } from '../plan/plan.ts';

/**
 * How long one step command may run before it is ended, by kind of command. Generous: they cover a slow
 * network and a cold GKE, and exist so that a hung program fails its step instead of hanging egress-lab.
 * `up --step-timeout` and `down --step-timeout` replace them all.
 */
export function defaultTimeoutSeconds(cmd: Pick<Command, 'bin' | 'args'>): number {
  const verb = cmd.args[0] ?? '';
  switch (cmd.bin) {
    case 'gcloud':
      return cmd.args.includes('create') || cmd.args.includes('delete') ? 45 * 60 : 5 * 60;
    case 'kind':
      return ['create', 'load'].includes(verb) ? 15 * 60 : 5 * 60;
    case 'docker':
      return ['pull', 'save'].includes(verb) ? 20 * 60 : 5 * 60;
    case 'helm':
      return 15 * 60;
    default:
      // kubectl: its waits carry their own --timeout (at most 300 s), with room to report.
      return 10 * 60;
  }
}

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
