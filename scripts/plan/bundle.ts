import { join } from 'node:path';
import * as z from 'zod';

/**
 * An offline bundle (egress-lab bundle): everything a kind lab fetches from the internet, in one archive. Its
 * index, bundle.json, names each piece by the file that holds it, relative to the bundle's folder.
 */
export const bundleIndexSchema = z.strictObject({
  version: z.literal(1),
  profile: z.string(),
  /** The lab's images, as one `docker save` archive, which `kind load image-archive` loads into the nodes. */
  images: z.strictObject({ file: z.string(), refs: z.array(z.string()) }),
  /** The kind node image, loaded into the host's Docker so `kind create cluster` does not pull it. */
  nodeImage: z.strictObject({ file: z.string(), ref: z.string() }),
  /** Each release's chart archive (`helm pull`), by release name, with the chart's version. */
  charts: z.record(z.string(), z.strictObject({ file: z.string(), version: z.string() })),
  /** The Gateway API CRDs, fetched from their release URL. */
  gatewayApi: z.strictObject({ file: z.string(), url: z.string() }),
});
export type BundleIndex = z.infer<typeof bundleIndexSchema>;

export const BUNDLE_INDEX = 'bundle.json';
/** Written by up into the unpacked bundle: the render's kind config, its node image by tag. */
export const BUNDLE_KIND_CONFIG = 'kind-cluster.yaml';

/** An image reference without its digest: what `docker load` registers (moby/moby#22011: the digest is lost). */
export const withoutDigest = (image: string) => image.replace(/@sha256:[0-9a-f]{64}$/, '');

/** Where an up from a bundle takes each piece: absolute paths into the unpacked bundle. */
export interface BundleSources {
  images: string;
  /** The kind config with the node image named by its tag: `docker load` keeps no registry digest. */
  kindConfig: string;
  nodeImage: string;
  charts: Readonly<Record<string, string>>;
  gatewayApi: string;
}

export function bundleSources(dir: string, index: BundleIndex): BundleSources {
  return {
    images: join(dir, index.images.file),
    kindConfig: join(dir, BUNDLE_KIND_CONFIG),
    nodeImage: join(dir, index.nodeImage.file),
    charts: Object.fromEntries(Object.entries(index.charts).map(([release, c]) => [release, join(dir, c.file)])),
    gatewayApi: join(dir, index.gatewayApi.file),
  };
}
