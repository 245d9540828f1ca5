import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ActionableError, InputError } from '../errors.ts';
import type { Exec } from '../exec/exec.ts';
import {
  BUNDLE_INDEX,
  BUNDLE_KIND_CONFIG,
  type BundleIndex,
  type BundleSources,
  bundleIndexSchema,
  bundleSources,
  withoutDigest,
} from '../plan/bundle.ts';
import { hostPlatform, labImages } from '../plan/images.ts';
import { platformFor } from '../platform/platform.ts';
import type { RenderedLab } from '../render/render.ts';
import { labDir } from '../state/paths.ts';

const LONG_MS = 30 * 60_000;

/** A bundle serves a lab whose host loads the images into the nodes (kind); GKE's nodes pull for themselves. */
function checkBundlePlatform(rendered: RenderedLab): void {
  const { platform } = rendered.loaded.profile;
  if (!platformFor(platform).warmsImages)
    throw new InputError(
      `--bundle: a ${platform} lab's nodes pull their images from the registries themselves, so a bundle cannot take the internet's place there; bundles serve kind labs`,
    );
}

/**
 * `egress-lab bundle`: fetches everything a kind lab of this profile takes from the internet — its images and
 * kind's node image (docker pull, docker save), every chart (helm pull), the Gateway API CRDs (curl) — into one
 * archive (tar), indexed by bundle.json. Returns the index.
 */
export async function makeBundle(exec: Exec, rendered: RenderedLab, out: string): Promise<BundleIndex> {
  checkBundlePlatform(rendered);
  const { profile, stack } = rendered.loaded;
  const platform = hostPlatform();
  const refs = labImages(rendered);
  const nodeImage = profile.kind.nodeImage;
  const work = mkdtempSync(join(tmpdir(), 'egress-lab-bundle-'));
  try {
    for (const image of [...refs, nodeImage])
      await exec('docker', ['pull', '--platform', platform, image], { timeoutMs: LONG_MS });
    await exec('docker', ['save', '--platform', platform, '-o', join(work, 'images.tar'), ...refs], {
      timeoutMs: LONG_MS,
    });
    await exec('docker', ['save', '--platform', platform, '-o', join(work, 'node-image.tar'), nodeImage], {
      timeoutMs: LONG_MS,
    });
    const charts: BundleIndex['charts'] = {};
    for (const r of rendered.releases) {
      const dest = join(work, 'charts', r.name);
      mkdirSync(dest, { recursive: true });
      const repo = r.release.repo ? ['--repo', r.release.repo] : [];
      await exec('helm', ['pull', r.release.chart, ...repo, '--version', r.version, '--destination', dest], {
        timeoutMs: LONG_MS,
      });
      const [archive] = readdirSync(dest).filter((f) => f.endsWith('.tgz'));
      if (!archive) throw new ActionableError(`helm pull ${r.release.chart} ${r.version} wrote no chart archive`);
      charts[r.name] = { file: join('charts', r.name, archive), version: r.version };
    }
    const url = stack.gatewayApi.url;
    await exec('curl', ['-fsSL', '-o', join(work, 'gateway-api.yaml'), url], { timeoutMs: LONG_MS });
    const index: BundleIndex = {
      version: 1,
      profile: rendered.loaded.name,
      images: { file: 'images.tar', refs },
      nodeImage: { file: 'node-image.tar', ref: nodeImage },
      charts,
      gatewayApi: { file: 'gateway-api.yaml', url },
    };
    writeFileSync(join(work, BUNDLE_INDEX), `${JSON.stringify(index, null, 2)}\n`);
    mkdirSync(dirname(out), { recursive: true });
    await exec('tar', ['-czf', out, '-C', work, '.'], { timeoutMs: LONG_MS });
    return index;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** What in the bundle differs from what the lab needs, or undefined when it holds exactly that. */
function mismatch(index: BundleIndex, rendered: RenderedLab): string | undefined {
  const refs = labImages(rendered);
  const missing = refs.filter((r) => !index.images.refs.includes(r));
  if (missing.length) return `it has no image ${missing.join(', ')}`;
  if (index.nodeImage.ref !== rendered.loaded.profile.kind.nodeImage)
    return `its kind node image is ${index.nodeImage.ref}, not ${rendered.loaded.profile.kind.nodeImage}`;
  for (const r of rendered.releases) {
    const chart = index.charts[r.name];
    if (!chart) return `it has no chart for ${r.name}`;
    if (chart.version !== r.version) return `its ${r.name} chart is ${chart.version}, not ${r.version}`;
  }
  if (index.gatewayApi.url !== rendered.loaded.stack.gatewayApi.url)
    return `its Gateway API CRDs come from ${index.gatewayApi.url}, not ${rendered.loaded.stack.gatewayApi.url}`;
  return undefined;
}

function readIndex(path: string) {
  if (!existsSync(path)) return undefined;
  try {
    return bundleIndexSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    return undefined;
  }
}

/**
 * `up --bundle FILE`: unpacks the bundle (tar) into the lab's folder — on a dry run into a scratch folder,
 * removed after — and checks it holds what this profile's lab needs; the plan then takes every image, chart
 * and CRD from it. A file that is not such a bundle, or one made for other versions, is bad input.
 */
export async function openBundle(
  exec: Exec,
  file: string,
  rendered: RenderedLab,
  env: NodeJS.ProcessEnv,
  dryRun: boolean,
): Promise<BundleSources> {
  checkBundlePlatform(rendered);
  const archive = resolve(file);
  if (!existsSync(archive)) throw new InputError(`--bundle ${file}: no such file`);
  const dir = join(labDir(rendered.lab, env), 'bundle');
  const into = dryRun ? mkdtempSync(join(tmpdir(), 'egress-lab-bundle-')) : dir;
  try {
    rmSync(into, { recursive: true, force: true });
    mkdirSync(into, { recursive: true, mode: 0o700 });
    try {
      await exec('tar', ['-xzf', archive, '-C', into], { timeoutMs: LONG_MS });
    } catch (err) {
      throw new InputError(
        `--bundle ${file}: not a bundle egress-lab can unpack (${(err as Error).message.split('\n')[0]})`,
      );
    }
    const parsed = readIndex(join(into, BUNDLE_INDEX));
    if (!parsed?.success)
      throw new InputError(`--bundle ${file}: has no valid ${BUNDLE_INDEX}; make it with egress-lab bundle`);
    const wrong = mismatch(parsed.data, rendered);
    if (wrong)
      throw new InputError(
        `--bundle ${file}: made for ${parsed.data.profile}, and ${wrong}; make the bundle with the same profile flags as up`,
      );
    // Docker registers a loaded image by its name and tag only, so kind must look for the node image by tag.
    const config = rendered.kindConfig!.text.replaceAll(
      rendered.loaded.profile.kind.nodeImage,
      withoutDigest(rendered.loaded.profile.kind.nodeImage),
    );
    writeFileSync(join(into, BUNDLE_KIND_CONFIG), config);
    return bundleSources(dir, parsed.data);
  } finally {
    if (dryRun) rmSync(into, { recursive: true, force: true });
  }
}
