import { CommandError, type Exec } from '../exec/exec.ts';
import { helmAccess } from '../kube/access.ts';
import type { Command, Step } from '../plan/plan.ts';
import type { RenderedLab } from '../render/render.ts';
import type { Ledger, LedgerStep, ObjectRef } from '../state/ledger.ts';
import { decideGatewayApi } from './gateway-api.ts';
import { crdRef, existingObjects, findRelease, hasRef, listCrds } from './ownership.ts';

/** A step about to run: the command list it runs this time, and what it makes and borrows. */
export interface Claim {
  step: Step;
  made: ObjectRef[];
  borrowed: ObjectRef[];
  /** The step's record from an earlier run, if any. */
  previous?: LedgerStep;
  note?: string;
  /** What the step made, from what its commands printed (on success or failure). */
  settle?: (stdout: string) => ObjectRef[];
}

export const union = (a: ObjectRef[] = [], b: ObjectRef[] = []) => [...a, ...b.filter((o) => !hasRef(a, o))];

/** The CRDs a `kubectl apply --output name` reported, beyond those there before. */
function appliedCrds(stdout: string, before: ReadonlySet<string>): ObjectRef[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('customresourcedefinition.apiextensions.k8s.io/'))
    .map((l) => l.split('/')[1]!)
    .filter((name) => !before.has(name))
    .map(crdRef);
}

/**
 * Looks at the cluster right before a step changes it. On a cluster egress-lab created, everything the plan
 * makes is the lab's. On any other cluster, an object or Gateway API CRD that is already there and that the
 * ledger does not list as made by the lab is borrowed: down never deletes it.
 */
export async function claimStep(
  exec: Exec,
  ledger: Ledger,
  step: Step,
  rendered: RenderedLab,
  intent: ObjectRef[] | undefined,
  takeOverCrds: boolean,
): Promise<Claim> {
  const previous: LedgerStep | undefined = ledger.steps[step.id];
  const plain: Claim = {
    step,
    made: union(previous?.objects, intent),
    borrowed: previous?.borrowed ?? [],
    ...(previous ? { previous } : {}),
  };
  const release = rendered.releases.find((r) => r.name === step.id);
  if (release && previous?.hash === '')
    return recoverPending(exec, ledger, plain, { name: release.name, namespace: release.release.namespace });
  const own = ledger.cluster.createdByEgressLab;
  if (step.id === 'gateway-api') {
    const d = own
      ? { apply: true, force: false, borrowed: [], before: new Set<string>() }
      : await decideGatewayApi(exec, ledger, rendered.loaded.stack.gatewayApi, previous, takeOverCrds);
    const run = d.apply ? step.run.map((c) => (d.force ? { ...c, args: [...c.args, '--force-conflicts'] } : c)) : [];
    return {
      ...plain,
      step: { ...step, run },
      made: previous?.objects ?? [],
      borrowed: union(previous?.borrowed, d.borrowed),
      ...('note' in d && d.note ? { note: d.note } : {}),
      settle: (stdout) => union(previous?.objects, appliedCrds(stdout, d.before)),
    };
  }
  if (own || !intent?.length) return plain;
  const existing = await existingObjects(exec, ledger, intent);
  const borrowed = intent.filter(
    (o) => hasRef(previous?.borrowed, o) || (hasRef(existing, o) && !hasRef(previous?.objects, o)),
  );
  return { ...plain, made: plain.made.filter((o) => !hasRef(borrowed, o)), borrowed };
}

/**
 * After the releases ran (or some of them): the CRDs each release's chart installed, known by helm's ownership
 * annotations, minus those the cluster had before the lab. helm keeps CRDs on uninstall (resource-policy keep),
 * so down deletes these itself.
 */
export async function recordReleaseCrds(exec: Exec, ledger: Ledger, rendered: RenderedLab): Promise<void> {
  const ids = rendered.releases.map((r) => r.name).filter((id) => ledger.steps[id]);
  if (ids.length === 0) return;
  const crds = await listCrds(exec, ledger);
  const before = new Set(ledger.preexistingCrds ?? []);
  for (const id of ids) {
    const record = ledger.steps[id]!;
    const made = crds
      .filter(
        (c) =>
          !before.has(c.metadata.name) &&
          (record.releases ?? []).some(
            (r) =>
              c.metadata.annotations?.['meta.helm.sh/release-name'] === r.name &&
              c.metadata.annotations?.['meta.helm.sh/release-namespace'] === r.namespace,
          ),
      )
      .map((c) => crdRef(c.metadata.name));
    const objects = union(record.objects, made);
    if (objects.length) record.objects = objects;
  }
}

/**
 * A release of the lab's that a killed run left pending-install or pending-upgrade blocks every later helm
 * upgrade ("another operation (install/upgrade/rollback) is in progress", helm v3.17.3 pkg/action/upgrade.go).
 * pending-install: uninstall it (helm uninstall takes a release in any state), then install. pending-upgrade
 * or pending-rollback: roll back to the revision before, then upgrade.
 */
async function recoverPending(
  exec: Exec,
  ledger: Ledger,
  plain: Claim,
  release: { name: string; namespace: string },
): Promise<Claim> {
  const found = await findRelease(exec, ledger, release.name, release.namespace);
  if (!found?.status.startsWith('pending-')) return plain;
  const access = ['--namespace', release.namespace, ...helmAccess(ledger)];
  const first: Command =
    found.status === 'pending-install'
      ? { bin: 'helm', args: ['uninstall', release.name, ...access, '--wait'] }
      : { bin: 'helm', args: ['rollback', release.name, ...access, '--wait'] };
  const how =
    found.status === 'pending-install' ? 'uninstalling it, then installing' : 'rolling it back, then upgrading';
  return {
    ...plain,
    step: { ...plain.step, run: [first, ...plain.step.run] },
    note: `helm release ${release.namespace}/${release.name} was left ${found.status} by an interrupted run: ${how}`,
  };
}

/** The stdout of the failed apply in a step, so a partly applied file is recorded as far as it went. */
export function failedApplyOutput(err: unknown): string | undefined {
  return err instanceof CommandError && err.args.includes('apply') ? err.stdout : undefined;
}
