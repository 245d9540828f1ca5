import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadProfile } from '../../scripts/profile/load.ts';
import { renderLab } from '../../scripts/render/render.ts';
import { chartsDir } from './render-charts.ts';
import { loadChartKeys, unreadKeys } from './values-keys.ts';

/**
 * Solo's charts (Solo Istio `*-solo`, Gloo Gateway, enterprise-agentgateway) have no public source. Their values
 * keys are checked against the nearest upstream charts there are (Istio 1.30.3 in ../shared/charts; the stacks pin
 * 1.28.1-solo and 1.29.1-solo), and every key the upstream chart does not read is listed here once, as known and
 * unverifiable, with where it comes from. A key the lab adds must either be read upstream or be listed; a listed
 * key the lab no longer sets fails too. Sources: ../shared/docs/egress-stack-facts.md (§1.1 licences, §1.2 the
 * seed's Helm values, §1.3 ztunnel egressPolicies), which cites the seed README and Solo's documentation.
 */
const SOLO_ONLY: Record<string, Record<string, string>> = {
  'istio/solo/istiod.values.yaml': {
    'license.value': 'Solo Istio licence key (§1.1; docs.solo.io Gloo Mesh: istiod license.value)',
    'platforms.peering.enabled': 'Solo multicluster peering (§1.2, seed README)',
    'istio_cni.enabled': 'seed README istiod values (§1.2); upstream 1.30 istiod has no istio_cni',
    'istio_cni.namespace': 'seed README istiod values (§1.2); upstream 1.30 istiod has no istio_cni',
  },
  'istio/solo/ztunnel.values.yaml': {
    egressPolicies: 'Solo ztunnel egress policies (§1.3, seed README)',
    configValidation: 'seed README ztunnel values (§1.2)',
    enabled: 'seed README ztunnel values (§1.2)',
    namespace: 'seed README ztunnel values (§1.2); upstream ztunnel uses the release namespace',
    'proxy.clusterDomain': 'seed README ztunnel values (§1.2)',
  },
  // No upstream source of these charts at all: every key is Solo's.
  'controller/gloo-gateway.values.yaml': {
    'agentgateway.enabled': 'Gloo Gateway 2.1.0-beta.1 with agentgateway (§1.4, seed README)',
    'licensing.glooGatewayLicenseKey': 'Gloo Gateway licence (§1.1)',
    'licensing.agentgatewayLicenseKey': 'agentgateway licence for Gloo Gateway (§1.1)',
  },
  'controller/enterprise-agentgateway.values.yaml': {
    'licensing.licenseKey': 'enterprise-agentgateway licence (§1.1, the seed repository later commits)',
  },
};

/** Upstream Istio chart folder for a Solo Istio chart name: the newest Istio source in ../shared/charts. */
function nearestIstioChart(chart: string): string | undefined {
  const istio = (existsSync(chartsDir) ? readdirSync(chartsDir) : [])
    .filter((f) => f.startsWith('istio-'))
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
    .at(-1);
  const name = chart.split('/').at(-1)!;
  return istio && ['base', 'istiod', 'cni', 'ztunnel'].includes(name) ? join(chartsDir, istio, name) : undefined;
}

const leafPaths = (values: unknown, prefix = ''): string[] =>
  values && typeof values === 'object' && !Array.isArray(values) && Object.keys(values).length > 0
    ? Object.entries(values).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k))
    : prefix
      ? [prefix]
      : [];

describe.each(['seed', 'kind-enterprise'])('Solo values keys (%s) against the nearest upstream charts', (profile) => {
  const lab = renderLab(loadProfile({ profile }), 'egress-lab');

  it.each(lab.releases.map((r) => [r.name, r] as const))(
    '%s: every key is read upstream or listed as Solo-only',
    (_n, r) => {
      expect(existsSync(chartsDir), `chart sources expected at ${chartsDir} (set EGRESS_LAB_CHARTS)`).toBe(true);
      const values = parse(r.text);
      const upstream = nearestIstioChart(r.release.chart);
      // A chart with no upstream source: every key it is given must be listed.
      const unread = upstream ? unreadKeys(values, loadChartKeys(upstream)) : leafPaths(values);
      expect(unread.sort()).toEqual(Object.keys(SOLO_ONLY[r.release.values] ?? {}).sort());
    },
  );
});
