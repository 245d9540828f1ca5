import type { Exec } from '../exec/exec.ts';
import type { Step } from '../plan/plan.ts';
import type { Ledger } from '../state/ledger.ts';
import { stepChecks } from './live.ts';
import { describeObject } from './ownership.ts';

/** How the new plan differs from what the ledger says the lab has. */
export interface PlanDiff {
  add: string[];
  change: string[];
  /** In the ledger but not in the plan: undone, newest first. */
  remove: string[];
  unchanged: string[];
  /** Unchanged by hash, but no longer in the cluster: run again. */
  missing: string[];
}

export function diffPlan(
  steps: readonly Step[],
  hashes: ReadonlyMap<string, string>,
  ledger: Ledger,
): Omit<PlanDiff, 'missing'> {
  const ids = new Set(steps.map((s) => s.id));
  const add: string[] = [];
  const change: string[] = [];
  const unchanged: string[] = [];
  for (const s of steps) {
    const record = ledger.steps[s.id];
    if (!record) add.push(s.id);
    else if (record.hash !== hashes.get(s.id)) change.push(s.id);
    else unchanged.push(s.id);
  }
  const remove = Object.keys(ledger.steps)
    .filter((id) => !ids.has(id))
    .reverse();
  return { add, change, remove, unchanged };
}

/** The diff, with unchanged steps checked live: a step whose objects or releases were removed outside egress-lab runs again. */
export async function liveDiff(
  exec: Exec,
  steps: readonly Step[],
  hashes: ReadonlyMap<string, string>,
  ledger: Ledger,
): Promise<PlanDiff> {
  const diff = diffPlan(steps, hashes, ledger);
  const kept = diff.unchanged.filter((id) => id !== 'cluster');
  // The live check status uses (lab/live.ts), judging only whether each thing is still there.
  const live = await stepChecks(
    exec,
    ledger,
    kept.map((id) => [id, ledger.steps[id]!] as const),
    'present',
  );
  const missing = kept.filter((id) => !(live.get(id) ?? []).every((c) => c.ok));
  return { ...diff, unchanged: diff.unchanged.filter((id) => !missing.includes(id)), missing };
}

export const nothingToDo = (d: PlanDiff) => d.add.length + d.change.length + d.remove.length + d.missing.length === 0;

export function describeDiff(d: PlanDiff, ledger: Ledger): string {
  const lines: string[] = [];
  if (d.add.length) lines.push(`+ add:     ${d.add.join(', ')}`);
  if (d.change.length) lines.push(`~ change:  ${d.change.join(', ')}`);
  if (d.missing.length) lines.push(`! restore: ${d.missing.join(', ')} (removed outside egress-lab)`);
  for (const id of d.remove)
    lines.push(
      `- remove:  ${id} (${[...(ledger.steps[id]?.objects ?? []).map(describeObject), ...(ledger.steps[id]?.releases ?? []).map((r) => `helm release ${r.namespace}/${r.name}`)].join(', ')})`,
    );
  if (d.unchanged.length) lines.push(`  keep:    ${d.unchanged.join(', ')}`);
  return lines.join('\n');
}
