import { ActionableError } from '../errors.ts';
import type { Exec } from '../exec/exec.ts';
import { kubeAccess } from '../kube/access.ts';
import { buildPlan, type Step } from '../plan/plan.ts';
import { labName } from '../profile/lab-name.ts';
import { resolvedProfile } from '../profile/load.ts';
import { renderLab } from '../render/render.ts';
import { labNames, noLabMessage } from '../state/labs.ts';
import { type Ledger, type LedgerStep, type ObjectRef, readLedger } from '../state/ledger.ts';
import { hasVerdict, type LiveObject, verdictOf } from '../verify/verdicts.ts';
import { guardCluster } from './guard.ts';
import { crdRef, describeObject, helmList, helmStatus, refsAsYaml } from './ownership.ts';

export interface Check {
  what: string;
  ok: boolean;
  detail: string;
}

export interface ComponentHealth {
  name: string;
  healthy: boolean;
  checks: Check[];
}

export interface LabStatus {
  lab: string;
  profile: string;
  platform: string;
  stack: string;
  kubeconfig: string;
  context: string;
  cluster: Ledger['cluster'];
  healthy: boolean;
  components: ComponentHealth[];
}

const CHECK_TIMEOUT_MS = 15_000;

/** One object, as kubectl reads it alone (the way each object was checked before, and still is when the batch fails). */
function objectCheck(exec: Exec, k: string[], o: ObjectRef): Promise<Check> {
  const group = o.apiVersion.includes('/') ? `.${o.apiVersion.split('/')[0]}` : '';
  const ns = o.namespace ? ['--namespace', o.namespace] : [];
  const resource = `${o.kind.toLowerCase()}${group}`;
  return probe(exec, k, [...ns, 'get', resource, o.name, '-o', 'json'], describeObject(o), (out) =>
    judgeObject(o, JSON.parse(out) as LiveObject & DeploymentStatus),
  );
}

interface DeploymentStatus {
  spec?: { replicas?: number };
  status?: { readyReplicas?: number };
}

/** A Deployment by its ready replicas, an object with a verdict by the product's own (status conditions), else present. */
function judgeObject(o: ObjectRef, live: LiveObject & DeploymentStatus): { ok: boolean; detail: string } {
  if (o.kind === 'Deployment') {
    const ready = live.status?.readyReplicas ?? 0;
    const want = live.spec?.replicas ?? 1;
    return { ok: ready >= want, detail: `${ready}/${want} ready` };
  }
  // The product's own verdict (status conditions), the same that verify's hints show.
  const v = hasVerdict(o.kind) ? verdictOf(live) : undefined;
  return v ? { ok: v.ok, detail: v.says } : { ok: true, detail: 'present' };
}

/**
 * Every object in one `kubectl get --ignore-not-found -o json -f -` (kubectl reads each live, status included,
 * and leaves out the absent ones). When that call fails as a whole (kubectl stops before reading any object
 * when one kind is unknown to the API server, say its CRD was removed), each object is asked alone, so each
 * still gets its own answer.
 */
async function objectChecks(exec: Exec, ledger: Ledger, objects: ObjectRef[]): Promise<Check[]> {
  const k = kubeAccess(ledger);
  if (objects.length === 0) return [];
  let live: (LiveObject & DeploymentStatus)[];
  try {
    const { stdout } = await exec('kubectl', [...k, 'get', '--ignore-not-found', '-o', 'json', '-f', '-'], {
      input: refsAsYaml(objects),
      timeoutMs: CHECK_TIMEOUT_MS,
    });
    const parsed = stdout.trim() ? (JSON.parse(stdout) as LiveObject | { items: LiveObject[] }) : { items: [] };
    live = 'items' in parsed ? parsed.items : [parsed];
  } catch {
    return Promise.all(objects.map((o) => objectCheck(exec, k, o)));
  }
  return objects.map((o) => {
    const found = live.find(
      (l) => l.kind === o.kind && l.metadata.name === o.name && (l.metadata.namespace ?? undefined) === o.namespace,
    );
    return { what: describeObject(o), ...(found ? judgeObject(o, found) : { ok: false, detail: 'not found' }) };
  });
}

