import type { Exec } from '../exec/exec.ts';
import { kubeAccess } from '../kube/access.ts';
import type { Step } from '../plan/plan.ts';
import type { Ledger, LedgerStep } from '../state/ledger.ts';
import { describeObject, refsAsYaml } from './ownership.ts';
import { releaseStatus } from './status.ts';

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

/** Whether everything a finished step made is still there (read-only calls). */
async function stillThere(exec: Exec, ledger: Ledger, id: string, record: LedgerStep): Promise<boolean> {
  try {
    for (const r of record.releases ?? [])
      if ((await releaseStatus(exec, ledger, r.name, r.namespace)) !== 'deployed') return false;
    const objects = record.objects ?? [];
    if (objects.length > 0 && id !== 'gateway-api') {
      const { stdout } = await exec(
        'kubectl',
        [...kubeAccess(ledger), 'get', '--ignore-not-found', '-o', 'name', '-f', '-'],
        { input: refsAsYaml(objects), timeoutMs: 20_000 },
      );
      if (stdout.split('\n').filter((l) => l.trim()).length < objects.length) return false;
    }
    if (id === 'gateway-api')
      await exec('kubectl', [...kubeAccess(ledger), 'get', 'crd', 'gateways.gateway.networking.k8s.io', '-o', 'name'], {
        timeoutMs: 20_000,
      });
    return true;
  } catch {
    return false;
  }
}

/** The diff, with unchanged steps checked live: a step whose objects or releases were removed outside egress-lab runs again. */
export async function liveDiff(
  exec: Exec,
  steps: readonly Step[],
  hashes: ReadonlyMap<string, string>,
  ledger: Ledger,
): Promise<PlanDiff> {
  const diff = diffPlan(steps, hashes, ledger);
  const checks = await Promise.all(
    diff.unchanged
      .filter((id) => id !== 'cluster')
      .map(async (id) => ((await stillThere(exec, ledger, id, ledger.steps[id]!)) ? undefined : id)),
  );
  const missing = checks.filter((id): id is string => id !== undefined);
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
