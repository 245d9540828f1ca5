import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { labImages } from '../../scripts/plan/images.ts';
import { loadProfile } from '../../scripts/profile/load.ts';
import { type KubeObject, type RenderedLab, type RenderedRelease, renderLab } from '../../scripts/render/render.ts';
import { coreProblems, customResourceProblems, type Labelled } from '../conformance/check.ts';
import { loadCrdRegistry } from '../conformance/crd-schemas.ts';
import { ensureHelm, helmUnavailable, helmVersion } from './helm.ts';
import {
  chartSource,
  chartsDir,
  helmTemplate,
  helmTemplatePublished,
  imagesRun,
  workloadImages,
} from './render-charts.ts';
import { loadChartKeys, unreadKeys } from './values-keys.ts';

/**
 * The oss stack's real charts through a real helm (../shared/charts: Istio 1.30.3 as the stand-in for the pinned
 * 1.30.x, agentgateway v1.4.1), rendered exactly as `up` installs them: the lab's release names, namespaces and
 * values for each platform's profile.
 */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const crdsDir = process.env['EGRESS_LAB_CRDS'] ?? resolve(repoRoot, '..', 'shared', 'crds');
const PROFILES = ['kind-full', 'gke-full'];

const unavailable = helmUnavailable();
if (unavailable) console.warn(`chart tests skipped: ${unavailable}`);

interface ChartRender {
  release: RenderedRelease;
  dir: string;
  objects: KubeObject[];
}

const key = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const labObjects = (lab: RenderedLab) => lab.manifests.flatMap((m) => m.objects);

/**
 * Objects a controller creates and owns at run time, so the lab must never apply them:
 * - the agentgateway controller server-side-applies GatewayClass `agentgateway` (v1.4.1
 *   controller/pkg/controller/gatewayclass.go reconcileGatewayClass; the name from wellknown.DefaultAgwClassName
 *   unless gatewayClassName is set) and, for each Gateway of that class, a Deployment, Service, ServiceAccount
 *   and ConfigMap named after the Gateway plus ConfigMap `<name>-xds-ca` in its namespace (its embedded chart
 *   controller/pkg/helm/agentgateway/templates/*.yaml, "kgateway.gateway.fullname" = the Gateway's name);
 * - istiod creates GatewayClasses `istio`, `istio-remote` and `istio-waypoint` (istio 1.30.3
 *   pilot/pkg/config/kube/gatewaycommon/gatewayclass.go over classinfo.go GetAllClasses with default features).
 */
function controllerOwned(lab: RenderedLab): Set<string> {
  const owned = new Set(['agentgateway', 'istio', 'istio-remote', 'istio-waypoint'].map((n) => `GatewayClass//${n}`));
  for (const gw of labObjects(lab).filter((o) => o.kind === 'Gateway')) {
    if ((gw['spec'] as { gatewayClassName?: string }).gatewayClassName !== 'agentgateway') continue;
    const ns = gw.metadata.namespace ?? 'default';
    for (const kind of ['Deployment', 'Service', 'ServiceAccount', 'ConfigMap'])
      owned.add(`${kind}/${ns}/${gw.metadata.name}`);
    owned.add(`ConfigMap/${ns}/${gw.metadata.name}-xds-ca`);
  }
  return owned;
}

/** Renders are cached per profile within this file: helm template runs once per release. */
const renders = new Map<string, { lab: RenderedLab; charts: ChartRender[] }>();
function rendered(profile: string, helm: string) {
  let r = renders.get(profile);
  if (!r) {
    const lab = renderLab(loadProfile({ profile }), 'egress-lab');
    const charts = lab.releases.map((release) => {
      const source = chartSource(release);
      if ('missing' in source) throw new Error(`${release.name}: ${source.missing}`);
      return { release, dir: source.dir, objects: helmTemplate(helm, source.dir, release) };
    });
    r = { lab, charts };
    renders.set(profile, r);
  }
  return r;
}

/** The published charts' images do not depend on the profile: rendered once per release. */
const publishedImages = new Map<string, string[]>();
function published(c: ChartRender, hub: string): string[] {
  let images = publishedImages.get(c.release.name);
  if (!images) {
    images = imagesRun(helmTemplatePublished(ensureHelm(), c.dir, c.release, hub), c.release.version);
    publishedImages.set(c.release.name, images);
  }
  return images;
}

