import type { Exec } from '../exec/exec.ts';
import { kubeAccess } from '../kube/access.ts';
import type { Ledger, LedgerStep, ObjectRef } from '../state/ledger.ts';
import { hasVerdict, type LiveObject, verdictOf } from '../verify/verdicts.ts';
import { crdRef, describeObject, helmList, helmStatus, refsAsYaml } from './ownership.ts';

/** One live check of something a lab step made. */
export interface Check {
  what: string;
  ok: boolean;
  detail: string;
}

/**
 * How what a step made is judged: `present` (up's diff: is it all still there, a release deployed) or
 * `healthy` (status: besides, a Deployment ready, a resource with a verdict accepted).
 */
export type LiveMode = 'present' | 'healthy';

/** A kubectl read of the lab's cluster, and how long it may take. */
type Access = Pick<Ledger, 'kubeconfig' | 'context'>;
const TIMEOUT_MS: Record<LiveMode, number> = { present: 20_000, healthy: 15_000 };
const GATEWAY_CRDS = crdRef('gateways.gateway.networking.k8s.io');

const failedDetail = (err: unknown) => ((err as Error).message.split(': ').at(-1) ?? 'failed').trim();

/** One kubectl read of the lab's cluster, judged; a failed read is a failed check that says why. */
export async function probe(
  exec: Exec,
  lab: Access,
  args: string[],
  what: string,
  judge: (stdout: string) => { ok: boolean; detail: string },
  timeoutMs = TIMEOUT_MS.healthy,
): Promise<Check> {
  try {
    const { stdout } = await exec('kubectl', [...kubeAccess(lab), ...args], { timeoutMs });
    return { what, ...judge(stdout) };
  } catch (err) {
    return { what, ok: false, detail: failedDetail(err) };
  }
}

interface DeploymentStatus {
  spec?: { replicas?: number };
  status?: { readyReplicas?: number };
}
type Live = LiveObject & DeploymentStatus;

/** A Deployment by its ready replicas, an object with a verdict by the product's own (status conditions), else present. */
function judgeObject(o: ObjectRef, live: Live, mode: LiveMode): { ok: boolean; detail: string } {
  if (mode === 'present') return { ok: true, detail: 'present' };
  if (o.kind === 'Deployment') {
    const ready = live.status?.readyReplicas ?? 0;
    const want = live.spec?.replicas ?? 1;
    return { ok: ready >= want, detail: `${ready}/${want} ready` };
  }
  // The product's own verdict (status conditions), the same that verify's hints show.
  const v = hasVerdict(o.kind) ? verdictOf(live) : undefined;
  return v ? { ok: v.ok, detail: v.says } : { ok: true, detail: 'present' };
}

/** One object, as kubectl reads it alone (when the read of them all fails as a whole). */
function objectCheck(exec: Exec, lab: Access, o: ObjectRef, mode: LiveMode): Promise<Check> {
  const group = o.apiVersion.includes('/') ? `.${o.apiVersion.split('/')[0]}` : '';
  const ns = o.namespace ? ['--namespace', o.namespace] : [];
  const resource = `${o.kind.toLowerCase()}${group}`;
  const args = [...ns, 'get', resource, o.name, '-o', 'json'];
  return probe(
    exec,
    lab,
    args,
    describeObject(o),
    (out) => judgeObject(o, JSON.parse(out) as Live, mode),
    TIMEOUT_MS[mode],
  );
}

/**
 * Every object in one `kubectl get --ignore-not-found -o json -f -` (kubectl reads each live, status included,
 * and leaves out the absent ones). When that call fails as a whole (kubectl stops before reading any object
 * when one kind is unknown to the API server, say its CRD was removed), each object is asked alone, so each
 * still gets its own answer.
 */
