import { blockers, formatFindings, runDoctor } from '../doctor/checks.ts';
import { ActionableError, CancelledError } from '../errors.ts';
import { createExec } from '../exec/exec.ts';
import { type DownOptions, down as downLab } from '../lab/down.ts';
import { collectLicences } from '../lab/licences.ts';
import { doctorInput } from '../lab/prepare.ts';
import { status as statusLab } from '../lab/status.ts';
import { type LabDeps, type UpOptions, up as upLab } from '../lab/up.ts';
import type { ProfileFlags } from '../profile/flags.ts';
import { loadProfile } from '../profile/load.ts';
import { checkStateRoot } from '../state/paths.ts';
import type { Streams } from '../ui/prompter.ts';
import { interruptExitCode, labDeps } from './deps.ts';

/**
 * Whatever failed after Ctrl-C, SIGTERM or SIGHUP (a killed command, an aborted check) is an interruption:
 * exit 130, or 129 for SIGHUP.
 */
async function interruptible(deps: LabDeps, run: () => Promise<void>, what: string): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (!deps.signal?.aborted) throw err;
    const message =
      err instanceof CancelledError ? err.message : `interrupted during ${what}; run it again to continue`;
    throw new CancelledError(message, interruptExitCode(deps.signal));
  }
}

export async function up(opts: UpOptions, streams: Streams): Promise<void> {
  checkStateRoot(process.env, opts.dryRun ? 'read' : 'write');
  const deps = await labDeps(opts, streams);
  await interruptible(deps, () => upLab(opts, deps), 'up');
}

export async function down(opts: DownOptions, streams: Streams): Promise<void> {
  checkStateRoot(process.env, opts.dryRun ? 'read' : 'write');
  const deps = await labDeps(opts, streams);
  await interruptible(deps, () => downLab(opts, deps), 'down');
}

export async function verify(opts: { name?: string; json?: boolean }, streams: Streams): Promise<void> {
  checkStateRoot(process.env, 'read');
  // Progress goes to stderr, so stdout keeps only the report (or its JSON).
  const progress = (line: string) => void process.stderr.write(`${line}\n`);
  await (await import('./verify.ts')).verify(opts, {
    exec: createExec(),
    stdout: streams.stdout,
    env: process.env,
    progress,
  });
}

export async function logs(
  component: string,
  opts: { name?: string; follow?: boolean; tail?: string; since?: string },
  streams: Streams,
): Promise<void> {
  checkStateRoot(process.env, 'read');
  await (await import('./verify.ts')).logs(component, opts, {
    exec: createExec(),
    stdout: streams.stdout,
    env: process.env,
  });
}

export async function env(opts: { name?: string }, streams: Streams): Promise<void> {
  checkStateRoot(process.env, 'read');
  (await import('./verify.ts')).env(opts, { stdout: streams.stdout, env: process.env });
}

export async function status(opts: { name?: string; json?: boolean }, streams: Streams): Promise<void> {
  checkStateRoot(process.env, 'read');
  await statusLab(opts, { exec: createExec(), stdout: streams.stdout, env: process.env });
}

/** `egress-lab doctor`: the checks `up` starts with, for a profile; exit 1 when one blocks. */
export async function doctor(
  opts: ProfileFlags & { json?: boolean; licenseFile?: string },
  streams: Streams,
): Promise<void> {
  const loaded = loadProfile(opts);
  const licences = collectLicences(process.env, opts.licenseFile);
  const findings = await runDoctor(createExec(), doctorInput(loaded, licences));
  streams.stdout.write(
    opts.json
      ? `${JSON.stringify({ profile: loaded.name, platform: loaded.profile.platform, stack: loaded.profile.stack, findings }, null, 2)}\n`
      : formatFindings(findings),
  );
  const stop = blockers(findings);
  if (stop.length)
    throw new ActionableError(
      `${stop.length} problem${stop.length > 1 ? 's' : ''} to fix before up: ${stop.map((f) => f.check).join(', ')}`,
    );
}
