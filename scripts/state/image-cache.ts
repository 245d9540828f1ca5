import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateRoot } from './paths.ts';

/** Images egress-lab pulled into the host's Docker (not those that were there before): what `down --purge-cache` removes. */
const cacheFile = (env: NodeJS.ProcessEnv) => join(stateRoot(env), 'image-cache.json');

export function pulledImages(env: NodeJS.ProcessEnv): string[] {
  const file = cacheFile(env);
  if (!existsSync(file)) return [];
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { pulled?: string[] }).pulled ?? [];
  } catch {
    return [];
  }
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
