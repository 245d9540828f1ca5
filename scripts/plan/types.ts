import type { ComponentName } from '../profile/stack.ts';

export type Program = 'kind' | 'kubectl' | 'helm' | 'gcloud' | 'docker';

/** One external program call; `stdin` names the rendered file fed to it (values or manifests), `input` is literal stdin. */
export interface Command {
  readonly bin: Program;
  readonly args: readonly string[];
  readonly stdin?: string;
  readonly input?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Run only when this read-only check succeeds (e.g. the image is in the host's Docker). */
  readonly onlyIf?: Command;
  /** Skip when this read-only check succeeds (e.g. the image is already there: no pull). */
  readonly skipIf?: Command;
  /** A failure is reported and the step goes on (an optimisation such as side-loading an image). */
  readonly optional?: boolean;
}

/** One step of a plan. A plan is never changed once built: every field is read-only. */
export interface Step {
  readonly id: string;
  readonly title: string;
  readonly component: ComponentName | 'cluster' | 'images';
  /** Steps that must be done (and ready) first. */
  readonly needs: readonly string[];
  readonly run: readonly Command[];
  /** Readiness checks run right after `run`. */
  readonly waits: readonly Command[];
  /** Run the `run` commands at the same time (independent pulls), instead of one after another. */
  readonly concurrent?: boolean;
  /**
   * The commands the step's hash is taken over when they differ from `run`: the cluster step is hashed as
   * the cluster it makes, whether this run creates, adopts or resumes it, so the ledger does not depend on it.
   */
  readonly hashed?: readonly Command[];
}

/** The install graph, every step after what it needs; built once, never changed. */
export type Plan = readonly Step[];

/**
 * How the cluster step reaches the lab's cluster, known before the plan is built:
 * - `create`: egress-lab creates it (GKE with --gke-cluster: uses that existing cluster);
 * - `adopt`: --adopt on a cluster of the lab's name egress-lab did not create: only the lab kubeconfig's access;
 * - `resume`: an earlier up began creating it and did not finish, and it exists: kind deletes the half-made
 *   cluster and creates it again; GKE only needs its credentials.
 */
export type ClusterStart = 'create' | 'adopt' | 'resume';

export interface ClusterTarget {
  kubeconfig: string;
  context: string;
  /** The cluster's name in kind or GKE. */
  cluster: string;
  /** GKE only: whether egress-lab creates the cluster (false: an existing one, --gke-cluster). */
  create: boolean;
}
