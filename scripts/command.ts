/** The programs egress-lab runs. */
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
