import { platformFor } from '../platform/platform.ts';
import type { RenderedLab } from '../render/render.ts';
import type { ClusterStart, ClusterTarget, Step } from './types.ts';

/** The cluster step: the commands that make the lab's cluster, or reach it as `start` says (the platform's). */
export function clusterStep(rendered: RenderedLab, target: ClusterTarget, start: ClusterStart): Step {
  const { profile } = rendered.loaded;
  const { title, run, hashed } = platformFor(profile.platform).clusterStep(
    profile,
    target,
    rendered.lab,
    start,
    rendered.kindConfig?.file,
  );
  return { id: 'cluster', title, component: 'cluster', needs: [], run, waits: [], ...(hashed ? { hashed } : {}) };
}
