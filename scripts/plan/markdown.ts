import type { RenderedLab } from '../render/render.ts';
import { type Command, clusterTarget, type Step } from './plan.ts';

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;
export const shellQuote = (arg: string) => (SAFE.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

/** A command as a person would type it from the render folder. */
export function commandLine(cmd: Command): string {
  const env = Object.entries(cmd.env ?? {})
    .map(([k, v]) => `${k}=${shellQuote(v)} `)
    .join('');
  const stdin = cmd.stdin ? ` < ${shellQuote(cmd.stdin)}` : '';
  return `${env}${[cmd.bin, ...cmd.args].map(shellQuote).join(' ')}${stdin}`;
}

/** Components a profile installs, as `profiles` and plan.md name them. */
export function componentSummary(rendered: Pick<RenderedLab, 'loaded'>): string[] {
  const { profile } = rendered.loaded;
  const { squid, extAuth } = profile.components;
  return [
    'gateway-api',
    'istio',
    'controller',
    'waypoint',
    'egress',
    ...(squid.mode === 'in-cluster'
      ? ['squid']
      : squid.mode === 'external'
        ? [`squid (external ${squid.external})`]
        : []),
    ...(extAuth.enabled ? ['ext-authz'] : []),
    'sample',
  ];
}

function stepSection(step: Step, index: number): string {
  const block = (cmds: Command[]) => ['```sh', ...cmds.map(commandLine), '```'].join('\n');
  return [
    `### ${index + 1}. ${step.id}: ${step.title}`,
    '',
    `Needs: ${step.needs.length ? step.needs.join(', ') : 'nothing'}`,
    '',
    block(step.run),
    ...(step.waits.length ? ['', 'Ready when:', '', block(step.waits)] : []),
    '',
  ].join('\n');
}

export function planMarkdown(
  rendered: RenderedLab,
  steps: Step[],
  profileName: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const { profile, stack } = rendered.loaded;
  const target = clusterTarget(rendered, env);
  const licences = stack.licenses.length
    ? `${stack.licenses.join(', ')}. These files hold only markers such as \`<from ${stack.licenses[0]}>\`; \`up\` reads the keys from the environment and passes them to helm on stdin, never in arguments or files.`
    : 'none.';
  return [
    `# egress-lab plan: profile ${profileName}, lab ${rendered.lab}`,
    '',
    profile.description,
    '',
    `- Platform: ${profile.platform}`,
    `- Stack: ${profile.stack} (${stack.description})`,
    `- Components: ${componentSummary(rendered).join(', ')}`,
    `- Allowed egress hosts: ${profile.egress.hosts.join(', ')}`,
    `- Licence keys: ${licences}`,
    `- Cluster access: kubeconfig \`${target.kubeconfig}\`, context \`${target.context}\`. Every kubectl and helm call names both; your own KUBECONFIG is never read or changed.`,
    '',
    '## Steps',
    '',
    'The commands `up` runs, in an order where each step follows what it needs (`up` runs steps whose needs are met at the same time).',
    'Run from this folder, the file names are the rendered files beside this plan.',
    '',
    ...steps.map(stepSection),
  ].join('\n');
}