async function probe(
  exec: Exec,
  k: string[],
  args: string[],
  what: string,
  judge: (stdout: string) => { ok: boolean; detail: string },
): Promise<Check> {
  try {
    const { stdout } = await exec('kubectl', [...k, ...args], { timeoutMs: CHECK_TIMEOUT_MS });
    return { what, ...judge(stdout) };
  } catch (err) {
    return { what, ok: false, detail: ((err as Error).message.split(': ').at(-1) ?? 'failed').trim() };
  }
}

/** helm's word for a release (deployed, failed, pending-install…); throws when helm cannot tell. */
export async function releaseStatus(
  exec: Exec,
  ledger: Pick<Ledger, 'kubeconfig' | 'context'>,
  name: string,
  namespace: string,
): Promise<string> {
  return (await helmStatus(exec, ledger, name, namespace, CHECK_TIMEOUT_MS)).info?.status ?? 'unknown';
}

/**
 * helm's word for each release: one `helm list` per namespace. When a list fails, each of its releases is asked
 * alone (`helm status`), so each still gets its own answer.
 */
async function releaseChecks(exec: Exec, ledger: Ledger, releases: { name: string; namespace: string }[]) {
  const namespaces = [...new Set(releases.map((r) => r.namespace))];
  const lists = await Promise.all(
    namespaces.map((ns) => helmList(exec, ledger, ns, CHECK_TIMEOUT_MS).catch(() => undefined)),
  );
  return Promise.all(
    releases.map(async (r): Promise<Check> => {
      const list = lists[namespaces.indexOf(r.namespace)];
      if (!list) return releaseCheck(exec, ledger, r.name, r.namespace);
      const status = list.find((l) => l.name === r.name)?.status;
      return {
        what: `helm release ${r.namespace}/${r.name}`,
        ok: status === 'deployed',
        detail: status ?? 'not found',
      };
    }),
  );
}

async function releaseCheck(exec: Exec, ledger: Ledger, name: string, namespace: string): Promise<Check> {
  const what = `helm release ${namespace}/${name}`;
  try {
    const status = await releaseStatus(exec, ledger, name, namespace);
    return { what, ok: status === 'deployed', detail: status };
  } catch (err) {
    return { what, ok: false, detail: ((err as Error).message.split(': ').at(-1) ?? 'failed').trim() };
  }
}

/**
 * The steps the lab's profile needs that never ran or never finished (an up that failed or was
 * interrupted): not installed, whatever else is healthy.
 */
function unfinishedSteps(ledger: Ledger): { component: string; check: Check }[] {
  let steps: readonly Step[];
  try {
    steps = buildPlan(renderLab(resolvedProfile(ledger.profile, ledger.profileName), ledger.lab));
  } catch {
    return [];
  }
  return steps
    .filter((s) => s.component !== 'images' && (ledger.steps[s.id]?.hash ?? '') === '')
    .map((s) => ({
      component: s.component,
      check: {
        what: `${s.id} (${s.title})`,
        ok: false,
        detail: ledger.steps[s.id] ? 'started, never finished' : 'not installed',
      },
    }));
}

