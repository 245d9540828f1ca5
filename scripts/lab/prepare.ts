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
import type { Step } from '../plan/plan.ts';
import { platformFor, type RequiredSetting } from '../platform/platform.ts';
import type { ProfileFlags } from '../profile/flags.ts';
import { type LoadedProfile, loadProfile } from '../profile/load.ts';
import { checkGcpProject, checkGkeLocation } from '../profile/names.ts';
import { kindNodeKubernetes } from '../profile/support.ts';
import type { Prompter } from '../ui/prompter.ts';
import { type ChooseDeps, chooseProfile } from './choose.ts';
import type { PlanDiff } from './converge.ts';
import { collectLicences, type Licences } from './licences.ts';

/** The format checks of the settings a platform requires, run at their prompt. */
const REQUIRED_CHECKS: Record<RequiredSetting['key'], (value: string) => string | undefined> = {
  gkeProject: checkGcpProject,
  gkeLocation: checkGkeLocation,
};

export interface PrepareOptions extends ProfileFlags {
  licenseFile?: string;
}

/** Flags, then the wizard's answers when interactive without --profile, then the GKE target: a loaded profile. */
export async function resolveProfile(
  opts: PrepareOptions & { json?: boolean },
  lab: string,
  deps: ChooseDeps,
): Promise<LoadedProfile> {
  const { prompter } = deps;
  if (prompter.interactive && opts.profile === undefined) return chooseProfile(opts, lab, deps);
  const flags = { ...opts };
  let loaded = loadProfile(flags);
  if (opts.profile === undefined && !opts.json) deps.stdout.write(`${announceDefault(loaded)}\n`);
  const { required } = platformFor(loaded.profile.platform);
  if (required.some((r) => !r.value(loaded.profile))) {
    // Checked at the prompt, so a mistyped answer is asked again rather than blamed on a flag nobody typed.
    for (const r of required)
      flags[r.key] ??=
        r.value(loaded.profile) ??
        (await prompter.text({ message: r.message, flag: r.flag, validate: REQUIRED_CHECKS[r.key] })).trim();
    loaded = loadProfile(flags);
  }
  return loaded;
}

/** Nothing is asked and no --profile was given: say what gets built, and how to pick another. */
function announceDefault(loaded: LoadedProfile): string {
  const { platform, stack, components } = loaded.profile;
  const squid = components.squid.mode === 'none' ? 'no Squid' : `Squid ${components.squid.mode}`;
  const extAuth = components.extAuth.enabled ? 'ext-authz' : 'no ext-authz';
  return `No --profile and no questions here: building the profile ${loaded.name} (${platform}, stack ${stack}, ${squid}, ${extAuth}). Pick another with --profile NAME (egress-lab profiles lists them), or run up in a terminal to choose.`;
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
    const key = value.trim();
    if (!key) throw new InputError(`${name} is empty`);
    // The rule a --license-file line follows (licences.ts): a key broken by a space would reach helm as it is.
    if (/\s/.test(key)) throw new InputError(`${name}: the value has a space in it; a licence key has none`);
    licences.set(name, key);
  }
  return licences;
}

/** What doctor checks for a profile: its platform, and the stack's licence keys as found. */
export function doctorInput(loaded: LoadedProfile, licences: Licences): DoctorInput {
  const node = platformFor(loaded.profile.platform).nodeImage;
  return {
    platform: loaded.profile.platform,
    stack: loaded.profile.stack,
    licenses: loaded.stack.licenses.map((name) => ({ name, present: licences.has(name) })),
    ...(node ? { kubernetes: kindNodeKubernetes(node.of(loaded.profile)) } : {}),
    ...(loaded.profile.gke.project ? { project: loaded.profile.gke.project } : {}),
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

/** The profile as doctor should check it when the licence keys are checked later, by the steps that need them. */
export function withoutLicences(loaded: LoadedProfile): LoadedProfile {
  return { ...loaded, stack: { ...loaded.stack, licenses: [] } };
}

/** Whether a step that will run feeds helm a values file with a licence marker. */
export function needsLicences(
  steps: readonly Step[],
  files: ReadonlyMap<string, string>,
  diff: Pick<PlanDiff, 'add' | 'change' | 'missing'>,
): boolean {
  const runs = new Set([...diff.add, ...diff.change, ...diff.missing]);
  return steps.some(
    (s) => runs.has(s.id) && s.run.some((c) => c.bin === 'helm' && c.stdin && files.get(c.stdin)?.includes('<from ')),
  );
}

/** The stack's licence keys for steps that need them (asked for when interactive); missing ones stop up. */
export async function requireLicences(
  loaded: LoadedProfile,
  opts: PrepareOptions,
  deps: { prompter: Prompter; env: NodeJS.ProcessEnv; secrets: string[] },
): Promise<Licences> {
  const licences = await resolveLicences(loaded, opts, deps.prompter, deps.env);
  deps.secrets.push(...licences.values());
  const missing = loaded.stack.licenses.filter((name) => !licences.has(name));
  if (missing.length > 0)
    throw new ActionableError(
      `the steps to run install the ${loaded.profile.stack} stack's charts, which need ${missing.join(', ')}: export ${missing.length > 1 ? 'them' : 'it'}, or pass --license-file FILE (NAME=value lines); nothing was changed`,
    );
  return licences;
}
