import { parse } from 'yaml';
import { ActionableError } from '../errors.ts';
import type { Exec } from '../exec/exec.ts';
import type { Ledger } from '../state/ledger.ts';
import { labDir } from '../state/paths.ts';
import { checkIdentity, type Identity, type PlatformView } from './identity.ts';

const PLATFORM_TIMEOUT_MS = 60_000;

/** kind and gcloud, asked about the lab's cluster by name (they need no kubeconfig). */
export function platformView(exec: Exec, ledger: Ledger): PlatformView {
  const { cluster } = ledger;
  if (cluster.platform === 'kind')
    return {
      exists: async () =>
        (await exec('kind', ['get', 'clusters'], { timeoutMs: PLATFORM_TIMEOUT_MS })).stdout
          .split('\n')
          .map((l) => l.trim())
          .includes(cluster.name),
      server: async () => {
        const { stdout } = await exec('kind', ['get', 'kubeconfig', '--name', cluster.name], {
          timeoutMs: PLATFORM_TIMEOUT_MS,
        });
        const cfg = (parse(stdout) ?? {}) as { clusters?: { cluster?: { server?: string } }[] };
        return cfg.clusters?.[0]?.cluster?.server;
      },
      restoreKubeconfig: async () => {
        await exec('kind', ['export', 'kubeconfig', '--name', cluster.name, '--kubeconfig', ledger.kubeconfig], {
          timeoutMs: PLATFORM_TIMEOUT_MS,
        });
      },
    };
  const where = ['--project', cluster.project ?? '', '--location', cluster.location ?? ''];
  return {
    exists: async () => {
      try {
        await exec('gcloud', ['container', 'clusters', 'describe', cluster.name, ...where, '--format', 'value(name)'], {
          timeoutMs: PLATFORM_TIMEOUT_MS,
        });
        return true;
      } catch (err) {
        if (/code=404|NOT_FOUND|Not found/.test((err as { stderr?: string }).stderr ?? '')) return false;
        throw err;
      }
    },
    server: async () => undefined,
    restoreKubeconfig: async () => {
      await exec('gcloud', ['container', 'clusters', 'get-credentials', cluster.name, ...where], {
        env: { KUBECONFIG: ledger.kubeconfig },
        timeoutMs: PLATFORM_TIMEOUT_MS,
      });
    },
  };
}

/**
 * Refuses to act on a cluster that is not the lab's any more (drift guard), or that cannot be reached (then
 * nothing can be judged, and the lab's records stay); returns what it found.
 */
export async function guardCluster(
  exec: Exec,
  ledger: Ledger,
  action: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Identity> {
  const identity = await checkIdentity(exec, ledger, platformView(exec, ledger));
  if (identity.state === 'different') {
    throw new ActionableError(
      `refusing to ${action}: the cluster "${ledger.cluster.name}" is not the one the lab "${ledger.lab}" was built on (${identity.why}). egress-lab leaves it alone; the lab's own cluster no longer exists, so to forget the old lab, remove ${labDir(ledger.lab, env)}`,
    );
  }
  if (identity.state === 'unreachable') {
    throw new ActionableError(
      `cannot ${action}: ${identity.why}. The cluster "${ledger.cluster.name}" still exists, so the lab "${ledger.lab}" keeps its records; run this again when its API server answers`,
    );
  }
  if (identity.state === 'gone' && action !== 'down' && action !== 'up --recreate') {
    throw new ActionableError(
      `the lab "${ledger.lab}"'s cluster is gone (${identity.why}); egress-lab down removes the lab's records, up --recreate builds it again`,
    );
  }
  return identity;
}