async function objectChecks(exec: Exec, lab: Access, objects: ObjectRef[], mode: LiveMode): Promise<Check[]> {
  if (objects.length === 0) return [];
  let live: Live[];
  try {
    const { stdout } = await exec(
      'kubectl',
      [...kubeAccess(lab), 'get', '--ignore-not-found', '-o', 'json', '-f', '-'],
      {
        input: refsAsYaml(objects),
        timeoutMs: TIMEOUT_MS[mode],
      },
    );
    const parsed = stdout.trim() ? (JSON.parse(stdout) as LiveObject | { items: LiveObject[] }) : { items: [] };
    live = 'items' in parsed ? parsed.items : [parsed];
  } catch {
    return Promise.all(objects.map((o) => objectCheck(exec, lab, o, mode)));
  }
  return objects.map((o) => {
    const found = live.find(
      (l) => l.kind === o.kind && l.metadata.name === o.name && (l.metadata.namespace ?? undefined) === o.namespace,
    );
    return { what: describeObject(o), ...(found ? judgeObject(o, found, mode) : { ok: false, detail: 'not found' }) };
  });
}

async function releaseCheck(exec: Exec, lab: Access, name: string, namespace: string): Promise<Check> {
  const what = `helm release ${namespace}/${name}`;
  try {
    const status = (await helmStatus(exec, lab, name, namespace, TIMEOUT_MS.healthy)).info?.status ?? 'unknown';
    return { what, ok: status === 'deployed', detail: status };
  } catch (err) {
    return { what, ok: false, detail: failedDetail(err) };
  }
}

/**
 * helm's word for each release: one `helm list` per namespace. When a list fails, each of its releases is asked
 * alone (`helm status`), so each still gets its own answer.
 */
async function releaseChecks(exec: Exec, lab: Access, releases: { name: string; namespace: string }[]) {
  const namespaces = [...new Set(releases.map((r) => r.namespace))];
  const lists = await Promise.all(
    namespaces.map((ns) => helmList(exec, lab, ns, TIMEOUT_MS.healthy).catch(() => undefined)),
  );
  return Promise.all(
    releases.map(async (r): Promise<Check> => {
      const list = lists[namespaces.indexOf(r.namespace)];
      if (!list) return releaseCheck(exec, lab, r.name, r.namespace);
      const status = list.find((l) => l.name === r.name)?.status;
      return {
        what: `helm release ${r.namespace}/${r.name}`,
        ok: status === 'deployed',
        detail: status ?? 'not found',
      };
    }),
  );
}

/**
 * The objects of a step the live check reads. The Gateway API step is read by its Gateway CRD. Status leaves
 * out the CRDs a step made (they are judged through what uses them); up's diff reads every object.
 */
function objectsOf(id: string, record: LedgerStep, mode: LiveMode): ObjectRef[] {
  if (id === 'gateway-api') return mode === 'present' ? [GATEWAY_CRDS] : [...crdsLeftOut(record), GATEWAY_CRDS];
  return mode === 'present' ? (record.objects ?? []) : crdsLeftOut(record);
}
const crdsLeftOut = (record: LedgerStep) => (record.objects ?? []).filter((o) => o.kind !== 'CustomResourceDefinition');

/** `all` cut back into the groups it was made from, one slice per group. */
function slices<T>(all: T[], groups: readonly (readonly unknown[])[]): T[][] {
  const out: T[][] = [];
  let at = 0;
  for (const g of groups) {
    out.push(all.slice(at, at + g.length));
    at += g.length;
  }
  return out;
}

/**
 * The one live check of what a lab's steps made, shared by status (`healthy`) and up's diff (`present`): every
 * object of every step in one kubectl call, the releases in one helm list per namespace (each asked alone when
 * its batch fails). Each step's checks, its releases first, in the order given.
 */
export async function stepChecks(
  exec: Exec,
  lab: Access,
  steps: readonly (readonly [string, LedgerStep])[],
  mode: LiveMode,
): Promise<Map<string, Check[]>> {
  const objects = steps.map(([id, record]) => objectsOf(id, record, mode));
  const releases = steps.map(([, record]) => record.releases ?? []);
  const [objectsRead, releasesRead] = await Promise.all([
    objectChecks(exec, lab, objects.flat(), mode),
    releaseChecks(exec, lab, releases.flat()),
  ]);
  const named = objectsRead.map((c, i) =>
    objects.flat()[i] === GATEWAY_CRDS ? { ...c, what: 'Gateway API CRDs' } : c,
  );
  const ownReleases = slices(releasesRead, releases);
  const ownObjects = slices(named, objects);
  return new Map(steps.map(([id], i) => [id, [...ownReleases[i]!, ...ownObjects[i]!]]));
}
