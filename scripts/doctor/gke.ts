import { CommandError, type Exec, whatToDo } from '../exec/exec.ts';
import type { Finding } from './finding.ts';

const failed = (err: unknown) => (err instanceof CommandError ? whatToDo(err.stderr) : (err as Error).message);

/** gcloud has an active account (`gcloud auth list --filter=status:ACTIVE --format=value(account)` prints it). */
async function loginCheck(exec: Exec): Promise<Finding> {
  const check = 'gcloud-login';
  try {
    const { stdout } = await exec('gcloud', ['auth', 'list', '--filter=status:ACTIVE', '--format=value(account)'], {
      timeoutMs: 15_000,
    });
    const account = stdout.trim().split('\n')[0];
    if (account) return { check, level: 'ok', message: `gcloud is logged in as ${account}` };
    return {
      check,
      level: 'blocker',
      message: 'gcloud is not logged in (no active account)',
      fix: 'gcloud auth login (or gcloud auth activate-service-account --key-file FILE), then run again',
    };
  } catch (err) {
    return { check, level: 'blocker', message: `gcloud cannot list its accounts: ${failed(err)}` };
  }
}

/** The project has the Kubernetes Engine API enabled. */
async function apiCheck(exec: Exec, project: string): Promise<Finding> {
  const check = 'gke-api';
  const api = 'container.googleapis.com';
  try {
    const { stdout } = await exec(
      'gcloud',
      [
        'services',
        'list',
        '--enabled',
        '--project',
        project,
        `--filter=config.name=${api}`,
        '--format=value(config.name)',
      ],
      { timeoutMs: 30_000 },
    );
    if (stdout.split('\n').some((l) => l.trim() === api))
      return { check, level: 'ok', message: `the Kubernetes Engine API is enabled in ${project}` };
    return {
      check,
      level: 'blocker',
      message: `the Kubernetes Engine API (${api}) is not enabled in the project ${project}`,
      fix: `gcloud services enable ${api} --project ${project}`,
    };
  } catch (err) {
    return {
      check,
      level: 'blocker',
      message: `gcloud cannot tell whether ${api} is enabled in ${project}: ${failed(err)}`,
    };
  }
}

/** kubectl reaches GKE only through gke-gcloud-auth-plugin (client-go exec credential plugin). */
async function pluginCheck(exec: Exec): Promise<Finding> {
  const check = 'gke-gcloud-auth-plugin';
  try {
    const { stdout } = await exec('gke-gcloud-auth-plugin', ['--version'], { timeoutMs: 10_000 });
    return { check, level: 'ok', message: `gke-gcloud-auth-plugin ${stdout.trim().split('\n')[0] ?? ''}`.trim() };
  } catch (err) {
    return {
      check,
      level: 'blocker',
      message:
        (err as Error).name === 'MissingProgramError'
          ? 'gke-gcloud-auth-plugin is not installed: kubectl and helm need it to reach a GKE cluster'
          : `gke-gcloud-auth-plugin does not run: ${failed(err)}`,
      fix: 'gcloud components install gke-gcloud-auth-plugin (or apt-get install google-cloud-cli-gke-gcloud-auth-plugin)',
    };
  }
}

/** What GKE needs beyond the gcloud program: a login, the API in the project, the kubectl auth plugin. */
export async function gkeFindings(exec: Exec, project: string | undefined): Promise<Finding[]> {
  const [login, plugin] = await Promise.all([loginCheck(exec), pluginCheck(exec)]);
  const api = login.level === 'ok' && project ? [await apiCheck(exec, project)] : [];
  return [login, ...api, plugin];
}
