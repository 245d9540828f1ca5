import type { ComponentName } from '../profile/stack.ts';

export type Program = 'kind' | 'kubectl' | 'helm' | 'gcloud' | 'docker';

/** One external program call; `stdin` names the rendered file fed to it (values or manifests), `input` is literal stdin. */
export interface Command {
  bin: Program;
  args: string[];
  stdin?: string;
  input?: string;
  env?: Record<string, string>;
  /** Run only when this read-only check succeeds (e.g. the image is in the host's Docker). */
  onlyIf?: Command;
  /** Skip when this read-only check succeeds (e.g. the image is already there: no pull). */
  skipIf?: Command;
  /** A failure is reported and the step goes on (an optimisation such as side-loading an image). */
  optional?: boolean;
}

export interface Step {
  id: string;
  title: string;
  component: ComponentName | 'cluster' | 'images';
  /** Steps that must be done (and ready) first. */
  needs: string[];
  run: Command[];
  /** Readiness checks run right after `run`. */
  waits: Command[];
  /** Run the `run` commands at the same time (independent pulls), instead of one after another. */
  concurrent?: boolean;
}

export interface ClusterTarget {
  kubeconfig: string;
  context: string;
  /** The cluster's name in kind or GKE. */
  cluster: string;
  /** GKE only: whether egress-lab creates the cluster (false: an existing one, --gke-cluster). */
  create: boolean;
}
