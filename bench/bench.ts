/**
 * `npm run bench`: prints figures, asserts nothing (run on an otherwise idle machine).
 * 1. up against the fakes with realistic relative latencies, scaled down: wall time, critical path,
 *    sequential sum and their ratios; then a re-run on the unchanged lab, and a second lab with the
 *    image cache warm (pulls from outside).
 * 2. render of every built-in profile, in process.
 * 3. the bundled CLI's start-up beside `node -e 0` (median of interleaved runs): --help, --version, profiles,
 *    render and status, with their targets.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { down } from '../scripts/lab/down.ts';
import { up } from '../scripts/lab/up.ts';
import { renderFiles } from '../scripts/plan/files.ts';
import { buildPlan, type Step } from '../scripts/plan/plan.ts';
import { builtinProfileNames, loadProfile } from '../scripts/profile/load.ts';
import { renderLab } from '../scripts/render/render.ts';
import { readLedger } from '../scripts/state/ledger.ts';
import { createFakes, type Fakes } from '../test/fakes/fakes.ts';
import { fakeDeps } from '../test/helpers/lab.ts';

const SCALE = 1 / 40;
const RUNS = 9;
const entry = join(import.meta.dirname, '..', 'dist', 'egress-lab.js');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Seconds each program takes on a real laptop (kind create ~40 s, each helm install 10-30 s, pulls by image size). */
const LATENCIES: { match: string; seconds: number }[] = [
  { match: '^kind create cluster', seconds: 40 },
  { match: '^kind load image-archive', seconds: 12 },
  { match: '^docker save', seconds: 6 },
  { match: '^docker pull .*(pilot|ztunnel|install-cni)', seconds: 15 },
  { match: '^docker pull .*(agentgateway|controller)', seconds: 10 },
  { match: '^docker pull .*(squid|ext-authz)', seconds: 8 },
  { match: '^docker pull .*curl', seconds: 3 },
  { match: '^helm upgrade --install istio-base', seconds: 10 },
  { match: '^helm upgrade --install istiod', seconds: 25 },
  { match: '^helm upgrade --install (istio-cni|ztunnel)', seconds: 20 },
  { match: '^helm upgrade --install \\S+-crds', seconds: 8 },
  { match: '^helm upgrade --install agentgateway ', seconds: 15 },
  { match: '^kubectl .* apply .*gateway-api', seconds: 4 },
  { match: '^kubectl .* apply', seconds: 2 },
  { match: '^kubectl .* rollout status', seconds: 5 },
  { match: '^kubectl .* wait --for=condition=Programmed', seconds: 8 },
];

/** The longest chain of needs, weighted by each step's measured duration. */
function criticalPath(steps: readonly Step[], duration: (id: string) => number): { ms: number; path: string[] } {
  const memo = new Map<string, { ms: number; path: string[] }>();
  const byId = new Map(steps.map((st) => [st.id, st]));
  const longest = (id: string): { ms: number; path: string[] } => {
    const cached = memo.get(id);
    if (cached) return cached;
    const before = byId
      .get(id)!
      .needs.map(longest)
      .sort((a, b) => b.ms - a.ms)[0] ?? { ms: 0, path: [] };
    const result = { ms: before.ms + duration(id), path: [...before.path, id] };
    memo.set(id, result);
    return result;
  };
  return steps.map((st) => longest(st.id)).sort((a, b) => b.ms - a.ms)[0]!;
}

