import { ActionableError } from '../errors.ts';
import { nameFlag } from '../name-flag.ts';
import { StepError } from '../run/runner.ts';
import { OccupiedError } from './neighbours.ts';

/** Error texts whose cause is known, and what to do about it. */
const CAUSES: { pattern: RegExp; cause: string }[] = [
  {
    pattern: /You do not currently have an active account selected|gcloud auth login/,
    cause: 'gcloud is not logged in: run gcloud auth login (egress-lab doctor checks it)',
  },
  {
    pattern: /has not been used in project|SERVICE_DISABLED|container\.googleapis\.com/,
    cause:
      "the project's Kubernetes Engine API is off: gcloud services enable container.googleapis.com --project PROJECT",
  },
  {
    pattern: /gke-gcloud-auth-plugin/,
    cause: 'kubectl needs gke-gcloud-auth-plugin for GKE: gcloud components install gke-gcloud-auth-plugin',
  },
  { pattern: /QUOTA_EXCEEDED|Quota .* exceeded|quota exceeded/i, cause: 'a GCP quota of the project is used up' },
  {
    pattern: /too many open files/i,
    cause:
      'the host inotify limits are too low for kind: sudo sysctl fs.inotify.max_user_watches=524288 fs.inotify.max_user_instances=512',
  },
  {
    pattern: /ImagePullBackOff|ErrImagePull|pull access denied|manifest unknown|toomanyrequests/,
    cause: 'an image could not be pulled (a registry limit, a missing tag, or no internet from the nodes)',
  },
  {
    pattern: /context deadline exceeded|timed out waiting for the condition|exceeded its progress deadline/,
    cause:
      'pods did not become ready in time: most often an image still pulling or failing to pull, or too little CPU or memory; kubectl get pods -A (with the lab kubeconfig) shows which',
  },
  { pattern: /no space left on device/i, cause: "the disk (or Docker's disk) is full" },
  {
    pattern: /Cannot connect to the Docker daemon|Is the docker daemon running/,
    cause: 'the Docker engine stopped: start it, then run up again',
  },
];

export function likelyCause(text: string): string | undefined {
  return CAUSES.find((c) => c.pattern.test(text))?.cause;
}

const stepErrors = (err: unknown): StepError[] => {
  if (err instanceof StepError) return [err];
  if (err instanceof AggregateError && err.errors.every((e) => e instanceof StepError)) return err.errors;
  return [];
};

/**
 * A failed install as the user should read it, once: each failed step with its command's error, the most
 * likely cause when one is known, the run log, and what to do next. Other errors pass through unchanged.
 */
export function explainFailure(err: unknown, lab: string, runLogFile: string | undefined): unknown {
  const failed = stepErrors(err);
  if (failed.length === 0) return err;
  // A refusal before anything was installed is its own answer: no step to continue, nothing made to remove.
  const refusal = failed.find((f) => f.cause instanceof OccupiedError);
  if (refusal) return refusal.cause;
  const name = nameFlag(lab);
  const causes = [...new Set(failed.map((f) => likelyCause(f.message)).filter((c): c is string => Boolean(c)))];
  const lines = [
    ...failed.map((f) => f.message),
    ...causes.map((c) => `  likely cause: ${c}`),
    ...(runLogFile ? [`  run log: ${runLogFile}`] : []),
    `  next: egress-lab up${name} continues where it stopped; egress-lab down${name} removes what was made`,
  ];
  return Object.assign(new ActionableError(lines.join('\n')), { steps: failed.map((f) => f.step) });
}
