import { formatFindings, blockers, runDoctor } from '../doctor/checks.ts';
import { ActionableError } from '../errors.ts';
import { createExec } from '../exec/exec.ts';
import { collectLicences } from '../lab/licences.ts';
import { down as downLab, type DownOptions } from '../lab/down.ts';
import { status as statusLab } from '../lab/status.ts';
import { up as upLab, type UpOptions } from '../lab/up.ts';
import type { ProfileFlags } from '../profile/flags.ts';
import { loadProfile } from '../profile/load.ts';
import type { Streams } from '../ui/prompter.ts';
import { labDeps } from './deps.ts';

export async function up(opts: UpOptions, streams: Streams): Promise<void> {
  await upLab(opts, await labDeps(opts, streams));
}

export async function down(opts: DownOptions, streams: Streams): Promise<void> {
  await downLab(opts, await labDeps(opts, streams));
}

export async function verify(opts: { name?: string; json?: boolean }, streams: Streams): Promise<void> {
  await (await import('./verify.ts')).verify(opts, { exec: createExec(), stdout: streams.stdout, env: process.env });
}

export async function logs(component: string, opts: { name?: string; follow?: boolean; tail?: string }, streams: Streams): Promise<void> {
  await (await import('./verify.ts')).logs(component, opts, { exec: createExec(), stdout: streams.stdout, env: process.env });
}

export async function status(opts: { name?: string; json?: boolean }, streams: Streams): Promise<void> {
  await statusLab(opts, { exec: createExec(), stdout: streams.stdout, env: process.env });
}

/** `egress-lab doctor`: the checks `up` starts with, for a profile; exit 1 when one blocks. */
export async function doctor(opts: ProfileFlags & { json?: boolean; licenseFile?: string }, streams: Streams): Promise<void> {
  const loaded = loadProfile(opts);
  const licences = collectLicences(process.env, opts.licenseFile);
  const findings = await runDoctor(createExec(), {
    platform: loaded.profile.platform,
    stack: loaded.profile.stack,
    licenses: loaded.stack.licenses.map((name) => ({ name, present: licences.has(name) })),
  });
  streams.stdout.write(opts.json ? `${JSON.stringify({ profile: loaded.name, platform: loaded.profile.platform, stack: loaded.profile.stack, findings }, null, 2)}\n` : formatFindings(findings));
  const stop = blockers(findings);
  if (stop.length) throw new ActionableError(`${stop.length} problem${stop.length > 1 ? 's' : ''} to fix before up: ${stop.map((f) => f.check).join(', ')}`);
}
