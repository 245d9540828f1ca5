import { helmAccess, kubeAccess } from '../kube/access.ts';
import { platformFor } from '../platform/platform.ts';
import { WAYPOINT_NAMESPACE } from '../profile/layout.ts';
import type { Release, Wait } from '../profile/stack.ts';
import type { RenderedLab, RenderedManifest } from '../render/render.ts';
import { labKubeconfig } from '../state/paths.ts';
import type { BundleSources } from './bundle.ts';
import { clusterStep } from './cluster-step.ts';
import { imageSteps, LOAD_STEP, PULL_STEP } from './images.ts';
import type { ClusterStart, ClusterTarget, Command, Plan, Step } from './types.ts';

export type { ClusterStart, ClusterTarget, Command, Plan, Program, Step } from './types.ts';

/** The cluster the lab runs on, and how kubectl and helm reach it (the lab's own kubeconfig). */
export function clusterTarget(rendered: RenderedLab, env: NodeJS.ProcessEnv = process.env): ClusterTarget {
  const { profile } = rendered.loaded;
  return platformFor(profile.platform).target(profile, rendered.lab, labKubeconfig(rendered.lab, env));
}

const kubectl = (target: ClusterTarget, args: string[], stdin?: string): Command => ({
  bin: 'kubectl',
  args: [...kubeAccess(target), ...args],
  ...(stdin === undefined ? {} : { stdin }),
});

const applyArgs = ['apply', '--server-side', '--field-manager', 'egress-lab'];

export function waitCommand(target: ClusterTarget, wait: Wait): Command {
  if ('established' in wait)
    return kubectl(target, [
      'wait',
      '--for=condition=Established',
      ...wait.established.map((c) => `crd/${c}`),
      '--timeout=120s',
    ]);
  return kubectl(target, ['--namespace', wait.namespace, 'rollout', 'status', wait.rollout, '--timeout=300s']);
}

function releaseStep(
  target: ClusterTarget,
  name: string,
  release: Release,
  version: string,
  file: string,
  needs: string[],
  /** The chart archive from an offline bundle, instead of the chart's repository. */
  archive?: string,
): Step {
  const args = [
    'upgrade',
    '--install',
    name,
    archive ?? release.chart,
    ...(release.repo && !archive ? ['--repo', release.repo] : []),
    '--version',
    version,
    '--namespace',
    release.namespace,
    '--create-namespace',
    ...helmAccess(target),
    '--values',
    '-',
  ];
  return {
    id: name,
    title: `helm ${name} ${version}`,
    component: release.component,
    needs,
    run: [{ bin: 'helm', args, stdin: file }],
    waits: release.waits.map((w) => waitCommand(target, w)),
  };
}

/** What each applied unit needs before it can go in, and how to know it is ready. */
function manifestDeps(
  m: RenderedManifest,
  ids: { istioReady: string[]; controller: string; crds: string; base: string; has: (id: string) => boolean },
): { needs: string[]; waits: Wait[] } {
  const labNs = ids.has('lab-namespace') ? ['lab-namespace'] : [];
  const rollouts = (kinds: string[]) =>
    m.objects
      .filter((o) => o.kind === 'Deployment' && kinds.includes(o.metadata.name))
      .map((o): Wait => ({ rollout: `deploy/${o.metadata.name}`, namespace: o.metadata.namespace ?? 'default' }));
  switch (m.id) {
    case 'istio-quota':
      return { needs: [ids.base], waits: [] };
    case 'lab-namespace':
      return { needs: ['cluster'], waits: [] };
    case 'waypoint':
      return { needs: [ids.controller, ...ids.istioReady, ...labNs], waits: [] };
    case 'squid':
      return {
        needs: ['cluster', ...(m.objects.some((o) => o.kind === 'Namespace') ? [] : labNs)],
        waits: rollouts(['squid-proxy']),
      };
    case 'ext-authz':
      return { needs: labNs, waits: rollouts(['ext-authz']) };
    case 'ext-authz-policy':
      return { needs: ['waypoint', 'ext-authz'], waits: [] };
    case 'sample':
      return { needs: ids.istioReady, waits: rollouts(['sleep']) };
    case 'seats':
      // Roles in the seats' namespaces (the sample's) and in the shared ones (the lab's, Squid's).
      return { needs: ['sample', ...labNs, ...(ids.has('squid') ? ['squid'] : [])], waits: [] };
    case 'egress':
      return { needs: [ids.base, ids.crds, 'sample', ...labNs], waits: [] };
    case 'scenario-proxy-auth':
      // Squid's Deployment mounts the password Secret this step makes: the pod starts once it exists.
      return { needs: ['egress', 'waypoint', 'squid'], waits: [] };
    case 'scenario-identity-authz':
    case 'scenario-rate-limit':
    case 'scenario-credential-injection':
    case 'scenario-no-bypass':
      return { needs: ['egress', 'waypoint'], waits: [] };
    default:
      throw new Error(`no plan rule for the rendered unit ${m.id}`);
  }
}

