import { realpathSync } from 'node:fs';
import { sep } from 'node:path';
import { templatePath, templatesDir } from '../paths.ts';
import type { Stack } from './stack.ts';

/**
 * The ids of the plan's steps that are not helm releases (plan/plan.ts, plan/images.ts, render/render.ts): a
 * release is a step named after it, so a release of one of these names would collide with a step.
 */
export const NON_RELEASE_STEP_IDS = [
  'cluster',
  'gateway-api',
  'images-pull',
  'images-load',
  'istio-quota',
  'lab-namespace',
  'waypoint',
  'squid',
  'ext-authz',
  'ext-authz-policy',
  'sample',
  'seats',
  'egress',
] as const;

type Fail = (path: PropertyKey[], message: string) => never;

/** A release named like a step would make two steps of one id: refused, naming the release. */
export function checkReleaseNames(stack: Stack, fail: Fail): void {
  for (const name of Object.keys(stack.releases)) {
    if ((NON_RELEASE_STEP_IDS as readonly string[]).includes(name) || name.startsWith('scenario-'))
      fail(
        ['releases', name],
        `a release cannot be named "${name}": up has a step of that name (release names are step names); rename the release`,
      );
  }
}

/** Every file a stack names: its per-stack templates and each release's values template, by path in the stack. */
function stackFiles(stack: Stack): [PropertyKey[], string][] {
  const templates = Object.entries(stack.templates)
    .filter((e): e is [string, string] => typeof e[1] === 'string')
    .map(([key, file]): [PropertyKey[], string] => [['templates', key], file]);
  const values = Object.entries(stack.releases).map(([name, r]): [PropertyKey[], string] => [
    ['releases', name, 'values'],
    r.values,
  ]);
  return [...templates, ...values];
}

const inside = (path: string, dir: string) => path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);

/**
 * Each file the stack names must exist and, once symlinks are resolved, lie inside egress-lab's templates folder
 * or the folder of the profile file that set it (`profileDir` answers for a stack path, undefined for the stack's
 * own data). A profile cannot make the lab render and apply an arbitrary file.
 */
export function checkStackFiles(stack: Stack, profileDir: (path: PropertyKey[]) => string | undefined, fail: Fail) {
  const roots = [realpathSync(templatesDir)];
  for (const [path, file] of stackFiles(stack)) {
    let real: string;
    try {
      real = realpathSync(templatePath(file));
    } catch {
      fail(path, `"${file}": no such template (paths are relative to egress-lab's templates folder, or absolute)`);
    }
    const dir = profileDir(path);
    const allowed = dir === undefined ? roots : [...roots, safeRealpath(dir)];
    if (!allowed.some((root) => inside(real, root)))
      fail(
        path,
        `"${file}" resolves to ${real}, outside egress-lab's templates folder${dir === undefined ? '' : ` and the profile's folder (${dir})`}; a template must stay inside one of them`,
      );
  }
}

function safeRealpath(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}
