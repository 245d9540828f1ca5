// The fake helm: what a chart installs (upgrade --install), pull, and the dispatch of the commands on releases
// (helm-release.ts).

import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import type { FakeCluster, FakeState, K8sObject } from '../types.ts';
import { CHARTS, type ChartEffects } from './charts.ts';
import { type Ctx, Fail, objKey, offlineCheck, take, targetCluster } from './common.ts';
import { type HelmCall, list, rollback, status, uninstall } from './helm-release.ts';
import { checkHelmArgs, helmPositionals } from './helm-usage.ts';

/** A CRD as helm installs it from a chart's templates: helm's ownership label and annotations. */
function helmCrd(
  plural: string,
  group: string,
  kind: string,
  name: string,
  namespace: string,
  keep: boolean | undefined,
): K8sObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${plural}.${group}`,
      labels: { 'app.kubernetes.io/managed-by': 'Helm' },
      annotations: {
        'meta.helm.sh/release-name': name,
        'meta.helm.sh/release-namespace': namespace,
        ...(keep ? { 'helm.sh/resource-policy': 'keep' } : {}),
      },
      managedFields: [{ manager: 'helm', operation: 'Update', fields: [] }],
    },
    spec: { group, names: { kind, plural }, scope: 'Namespaced' },
  };
}

/** helm install refuses a resource that exists without its ownership metadata (helm v3.17.3 pkg/action/validate.go). */
function checkOwnership(cluster: FakeCluster, effects: ChartEffects, name: string, namespace: string): void {
  for (const [plural, group] of effects.crds ?? []) {
    const crd = cluster.crds[`${plural}.${group}`];
    if (!crd) continue;
    const labels = crd.object?.metadata?.labels ?? {};
    const annos = crd.object?.metadata?.annotations ?? {};
    const need = (map: Record<string, string>, k: string, v: string) =>
      map[k] === undefined
        ? `missing key "${k}": must be set to "${v}"`
        : map[k] !== v
          ? `key "${k}" must equal "${v}": current value is "${map[k]}"`
          : undefined;
    const errs = [
      ['label', need(labels, 'app.kubernetes.io/managed-by', 'Helm')],
      ['annotation', need(annos, 'meta.helm.sh/release-name', name)],
      ['annotation', need(annos, 'meta.helm.sh/release-namespace', namespace)],
    ].filter(([, e]) => e);
    if (errs.length)
      throw new Fail(
        `Error: Unable to continue with install: CustomResourceDefinition "${plural}.${group}" in namespace "" exists and cannot be imported into the current release: invalid ownership metadata${errs.map(([w, e]) => `; ${w} validation error: ${e}`).join('')}`,
      );
  }
}

/**
 * `helm pull CHART [--repo URL] --version V --destination DIR` (helm v3 pkg/action/pull.go): writes the chart
 * archive DIR/NAME-VERSION.tgz, NAME being the chart's own name.
 */
function helmPull(state: FakeState, args: string[], ctx: Ctx): string {
  const repo = take(args, '--repo');
  const version = take(args, '--version');
  const dest = take(args, '--destination', '-d') ?? '.';
  const [chart = ''] = helmPositionals(args);
  offlineCheck(state, `Error: looks like "${repo ?? chart}" is not a valid chart repository or cannot be reached`);
  const name = chart.split('/').at(-1) ?? '';
  if (!CHARTS[name])
    throw new Fail(`Error: chart "${chart}" version "${version}" not found${repo ? ` in ${repo}` : ''}`);
  writeFileSync(resolve(ctx.cwd ?? '.', dest, `${name}-${version}.tgz`), JSON.stringify({ chart: name, version }));
  return '';
}

/** The chart `upgrade --install` names: a local archive (helm pull's NAME-VERSION.tgz) or a repository's chart. */
function chartOf(state: FakeState, chart: string, repo: string | undefined, ctx: Ctx): string {
  const local = !repo && !chart.startsWith('oci://');
  if (!local)
    offlineCheck(state, `Error: looks like "${repo ?? chart}" is not a valid chart repository or cannot be reached`);
  // A local chart archive (helm pull's NAME-VERSION.tgz): helm reads it from disk and needs no repository.
  if (local && !existsSync(resolve(ctx.cwd ?? '.', chart))) throw new Fail(`Error: path "${chart}" not found`);
  return local ? (chart.split('/').at(-1) ?? '').replace(/-[^-]+\.tgz$/, '') : (chart.split('/').at(-1) ?? '');
}

/** What a chart's templates make in the cluster: its CRDs, workloads and GatewayClasses. */
function installEffects(
  cluster: FakeCluster,
  effects: ChartEffects,
  id: string,
  name: string,
  namespace: string,
): void {
  for (const [plural, group, kind] of effects.crds ?? [])
    cluster.crds[`${plural}.${group}`] = {
      group,
      kind,
      release: id,
      object: helmCrd(plural, group, kind, name, namespace, effects.keepCrds),
    };
  for (const [kind, wname, priorityClassName] of effects.workloads ?? []) {
    const add = effects.capabilities?.[wname];
    const podSpec = {
      ...(priorityClassName ? { priorityClassName } : {}),
      ...(add ? { containers: [{ name: wname, securityContext: { capabilities: { drop: ['ALL'], add } } }] } : {}),
    };
    cluster.objects[objKey(kind, namespace, wname)] = {
      apiVersion: 'apps/v1',
      kind,
      metadata: { name: wname, namespace },
      spec: { replicas: 1, ...(Object.keys(podSpec).length > 0 ? { template: { spec: podSpec } } : {}) },
      status: { readyReplicas: 1 },
    };
  }
  for (const cls of effects.classes ?? [])
    cluster.objects[objKey('GatewayClass', '', cls)] = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name: cls },
    };
}

/** `helm upgrade --install NAME CHART --version V [--repo URL] --values - [--create-namespace]`. */
function upgradeInstall({ state, cluster, namespace, args, ctx }: HelmCall): string | undefined {
  if (!args.includes('--install')) return undefined;
  const version = take(args, '--version');
  const repo = take(args, '--repo');
  const values = take(args, '--values', '-f');
  // checkHelmArgs has seen exactly two: the release and the chart.
  const [name = '', chart = ''] = helmPositionals(args);
  if (values !== '-') throw new Fail('fake helm: values must come on stdin (--values -)');
  if (!version) throw new Fail('fake helm: no --version (charts must be pinned)');
  const parsedValues: unknown = parse(ctx.stdin ?? '') ?? {};
  const chartName = chartOf(state, chart, repo, ctx);
  const effects = CHARTS[chartName];
  if (!effects) throw new Fail(`Error: chart "${chart}" not found${repo ? ` in ${repo}` : ''}`);
  if (!cluster.namespaces.includes(namespace)) {
    if (!args.includes('--create-namespace'))
      throw new Fail(`Error: create: failed to create: namespaces "${namespace}" not found`);
    cluster.namespaces.push(namespace);
  }
  const id = `${namespace}/${name}`;
  const previous = cluster.releases[id];
  // upgrade --install on a release with history is an upgrade; a pending one is locked (helm v3.17.3
  // cmd/helm/upgrade.go, pkg/action/upgrade.go errPending).
  if (previous && ['pending-install', 'pending-upgrade', 'pending-rollback'].includes(previous.status ?? ''))
    throw new Fail('Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress');
  if (!previous) checkOwnership(cluster, effects, name, namespace);
  installEffects(cluster, effects, id, name, namespace);
  const revision = (previous?.revision ?? 0) + 1;
  const history = [...(previous?.history ?? []), ...(previous ? [{ ...previous, history: undefined }] : [])];
  cluster.releases[id] = {
    name,
    namespace,
    chart,
    chartName,
    repo,
    version: version,
    values: parsedValues,
    revision,
    status: 'deployed',
    history,
  };
  return `Release "${name}" has been ${revision > 1 ? 'upgraded' : 'installed'}. Happy Helming!\n`;
}

/** The helm commands the fakes emulate against a cluster, each with its handler (undefined: not emulated). */
const COMMANDS: Record<string, (call: HelmCall) => string | undefined> = {
  upgrade: upgradeInstall,
  uninstall,
  list,
  ls: list,
  status,
  rollback,
};

export function helm(state: FakeState, args: string[], ctx: Ctx): string {
  // A helm built against Kubernetes 1.35 (k8s.io/client-go v0.35.0 in helm/helm go.mod@v3.20.0).
  if (args[0] === 'version') return `${state.versions?.helm ?? 'v3.20.0'}\n`;
  checkHelmArgs(args);
  if (args[0] === 'pull') return helmPull(state, args, ctx);
  const kubeconfig = take(args, '--kubeconfig');
  const context = take(args, '--kube-context');
  const cluster = targetCluster(state, kubeconfig, context, 'helm');
  const namespace = take(args, '--namespace', '-n') ?? 'default';
  const command = args[0] ?? '';
  const handler = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  const answer = handler?.({ state, cluster, namespace, args, ctx });
  if (answer !== undefined) return answer;
  throw new Fail(`fake helm: unsupported ${args.join(' ')}`);
}
