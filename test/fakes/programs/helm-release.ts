// The fake helm's commands on a release that exists: uninstall, list, status and rollback.

import type { FakeCluster, FakeState } from '../types.ts';
import { CHARTS } from './charts.ts';
import { type Ctx, Fail, flag, objKey, take } from './common.ts';
import { helmPositionals } from './helm-usage.ts';

/** One helm call against a cluster: --kubeconfig, --kube-context and --namespace already taken from args. */
export interface HelmCall {
  state: FakeState;
  cluster: FakeCluster;
  namespace: string;
  args: string[];
  ctx: Ctx;
}

/** helm uninstall: what the release made goes, except resources annotated helm.sh/resource-policy: keep (helm v3.17.3 pkg/action/resource_policy.go). */
function removeRelease(cluster: FakeCluster, id: string): string[] {
  const rel = cluster.releases[id];
  if (!rel) return [];
  const effects = CHARTS[rel.chartName ?? ''] ?? {};
  const kept: string[] = [];
  for (const [n, c] of Object.entries(cluster.crds)) {
    if (c.release !== id) continue;
    if (c.object?.metadata?.annotations?.['helm.sh/resource-policy'] === 'keep') kept.push(n);
    else delete cluster.crds[n];
  }
  for (const [kind, name] of effects.workloads ?? []) delete cluster.objects[objKey(kind, rel.namespace, name)];
  for (const cls of effects.classes ?? []) delete cluster.objects[objKey('GatewayClass', '', cls)];
  delete cluster.releases[id];
  return kept;
}

export function uninstall({ cluster, namespace, args }: HelmCall): string {
  const [name] = helmPositionals(args);
  const id = `${namespace}/${name}`;
  if (!cluster.releases[id]) throw new Fail(`Error: uninstall: Release not loaded: ${name}: release: not found`);
  const kept = removeRelease(cluster, id);
  const note = kept.length
    ? `These resources were kept due to the resource policy:\n${kept.map((n) => `[CustomResourceDefinition] ${n}\n`).join('')}\n`
    : '';
  return `${note}release "${name}" uninstalled\n`;
}

/**
 * helm v3.20.0 (as v3.17.3) cmd/helm/list.go and pkg/action/list.go: the latest revision of each release in the
 * namespace (every namespace with -A), only deployed and failed ones unless --all, sorted by name, at most --max
 * (256; 0 is no limit); -o json is [{name, namespace, revision, updated, status, chart, app_version}].
 */
export function list({ cluster, namespace, args }: HelmCall): string {
  const all = flag(args, '--all') || flag(args, '-a');
  const everywhere = flag(args, '--all-namespaces') || flag(args, '-A');
  const max = Number(take(args, '--max', '-m') ?? 256);
  if (take(args, '--output', '-o') !== 'json') throw new Fail('fake helm: list only with -o json');
  const found = Object.values(cluster.releases)
    .filter((r) => everywhere || r.namespace === namespace)
    .filter((r) => all || ['deployed', 'failed'].includes(r.status ?? 'deployed'))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const shown = max > 0 ? found.slice(0, max) : found;
  return `${JSON.stringify(
    shown.map((r) => ({
      name: r.name,
      namespace: r.namespace,
      revision: String(r.revision),
      updated: '-',
      status: r.status ?? 'deployed',
      chart: `${r.chartName}-${r.version}`,
      app_version: '',
    })),
  )}\n`;
}

export function status({ cluster, namespace, args }: HelmCall): string {
  const [name] = helmPositionals(args);
  const rel = cluster.releases[`${namespace}/${name}`];
  if (!rel) throw new Fail('Error: release: not found');
  return `${JSON.stringify({ name: rel.name, namespace: rel.namespace, info: { status: rel.status ?? 'deployed' }, chart: { metadata: { name: rel.chartName, version: rel.version } }, version: rel.revision })}\n`;
}

/** A revision argument as Go's strconv.Atoi reads it (helm's cmd/helm/rollback.go@v3.20.0). */
function revisionArg(text: string | undefined): number {
  if (text === undefined) return 0;
  if (!/^[+-]?\d+$/.test(text))
    throw new Fail(`Error: could not convert revision to a number: strconv.Atoi: parsing "${text}": invalid syntax`);
  return Number(text);
}

/**
 * `helm rollback RELEASE [REVISION]` (helm/helm pkg/action/rollback.go@v3.20.0 prepareRollback): a negative
 * revision is refused; none (or 0) is the one before the current; it must be among the release's revisions,
 * the current one included (its History); the rollback is a new revision with the target's chart and values.
 */
export function rollback({ cluster, namespace, args }: HelmCall): string {
  flag(args, '--wait');
  take(args, '--timeout');
  const [name, revision] = helmPositionals(args);
  const id = `${namespace}/${name}`;
  const rel = cluster.releases[id];
  const wanted = revisionArg(revision);
  if (wanted < 0) throw new Fail('Error: invalid release revision');
  if (!rel) throw new Fail('Error: release: not found');
  const current = rel.revision ?? 1;
  const target = wanted === 0 ? current - 1 : wanted;
  const previous = [...(rel.history ?? []), rel].find((h) => (h.revision ?? 1) === target);
  if (!previous) throw new Fail(`Error: release has no ${target} version`);
  cluster.releases[id] = {
    ...previous,
    revision: current + 1,
    status: 'deployed',
    history: [...(rel.history ?? []), { ...rel, history: undefined }],
  };
  return 'Rollback was a success! Happy Helming!\n';
}
