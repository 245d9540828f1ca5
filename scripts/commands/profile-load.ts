import { componentSummary } from '../plan/markdown.ts';
import { builtinProfileNames, loadProfile } from '../profile/load.ts';
import type { ProfileSummary } from './profile-summaries.ts';

/** Each built-in profile loaded and checked from its files (a broken one is an InputError naming it), summarised. */
export function profileSummaries(): ProfileSummary[] {
  return builtinProfileNames().map((name) => {
    const loaded = loadProfile({ profile: name });
    const { profile, stack } = loaded;
    return {
      name,
      description: profile.description,
      platform: profile.platform,
      stack: profile.stack,
      squid: profile.components.squid.mode,
      extAuth: profile.components.extAuth.enabled,
      licenses: stack.licenses,
      components: componentSummary({ loaded }),
      scenarios: profile.scenarios,
    };
  });
}
