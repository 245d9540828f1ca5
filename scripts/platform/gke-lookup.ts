import { CommandError, type Exec, whatToDo } from '../exec/exec.ts';
import type { GkeLookup } from './types.ts';

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
      const out = await exec(
        'gcloud',
        ['container', 'clusters', 'list', '--project', project, '--format=value(name,location)'],
        { timeoutMs: 30_000 },
      ).catch(() => ({ stdout: '' }));
      return lines(out.stdout).map((l) => {
        const [name = '', location = ''] = l.split(/\s+/);
        return { name, location };
      });
    },
  };
}
