import * as z from 'zod';
import { CommandError, type Exec, whatToDo } from '../exec/exec.ts';
import type { GkeLookup } from './types.ts';

/** The GKE API's Cluster resources as `gcloud container clusters list --format json` prints them, as far as read. */
const clusterList = z.array(
  z.object({
    name: z.string(),
    location: z.string(),
    autopilot: z.object({ enabled: z.boolean().optional() }).nullish(),
  }),
);

const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** The GKE wizard's questions to gcloud (read-only calls). */
export function gkeLookup(exec: Exec): GkeLookup {
  return {
    async defaultProject() {
      // `gcloud config get-value project` prints the project on stdout, and "(unset)" on stderr when there is none.
      const out = await exec('gcloud', ['config', 'get-value', 'project']).catch(() => ({ stdout: '' }));
      return lines(out.stdout)[0];
    },
    async projectProblem(project) {
      try {
        await exec('gcloud', ['projects', 'describe', project, '--format=value(projectId)'], { timeoutMs: 30_000 });
        return undefined;
      } catch (err) {
        return err instanceof CommandError ? whatToDo(err.stderr) : (err as Error).message;
      }
    },
    async clusters(project) {
      const out = await exec('gcloud', ['container', 'clusters', 'list', '--project', project, '--format', 'json'], {
        timeoutMs: 30_000,
      }).catch(() => ({ stdout: '' }));
      let listed: z.infer<typeof clusterList>;
      try {
        listed = clusterList.parse(JSON.parse(out.stdout || '[]'));
      } catch {
        // The list only offers choices: without it the wizard still offers a new cluster.
        return [];
      }
      return listed.map((c) => ({ name: c.name, location: c.location, autopilot: c.autopilot?.enabled === true }));
    },
  };
}
