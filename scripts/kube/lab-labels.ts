import * as z from 'zod';
import type { Exec } from '../exec/exec.ts';
import { type KubeTarget, kubeAccess } from './access.ts';

const namespaceList = z.object({
  items: z.array(
    z.object({ metadata: z.object({ name: z.string(), labels: z.record(z.string(), z.string()).nullish() }) }),
  ),
});

/**
 * The labs whose label (`label`, egress-lab.dev/lab) a cluster's namespaces carry, each with its namespaces:
 * `kubectl get namespaces -l LABEL -o json`, which prints a List even when none matches (upstream-rules KC5).
 */
export async function labsOnNamespaces(
  exec: Exec,
  target: KubeTarget,
  label: string,
  timeoutMs: number,
): Promise<Map<string, string[]>> {
  const { stdout } = await exec('kubectl', [...kubeAccess(target), 'get', 'namespaces', '-l', label, '-o', 'json'], {
    timeoutMs,
  });
  const found = new Map<string, string[]>();
  for (const ns of namespaceList.parse(JSON.parse(stdout)).items) {
    const lab = ns.metadata.labels?.[label];
    if (lab) found.set(lab, [...(found.get(lab) ?? []), ns.metadata.name]);
  }
  return found;
}
