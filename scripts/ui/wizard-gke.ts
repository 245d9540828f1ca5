import type { GkeLookup } from '../platform/types.ts';
import type { ProfileFlags } from '../profile/flags.ts';
import { checkGcpProject, checkGkeLocation } from '../profile/names.ts';
import type { Profile } from '../profile/schema.ts';
import type { Prompter } from './prompter.ts';

export type { GkeLookup } from '../platform/types.ts';

/** Asks until the answer passes `check` (gcloud's verdict, after the format the prompt checks itself). */
async function askChecked(
  prompter: Prompter,
  q: Parameters<Prompter['text']>[0],
  check: (value: string) => Promise<string | undefined>,
): Promise<string> {
  let initial = q.initial;
  for (;;) {
    const value = (await prompter.text({ ...q, ...(initial ? { initial } : {}) })).trim();
    const problem = await check(value);
    if (!problem) return value;
    prompter.note('Not usable', problem);
    initial = value;
  }
}

/** GCP project, location and cluster (a new one, or one of the project's existing clusters), each checked at the prompt. */
export async function askGke(out: ProfileFlags, prompter: Prompter, gke: GkeLookup, defaults: Profile): Promise<void> {
  if (out.gkeProject === undefined) {
    const configured = defaults.gke.project ?? (await gke.defaultProject());
    out.gkeProject = await askChecked(
      prompter,
      {
        message: configured ? `GCP project ID (gcloud's is ${configured})` : 'GCP project ID',
        flag: '--gke-project ID',
        ...(configured ? { initial: configured } : {}),
        validate: checkGcpProject,
      },
      (p) => gke.projectProblem(p),
    );
  }
  out.gkeLocation ??= (
    await prompter.text({
      message: 'GCP zone or region',
      flag: '--gke-location ZONE',
      placeholder: 'europe-west1-b',
      ...(defaults.gke.location ? { initial: defaults.gke.location } : {}),
      validate: checkGkeLocation,
    })
  ).trim();
  if (out.gkeCluster !== undefined) return;
  const existing = await gke.clusters(out.gkeProject);
  const which = await prompter.select({
    message: existing.length ? `Which GKE cluster? (${out.gkeProject} has ${existing.length})` : 'Which GKE cluster?',
    flag: '--gke-cluster NAME (or leave it out to create one)',
    options: [
      { value: '', label: 'create a new Standard cluster' },
      ...existing.map((c) => ({
        value: `${c.name}@${c.location}`,
        label: c.name,
        // Istio ambient cannot run on Autopilot (its istio-cni agent needs SYS_ADMIN): shown, not offered.
        hint: c.autopilot ? `${c.location}, Autopilot: Istio ambient cannot run there` : c.location,
        ...(c.autopilot ? { disabled: true } : {}),
      })),
    ],
    initial: defaults.gke.cluster ? `${defaults.gke.cluster}@${defaults.gke.location}` : '',
  });
  if (!which) return;
  const [name = '', location = ''] = which.split('@');
  out.gkeCluster = name;
  out.gkeLocation = location;
}
