import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { packageRoot, profilesDir, templatesDir } from '../paths.ts';

/** What `egress-lab profiles` shows of one built-in profile. */
export interface ProfileSummary {
  name: string;
  description: string;
  platform: string;
  stack: string;
  squid: string;
  extAuth: boolean;
  licenses: string[];
  components: string[];
  /** Its scenario packs (docs/scenarios/), in order. */
  scenarios: string[];
}

/** What `npm run build` writes beside the bundle: the summaries, and the digest of the files they came from. */
export interface ProfilesIndex {
  digest: string;
  profiles: ProfileSummary[];
}

export const PROFILES_INDEX_FILE = 'profiles.json';

/**
 * One digest of every file a built-in profile is loaded and checked from (profiles/ with its stacks, defaults and
 * support matrix; templates/, whose files the stacks name): each path, whether it is a file, folder or symlink
 * (and where the link points), and its bytes. A file added, removed, changed or replaced by a link changes it.
 */
export function builtinsDigest(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      const kind = entry.isSymbolicLink() ? `link ${readlinkSync(path)}` : entry.isDirectory() ? 'dir' : 'file';
      hash.update(`${relative(packageRoot, path)}\0${kind}\0`);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) hash.update(readFileSync(path));
      hash.update('\0');
    }
  };
  walk(profilesDir);
  walk(templatesDir);
  return hash.digest('hex');
}

/**
 * The summaries `npm run build` wrote beside the bundle (dist/profiles.json), when every file they were made
 * from is as it was then; else undefined, and the profiles are loaded and checked from their files.
 */
export function prebuiltSummaries(index: URL): ProfileSummary[] | undefined {
  let saved: ProfilesIndex;
  try {
    saved = JSON.parse(readFileSync(index, 'utf8')) as ProfilesIndex;
  } catch {
    return undefined;
  }
  return saved.digest === builtinsDigest() ? saved.profiles : undefined;
}
