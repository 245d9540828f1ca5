import { stringify } from 'yaml';
import * as z from 'zod';
import type { Exec } from '../exec/exec.ts';
import { kubeAccess } from '../kube/access.ts';
import { clientNamespaces, seatNamespace } from '../profile/layout.ts';
import { resolvedProfile } from '../profile/load.ts';
import { type KubeObject, renderLab } from '../render/render.ts';
import type { Ledger } from '../state/ledger.ts';
import { describeObject, refsAsYaml } from './ownership.ts';

/**
 * The kinds an exercise adds to a client namespace to change its egress: ServiceEntries (ztunnel answers a
 * host from the client's own namespace first), NetworkPolicies, and Istio authorization policies. Reset deletes
 * those the lab did not render there.
 */
const ADDED_KINDS = [
  'serviceentries.networking.istio.io',
  'networkpolicies.networking.k8s.io',
  'authorizationpolicies.security.istio.io',
];

const list = z.object({
  items: z.array(z.object({ apiVersion: z.string(), kind: z.string(), metadata: z.object({ name: z.string() }) })),
});

/** What reset did in one namespace. */
export interface ResetOutcome {
  namespace: string;
  removed: string[];
  restored: number;
}

const TIMEOUT_MS = 120_000;

/**
 * Brings a client namespace (a seat's, or the sample's) back to the state right after up: deletes what was added
 * there of the kinds that steer egress, applies the lab's own objects of that namespace again (restoring one
 * deleted or changed; the lab's field manager takes its fields back), and restarts the sample.
 */
async function resetNamespace(exec: Exec, ledger: Ledger, namespace: string, own: KubeObject[]): Promise<ResetOutcome> {
  const k = kubeAccess(ledger);
  const { stdout } = await exec('kubectl', [...k, 'get', ADDED_KINDS.join(','), '-n', namespace, '-o', 'json'], {
    timeoutMs: TIMEOUT_MS,
  });
  const mine = new Set(own.map((o) => `${o.kind}/${o.metadata.name}`));
  const added = list.parse(JSON.parse(stdout)).items.filter((o) => !mine.has(`${o.kind}/${o.metadata.name}`));
  const refs = added.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, namespace }));
  if (refs.length)
    await exec('kubectl', [...k, 'delete', '--ignore-not-found', '--wait=true', '--timeout=120s', '-f', '-'], {
      input: refsAsYaml(refs),
      timeoutMs: TIMEOUT_MS,
    });
  await exec(
    'kubectl',
    [...k, 'apply', '--server-side', '--field-manager', 'egress-lab', '--force-conflicts', '-f', '-'],
    { input: own.map((o) => stringify(o)).join('---\n'), timeoutMs: TIMEOUT_MS },
  );
  await exec('kubectl', [...k, 'rollout', 'restart', 'deploy/sleep', '-n', namespace], { timeoutMs: TIMEOUT_MS });
  await exec('kubectl', [...k, 'rollout', 'status', 'deploy/sleep', '-n', namespace, '--timeout=120s'], {
    timeoutMs: TIMEOUT_MS + 30_000,
  });
  return { namespace, removed: refs.map(describeObject), restored: own.length };
}

/** Resets one seat, or every client namespace of the lab (each seat's, or the sample's), one after another. */
export async function resetLab(exec: Exec, ledger: Ledger, seat?: number): Promise<ResetOutcome[]> {
  const rendered = renderLab(resolvedProfile(ledger.profile, ledger.profileName), ledger.lab);
  const namespaces = seat ? [seatNamespace(seat)] : clientNamespaces(ledger.profile);
  const objects = rendered.manifests.flatMap((m) => m.objects);
  const out: ResetOutcome[] = [];
  for (const namespace of namespaces) {
    const own = objects.filter(
      (o) => o.metadata.namespace === namespace || (o.kind === 'Namespace' && o.metadata.name === namespace),
    );
    out.push(await resetNamespace(exec, ledger, namespace, own));
  }
  return out;
}
