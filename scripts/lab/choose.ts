import { blockers, type Finding, formatFindings, type HostReader, runDoctor } from '../doctor/checks.ts';
import { ActionableError, InputError } from '../errors.ts';
import type { Exec } from '../exec/exec.ts';
import { gkeLookup } from '../platform/gke-lookup.ts';
import { type PlatformName, platformFor, platforms } from '../platform/platform.ts';
import { describeFlags, type ProfileFlags } from '../profile/flags.ts';
import { type LoadedProfile, loadProfile, resolvedProfile } from '../profile/load.ts';
import { readLedger } from '../state/ledger.ts';
import type { Prompter } from '../ui/prompter.ts';
import { askProfileFlags } from '../ui/wizard.ts';

export interface ChooseDeps {
  exec: Exec;
  prompter: Prompter;
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  host?: HostReader;
}

/**
 * Doctor's program checks, before the first question: a missing kubectl or helm stops here; a platform whose
 * programs are missing is marked in the platform question (and stops up if chosen).
 */
async function preflight(deps: ChooseDeps): Promise<Partial<Record<PlatformName, Finding[]>>> {
  const none = { stack: 'oss', licenses: [] };
  const found = await Promise.all(platforms.map((p) => runDoctor(deps.exec, { platform: p.name, ...none }, deps.host)));
  const common = blockers(found[0] ?? []).filter((f) => f.check === 'kubectl' || f.check === 'helm');
  if (common.length > 0) {
    deps.stdout.write(formatFindings(common));
    throw new ActionableError(
      `doctor found ${common.length} ${common.length > 1 ? 'problems that stop' : 'problem that stops'} every lab (${common.map((f) => f.check).join(', ')}); nothing was asked or created`,
    );
  }
  return Object.fromEntries(
    platforms.map((p, i) => [p.name, blockers(found[i] ?? []).filter((f) => p.doctor.stops.includes(f.check))]),
  );
}

const hasProfileFlags = (o: ProfileFlags) =>
  [o.platform, o.stack, o.squid, o.squidExternal, o.extAuth, o.gkeProject, o.gkeLocation, o.gkeCluster].some(
    (v) => v !== undefined,
  );

/**
 * An interactive `up` without --profile: the program checks, then — on a lab that exists — keep it or
 * change it (its current choices as the answers Enter gives), else the wizard with the default profile's.
 */
export async function chooseProfile(opts: ProfileFlags, lab: string, deps: ChooseDeps): Promise<LoadedProfile> {
  const problems = await preflight(deps);
  const previous = readLedger(lab, deps.env);
  if (previous && !hasProfileFlags(opts)) {
    const { platform, stack } = previous.profile;
    const keep = await deps.prompter.select({
      message: `The lab "${lab}" exists (${previous.profileName}: ${platform}, stack ${stack}). What should up do?`,
      flag: '--profile NAME (keep it: the same profile as before)',
      options: [
        { value: 'keep', label: 'keep it', hint: 'finish or repair it as it is' },
        { value: 'change', label: 'change it', hint: 'answer the questions again, starting from its choices' },
      ],
      initial: 'keep',
    });
    if (keep === 'keep') return resolvedProfile(previous.profile, previous.profileName);
  }
  const defaults = previous?.profile ?? loadProfile({}).profile;
  const unavailable = Object.fromEntries(
    Object.entries(problems)
      .filter(([, found]) => found && found.length > 0)
      .map(([p, found]) => [p, found!.map((f) => f.message).join('; ')]),
  );
  const check = (platform: PlatformName) => {
    const found = problems[platform] ?? [];
    if (found.length === 0) return;
    deps.stdout.write(formatFindings(found));
    throw new ActionableError(
      `${platform} cannot run here yet (${found.map((f) => f.check).join(', ')}); nothing was created`,
    );
  };
  // Enter answers as the default profile does; once GKE is chosen, as the built-in GKE profile does.
  const baseFor = (platform: PlatformName) => {
    const base = platformFor(platform).baseProfile;
    return previous || base === undefined
      ? { defaults }
      : { profile: base, defaults: loadProfile({ profile: base }).profile };
  };
  const flags = await askProfileFlags(opts, deps.prompter, deps.env, {
    defaults,
    baseFor,
    unavailable,
    check,
    gke: gkeLookup(deps.exec),
  });
  return loadAnswers(flags, opts);
}

/** Loads the wizard's answers; an error names a flag only when the user typed it, else "your answer". */
function loadAnswers(flags: ProfileFlags, typed: ProfileFlags): LoadedProfile {
  try {
    return loadProfile(flags);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    const typedFlags = describeFlags(typed);
    throw new InputError(
      err.message.replace(/ \(from (--[a-z-]+)\)/, (m, flag: string) =>
        typedFlags.split(' ').includes(flag) ? m : ' (your answer)',
      ),
    );
  }
}
