import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { KubeObject, RenderedRelease } from '../../scripts/render/render.ts';
import { scratch } from '../helpers/temp.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Real chart sources (../shared/charts/SOURCES.md); EGRESS_LAB_CHARTS points elsewhere. */
export const chartsDir = process.env['EGRESS_LAB_CHARTS'] ?? resolve(repoRoot, '..', 'shared', 'charts');

const ISTIO_CHARTS: Record<string, string> = { base: 'base', istiod: 'istiod', cni: 'cni', ztunnel: 'ztunnel' };

/**
 * The chart source folder for a release of the lab, or why there is none. Istio charts: the newest source of the
 * same minor version (a patch release does not change chart values as a rule: SOURCES.md), agentgateway: the
 * exact tag.
 */
export function chartSource(release: RenderedRelease): { dir: string; version: string } | { missing: string } {
  const name = release.release.chart.split('/').at(-1)!;
  const folders = existsSync(chartsDir) ? readdirSync(chartsDir) : [];
  if (name in ISTIO_CHARTS) {
    const minor = release.version.match(/^(\d+\.\d+)\./)?.[1];
    const istio = folders
      .filter((f) => f.startsWith(`istio-${minor}.`))
      .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
      .at(-1);
    if (!istio) return { missing: `no Istio ${minor}.x chart source in ${chartsDir}` };
    return { dir: join(chartsDir, istio, ISTIO_CHARTS[name]!), version: istio.slice('istio-'.length) };
  }
  const folder = `${name.replace(/-crds$/, '')}-${release.version}`;
  if (!folders.includes(folder)) return { missing: `no ${folder} chart source in ${chartsDir}` };
  return { dir: join(chartsDir, folder, name), version: release.version };
}

const toObjects = (text: string): KubeObject[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => !!o && typeof o === 'object' && 'kind' in o);

/** `helm template` as `up` installs it: release name, namespace, the lab's values (CRDs included). */
export function helmTemplate(helm: string, chartDir: string, release: RenderedRelease, extra: string[] = []) {
  const tmp = scratch();
  try {
    const values = tmp.write('values.yaml', release.text);
    const args = ['template', release.name, chartDir, '--namespace', release.release.namespace];
    const out = execFileSync(helm, [...args, '--include-crds', '--values', values, ...extra], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    return toObjects(out);
  } finally {
    tmp.cleanup();
  }
}

/**
 * `helm template` of the chart as its release publishes it, with no lab values but the profile: Istio's release
 * tooling sets hub and tag (SOURCES.md), agentgateway's sets the chart's appVersion to the version.
 */
export function helmTemplatePublished(helm: string, chartDir: string, release: RenderedRelease, hub: string) {
  const tmp = scratch();
  try {
    const name = release.release.chart.split('/').at(-1)!;
    if (name in ISTIO_CHARTS) {
      const sets = ['profile=ambient', `global.hub=${hub}`, `global.tag=${release.version}`];
      if (name === 'ztunnel') sets.push(`hub=${hub}`, `tag=${release.version}`);
      return toObjects(
        execFileSync(helm, ['template', release.name, chartDir, ...sets.flatMap((s) => ['--set', s])], {
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        }),
      );
    }
    const copy = join(tmp.dir, name);
    cpSync(chartDir, copy, { recursive: true });
    // ../shared may be read-only: the copy keeps its modes, so make it writable (and removable) again.
    const writable = (dir: string) => {
      chmodSync(dir, 0o755);
      for (const e of readdirSync(dir, { withFileTypes: true }))
        e.isDirectory() ? writable(join(dir, e.name)) : chmodSync(join(dir, e.name), 0o644);
    };
    writable(copy);
    const chartYaml = join(copy, 'Chart.yaml');
    writeFileSync(
      chartYaml,
      readFileSync(chartYaml, 'utf8').replace(/^appVersion:.*$/m, `appVersion: "${release.version}"`),
    );
    return toObjects(
      execFileSync(helm, ['template', release.name, copy], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }),
    );
  } finally {
    tmp.cleanup();
  }
}

type PodSpec = { containers?: { image?: string }[]; initContainers?: { image?: string }[] };

/** The pod spec of a workload object, if it is one. */
export function podSpec(o: KubeObject): PodSpec | undefined {
  const spec = o['spec'] as {
    template?: { spec?: PodSpec };
    jobTemplate?: { spec?: { template?: { spec?: PodSpec } } };
  };
  if (o.kind === 'Pod') return o['spec'] as PodSpec;
  if (o.kind === 'CronJob') return spec?.jobTemplate?.spec?.template?.spec;
  return ['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'Job'].includes(o.kind)
    ? spec?.template?.spec
    : undefined;
}

/** Every image a set of objects runs: containers and init containers of every workload. */
export function workloadImages(objects: KubeObject[]): string[] {
  return objects.flatMap((o) => {
    const pod = podSpec(o);
    return [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])].map((c) => c.image ?? '');
  });
}

/**
 * The proxy image the agentgateway controller starts for each Gateway: registry/repository:tag from its
 * AGW_PROXY_IMAGE_* variables (agentgateway v1.4.1 controller/api/settings/settings.go defaults
 * cr.agentgateway.dev and agentgateway; controller/pkg/controller/start.go: without AGW_PROXY_IMAGE_TAG the tag is
 * "v" + the controller's own version; controller/pkg/helm/agentgateway/templates/_helpers.tpl
 * "kgateway.gateway.image" joins them as registry/repository:tag).
 */
export function agentgatewayProxyImage(objects: KubeObject[], controllerVersion: string): string | undefined {
  const controller = objects.find(
    (o) => o.kind === 'Deployment' && podSpec(o)?.containers?.some((c) => c.image?.includes('/controller:')),
  );
  if (!controller) return undefined;
  const container = podSpec(controller)?.containers?.[0] as { env?: { name: string; value?: string }[] } | undefined;
  const env = new Map((container?.env ?? []).map((e) => [e.name, e.value]));
  const registry = env.get('AGW_PROXY_IMAGE_REGISTRY') ?? 'cr.agentgateway.dev';
  const repository = env.get('AGW_PROXY_IMAGE_REPOSITORY') ?? 'agentgateway';
  const tag = env.get('AGW_PROXY_IMAGE_TAG') ?? `v${controllerVersion.replace(/^v/, '')}`;
  return `${registry}/${repository}:${tag}`;
}

/** What a release's objects run: its workloads' images and, for the agentgateway controller, the proxy it starts. */
export function imagesRun(objects: KubeObject[], version: string): string[] {
  const proxy = agentgatewayProxyImage(objects, version);
  return [...new Set([...workloadImages(objects), ...(proxy ? [proxy] : [])])].sort();
}
