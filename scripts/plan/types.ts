import type { Command } from '../command.ts';
import type { ComponentName } from '../profile/stack.ts';

export type { Command, Program } from '../command.ts';

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

export type { ClusterStart, ClusterTarget } from '../platform/types.ts';