/** Live health of each component the lab's profile needs: what the ledger lists, and the steps that never finished. */
export async function labStatus(exec: Exec, ledger: Ledger): Promise<LabStatus> {
  const k = kubeAccess(ledger);
  const byComponent = new Map<string, Promise<Check>[]>();
  const add = (component: string, check: Promise<Check>) =>
    byComponent.set(component, [...(byComponent.get(component) ?? []), check]);
  add(
    'cluster',
    probe(exec, k, ['get', '--raw', '/readyz'], `API server of ${ledger.cluster.name}`, (out) => ({
      ok: out.trim() === 'ok',
      detail: out.trim() || 'no answer',
    })),
  );
  // One kubectl call for every object (the CRDs a step made are checked through what uses them).
  const GATEWAY_CRDS = crdRef('gateways.gateway.networking.k8s.io');
  const objectsOf = (id: string, record: LedgerStep) => [
    ...(record.objects ?? []).filter((o) => o.kind !== 'CustomResourceDefinition'),
    ...(id === 'gateway-api' ? [GATEWAY_CRDS] : []),
  ];
  const steps = Object.entries(ledger.steps).filter(([id]) => id !== 'cluster');
  const objectsChecked = objectChecks(
    exec,
    ledger,
    steps.flatMap(([id, record]) => objectsOf(id, record)),
  );
  const releasesChecked = releaseChecks(
    exec,
    ledger,
    steps.flatMap(([, record]) => record.releases ?? []),
  );
  let nextObject = 0;
  let nextRelease = 0;
  for (const [id, record] of steps) {
    for (const _ of record.releases ?? []) {
      const i = nextRelease++;
      add(
        record.component,
        releasesChecked.then((all) => all[i]!),
      );
    }
    for (const o of objectsOf(id, record)) {
      const i = nextObject++;
      const what = o === GATEWAY_CRDS ? 'Gateway API CRDs' : undefined;
      add(
        record.component,
        objectsChecked.then((all) => ({ ...all[i]!, what: what ?? all[i]!.what })),
      );
    }
  }
  for (const step of unfinishedSteps(ledger)) add(step.component, Promise.resolve(step.check));
  const components: ComponentHealth[] = [];
  for (const [name, checks] of byComponent) {
    const done = await Promise.all(checks);
    components.push({ name, healthy: done.every((c) => c.ok), checks: done });
  }
  const { profile } = ledger;
  return {
    lab: ledger.lab,
    profile: ledger.profileName,
    platform: profile.platform,
    stack: profile.stack,
    kubeconfig: ledger.kubeconfig,
    context: ledger.context,
    cluster: ledger.cluster,
    healthy: components.every((c) => c.healthy),
    components,
  };
}

export function formatStatus(s: LabStatus): string {
  const lines = [
    `lab ${s.lab}: profile ${s.profile}, ${s.platform} cluster "${s.cluster.name}"${s.cluster.createdByEgressLab ? ' (created by egress-lab)' : ' (not created by egress-lab)'}, stack ${s.stack}`,
    `kubeconfig: ${s.kubeconfig} (context ${s.context})`,
    '',
  ];
  for (const c of s.components) {
    lines.push(`${c.healthy ? '✔' : '✖'} ${c.name}`);
    for (const check of c.checks) lines.push(`    ${check.ok ? 'ok  ' : 'FAIL'} ${check.what}: ${check.detail}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `egress-lab status`: exit 0 when every component is healthy, 1 otherwise. */
export async function status(
  opts: { name?: string; json?: boolean },
  deps: { exec: Exec; stdout: NodeJS.WritableStream; env: NodeJS.ProcessEnv },
): Promise<void> {
  const lab = labName(opts.name);
  const ledger = readLedger(lab, deps.env);
  if (!ledger) {
    const message = noLabMessage(lab, deps.env);
    if (opts.json)
      deps.stdout.write(`${JSON.stringify({ lab, found: false, labs: labNames(deps.env), message }, null, 2)}\n`);
    throw new ActionableError(message);
  }
  await guardCluster(deps.exec, ledger, 'report on it', deps.env);
  const s = await labStatus(deps.exec, ledger);
  deps.stdout.write(opts.json ? `${JSON.stringify(s, null, 2)}\n` : formatStatus(s));
  if (!s.healthy) {
    const unfinished = s.components.some((c) => c.checks.some((k) => /not installed|never finished/.test(k.detail)));
    throw new ActionableError(
      `the lab "${lab}" is not healthy: ${s.components
        .filter((c) => !c.healthy)
        .map((c) => c.name)
        .join(
          ', ',
        )}${unfinished ? `; egress-lab up${lab === 'egress-lab' ? '' : ` --name ${lab}`} installs what is missing` : ''}`,
    );
  }
}