describe.skipIf(unavailable !== undefined)(
  `oss charts through a real helm${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let helm: string;
    beforeAll(() => {
      expect(existsSync(chartsDir), `chart sources expected at ${chartsDir} (set EGRESS_LAB_CHARTS)`).toBe(true);
      helm = ensureHelm();
    });

    it('the helm binary is a real helm v4', () => {
      expect(helmVersion(helm)).toMatch(/^v4\./);
    });

    it('every object the charts render, with the lab manifests, passes the conformance check', async () => {
      const seen = new Set<string>();
      const items: Labelled[] = PROFILES.flatMap((profile) => {
        const { lab, charts } = rendered(profile, helm);
        return [
          ...charts.flatMap((c) =>
            c.objects.map((obj) => ({ label: `${profile}: chart ${c.release.name}: ${key(obj)}`, obj })),
          ),
          ...lab.manifests.flatMap((m) =>
            m.objects.map((obj) => ({ label: `${profile}: ${m.file}: ${key(obj)}`, obj })),
          ),
        ];
      }).filter(({ obj }) => {
        // The platforms share most objects: each distinct one is checked once.
        const json = JSON.stringify(obj);
        if (seen.has(json)) return false;
        seen.add(json);
        return true;
      });
      expect(items.length).toBeGreaterThan(50);
      expect(customResourceProblems(items, loadCrdRegistry(crdsDir))).toEqual([]);
      expect(await coreProblems(items, repoRoot)).toEqual([]);
    }, 300_000);

    describe.each(PROFILES)('%s', (profile) => {
      let lab: RenderedLab;
      let charts: ChartRender[];
      beforeAll(() => {
        ({ lab, charts } = rendered(profile, helm));
      });

      it('renders every release of the stack, each with objects', () => {
        expect(charts.map((c) => c.release.name)).toEqual([
          'istio-base',
          'istiod',
          'istio-cni',
          'ztunnel',
          'agentgateway-crds',
          'agentgateway',
        ]);
        for (const c of charts) expect(c.objects.length, c.release.name).toBeGreaterThan(0);
      });

      it('every values key the lab sets is one the chart reads', () => {
        const unread = charts.flatMap((c) =>
          unreadKeys(parse(c.release.text), loadChartKeys(c.dir)).map((path) => `${c.release.file}: ${path}`),
        );
        expect(unread).toEqual([]);
      });

      it('the images side-loaded into kind are exactly the images the charts and manifests run', () => {
        const run = [
          ...charts.flatMap((c) => imagesRun(c.objects, c.release.version)),
          ...workloadImages(labObjects(lab)),
        ];
        expect(labImages(lab)).toEqual([...new Set(run)].sort());
      });

      it('the images the lab pins are the ones the published releases run by default', () => {
        const hub = lab.loaded.stack.istioHub!;
        for (const c of charts)
          expect(imagesRun(c.objects, c.release.version), c.release.name).toEqual(published(c, hub));
      });

      it('every CRD up waits for is shipped by the chart it follows', () => {
        for (const c of charts) {
          const shipped = new Set(
            c.objects.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata.name),
          );
          for (const wait of c.release.release.waits)
            if ('established' in wait)
              for (const crd of wait.established) expect(shipped.has(crd), `${c.release.name} ships ${crd}`).toBe(true);
        }
      });

      it('nothing the lab applies is also rendered by a chart or created by a controller', () => {
        const fromCharts = new Map(charts.flatMap((c) => c.objects.map((o) => [key(o), c.release.name] as const)));
        const owned = controllerOwned(lab);
        const clashes = labObjects(lab)
          .map(key)
          .filter((k) => fromCharts.has(k) || owned.has(k))
          .map((k) => `${k} (${fromCharts.get(k) ?? 'a controller'})`);
        expect(clashes).toEqual([]);
        // The class the waypoint names is one the controller creates: nobody else would.
        expect(owned.has(`GatewayClass//${lab.loaded.stack.gatewayClass}`)).toBe(true);
      });
    });
  },
);
