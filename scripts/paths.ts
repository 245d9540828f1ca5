import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: the folder holding templates/ and profiles/, found from this module (dist/ or scripts/). */
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'templates'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('egress-lab: cannot find its templates/ folder next to package.json');
}

export const packageRoot = findPackageRoot();
export const templatesDir = join(packageRoot, 'templates');
export const profilesDir = join(packageRoot, 'profiles');
export const stacksDir = join(profilesDir, 'stacks');
/** Where a template path of a stack (relative to templates/, or absolute) points. */
export const templatePath = (relPath: string) => resolve(templatesDir, relPath);
