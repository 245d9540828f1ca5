import { stringify } from 'yaml';
import { ActionableError } from '../errors.ts';
import { CommandError, type Exec } from '../exec/exec.ts';
import { helmAccess, kubeAccess } from '../kube/access.ts';
import type { Ledger, LedgerStep, ObjectRef } from '../state/ledger.ts';

/**
 * What is the lab's and what is borrowed, observed right before a step changes the cluster: an object, CRD,
 * namespace or release that is already there and that the ledger does not list as made by the lab is the
 * user's. down never deletes it.
 */

const CHECK_TIMEOUT_MS = 20_000;

export const describeObject = (o: ObjectRef) => `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;

/** Objects by reference only (apiVersion, kind, name, namespace), as a YAML stream for `kubectl … -f -`. */
export function refsAsYaml(objects: ObjectRef[]): string {
  return objects
    .map((o) =>
      stringify({
        apiVersion: o.apiVersion,
        kind: o.kind,
        metadata: { name: o.name, ...(o.namespace ? { namespace: o.namespace } : {}) },
      }),
    )
    .join('---\n');
}

export const refKey = (o: ObjectRef) => `${o.apiVersion}/${o.kind}/${o.namespace ?? ''}/${o.name}`;
export const hasRef = (list: ObjectRef[] | undefined, o: ObjectRef) =>
  (list ?? []).some((x) => refKey(x) === refKey(o));

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    managedFields?: { manager?: string }[];
  };
  spec?: { group?: string };
}

/** Which of these objects exist now (kubectl get --ignore-not-found -o json). */
export async function existingObjects(exec: Exec, ledger: Ledger, objects: ObjectRef[]): Promise<ObjectRef[]> {
  if (objects.length === 0) return [];
  const { stdout } = await exec(
    'kubectl',
    [...kubeAccess(ledger), 'get', '--ignore-not-found', '-o', 'json', '-f', '-'],
    {
      input: refsAsYaml(objects),
      timeoutMs: CHECK_TIMEOUT_MS,
    },
  );
  const found = parseItems(stdout);
  return objects.filter((o) =>
    found.some(
      (f) => f.kind === o.kind && f.metadata.name === o.name && (f.metadata.namespace ?? undefined) === o.namespace,
    ),
  );
}

function parseItems(stdout: string): KubeObject[] {
  if (!stdout.trim()) return [];
  const parsed = JSON.parse(stdout) as KubeObject | { items: KubeObject[] };
  return 'items' in parsed ? parsed.items : [parsed];
}

/** Every CRD in the cluster. */
export async function listCrds(exec: Exec, ledger: Ledger): Promise<KubeObject[]> {
  const { stdout } = await exec('kubectl', [...kubeAccess(ledger), 'get', 'crd', '-o', 'json'], {
    timeoutMs: CHECK_TIMEOUT_MS,
  });
  return parseItems(stdout);
}

export const crdRef = (name: string): ObjectRef => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  name,
});

/** What `helm status -o json` says of a release, as far as egress-lab reads it. */
export interface HelmStatus {
  info?: { status?: string };
  chart?: { metadata?: { name?: string; version?: string } };
}

/** helm's record of a release (`helm status -o json` with the lab's kubeconfig); throws as helm fails. */
export async function helmStatus(
  exec: Exec,
  ledger: Pick<Ledger, 'kubeconfig' | 'context'>,
  name: string,
  namespace: string,
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<HelmStatus> {
  const { stdout } = await exec(
    'helm',
    ['status', name, '--namespace', namespace, ...helmAccess(ledger), '-o', 'json'],
    {
      timeoutMs,
    },
  );
  return JSON.parse(stdout) as HelmStatus;
}

/**
 * Every release in a namespace with helm's word for it (`helm list --all`: the latest revision of each, in any
 * state; `--max 0`: no limit), as `helm list -o json` gives it.
 */
export async function helmList(
  exec: Exec,
  ledger: Pick<Ledger, 'kubeconfig' | 'context'>,
  namespace: string,
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<{ name: string; status: string }[]> {
  const args = ['list', '--namespace', namespace, '--all', '--max', '0', ...helmAccess(ledger), '-o', 'json'];
  return JSON.parse((await exec('helm', args, { timeoutMs })).stdout) as { name: string; status: string }[];
}

/** helm's record of a release, or undefined when there is none. */
export async function findRelease(
  exec: Exec,
  ledger: Pick<Ledger, 'kubeconfig' | 'context'>,
  name: string,
  namespace: string,
): Promise<{ status: string; chart: string } | undefined> {
  try {
    const r = await helmStatus(exec, ledger, name, namespace);
    const chart = r.chart?.metadata
      ? `${r.chart.metadata.name ?? '?'} ${r.chart.metadata.version ?? '?'}`
      : 'unknown chart';
    return { status: r.info?.status ?? 'unknown', chart };
  } catch (err) {
    if (err instanceof CommandError && /release: not found/.test(err.stderr)) return undefined;
    throw err;
  }
}

/** Whether the ledger lists this release as made by the lab (in any step). */
export const releaseIsOurs = (ledger: Ledger, name: string, namespace: string) =>
  Object.values(ledger.steps).some((s: LedgerStep) =>
    (s.releases ?? []).some((r) => r.name === name && r.namespace === namespace),
  );

/** Refuses a release of the lab's name that egress-lab did not install: it is never upgraded or removed. */
export function refuseForeignReleases(
  found: { name: string; namespace: string; status: string; chart: string }[],
): void {
  if (found.length === 0) return;
  const what = found.map((r) => `${r.namespace}/${r.name} (${r.chart}, ${r.status})`).join(', ');
  throw new ActionableError(
    `the cluster already has helm release${found.length > 1 ? 's' : ''} ${what} that egress-lab did not install; egress-lab never upgrades or removes a release it did not make: use a cluster without ${found.length > 1 ? 'them' : 'it'}, or uninstall ${found.length > 1 ? 'them' : 'it'} yourself first`,
  );
}
