import { gke } from './gke.ts';
import { kind } from './kind.ts';
import type { Platform, PlatformName } from './types.ts';

export type * from './types.ts';

/** Every platform, in the order the wizard offers them. */
export const platforms: readonly Platform[] = [kind, gke];

/** The platform a profile or a lab's cluster runs on. */
export function platformFor(name: PlatformName): Platform {
  const found = platforms.find((p) => p.name === name);
  if (!found) throw new Error(`no platform "${name}"`);
  return found;
}
