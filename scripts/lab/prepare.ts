import {
  blockers,
  type DoctorInput,
  type Finding,
  formatFindings,
  type HostReader,
  runDoctor,
} from '../doctor/checks.ts';
import { ActionableError, InputError } from '../errors.ts';
import type { Exec } from '../exec/exec.ts';
import type { ProfileFlags } from '../profile/flags.ts';
import { type LoadedProfile, loadProfile } from '../profile/load.ts';
import { kindNodeKubernetes } from '../profile/support.ts';
import type { Prompter } from '../ui/prompter.ts';
import { askProfileFlags } from '../ui/wizard.ts';
import { collectLicences, type Licences } from './licences.ts';

export interface PrepareOptions extends ProfileFlags {
  licenseFile?: string;
}

/** Flags, then the wizard's answers when interactive without --profile, then the GKE target: a loaded profile. */
export async function resolveProfile(
  opts: PrepareOptions,
  prompter: Prompter,
  env: NodeJS.ProcessEnv,
): Promise<LoadedProfile> {
  const flags =
    prompter.interactive && opts.profile === undefined ? await askProfileFlags(opts, prompter, env) : { ...opts };
  let loaded = loadProfile(flags);
  if (loaded.profile.platform === 'gke' && (!loaded.profile.gke.project || !loaded.profile.gke.location)) {
    flags.gkeProject ??=
      loaded.profile.gke.project ?? (await prompter.text({ message: 'GCP project ID', flag: '--gke-project ID' }));
    flags.gkeLocation ??=
      loaded.profile.gke.location ??
      (await prompter.text({ message: 'GCP zone or region', flag: '--gke-location ZONE' }));
    loaded = loadProfile(flags);
  }
  return loaded;
}

/** The stack's licence keys from the environment or --license-file; a missing one can be typed (masked) when interactive. */
export async function resolveLicences(
  loaded: LoadedProfile,
  opts: PrepareOptions,
  prompter: Prompter,
  env: NodeJS.ProcessEnv,
): Promise<Licences> {
  const licences = collectLicences(env, opts.licenseFile);
  for (const name of loaded.stack.licenses) {
    if (licences.has(name) || !prompter.interactive) continue;
    const value = await prompter.password({
      message: `${name} (the ${loaded.profile.stack} stack needs it; used for this run only, never stored)`,
      flag: `${name} in the environment or --license-file`,
    });
    if (!value.trim()) throw new InputError(`${name} is empty`);
    licences.set(name, value.trim());
  }
  return licences;
}

/** What doctor checks for a profile: its platform, and the stack's licence keys as found. */
export function doctorInput(loaded: LoadedProfile, licences: Licences): DoctorInput {
  return {
    platform: loaded.profile.platform,
    stack: loaded.profile.stack,
    licenses: loaded.stack.licenses.map((name) => ({ name, present: licences.has(name) })),
    ...(loaded.profile.platform === 'kind' ? { kubernetes: kindNodeKubernetes(loaded.profile.kind.nodeImage) } : {}),
  };
}

/** Doctor's checks for this profile; blockers stop here, before anything is touched. */
export async function checkHost(
  exec: Exec,
  loaded: LoadedProfile,
  licences: Licences,
  host: HostReader | undefined,
  out: NodeJS.WritableStream,
  json: boolean,
): Promise<Finding[]> {
  const findings = await runDoctor(exec, doctorInput(loaded, licences), host);
  const stop = blockers(findings);
  if (json) out.write(`${JSON.stringify({ type: 'doctor', findings })}\n`);
  if (stop.length > 0) {
    if (!json) out.write(formatFindings(findings));
    throw new ActionableError(
      `doctor found ${stop.length} problem${stop.length > 1 ? 's' : ''} that stop${stop.length > 1 ? '' : 's'} the lab (${stop.map((f) => f.check).join(', ')}); nothing was created`,
    );
  }
  if (!json) {
    const warnings = findings.filter((f) => f.level === 'warn');
    if (warnings.length > 0) out.write(formatFindings(warnings));
  }
  return findings;
}
