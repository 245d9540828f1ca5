import { setMaxListeners } from 'node:events';
import { CancelledError } from '../errors.ts';
import { createExec } from '../exec/exec.ts';
import type { LabDeps } from '../lab/deps.ts';
import { releaseAllLocks } from '../state/lock.ts';
import { isInteractive, nonInteractivePrompter, type Streams } from '../ui/prompter.ts';

/** The real collaborators of a lab command: zx-backed exec, clack when interactive, listr2's renderer for this terminal. */
export async function labDeps(opts: { yes?: boolean; json?: boolean }, streams: Streams): Promise<LabDeps> {
  const secrets: string[] = [];
  const signal = interruptSignal();
  const exec = createExec({ secrets: () => secrets, signal });
  const prompter = isInteractive(streams, opts)
    ? (await import('../ui/clack-prompter.ts')).clackPrompter(streams)
    : nonInteractivePrompter(streams.stdout);
  const renderer = opts.json ? 'silent' : streams.stdout.isTTY ? 'default' : 'simple';
  return { exec, secrets, prompter, stdout: streams.stdout, env: process.env, renderer, signal };
}

/** The exit code of a run stopped by this signal: 129 for a closed terminal (SIGHUP), else 130. */
export const interruptExitCode = (signal: AbortSignal | undefined) => (signal?.reason === 'SIGHUP' ? 129 : 130);

/**
 * Whatever failed after Ctrl-C, SIGTERM or SIGHUP (a killed command, an aborted check) is an interruption:
 * exit 130, or 129 for SIGHUP.
 */
export async function interruptible(deps: LabDeps, run: () => Promise<void>, what: string): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (!deps.signal?.aborted) throw err;
    const message =
      err instanceof CancelledError ? err.message : `interrupted during ${what}; run it again to continue`;
    throw new CancelledError(message, interruptExitCode(deps.signal));
  }
}

/**
 * Ctrl-C, SIGTERM or SIGHUP (terminal closed, SSH dropped): the first stops new steps and ends running
 * commands, so up and down can write the ledger, release the lock and exit 130 (129 for SIGHUP); a second one
 * exits at once. After SIGHUP the terminal is gone: writing to it must not crash the run.
 */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  // Every running command links to this signal until it ends; a lab runs a few dozen at once at most.
  setMaxListeners(100, controller.signal);
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      releaseAllLocks();
      process.exit(interruptExitCode(controller.signal));
    }
    if (name === 'SIGHUP') for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
    process.stderr.write(`\negress-lab: ${name}: stopping (no new steps; running commands are ended)\n`);
    controller.abort(name);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  return controller.signal;
}