/** Leaves the lab up, for the start-up figures of status. */
async function benchUp(fakes: Fakes): Promise<void> {
  fakes.update(
    (st) => (st.delays = LATENCIES.map((l) => ({ match: l.match, ms: Math.round(l.seconds * 1000 * SCALE) }))),
  );
  const profile = 'kind-full';
  const start = performance.now();
  await up({ profile, yes: true, verify: false }, fakeDeps(fakes));
  const wall = performance.now() - start;
  const ledger = readLedger('egress-lab', fakes.env)!;
  const steps = buildPlan(renderLab(loadProfile({ profile }), 'egress-lab'), fakes.env);
  const duration = (id: string) => ledger.steps[id]?.durationMs ?? 0;
  const critical = criticalPath(steps, duration);
  const sequential = steps.reduce((sum, st) => sum + duration(st.id), 0);
  console.log(`up --profile ${profile} against the fakes (real latencies x${SCALE}, plus a few ms per fake call):`);
  console.log(`  wall time:        ${s(wall)}`);
  console.log(`  critical path:    ${s(critical.ms)}  (${critical.path.join(' > ')})`);
  console.log(`  sequential sum:   ${s(sequential)}`);
  console.log(`  wall / critical:  ${(wall / critical.ms).toFixed(2)}   (target <= 1.15)`);
  console.log(`  wall / sequential: ${(wall / sequential).toFixed(2)}  (target <= 0.60)`);

  fakes.clearCalls();
  const again = performance.now();
  await up({ profile, yes: true, verify: false }, fakeDeps(fakes));
  console.log(
    `  re-run on the unchanged lab: ${s(performance.now() - again)}, ${fakes.calls().length} read-only calls   (target <= 1.5 s)`,
  );

  await down({ yes: true }, fakeDeps(fakes));
  fakes.clearCalls();
  const warm = performance.now();
  await up({ profile, yes: true, verify: false }, fakeDeps(fakes));
  const pulls = fakes.calls().filter((c) => c.bin === 'docker' && c.argv[0] === 'pull').length;
  console.log(
    `  second lab, image cache warm: ${s(performance.now() - warm)}, images pulled from outside: ${pulls}   (target 0)`,
  );
}

/** One spawn of node with `args`, timed; async, so the fakes server in this process answers the CLI's calls. */
function timeSpawn(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const start = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: 'ignore' });
  return new Promise((ok, fail) =>
    child.on('close', (code) =>
      code === 0 ? ok(performance.now() - start) : fail(new Error(`node ${args.join(' ')} exited ${code}`)),
    ),
  );
}

/**
 * Start-up of the bundled CLI beside `node -e 0`, interleaved in one run: --help and --version (commander
 * only), profiles and render (profiles, templates, yaml, zod), and status of the lab that benchUp left up.
 */
async function benchStartup(env: NodeJS.ProcessEnv, out: string): Promise<void> {
  const commands: Record<string, { args: string[]; target?: number }> = {
    'node -e 0': { args: ['-e', '0'] },
    'egress-lab --help': { args: [entry, '--help'], target: 1.3 },
    'egress-lab --version': { args: [entry, '--version'] },
    'egress-lab profiles': { args: [entry, 'profiles'], target: 2.5 },
    'egress-lab render': { args: [entry, 'render', '--profile', 'kind-full', '--out', out, '--force'], target: 2.5 },
    'egress-lab status': { args: [entry, 'status'], target: 2.5 },
  };
  const rows: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
  for (let i = 0; i < RUNS; i++)
    for (const [name, { args }] of Object.entries(commands)) rows[name]!.push(await timeSpawn(args, env));
  const floor = median(rows['node -e 0']!);
  console.log(`start-up, median of ${RUNS} interleaved runs, ratio to node -e 0:`);
  for (const [name, xs] of Object.entries(rows)) {
    const target = commands[name]!.target;
    console.log(
      `  ${name.padEnd(22)} ${median(xs).toFixed(0).padStart(5)} ms   ratio ${(median(xs) / floor).toFixed(2)}${target ? `   (target <= ${target})` : ''}`,
    );
  }
}

function benchRender(): void {
  const renderAll = () =>
    builtinProfileNames().reduce(
      (n, name) => n + renderFiles(renderLab(loadProfile({ profile: name }), 'egress-lab'), name).size,
      0,
    );
  const first = performance.now();
  const files = renderAll();
  const cold = performance.now() - first;
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    renderAll();
    warm.push(performance.now() - t);
  }
  console.log(
    `render of all ${builtinProfileNames().length} built-in profiles (${files} files): first ${cold.toFixed(0)} ms, then median ${median(warm).toFixed(0)} ms   (target <= 1000 ms)`,
  );
}

benchRender();
const fakes = await createFakes();
try {
  await benchUp(fakes);
  fakes.update((st) => (st.delays = []));
  await benchStartup(fakes.env, join(fakes.dir, 'rendered'));
  fakes.clearCalls();
  await timeSpawn([entry, 'status'], fakes.env);
  console.log(
    `  (one status makes ${fakes.calls().length} calls to the fake kubectl, each a bash client and a loopback hop)`,
  );
} finally {
  fakes.cleanup();
}
