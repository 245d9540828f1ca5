/** A lab's own kubeconfig and context: what kubectl and helm are pointed at, never the user's. */
export interface KubeTarget {
  readonly kubeconfig: string;
  readonly context: string;
}

/** The flags that point kubectl at the lab's own kubeconfig and context. */
export const kubeAccess = (lab: KubeTarget) => ['--kubeconfig', lab.kubeconfig, '--context', lab.context];

/** The same for helm, whose context flag is `--kube-context`. */
export const helmAccess = (lab: KubeTarget) => ['--kubeconfig', lab.kubeconfig, '--kube-context', lab.context];
