/**
 * `npm run build`: dist/egress-lab.js as one ESM bundle with the dependencies inside, split so that each
 * command's dynamic import stays a chunk of its own (`--help` loads commander and the help text only).
 * dist/meta.json is esbuild's record of which sources each output holds (the tests read it; not shipped).
 * dist/profiles.json holds the built-in profiles' summaries and the digest of the files they come from, so
 * `egress-lab profiles` parses no YAML while those files are unchanged (it checks the digest on every run).
 * dist/yaml-cache.json holds the built-in templates and profiles as the YAML parser read them
 * (scripts/yaml-cache.ts), so a run rebuilds them instead of parsing each again.
 */
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';

const root = import.meta.dirname;
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);
/**
 * commander requires node:child_process when it loads, for stand-alone executable subcommands (`git-style`),
 * which egress-lab has none of; loading it costs about 8 ms of every start, --help's included. commander gets
 * a stand-in that loads node:child_process on first use instead, so nothing changes if it ever is used.
 */
const lazyChildProcess: Plugin = {
  name: 'lazy-child-process-for-commander',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'lazy' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
      contents:
        "let real; module.exports = new Proxy({}, { get: (_t, key) => (real ??= require('node:child_process'))[key] });",
      loader: 'js',
    }));
  },
};

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
  plugins: [lazyChildProcess],
});
writeFileSync(join(dist, 'meta.json'), JSON.stringify(result.metafile, null, 2));
chmodSync(join(dist, 'egress-lab.js'), 0o755);

const { yamlCacheText, YAML_CACHE_FILE } = await import('./scripts/yaml-cache.ts');
writeFileSync(join(dist, YAML_CACHE_FILE), yamlCacheText());

// A built-in profile that does not load leaves no index: `egress-lab profiles` then reports it from the files.
const { profileSummaries } = await import('./scripts/commands/profile-load.ts');
const { builtinsDigest, PROFILES_INDEX_FILE } = await import('./scripts/commands/profile-summaries.ts');
try {
  const index = { digest: builtinsDigest(), profiles: profileSummaries() };
  writeFileSync(join(dist, PROFILES_INDEX_FILE), `${JSON.stringify(index)}\n`);
} catch (err) {
  console.warn(`bundle: no ${PROFILES_INDEX_FILE}: ${(err as Error).message}`);
}
