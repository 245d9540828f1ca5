import { InputError } from '../errors.ts';
import { platforms } from '../platform/platform.ts';
import { isPlainObject, setPath } from './merge.ts';

/** The profile flags of the command-line contract (DESIGN.md §2); each one wins over every profile layer. */
export interface ProfileFlags {
  profile?: string;
  platform?: string;
  stack?: string;
  squid?: boolean;
  /** host:port of a proxy outside the cluster: Squid mode external. */
  squidExternal?: string;
  extAuth?: boolean;
  gkeProject?: string;
  gkeLocation?: string;
  gkeCluster?: string;
  /** --seats N: workshop seats (0: none). */
  seats?: string;
  /** --scenario NAME, repeatable: the scenario packs, instead of the profile's (`none`: no pack). */
  scenario?: string[];
}

/** Which flag set which profile path, so an error can name the flag instead of a file. */
export type FlagOrigins = Map<string, string>;

export function applyFlags(data: Record<string, unknown>, flags: ProfileFlags): FlagOrigins {
  const origins: FlagOrigins = new Map();
  const set = (path: string[], value: unknown, flag: string) => {
    setPath(data, path, value);
    origins.set(path.join('.'), flag);
  };
  if (flags.platform !== undefined) set(['platform'], flags.platform, '--platform');
  if (flags.stack !== undefined) set(['stack'], flags.stack, '--stack');
  if (flags.squid === false) set(['components', 'squid', 'mode'], 'none', '--no-squid');
  if (flags.squid === true && currentSquidMode(data) === 'none')
    set(['components', 'squid', 'mode'], 'in-cluster', '--squid');
  if (flags.squidExternal !== undefined) {
    if (flags.squid === false) throw new InputError('--no-squid and --squid-external contradict each other; give one');
    set(['components', 'squid', 'mode'], 'external', '--squid-external');
    set(['components', 'squid', 'external'], flags.squidExternal, '--squid-external');
  }
  if (flags.extAuth !== undefined)
    set(['components', 'extAuth', 'enabled'], flags.extAuth, flags.extAuth ? '--ext-auth' : '--no-ext-auth');
  if (flags.gkeProject !== undefined) set(['gke', 'project'], flags.gkeProject, '--gke-project');
  if (flags.gkeLocation !== undefined) set(['gke', 'location'], flags.gkeLocation, '--gke-location');
  if (flags.gkeCluster !== undefined) set(['gke', 'cluster'], flags.gkeCluster, '--gke-cluster');
  if (flags.seats !== undefined) {
    if (!/^\d{1,3}$/.test(flags.seats)) throw new InputError(`--seats: "${flags.seats}" is not a number of seats`);
    set(['seats'], Number(flags.seats), '--seats');
  }
  if (flags.scenario !== undefined) {
    const list = flags.scenario.flatMap((v) => v.split(',')).map((v) => v.trim());
    set(['scenarios'], list.length === 1 && list[0] === 'none' ? [] : list, '--scenario');
  }
  return origins;
}

function currentSquidMode(data: Record<string, unknown>): unknown {
  const components = data['components'];
  const squid = isPlainObject(components) ? components['squid'] : undefined;
  return isPlainObject(squid) ? squid['mode'] : undefined;
}

/** The flags as typed, for naming a profile with its overrides ("kind --no-squid"). */
export function describeFlags(flags: ProfileFlags): string {
  const parts: string[] = [];
  if (flags.platform !== undefined) parts.push(`--platform ${flags.platform}`);
  if (flags.stack !== undefined) parts.push(`--stack ${flags.stack}`);
  if (flags.squid !== undefined) parts.push(flags.squid ? '--squid' : '--no-squid');
  if (flags.squidExternal !== undefined) parts.push(`--squid-external ${flags.squidExternal}`);
  if (flags.extAuth !== undefined) parts.push(flags.extAuth ? '--ext-auth' : '--no-ext-auth');
  if (flags.gkeProject !== undefined) parts.push(`--gke-project ${flags.gkeProject}`);
  if (flags.gkeLocation !== undefined) parts.push(`--gke-location ${flags.gkeLocation}`);
  if (flags.gkeCluster !== undefined) parts.push(`--gke-cluster ${flags.gkeCluster}`);
  if (flags.seats !== undefined) parts.push(`--seats ${flags.seats}`);
  for (const name of flags.scenario ?? []) parts.push(`--scenario ${name}`);
  return parts.join(' ');
}

/** Flags of another platform on a profile that runs elsewhere would be ignored without a word: refused, naming them. */
export function checkFlagsFitPlatform(platform: string, flags: ProfileFlags): void {
  for (const other of platforms) {
    if (other.name === platform) continue;
    const given = other.flags.filter((f) => flags[f.key] !== undefined).map((f) => f.flag);
    if (given.length === 0) continue;
    throw new InputError(
      `${given.join(', ')} ${given.length > 1 ? 'are' : 'is'} for ${other.label}, but the profile runs on ${platform}; use a ${other.label} profile (such as --profile ${other.baseProfile}) or --platform ${other.name}, or leave ${given.length > 1 ? 'them' : 'it'} out`,
    );
  }
}
