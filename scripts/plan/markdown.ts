import type { RenderedLab } from '../render/render.ts';
import { commandLine } from './command-line.ts';
import { buildPlan, clusterTarget } from './plan.ts';
import { runbookSections } from './runbook.ts';
import type { Command, Step } from './types.ts';

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
  const block = (cmds: readonly Command[]) => ['```sh', ...cmds.map(commandLine), '```'].join('\n');
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

/** plan.md names the state root by its variable, never the rendering machine's path: commands render against this. */
const STATE_ROOT_MARK = '/EGRESS_LAB_HOME.plan-md-mark';

/** The lab's plan as a runbook: what it builds, before you start, the steps, licences, endpoints, verify, tear down. */
export function planMarkdown(rendered: RenderedLab, profileName: string): string {
  const env = { EGRESS_LAB_HOME: STATE_ROOT_MARK };
  const steps = buildPlan(rendered, env);
  const { profile, stack } = rendered.loaded;
  const target = clusterTarget(rendered, env);
  const licences = stack.licenses.length ? `${stack.licenses.join(', ')} (see Licence keys below).` : 'none.';
  const text = [
    `# egress-lab plan: profile ${profileName}, lab ${rendered.lab}`,
    '',
    profile.description,
    '',
    `- Platform: ${profile.platform}`,
    `- Stack: ${profile.stack} (${stack.description})`,
    `- Components: ${componentSummary(rendered).join(', ')}`,
    `- Allowed egress hosts: ${profile.egress.hosts.join(', ')}`,
    `- Licence keys: ${licences}`,
    `- Cluster access: kubeconfig \`$EGRESS_LAB_HOME/${rendered.lab}/kubeconfig\`, context \`${target.context}\`. Every kubectl and helm call names both; your own KUBECONFIG is never read or changed.`,
    '',
    '## Before you start',
    '',
    '`egress-lab up` runs all of this for you. To run it by hand, from the folder of this plan, with the state folder egress-lab uses:',
    '',
    '```sh',
    'export EGRESS_LAB_HOME="${EGRESS_LAB_HOME:-${XDG_STATE_HOME:-$HOME/.local/state}/egress-lab}"',
    `mkdir -p "$EGRESS_LAB_HOME/${rendered.lab}"`,
    '```',
    '',
    '## Steps',
    '',
    'The commands `up` runs, in an order where each step follows what it needs (`up` runs steps whose needs are met at the same time).',
    'Run from this folder, the file names are the rendered files beside this plan.',
    '',
    ...steps.map(stepSection),
    ...runbookSections(rendered, steps, target),
  ].join('\n');
  return text.split(STATE_ROOT_MARK).join('"$EGRESS_LAB_HOME"');
}
