import { existsSync } from 'node:fs';
import { ActionableError } from '../errors.ts';
import type { Exec } from '../exec/exec.ts';
import { nameFlag } from '../name-flag.ts';
import { labName } from '../profile/lab-name.ts';
import { checkSeat, seatNamespace } from '../profile/layout.ts';
import { labNames, noLabMessage } from '../state/labs.ts';
import { type Ledger, readLedger } from '../state/ledger.ts';
import { guardCluster } from './guard.ts';
import { type Check, probe, stepChecks } from './live.ts';

export type { Check } from './live.ts';

export interface ComponentHealth {
  name: string;
  healthy: boolean;
  checks: Check[];
}

export interface LabStatus {
  lab: string;
  profile: string;
  platform: string;
  stack: string;
  kubeconfig: string;
  context: string;
  cluster: Ledger['cluster'];
  healthy: boolean;
  components: ComponentHealth[];
  /** status --seat: the seat this view shows (the other seats' objects are left out). */
  seat?: number;
}

/**
 * The steps the lab's profile needs that never ran or never finished (an up that failed or was
 * interrupted): not installed, whatever else is healthy.
 */
async function unfinishedSteps(ledger: Ledger): Promise<{ component: string; check: Check }[]> {
  let steps: NonNullable<Ledger['planned']>;
  try {
    steps = ledger.planned ?? (await planOf(ledger));
  } catch {
    return [];
  }
  return steps
    .filter((s) => s.component !== 'images' && (ledger.steps[s.id]?.hash ?? '') === '')
    .map((s) => ({
      component: s.component,
      check: {
        what: `${s.id} (${s.title})`,
        ok: false,
        detail: ledger.steps[s.id] ? 'started, never finished' : 'not installed',
      },
    }));
}

/** The plan of the ledger's profile, rendered again (a ledger from before `planned` was recorded). */
async function planOf(ledger: Ledger): Promise<NonNullable<Ledger['planned']>> {
  const [{ buildPlan }, { resolvedProfile }, { renderLab }] = await Promise.all([
    import('../plan/plan.ts'),
    import('../profile/load.ts'),
    import('../render/render.ts'),
  ]);
  return buildPlan(renderLab(resolvedProfile(ledger.profile, ledger.profileName), ledger.lab)).map((s) => ({ ...s }));
}

/** Live health of each component the lab's profile needs: what the ledger lists, and the steps that never finished. */
export async function labStatus(exec: Exec, ledger: Ledger): Promise<LabStatus> {
  // One kubectl call for every object, one helm list per namespace (lab/live.ts, the check up's diff uses too).
  const steps = Object.entries(ledger.steps).filter(([id]) => id !== 'cluster');
  const [api, live] = await Promise.all([
    probe(exec, ledger, ['get', '--raw', '/readyz'], `API server of ${ledger.cluster.name}`, (out) => ({
      ok: out.trim() === 'ok',
      detail: out.trim() || 'no answer',
    })),
    stepChecks(exec, ledger, steps, 'healthy'),
  ]);
  const byComponent = new Map<string, Check[]>();
  const add = (component: string, checks: Check[]) => {
    if (checks.length > 0) byComponent.set(component, [...(byComponent.get(component) ?? []), ...checks]);
  };
  add('cluster', [api]);
  for (const [id, record] of steps) add(record.component, live.get(id) ?? []);
  for (const step of await unfinishedSteps(ledger)) add(step.component, [step.check]);
  const components: ComponentHealth[] = [...byComponent].map(([name, checks]) => ({
    name,
    healthy: checks.every((c) => c.ok),
    checks,
  }));
  const { profile } = ledger;
  return {
    lab: ledger.lab,
    profile: ledger.profileName,
    platform: profile.platform,
    stack: profile.stack,
    kubeconfig: ledger.kubeconfig,
    context: ledger.context,
    cluster: ledger.cluster,
    healthy: components.every((c) => c.healthy),
    components,
  };
}

export function formatStatus(s: LabStatus): string {
  const lines = [
    `lab ${s.lab}: profile ${s.profile}, ${s.platform} cluster "${s.cluster.name}"${s.cluster.createdByEgressLab ? ' (created by egress-lab)' : ' (not created by egress-lab)'}, stack ${s.stack}`,
    `kubeconfig: ${s.kubeconfig} (context ${s.context})`,
    ...(s.seat === undefined ? [] : [`seat ${s.seat}: the shared components and ${seatNamespace(s.seat)}'s objects`]),
    '',
  ];
  for (const c of s.components) {
    lines.push(`${c.healthy ? '✔' : '✖'} ${c.name}`);
    for (const check of c.checks) lines.push(`    ${check.ok ? 'ok  ' : 'FAIL'} ${check.what}: ${check.detail}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * One seat's view of a seated lab: the shared components whole, and of the seats' objects only this seat's
 * (the other seats' namespaces are left out).
 */
export function seatStatus(s: LabStatus, seat: number): LabStatus {
  const mine = seatNamespace(seat);
  const other = (what: string) => (what.match(/\bseat-\d{2}\b/g) ?? []).some((ns) => ns !== mine);
  const components = s.components
    .map((c) => {
      const checks = c.checks.filter((k) => !other(k.what));
      return { ...c, checks, healthy: checks.every((k) => k.ok) };
    })
    .filter((c) => c.checks.length > 0);
  return { ...s, seat, components, healthy: components.every((c) => c.healthy) };
}

/** `egress-lab status`: exit 0 when every component is healthy, 1 otherwise (--seat: that seat's part). */
export async function status(
  opts: { name?: string; json?: boolean; seat?: number },
  deps: { exec: Exec; stdout: NodeJS.WritableStream; env: NodeJS.ProcessEnv },
): Promise<void> {
  const lab = labName(opts.name);
  const ledger = readLedger(lab, deps.env);
  if (!ledger) {
    const message = noLabMessage(lab, deps.env);
    if (opts.json)
      deps.stdout.write(`${JSON.stringify({ lab, found: false, labs: labNames(deps.env), message }, null, 2)}\n`);
    throw new ActionableError(message);
  }
  checkSeat(ledger, opts.seat);
  // The drift guard and the health reads run side by side: both only read, and what the reads found is shown
  // only once the guard has passed (a replaced or unreachable cluster still refuses). Without the lab
  // kubeconfig the guard first writes it again from the platform, so the reads wait for it.
  const reads = existsSync(ledger.kubeconfig) ? labStatus(deps.exec, ledger) : undefined;
  reads?.catch(() => undefined);
  await guardCluster(deps.exec, ledger, 'report on it', deps.env);
  const whole = await (reads ?? labStatus(deps.exec, ledger));
  const s = opts.seat === undefined ? whole : seatStatus(whole, opts.seat);
  deps.stdout.write(opts.json ? `${JSON.stringify(s, null, 2)}\n` : formatStatus(s));
  if (!s.healthy) {
    const unfinished = s.components.some((c) => c.checks.some((k) => /not installed|never finished/.test(k.detail)));
    throw new ActionableError(
      `the lab "${lab}" is not healthy: ${s.components
        .filter((c) => !c.healthy)
        .map((c) => c.name)
        .join(', ')}${unfinished ? `; egress-lab up${nameFlag(lab)} installs what is missing` : ''}`,
    );
  }
}
