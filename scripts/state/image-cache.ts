import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { ActionableError } from '../errors.ts';
import { stateRoot } from './paths.ts';
import { firstIssue } from './zod-issue.ts';

/** Images egress-lab pulled into the host's Docker (not those that were there before): what `down --purge-cache` removes. */
const cacheFile = (env: NodeJS.ProcessEnv) => join(stateRoot(env), 'image-cache.json');

const imageCacheSchema = z.object({ pulled: z.array(z.string()).optional() });

/** A cache file that is not what egress-lab wrote: the file, what is wrong, and what to do. */
function damaged(file: string, why: string): ActionableError {
  return new ActionableError(
    `the image cache ${file} ${why}; it lists the images egress-lab pulled into Docker, for down --purge-cache. Delete it (egress-lab then forgets those images: remove any you no longer want with docker image rm) and run the command again`,
  );
}

/** The images egress-lab pulled, checked: a damaged cache is an ActionableError naming the file, never acted on. */
export function pulledImages(env: NodeJS.ProcessEnv): string[] {
  const file = cacheFile(env);
  if (!existsSync(file)) return [];
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw damaged(file, `cannot be read (${(err as Error).message})`);
  }
  const parsed = imageCacheSchema.safeParse(data);
  if (!parsed.success)
    throw damaged(file, `is not egress-lab's image cache (${firstIssue(parsed.error, 'not a cache')})`);
  return parsed.data.pulled ?? [];
}

export function rememberPulled(image: string, env: NodeJS.ProcessEnv): void {
  const pulled = new Set(pulledImages(env));
  if (pulled.has(image)) return;
  pulled.add(image);
  mkdirSync(stateRoot(env), { recursive: true, mode: 0o700 });
  const temp = `${cacheFile(env)}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify({ pulled: [...pulled].sort() }, null, 2)}\n`);
  renameSync(temp, cacheFile(env));
}

export function forgetPulled(env: NodeJS.ProcessEnv): void {
  rmSync(cacheFile(env), { force: true });
}
