import { ActionableError } from '../errors.ts';
import { buildPlan, type ClusterStart, type Plan } from '../plan/plan.ts';
import { platformCli } from '../platform/cluster.ts';
import { platformFor } from '../platform/platform.ts';
import type { Ledger } from '../state/ledger.ts';
import { liveDiff, type PlanDiff } from './converge.ts';
import { stepHash } from './execute.ts';
import { guardCluster } from './guard.ts';
import type { UpContext } from './up-context.ts';

/** The plan, final once built, and each step's hash (what the ledger records once the step is done). */
export interface PlannedLab {
  readonly steps: Plan;
  readonly hashes: ReadonlyMap<string, string>;
}

/** What a new lab finds on the platform before its plan is built. */
export interface FoundCluster {
  /** egress-lab makes the lab's cluster (kind, or GKE without --gke-cluster). */
  readonly creates: boolean;
  /** ...and the platform already has a cluster of that name, which egress-lab did not create. */
  readonly exists: boolean;
}

type Where = Pick<UpContext, 'deps' | 'loaded' | 'target'>;

const createsLabCluster = ({ loaded, target }: Pick<UpContext, 'loaded' | 'target'>) =>
  platformFor(loaded.profile.platform).createsCluster(target);

/** Whether the platform already has a cluster of the lab's name (one read-only call to kind or gcloud). */
const clusterExists = ({ deps, loaded, target }: Where) =>
  platformCli(loaded.profile.platform).exists(deps.exec, loaded.profile, target);

/** The plan for how the cluster step reaches the cluster: built once, after that is known. */
export function planLab(
  { rendered, files, deps, sources }: Pick<UpContext, 'rendered' | 'files' | 'deps' | 'sources'>,
  start: ClusterStart,
) {
  const steps = buildPlan(rendered, deps.env, start, sources);
  const planned: PlannedLab = { steps, hashes: new Map(steps.map((s) => [s.id, stepHash(s, files)])) };
  return planned;
}

/**
 * A kept lab's cluster start, from its ledger: an adopted cluster is adopted again. Only when an earlier up
 * began creating the cluster and never finished is the platform asked whether it exists (a dry run never asks):
 * then it is this lab's, and a half-made kind cluster is made again, a GKE cluster only needs its credentials.
 */
export async function keptClusterStart(ctx: Where & Pick<UpContext, 'opts'>, ledger: Ledger): Promise<ClusterStart> {
  if (!ledger.cluster.createdByEgressLab) return createsLabCluster(ctx) ? 'adopt' : 'create';
  if (ledger.steps['cluster']?.hash !== '' || ctx.opts.dryRun) return 'create';
  return (await clusterExists(ctx)) ? 'resume' : 'create';
}

/** A new lab: whether a cluster of the lab's name is already there (one read-only call, when egress-lab creates it). */
export async function findCluster(ctx: Where): Promise<FoundCluster> {
  const creates = createsLabCluster(ctx);
  return { creates, exists: creates && (await clusterExists(ctx)) };
}

/** A new lab's cluster start: --adopt takes a cluster that is already there. */
export const newClusterStart = (found: FoundCluster, adopt: boolean | undefined): ClusterStart =>
  found.exists && adopt ? 'adopt' : 'create';

/** A cluster of the lab's name that egress-lab did not create is refused without --adopt. */
export function refuseForeignCluster(
  { loaded, target, opts }: Pick<UpContext, 'loaded' | 'target' | 'opts'>,
  found: FoundCluster,
) {
  if (found.exists && !opts.adopt)
    throw new ActionableError(
      `a ${loaded.profile.platform} cluster named "${target.cluster}" already exists and egress-lab did not create it; pass --adopt to install the lab into it (down then leaves the cluster), or choose another --name`,
    );
}

/**
 * A kept lab: its cluster guarded (still the lab's, reachable), its plan, and how that plan differs from the
 * ledger and from what is live in the cluster.
 */
export async function diffKept(
  ctx: Where & Pick<UpContext, 'opts' | 'rendered' | 'files' | 'sources'>,
  ledger: Ledger,
): Promise<{ planned: PlannedLab; diff: PlanDiff }> {
  await guardCluster(ctx.deps.exec, ledger, 'up', ctx.deps.env);
  const planned = planLab(ctx, await keptClusterStart(ctx, ledger));
  return { planned, diff: await liveDiff(ctx.deps.exec, planned.steps, planned.hashes, ledger) };
}
