/**
 * `npm run bench`: prints figures, asserts nothing. Run on an otherwise idle machine.
 * - render of every built-in profile (load, validate, render, plan), cold in a fresh process and warm;
 * - `egress-lab --help` beside `node -e 0`, median of several runs in the same session.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const RUNS = 9;
const entry = fileURLToPath(new URL('./egress-lab.js', import.meta.url));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;

function timeSpawn(args: string[]): number {
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}`);
  return performance.now() - start;
}

async function renderAll(): Promise<{ profiles: number; files: number }> {
  const { builtinProfileNames, loadProfile } = await import('./profile/load.ts');
  const { renderLab } = await import('./render/render.ts');
  const { renderFiles } = await import('./commands/render.ts');
  let files = 0;
  const names = builtinProfileNames();
  for (const name of names) files += renderFiles(renderLab(loadProfile({ profile: name }), 'egress-lab'), name).size;
  return { profiles: names.length, files };
}

async function main(): Promise<void> {
  if (process.argv[2] === '--render-once') {
    const start = performance.now();
    const { profiles, files } = await renderAll();
    process.stdout.write(JSON.stringify({ ms: performance.now() - start, profiles, files }));
    return;
  }
  const self = fileURLToPath(import.meta.url);
  const coldRuns = Array.from({ length: 5 }, () => JSON.parse(spawnSync(process.execPath, [self, '--render-once'], { encoding: 'utf8' }).stdout) as { ms: number; profiles: number; files: number });
  const warm: number[] = [];
  await renderAll();
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await renderAll();
    warm.push(performance.now() - start);
  }
  const { profiles, files } = coldRuns[0]!;
  console.log(`render all built-in profiles (${profiles} profiles, ${files} files, in memory):`);
  console.log(`  cold, fresh process incl. module load: median ${ms(median(coldRuns.map((r) => r.ms)))}   (target <= 1000 ms)`);
  console.log(`  warm:                                  median ${ms(median(warm))}`);

  const floor: number[] = [];
  const help: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    floor.push(timeSpawn(['-e', '0']));
    help.push(timeSpawn([entry, '--help']));
  }
  const ratio = median(help) / median(floor);
  console.log(`startup, median of ${RUNS} interleaved runs:`);
  console.log(`  node -e 0:          ${ms(median(floor))}`);
  console.log(`  egress-lab --help:  ${ms(median(help))}   ratio ${ratio.toFixed(2)}   (target <= 1.6)`);
}

await main();