/**
 * The install graph, in an order where every step comes after what it needs. `start` says how the cluster
 * step reaches the cluster (learned before the plan is built): the plan comes out final and is never changed.
 */
export function buildPlan(
  rendered: RenderedLab,
  env: NodeJS.ProcessEnv = process.env,
  start: ClusterStart = 'create',
  bundle?: BundleSources,
): Plan {
  const target = clusterTarget(rendered, env);
  const { stack } = rendered.loaded;
  const byRole = (role: Release['role']) => rendered.releases.find((r) => r.release.role === role)!;
  // From a bundle, kind's node image is loaded into Docker first and named by its tag (a loaded image keeps no
  // registry digest), so creating the cluster pulls nothing.
  const steps: Step[] = [
    clusterStep(rendered, target, start, bundle ? { configFile: bundle.kindConfig, needs: [PULL_STEP] } : {}),
  ];
  const gatewayApi: Step = {
    id: 'gateway-api',
    title: 'Gateway API CRDs (experimental channel)',
    component: 'gateway-api',
    needs: ['cluster'],
    run: [kubectl(target, [...applyArgs, '--output', 'name', '-f', bundle?.gatewayApi ?? stack.gatewayApi.url])],
    waits: [waitCommand(target, { established: stack.gatewayApi.crds })],
  };
  steps.push(gatewayApi);
  const quota = rendered.manifests.some((m) => m.id === 'istio-quota') ? ['istio-quota'] : [];
  const needsFor: Record<Release['role'], string[]> = {
    base: ['cluster'],
    istiod: [byRole('base').name, 'gateway-api'],
    cni: [byRole('istiod').name, ...quota],
    ztunnel: [byRole('istiod').name, ...quota],
    crds: ['gateway-api'],
    controller: [byRole('crds').name],
  };
  // On kind, images are pulled on the host while the cluster is created and loaded before any workload starts.
  const warm = platformFor(rendered.loaded.profile.platform).warmsImages;
  if (warm) steps.push(...imageSteps(rendered, target, env, bundle));
  const runsPods = (role: Release['role']) => !['base', 'crds'].includes(role);
  for (const r of rendered.releases) {
    steps.push(
      releaseStep(
        target,
        r.name,
        r.release,
        r.version,
        r.file,
        [...needsFor[r.release.role], ...(warm && runsPods(r.release.role) ? [LOAD_STEP] : [])],
        bundle?.charts[r.name],
      ),
    );
  }
  const ids = {
    istioReady: [byRole('cni').name, byRole('ztunnel').name],
    controller: byRole('controller').name,
    crds: byRole('crds').name,
    base: byRole('base').name,
    has: (id: string) => rendered.manifests.some((m) => m.id === id),
  };
  for (const m of rendered.manifests) {
    const { needs, waits } = manifestDeps(m, ids);
    if (warm && m.objects.some((o) => o.kind === 'Deployment' || o.kind === 'Gateway')) needs.push(LOAD_STEP);
    const extraWaits =
      m.id === 'waypoint'
        ? [
            kubectl(target, [
              '--namespace',
              WAYPOINT_NAMESPACE,
              'wait',
              '--for=condition=Programmed',
              'gateway/egress-gateway',
              '--timeout=180s',
            ]),
          ]
        : [];
    steps.push({
      id: m.id,
      title: `apply ${m.file}`,
      component: m.component,
      needs,
      run: [kubectl(target, [...applyArgs, '-f', '-'], m.file)],
      waits: [...waits.map((w) => waitCommand(target, w)), ...extraWaits],
    });
  }
  return topoSort(steps);
}

function topoSort(steps: readonly Step[]): Plan {
  const done = new Set<string>();
  const out: Step[] = [];
  let pending = steps;
  while (pending.length > 0) {
    const ready = pending.filter((s) => s.needs.every((n) => done.has(n)));
    if (ready.length === 0)
      throw new Error(
        `plan has a cycle or a missing step among: ${pending.map((s) => `${s.id} (needs ${s.needs.join(', ')})`).join('; ')}`,
      );
    for (const s of ready) {
      done.add(s.id);
      out.push(s);
    }
    pending = pending.filter((s) => !done.has(s.id));
  }
  return out;
}
