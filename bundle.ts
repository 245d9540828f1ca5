/**
 * `npm run build`: dist/egress-lab.js as one ESM bundle with the dependencies inside, split so that each
 * command's dynamic import stays a chunk of its own (`--help` loads commander and the help text only).
 * dist/meta.json is esbuild's record of which sources each output holds (the tests read it; not shipped).
 */
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = import.meta.dirname;
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);
const result = await build({
  entryPoints: { 'egress-lab': join(root, 'scripts', 'egress-lab.ts') },
  outdir: dist,
  absWorkingDir: root,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  chunkNames: 'chunk-[hash]',
  // The CommonJS dependencies (commander) call require() for Node's own modules, which ESM lacks.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
  minify: true,
  keepNames: true,
  metafile: true,
  logLevel: 'warning',
});
writeFileSync(join(dist, 'meta.json'), JSON.stringify(result.metafile, null, 2));
chmodSync(join(dist, 'egress-lab.js'), 0o755);
