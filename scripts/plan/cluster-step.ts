import { platformFor } from '../platform/platform.ts';
import type { RenderedLab } from '../render/render.ts';
import type { ClusterStart, ClusterTarget, Step } from './types.ts';

/**
 * The cluster step: the commands that make the lab's cluster, or reach it as `start` says (the platform's).
 * `configFile`: another cluster config than the render's (an offline bundle's); `needs`: what must run first.
 */
export function clusterStep(
  rendered: RenderedLab,
  target: ClusterTarget,
  start: ClusterStart,
  from: { configFile?: string; needs?: string[] } = {},
): Step {
  const { profile } = rendered.loaded;
  const { title, run, hashed } = platformFor(profile.platform).clusterStep(
    profile,
    target,
    rendered.lab,
    start,
    from.configFile ?? rendered.kindConfig?.file,
  );
  const needs = from.needs ?? [];
  return { id: 'cluster', title, component: 'cluster', needs, run, waits: [], ...(hashed ? { hashed } : {}) };
}
