import { CancelledError, InputError } from '../errors.ts';
import { commandLine } from '../plan/command-line.ts';
import { componentSummary } from '../plan/markdown.ts';
import type { ClusterTarget, Plan } from '../plan/plan.ts';
import { platformFor } from '../platform/platform.ts';
import { seatNamespace } from '../profile/layout.ts';
import type { LoadedProfile } from '../profile/load.ts';
import type { Ledger } from '../state/ledger.ts';
import { describeDiff, type PlanDiff } from './converge.ts';
import type { UpContext } from './up-context.ts';

type Screen = Pick<UpContext, 'opts' | 'deps'>;

function planSummary(lab: string, loaded: LoadedProfile, target: ClusterTarget, steps: Plan, adopt: boolean): string {
  const { profile } = loaded;
  const cluster = platformFor(profile.platform).describe(profile, target, adopt);
  const cost = target.create && !adopt ? platformFor(profile.platform).newClusterCost(profile, lab) : [];
  return [
    `profile:    ${loaded.name} (${profile.platform}, stack ${profile.stack})`,
    `cluster:    ${cluster}`,
    ...cost,
    `components: ${componentSummary({ loaded }).join(', ')}`,
    ...(profile.seats > 0
      ? [
          `seats:      ${profile.seats} (seat-01 … ${seatNamespace(profile.seats)}): each a namespace with its own sample, ServiceEntries and attendee account`,
        ]
      : []),
    ...(profile.scenarios.length ? [`scenarios:  ${profile.scenarios.join(', ')}`] : []),
    `steps:      ${steps.length} (${steps.map((s) => s.id).join(', ')})`,
    `kubeconfig: ${target.kubeconfig}`,
  ].join('\n');
}

/** Interactive: show and ask. Not interactive: creating a GKE cluster still needs --yes. */
async function confirm(
  { opts, deps }: Screen,
  shown: { title: string; body: string; question: string },
  needsYes?: string,
): Promise<void> {
  if (deps.prompter.interactive) {
    deps.prompter.note(shown.title, shown.body);
    if (!(await deps.prompter.confirm({ message: shown.question, flag: '--yes' })))
      throw new CancelledError('cancelled; nothing was changed');
    return;
  }
  if (needsYes && !opts.yes) throw new InputError(`${needsYes}: pass --yes`);
  if (!opts.json) deps.stdout.write(`${shown.title}:\n${shown.body}\n`);
}

/** Same profile, nothing to remove, and every change a step that never finished: an interrupted up. */
function resuming(ledger: Ledger, diff: PlanDiff, loaded: LoadedProfile): boolean {
  return (
    diff.remove.length === 0 &&
    diff.change.every((id) => ledger.steps[id]?.hash === '') &&
    JSON.stringify(ledger.profile) === JSON.stringify(loaded.profile)
  );
}

/** A new lab: the plan shown, and agreed to (creating a GKE cluster costs money: --yes when not asked). */
export async function confirmPlan(
  ctx: Screen & Pick<UpContext, 'lab' | 'loaded' | 'target' | 'rebuild'>,
  steps: Plan,
): Promise<void> {
  const { opts, lab, loaded, target, rebuild } = ctx;
  const needsYes = platformFor(loaded.profile.platform).createNeedsYes(target, Boolean(opts.adopt));
  const first = rebuild ? `first:      remove the lab "${lab}" as it is (${rebuild})\n` : '';
  await confirm(
    ctx,
    {
      title: 'The plan',
      body: `${first}${planSummary(lab, loaded, target, steps, Boolean(opts.adopt))}`,
      question: rebuild ? 'Remove the lab as it is and build this one?' : 'Build this lab?',
    },
    needsYes,
  );
}

/** A kept lab: the changes shown (a resume or a switch), and agreed to. */
export async function confirmChanges(
  ctx: Screen & Pick<UpContext, 'lab' | 'loaded'>,
  ledger: Ledger,
  diff: PlanDiff,
): Promise<void> {
  const { lab, loaded } = ctx;
  await confirm(ctx, {
    title: resuming(ledger, diff, loaded)
      ? `Resume the lab "${lab}" (${loaded.name})`
      : `Switch the lab "${lab}" to ${loaded.name}`,
    body: describeDiff(diff, ledger),
    question: 'Apply these changes?',
  });
}

/** The kept lab has everything the plan wants. */
export function sayUnchanged({ opts, deps, lab, loaded }: Screen & Pick<UpContext, 'lab' | 'loaded'>): void {
  deps.stdout.write(
    opts.json
      ? `${JSON.stringify({ type: 'unchanged', lab })}\n`
      : `The lab "${lab}" is up to date (${loaded.name}): nothing to change.\n`,
  );
}

/** --dry-run on a kept lab: what up would change. */
export function sayChanges({ deps, lab }: Screen & Pick<UpContext, 'lab'>, ledger: Ledger, diff: PlanDiff): void {
  deps.stdout.write(`up would change the lab "${lab}" (nothing was changed):\n${describeDiff(diff, ledger)}\n`);
}

/** --dry-run on a new lab: the plan and every command it would run. */
export function sayPlan(
  { opts, deps, lab, loaded, target }: Screen & Pick<UpContext, 'lab' | 'loaded' | 'target'>,
  steps: Plan,
) {
  deps.stdout.write(
    `${planSummary(lab, loaded, target, steps, Boolean(opts.adopt))}\n\n${steps.flatMap((s) => s.run.map(commandLine)).join('\n')}\n`,
  );
}
