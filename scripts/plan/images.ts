import { arch } from 'node:os';
import { join } from 'node:path';
import type { RenderedLab, RenderedRelease } from '../render/render.ts';
import { labDir } from '../state/paths.ts';
import type { BundleSources } from './bundle.ts';
import type { ClusterTarget, Command, Step } from './types.ts';

/**
 * Warm images for kind: the host pulls every image the lab runs while kind creates the cluster, then
 * side-loads them into the nodes (`docker save --platform` + `kind load image-archive`, which avoids
 * the containerd-image-store failure of `kind load docker-image`). Images already in the host's Docker
 * are not pulled again, so a second lab on the same machine pulls nothing from the internet.
 */
export const PULL_STEP = 'images-pull';
export const LOAD_STEP = 'images-load';

export function hostPlatform(): string {
  return `linux/${arch() === 'arm64' ? 'arm64' : 'amd64'}`;
}

/** The images a release runs: its `images` patterns, each `{a.b}` read from the release's rendered values. */
export function releaseImages(r: RenderedRelease): string[] {
  const read = (path: string): string => {
    let node: unknown = r.values;
    for (const step of path.split('.')) node = (node as Record<string, unknown> | undefined)?.[step];
    if (typeof node !== 'string' || node === '')
      throw new Error(`stack release ${r.name}: its image names values path ${path}, which ${r.file} does not set`);
    return node;
  };
  return (r.release.images ?? []).map((pattern) =>
    pattern.replace(/\{([A-Za-z0-9_.-]+)\}/g, (_m, path: string) => read(path)),
  );
}

/**
 * Every image of the lab: the images each release's values pin, the stack's list for charts without public
 * source (with their versions), and the rendered workloads'.
 */
export function labImages(rendered: RenderedLab): string[] {
  const { stack } = rendered.loaded;
  const fromReleases = rendered.releases.flatMap(releaseImages);
  const fromStack = stack.images.map((i) =>
    i.replace(/\{version:([a-z]+)\}/g, (_m, key: string) => stack.versions[key] ?? key),
  );
  const fromManifests = rendered.manifests
    .flatMap((m) => m.objects)
    .filter((o) => o.kind === 'Deployment')
    .flatMap((o) =>
      (
        (o['spec'] as { template?: { spec?: { containers?: { image?: string }[] } } }).template?.spec?.containers ?? []
      ).map((c) => c.image ?? ''),
    )
    .filter(Boolean);
  return [...new Set([...fromReleases, ...fromStack, ...fromManifests])].sort();
}

export const imagesDir = (lab: string, env: NodeJS.ProcessEnv) => join(labDir(lab, env), 'images');

/**
 * From an offline bundle: the node image goes into the host's Docker (kind creates its nodes from it) and the
 * bundle's image archive straight into the nodes; nothing is pulled.
 */
function bundleImageSteps(target: ClusterTarget, bundle: BundleSources): Step[] {
  return [
    {
      id: PULL_STEP,
      title: 'load the kind node image from the bundle into Docker',
      component: 'images',
      needs: [],
      run: [{ bin: 'docker', args: ['load', '-i', bundle.nodeImage] }],
      waits: [],
    },
    {
      id: LOAD_STEP,
      title: 'load the images from the bundle into the kind nodes',
      component: 'images',
      needs: ['cluster', PULL_STEP],
      run: [{ bin: 'kind', args: ['load', 'image-archive', bundle.images, '--name', target.cluster] }],
      waits: [],
    },
  ];
}

export function imageSteps(
  rendered: RenderedLab,
  target: ClusterTarget,
  env: NodeJS.ProcessEnv,
  bundle?: BundleSources,
): Step[] {
  if (bundle) return bundleImageSteps(target, bundle);
  const images = labImages(rendered);
  const platform = hostPlatform();
  const inspect = (image: string): Command => ({
    bin: 'docker',
    args: ['image', 'inspect', '--format', '{{.Id}}', image],
  });
  const pull: Step = {
    id: PULL_STEP,
    title: `pull ${images.length} images on the host`,
    component: 'images',
    needs: [],
    concurrent: true,
    run: images.map((image) => ({
      bin: 'docker',
      args: ['pull', '--platform', platform, image],
      skipIf: inspect(image),
      optional: true,
    })),
    waits: [],
  };
  // One archive, one load: when an image could not be pulled, nothing is side-loaded and the nodes pull
  // everything themselves (slower, still correct).
  const archive = join(imagesDir(rendered.lab, env), 'images.tar');
  const load: Step = {
    id: LOAD_STEP,
    title: `load the images into the kind nodes`,
    component: 'images',
    needs: ['cluster', PULL_STEP],
    run: [
      {
        bin: 'docker',
        args: ['save', '--platform', platform, '-o', archive, ...images],
        onlyIf: { bin: 'docker', args: ['image', 'inspect', '--format', '{{.Id}}', ...images] },
        optional: true,
      },
      {
        bin: 'kind',
        args: ['load', 'image-archive', archive, '--name', target.cluster],
        onlyIf: { bin: 'docker', args: ['image', 'inspect', '--format', '{{.Id}}', ...images] },
        optional: true,
      },
    ],
    waits: [],
  };
  return [pull, load];
}
