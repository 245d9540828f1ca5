import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../scripts/render/render.ts';
import { chartsDir, imagesRun } from './render-charts.ts';
import { loadChartKeys, unreadKeys } from './values-keys.ts';

/** The chart checks catch what they claim to, on the real chart sources. */
const chart = (path: string) => {
  expect(existsSync(chartsDir), `chart sources expected at ${chartsDir} (set EGRESS_LAB_CHARTS)`).toBe(true);
  return loadChartKeys(join(chartsDir, path));
};

describe('values keys a chart reads', () => {
  it('istiod: a misspelt or misplaced key is named by its path; profile, global, meshConfig and env are read', () => {
    const istiod = chart('istio-1.30.3/istiod');
    expect(
      unreadKeys(
        {
          profile: 'ambient',
          image: 'x/pilot:1',
          global: { hub: 'x', tag: '1', hubb: 'x', platform: 'gke' },
          meshConfig: { accessLogFile: '/dev/stdout', anything: { deep: 1 } },
          env: { ANY_VARIABLE: 'true' },
          imagee: 'x',
        },
        istiod,
      ).sort(),
    ).toEqual(['global.hubb', 'imagee']);
    // The ambient profile file sets cni.ambient.enabled for every chart; istiod does not read it.
    expect(unreadKeys({ cni: { ambient: { enabled: true } } }, istiod)).toEqual(['cni.ambient.enabled']);
  });

  it('ztunnel flattens global onto the top level; base, istiod and cni do not', () => {
    expect(
      unreadKeys({ global: { hub: 'x', tag: '1', bogus: 1 }, hubb: 1 }, chart('istio-1.30.3/ztunnel')).sort(),
    ).toEqual(['global.bogus', 'hubb']);
    expect(unreadKeys({ global: { image: 'x' } }, chart('istio-1.30.3/cni'))).toEqual(['global.image']);
    expect(unreadKeys({ global: { platform: 'gke' }, profile: 'ambient' }, chart('istio-1.30.3/cni'))).toEqual([]);
  });

  it('agentgateway: keys of its values.yaml are read, others are not', () => {
    const agw = chart('agentgateway-v1.4.1/agentgateway');
    expect(
      unreadKeys(
        {
          image: { tag: 'v1', tagg: 'v1' },
          controller: { image: { repository: 'c' } },
          licensing: { licenseKey: 'k' },
        },
        agw,
      ).sort(),
    ).toEqual(['image.tagg', 'licensing.licenseKey']);
  });
});

describe('images a render runs', () => {
  const deployment = (image: string, env: { name: string; value: string }[] = []): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'x' },
    spec: { template: { spec: { initContainers: [{ image: 'init:1' }], containers: [{ image, env }] } } },
  });

  it('counts containers and init containers, and the proxy the agentgateway controller starts', () => {
    expect(imagesRun([deployment('a/b:1')], 'v1.4.1')).toEqual(['a/b:1', 'init:1']);
    expect(imagesRun([deployment('cr.agentgateway.dev/controller:v1.4.1')], 'v1.4.1')).toContain(
      'cr.agentgateway.dev/agentgateway:v1.4.1',
    );
    const pinned = deployment('r/controller:v9', [
      { name: 'AGW_PROXY_IMAGE_REGISTRY', value: 'r' },
      { name: 'AGW_PROXY_IMAGE_REPOSITORY', value: 'p' },
      { name: 'AGW_PROXY_IMAGE_TAG', value: 't' },
    ]);
    expect(imagesRun([pinned], 'v1.4.1')).toEqual(['init:1', 'r/controller:v9', 'r/p:t']);
  });
});
