import { LICENCE_VARIABLES } from '../lab/licences.ts';
import type { ProfileFlags } from '../profile/flags.ts';
import { checkHostPort } from '../profile/names.ts';
import type { Prompter } from './prompter.ts';

const STACK_LICENCES: Record<string, readonly string[]> = {
  oss: [],
  enterprise: ['GLOO_MESH_LICENSE_KEY', 'AGENTGATEWAY_LICENSE_KEY'],
  seed: LICENCE_VARIABLES,
};

/**
 * The questions of an interactive `up` without --profile: platform (and GKE target), stack, Squid,
 * ext-authz. A flag given on the command line is never asked again. Returns the flags to layer on the
 * default profile.
 */
export async function askProfileFlags(
  flags: ProfileFlags,
  prompter: Prompter,
  env: NodeJS.ProcessEnv,
): Promise<ProfileFlags> {
  const out: ProfileFlags = { ...flags };
  out.platform ??= await prompter.select({
    message: 'Where should the lab run?',
    flag: '--platform kind|gke',
    options: [
      { value: 'kind', label: 'kind', hint: 'a local cluster in Docker' },
      { value: 'gke', label: 'GKE', hint: 'a GKE Standard cluster in your project' },
    ],
    initial: 'kind',
  });
  if (out.platform === 'gke') await askGke(out, prompter);
  if (out.stack === undefined) {
    const have = (stack: string) => STACK_LICENCES[stack]!.every((v) => env[v]);
    out.stack = await prompter.select({
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
      initial: have('enterprise') ? 'enterprise' : 'oss',
    });
  }
  if (out.squid === undefined && out.squidExternal === undefined) {
    const squid = await prompter.select({
      message: 'A forward proxy behind the gateway?',
      flag: '--squid, --no-squid or --squid-external HOST:PORT',
      options: [
        { value: 'in-cluster', label: 'Squid in the cluster', hint: 'CONNECT tunnel to an in-cluster Squid' },
        { value: 'external', label: 'a proxy I run', hint: 'host:port' },
        { value: 'none', label: 'none' },
      ],
      initial: 'in-cluster',
    });
    if (squid === 'external')
      out.squidExternal = await prompter.text({
        message: 'Proxy address (host:port)',
        flag: '--squid-external HOST:PORT',
        placeholder: 'proxy.example.com:3128',
        validate: checkHostPort,
      });
    else out.squid = squid === 'in-cluster';
  }
  out.extAuth ??= await prompter.confirm({
    message: "Check every request with ext-authz (it sees the caller's SPIFFE identity)?",
    flag: '--ext-auth or --no-ext-auth',
    initial: true,
  });
  return out;
}

async function askGke(out: ProfileFlags, prompter: Prompter): Promise<void> {
  out.gkeProject ??= await prompter.text({ message: 'GCP project ID', flag: '--gke-project ID' });
  out.gkeLocation ??= await prompter.text({
    message: 'GCP zone or region',
    flag: '--gke-location ZONE',
    placeholder: 'europe-west1-b',
  });
  if (out.gkeCluster === undefined) {
    const which = await prompter.select({
      message: 'Which GKE cluster?',
      flag: '--gke-cluster NAME (or leave it out to create one)',
      options: [
        { value: 'new', label: 'create a new Standard cluster' },
        { value: 'existing', label: 'use an existing cluster' },
      ],
      initial: 'new',
    });
    if (which === 'existing')
      out.gkeCluster = await prompter.text({ message: 'Existing cluster name', flag: '--gke-cluster NAME' });
  }
}
