import { readdirSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type * as z from 'zod';
import { InputError, type SourcePos } from '../errors.ts';
import { profilesDir, stacksDir } from '../paths.ts';
import { positionOf, readYamlFile, toData, type YamlSource } from '../yaml-source.ts';
import { applyFlags, checkFlagsFitPlatform, describeFlags, type FlagOrigins, type ProfileFlags } from './flags.ts';
import { deepMerge, hasPath, isPlainObject } from './merge.ts';
import { checkUpstreamRules } from './rules.ts';
import { type Profile, profileSchema } from './schema.ts';
import { type Stack, stackSchema } from './stack.ts';
import { checkReleaseNames, checkStackFiles } from './stack-files.ts';

export const DEFAULT_PROFILE = 'kind';
const DEFAULTS_FILE = '_defaults.yaml';
const MAX_EXTENDS_DEPTH = 10;

export interface LoadedProfile {
  /** The built-in name or the path the user gave, followed by any profile flags ("kind --no-squid"). */
  name: string;
  profile: Profile;
  stack: Stack;
}

interface Layer {
  /** The file, as read (for the folder its relative paths may use). */
  path: string;
  source: YamlSource;
  data: Record<string, unknown>;
}

/** Names of the built-in profiles, sorted. */
export function builtinProfileNames(): string[] {
  return readdirSync(profilesDir)
    .filter((f) => f.endsWith('.yaml') && !f.startsWith('_'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

const looksLikePath = (ref: string) => ref.includes('/') || ref.endsWith('.yaml') || ref.endsWith('.yml');

function resolveRef(ref: string, fromDir: string, via: SourcePos | undefined): { path: string; shownAs: string } {
  if (looksLikePath(ref)) {
    const path = isAbsolute(ref) ? ref : resolve(fromDir, ref);
    const fromCwd = relative(process.cwd(), path);
    return { path, shownAs: fromCwd && !fromCwd.startsWith('..') ? fromCwd : path };
  }
  if (!builtinProfileNames().includes(ref)) {
    throw new InputError(
      `unknown profile "${ref}"; built-in profiles: ${builtinProfileNames().join(', ')} (or give a path to a YAML file)`,
      via,
    );
  }
  return { path: join(profilesDir, `${ref}.yaml`), shownAs: `profiles/${ref}.yaml` };
}

function readLayer(path: string, shownAs: string): Layer {
  const source = readYamlFile(path, shownAs);
  const data = toData(source);
  if (!isPlainObject(data))
    throw new InputError('a profile is a YAML mapping of keys to values', { file: shownAs, line: 1, col: 1 });
  return { path, source, data };
}

/** The profile file and its `extends:` ancestors, lowest layer first. */
function readChain(ref: string): Layer[] {
  const chain: Layer[] = [];
  const seen: string[] = [];
  let next: { path: string; shownAs: string } | undefined = resolveRef(ref, process.cwd(), undefined);
  while (next) {
    if (seen.includes(next.path)) {
      const cycle = [...seen.slice(seen.indexOf(next.path)), next.path].map((p) => basename(p)).join(' -> ');
      throw new InputError(`extends cycle: ${cycle}`, positionOf(chain[0]!.source, ['extends']));
    }
    if (seen.length >= MAX_EXTENDS_DEPTH)
      throw new InputError(`extends chain deeper than ${MAX_EXTENDS_DEPTH} files`, { file: next.shownAs });
    seen.push(next.path);
    const layer = readLayer(next.path, next.shownAs);
    chain.unshift(layer);
    const parent = layer.data['extends'];
    if (parent !== undefined && typeof parent !== 'string') {
      throw new InputError(
        'extends: expected the name of a profile or a path to one',
        positionOf(layer.source, ['extends']),
      );
    }
    next =
      parent === undefined ? undefined : resolveRef(parent, dirname(next.path), positionOf(layer.source, ['extends']));
  }
  return chain;
}

type Issue = z.core.$ZodIssue;

/** Where a validation problem comes from: the flag that set it, or the highest layer that holds the path. */
function locate(
  issue: Issue,
  layers: Layer[],
  flags: FlagOrigins,
  prefix: readonly PropertyKey[] = [],
): { pos?: SourcePos; flag?: string } {
  const path = [...prefix, ...issue.path];
  const key = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  // A flag that set a whole list (--scenario) set each of its items too.
  const flag =
    flags.get(path.join('.')) ?? (typeof path.at(-1) === 'number' ? flags.get(path.slice(0, -1).join('.')) : undefined);
  if (flag && key === undefined) return { flag };
  const full = key === undefined ? path : [...path, key];
  for (const layer of [...layers].reverse()) {
    if (hasPath(layer.data, full)) return { pos: positionOf(layer.source, path, key) };
  }
  return {};
}

function describe(issue: Issue, prefix: readonly PropertyKey[] = []): string {
  const path = [...prefix, ...issue.path].map(String).join('.') || '(top level)';
  if (issue.code === 'unrecognized_keys')
    return `${path === '(top level)' ? '' : `${path}: `}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_type' && issue.message.includes('received undefined'))
    return `${path}: missing (${issue.message.replace(/^Invalid input: /, '')})`;
  return `${path}: ${issue.message.replace(/^Invalid input: /, '')}`;
}

function failWith(
  issues: readonly Issue[],
  layers: Layer[],
  flags: FlagOrigins,
  prefix: readonly PropertyKey[] = [],
): never {
  const first = issues[0]!;
  const { pos, flag } = locate(first, layers, flags, prefix);
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  throw new InputError(`${describe(first, prefix)}${flag ? ` (from ${flag})` : ''}${more}`, pos);
}

function loadStack(profile: Profile, layers: Layer[], flags: FlagOrigins): Stack {
  const stackLayer = readLayer(join(stacksDir, `${profile.stack}.yaml`), `profiles/stacks/${profile.stack}.yaml`);
  const merged = deepMerge(stackLayer.data, profile.stackOverrides);
  const parsed = stackSchema.safeParse(merged);
  if (parsed.success) return parsed.data;
  const fromOverrides = parsed.error.issues.filter((i) => hasPath(profile.stackOverrides, i.path));
  if (fromOverrides.length > 0) failWith(fromOverrides, layers, flags, ['stackOverrides']);
  failWith(parsed.error.issues, [stackLayer], new Map());
}

/** Rules that join several fields; each names the field to fix. */
function checkCombinations(
  profile: Profile,
  stack: Stack,
  at: (path: PropertyKey[]) => { pos?: SourcePos; flag?: string },
): void {
  const fail = (path: PropertyKey[], message: string): never => {
    const { pos, flag } = at(path);
    throw new InputError(`${path.join('.')}: ${message}${flag ? ` (from ${flag})` : ''}`, pos);
  };
  const squid = profile.components.squid;
  if (squid.mode === 'external' && !squid.external)
    fail(['components', 'squid', 'mode'], 'external needs components.squid.external (host:port of the proxy)');
  if (squid.mode === 'in-cluster' && squid.external)
    fail(
      ['components', 'squid', 'external'],
      'is set, but components.squid.mode is in-cluster; set mode: external to use that proxy',
    );
  if (squid.mode === 'none' && !stack.squidOptional) {
    fail(
      ['components', 'squid', 'mode'],
      `the ${profile.stack} stack's gateway tunnels every request to a proxy, so it needs Squid (in-cluster or external); use --stack enterprise or oss to run without one`,
    );
  }
  const hosts = profile.egress.hosts.map((h) => h.toLowerCase());
  const repeated = hosts.findIndex((h, i) => hosts.indexOf(h) !== i);
  if (repeated >= 0) fail(['egress', 'hosts', repeated], `"${profile.egress.hosts[repeated]}" is listed twice`);
  if (!stack.wildcardHosts) {
    const index = profile.egress.hosts.findIndex((h) => h.startsWith('*.'));
    if (index >= 0)
      fail(
        ['egress', 'hosts', index],
        `the ${profile.stack} stack routes each host through its own backend and cannot take a wildcard ("${profile.egress.hosts[index]}"); list the hosts, or use the enterprise stack`,
      );
  }
}

/** What stackOverrides may not do: name a release like a step, or point a template outside the allowed folders. */
function checkStackOverrides(
  stack: Stack,
  layers: Layer[],
  at: (path: PropertyKey[]) => { pos?: SourcePos; flag?: string },
): void {
  const fail = (path: PropertyKey[], message: string): never => {
    const full = ['stackOverrides', ...path];
    throw new InputError(`${full.join('.')}: ${message}`, at(full).pos);
  };
  checkReleaseNames(stack, fail);
  const setBy = (path: PropertyKey[]) =>
    [...layers].reverse().find((l) => hasPath(l.data, ['stackOverrides', ...path]))?.path;
  checkStackFiles(
    stack,
    (path) => {
      const file = setBy(path);
      return file === undefined ? undefined : dirname(file);
    },
    fail,
  );
}

/** Loads a profile: defaults < extends chain < file < flags, validated strictly. Throws InputError (exit 2) naming file:line:col. */
export function loadProfile(flags: ProfileFlags): LoadedProfile {
  const ref = flags.profile ?? DEFAULT_PROFILE;
  const layers = [readLayer(join(profilesDir, DEFAULTS_FILE), `profiles/${DEFAULTS_FILE}`), ...readChain(ref)];
  let merged: Record<string, unknown> = {};
  for (const layer of layers) {
    const { extends: _parent, ...data } = layer.data;
    merged = deepMerge(merged, data) as Record<string, unknown>;
  }
  const origins = applyFlags(merged, flags);
  const parsed = profileSchema.safeParse(merged);
  if (!parsed.success) failWith(parsed.error.issues, layers, origins);
  const profile = parsed.data;
  checkFlagsFitPlatform(profile.platform, flags);
  const stack = loadStack(profile, layers, origins);
  const at = (path: PropertyKey[]) =>
    locate({ code: 'custom', path, message: '', input: undefined } as Issue, layers, origins);
  checkStackOverrides(stack, layers, at);
  checkCombinations(profile, stack, at);
  checkUpstreamRules(profile, stack, (path, message) => {
    const { pos, flag } = at(path);
    throw new InputError(`${path.join('.')}: ${message}${flag ? ` (from ${flag})` : ''}`, pos);
  });
  return { name: profileLabel(ref, flags, profile), profile, stack };
}

/**
 * The name a lab's profile is shown by: where GKE runs it (project, location, cluster) is not part of it,
 * and flags that make a built-in profile (the wizard's kind + Squid + ext-authz) give its name (kind-full;
 * descriptions aside).
 */
function profileLabel(ref: string, flags: ProfileFlags, profile: Profile): string {
  const { gkeProject: _p, gkeLocation: _l, gkeCluster: _c, profile: _ref, ...what } = flags;
  if (!describeFlags(what)) return ref;
  const overrides = describeFlags(changedFrom(loadProfile({ profile: ref }).profile, what));
  const where = (p: Profile) =>
    JSON.stringify({ ...p, description: '', gke: { ...p.gke, project: '', location: '', cluster: '' } });
  const same = builtinProfileNames().find((name) => where(loadProfile({ profile: name }).profile) === where(profile));
  return same ?? (overrides ? `${ref} ${overrides}` : ref);
}

/** The flags that change something in the profile they are laid on (a wizard answers every question). */
function changedFrom(base: Profile, flags: ProfileFlags): ProfileFlags {
  const { squid, extAuth } = base.components;
  const out: ProfileFlags = {};
  if (flags.platform !== undefined && flags.platform !== base.platform) out.platform = flags.platform;
  if (flags.stack !== undefined && flags.stack !== base.stack) out.stack = flags.stack;
  if (flags.squid !== undefined && flags.squid !== (squid.mode !== 'none')) out.squid = flags.squid;
  if (flags.squidExternal !== undefined && flags.squidExternal !== squid.external)
    out.squidExternal = flags.squidExternal;
  if (flags.extAuth !== undefined && flags.extAuth !== extAuth.enabled) out.extAuth = flags.extAuth;
  if (flags.scenario !== undefined) {
    const packs = flags.scenario.flatMap((v) => v.split(',')).filter((v) => v !== 'none');
    if (packs.join() !== base.scenarios.join()) out.scenario = flags.scenario;
  }
  return out;
}

/** A profile already resolved (a lab's ledger keeps one) with its stack, to render or plan it again. */
export function resolvedProfile(profile: Profile, name: string): LoadedProfile {
  return { name, profile, stack: loadStack(profile, [], new Map()) };
}
