import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { down } from '../../scripts/lab/down.ts';
import { up } from '../../scripts/lab/up.ts';
import { labImages } from '../../scripts/plan/images.ts';
import { loadProfile } from '../../scripts/profile/load.ts';
import { renderLab } from '../../scripts/render/render.ts';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { cmdline, fakeDeps } from '../helpers/lab.ts';

let fakes: Fakes;
beforeEach(async () => (fakes = await createFakes()));
afterEach(() => fakes.cleanup());

const images = (profile: string) => labImages(renderLab(loadProfile({ profile }), 'egress-lab'));
const upKind = (profile = 'kind-full') => up({ profile, yes: true, verify: false }, fakeDeps(fakes));
/**
 * The images in the host's Docker, but kind's node image: kind pulls that one itself when it creates the cluster
 * (docs/upstream-rules.md K6), and it is not egress-lab's to keep or purge.
 */
const hostImages = () => (fakes.state().images ?? []).filter((i) => !i.startsWith('kindest/node:'));

describe('warm images for kind', () => {
  it('the image list covers the chart images and every workload image, pinned by version', () => {
    expect(images('kind-full')).toEqual(
      expect.arrayContaining([
        'registry.istio.io/release/pilot:1.30.5-distroless',
        'registry.istio.io/release/ztunnel:1.30.5-distroless',
        'cr.agentgateway.dev/controller:v1.4.1',
        'cr.agentgateway.dev/agentgateway:v1.4.1',
        'curlimages/curl:8.16.0',
        'gcr.io/istio-testing/ext-authz:1.25-dev',
        'ubuntu/squid:6.6-24.04_beta',
      ]),
    );
    expect(images('kind')).not.toContain('ubuntu/squid:6.6-24.04_beta');
  });

  it('pulls every image on the host in parallel while kind creates the cluster, and loads them before any workload starts', async () => {
    fakes.update(
      (s) =>
        (s.delays = [
          // kind create lasts far longer than a pull, so the overlap shows even on a loaded machine.
          { match: '^docker pull', ms: 300 },
          { match: '^kind create', ms: 5000 },
        ]),
    );
    await upKind();
    const calls = fakes.calls();
    const pulls = calls.filter((c) => c.bin === 'docker' && c.argv[0] === 'pull');
    expect(pulls.map((c) => c.argv.at(-1)).sort()).toEqual(images('kind-full'));
    for (const p of pulls)
      expect(p.argv.slice(1, 3)).toEqual(['--platform', expect.stringMatching(/^linux\/(amd64|arm64)$/)]);
    const create = calls.find((c) => cmdline(c).startsWith('kind create'))!;
    expect(pulls.some((p) => p.start < create.end && create.start < p.end)).toBe(true);
    const save = calls.find((c) => c.bin === 'docker' && c.argv[0] === 'save')!;
    expect(save.argv.slice(0, 3)).toEqual(['save', '--platform', expect.stringMatching(/^linux\//)]);
    const load = calls.find((c) => cmdline(c).startsWith('kind load image-archive'))!;
    expect(fakes.state().clusters['egress-lab']!.images!.sort()).toEqual(images('kind-full'));
    const istiod = calls.find((c) => cmdline(c).startsWith('helm upgrade --install istiod '))!;
    const sample = calls.find((c) => c.argv.includes('apply') && c.stdin?.includes('name: sleep'))!;
    expect(istiod.start).toBeGreaterThanOrEqual(load.end);
    expect(sample.start).toBeGreaterThanOrEqual(load.end);
  });

  it('a second lab on the same machine pulls nothing from the internet; down keeps the cache', async () => {
    await upKind();
    await down({ yes: true }, fakeDeps(fakes));
    expect(hostImages().sort()).toEqual(images('kind-full'));
    fakes.clearCalls();
    await upKind();
    expect(fakes.calls().filter((c) => c.bin === 'docker' && c.argv[0] === 'pull')).toEqual([]);
    expect(fakes.calls().some((c) => cmdline(c).startsWith('kind load image-archive'))).toBe(true);
  });

  it('down --purge-cache removes the images egress-lab pulled, not those that were there before', async () => {
    fakes.update((s) => (s.images = ['curlimages/curl:8.16.0']));
    await upKind();
    await down({ yes: true, purgeCache: true }, fakeDeps(fakes));
    expect(hostImages()).toEqual(['curlimages/curl:8.16.0']);
  });

  it('an image that cannot be pulled does not fail up: the nodes pull for themselves', async () => {
    fakes.update((s) => (s.unpullable = ['gcr.io/istio-testing/ext-authz:1.25-dev']));
    const deps = fakeDeps(fakes);
    await up({ profile: 'kind-full', yes: true, verify: false }, deps);
    expect(fakes.calls().some((c) => cmdline(c).startsWith('kind load'))).toBe(false);
    expect(fakes.state().clusters['egress-lab']).toBeDefined();
  });

  it('GKE pulls in the cluster: no host pulls', async () => {
    await up(
      { profile: 'gke-full', gkeProject: 'demo-project-1', gkeLocation: 'europe-west1-b', yes: true, verify: false },
      fakeDeps(fakes),
    );
    expect(fakes.calls().some((c) => c.bin === 'docker' && c.argv[0] !== 'info')).toBe(false);
  });
});
