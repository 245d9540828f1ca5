import { type PlatformName, platformFor, platforms } from '../platform/platform.ts';
import type { ProfileFlags } from '../profile/flags.ts';
import { LICENCE_VARIABLES } from '../profile/licence-variables.ts';
import { checkHostPort } from '../profile/names.ts';
import { SCENARIO_NAMES, SCENARIOS } from '../profile/scenarios.ts';
import type { Profile } from '../profile/schema.ts';
import type { Prompter } from './prompter.ts';
import { askGke, type GkeLookup } from './wizard-gke.ts';

const STACK_LICENCES: Record<string, readonly string[]> = {
  oss: [],
  enterprise: ['GLOO_MESH_LICENSE_KEY', 'AGENTGATEWAY_LICENSE_KEY'],
  seed: LICENCE_VARIABLES,
};

/** What the wizard knows before it asks: the answers Enter gives, and what the host can run. */
export interface WizardContext {
  /** Enter answers as this profile is: the default profile, or the lab's current one when it is changed. */
  defaults: Profile;
  /** The profile the questions after the platform start from (GKE's own built-in profile for GKE). */
  baseFor: (platform: PlatformName) => { profile?: string; defaults: Profile };
  /** Why a platform cannot run here (a missing program), shown beside it. */
  unavailable: Partial<Record<PlatformName, string>>;
  /** Called right after the platform is chosen: stops here (throws) when that platform cannot run. */
  check: (platform: PlatformName) => void;
  gke: GkeLookup;
}

/**
 * The questions of an interactive `up` without --profile: platform (and GKE target), stack, Squid,
 * ext-authz, and on the oss stack the scenario packs. A flag given on the command line is never asked again.
 * Returns the flags to layer on the default profile.
 */
export async function askProfileFlags(
  flags: ProfileFlags,
  prompter: Prompter,
  env: NodeJS.ProcessEnv,
  ctx: WizardContext,
): Promise<ProfileFlags> {
  const out: ProfileFlags = { ...flags };
  const { defaults, unavailable } = ctx;
  const why = (p: PlatformName) => (unavailable[p] ? ` (not ready here: ${unavailable[p]})` : '');
  out.platform ??= await prompter.select({
    message: 'Where should the lab run?',
    flag: `--platform ${platforms.map((p) => p.name).join('|')}`,
    options: platforms.map((p) => ({ value: p.name, label: p.label, hint: `${p.hint}${why(p.name)}` })),
    initial: defaults.platform,
  });
  const platform = platformFor(out.platform as PlatformName);
  ctx.check(platform.name);
  const base = ctx.baseFor(platform.name);
  if (base.profile !== undefined) out.profile = base.profile;
  if (platform.asksCloud) await askGke(out, prompter, ctx.gke, base.defaults);
  out.stack ??= await askStack(prompter, env, base.defaults.stack);
  if (out.squid === undefined && out.squidExternal === undefined) await askSquid(out, prompter, base.defaults);
  out.extAuth ??= await prompter.confirm({
    message: "Check every request with ext-authz (it sees the caller's SPIFFE identity)?",
    flag: '--ext-auth or --no-ext-auth',
    initial: base.defaults.components.extAuth.enabled,
  });
  if (out.scenario === undefined && out.stack === 'oss')
    out.scenario = await askScenarios(out, prompter, base.defaults);
  return out;
}

/**
 * The scenario packs (oss stack only: profile/rules.ts refuses them on the others), none by default. proxy-auth
 * is offered only with Squid in the cluster, which it needs. No pack picked is `--scenario none`.
 */
async function askScenarios(out: ProfileFlags, prompter: Prompter, defaults: Profile): Promise<string[]> {
  const squidInCluster =
    out.squidExternal === undefined && (out.squid ?? defaults.components.squid.mode === 'in-cluster');
  const names = SCENARIO_NAMES.filter((name) => name !== 'proxy-auth' || squidInCluster);
  const picked = await prompter.multiselect({
    message: `Scenario packs to add? Each is proven by verify; none is fine${squidInCluster ? '' : ' (proxy-auth needs Squid in the cluster)'}`,
    flag: '--scenario PACK[,PACK…] or --scenario none',
    options: names.map((name) => ({ value: name, label: name, hint: SCENARIOS[name].title })),
    initial: defaults.scenarios.filter((name) => names.includes(name)),
  });
  return picked.length > 0 ? picked : ['none'];
}

function askStack(prompter: Prompter, env: NodeJS.ProcessEnv, initial: string): Promise<string> {
  const have = (stack: string) => STACK_LICENCES[stack]!.every((v) => env[v]);
  return prompter.select({
    message: have('enterprise')
      ? 'Which stack?'
      : 'Which stack? (no Solo licence keys in the environment: oss runs without one)',
    flag: '--stack seed|enterprise|oss',
    options: [
      { value: 'oss', label: 'oss', hint: 'upstream Istio + open-source agentgateway, no licence' },
      {
        value: 'enterprise',
        label: 'enterprise',
        hint: have('enterprise')
          ? 'Solo Istio 1.29 + enterprise agentgateway; keys found'
          : 'needs GLOO_MESH_LICENSE_KEY and AGENTGATEWAY_LICENSE_KEY',
      },
      {
        value: 'seed',
        label: 'seed',
        hint: have('seed') ? 'the seed demo exactly; keys found' : 'the seed demo; needs three Solo licence keys',
      },
    ],
    initial,
  });
}

async function askSquid(out: ProfileFlags, prompter: Prompter, defaults: Profile): Promise<void> {
  const squid = await prompter.select({
    message: 'A forward proxy behind the gateway?',
    flag: '--squid, --no-squid or --squid-external HOST:PORT',
    options: [
      { value: 'in-cluster', label: 'Squid in the cluster', hint: 'CONNECT tunnel to an in-cluster Squid' },
      { value: 'external', label: 'a proxy I run', hint: 'host:port' },
      { value: 'none', label: 'none' },
    ],
    initial: defaults.components.squid.mode,
  });
  if (squid === 'external')
    out.squidExternal = await prompter.text({
      message: 'Proxy address (host:port)',
      flag: '--squid-external HOST:PORT',
      placeholder: 'proxy.example.com:3128',
      ...(defaults.components.squid.external ? { initial: defaults.components.squid.external } : {}),
      validate: checkHostPort,
    });
  else out.squid = squid === 'in-cluster';
}
