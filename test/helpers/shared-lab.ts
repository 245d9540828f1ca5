import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { expect } from 'vitest';
import { createFakes, type Fakes } from '../fakes/fakes.ts';

/** A file or folder under the fakes folder (the lab home, kubeconfigs), relative to it; folders have no data. */
interface Entry {
  path: string;
  mode: number;
  data?: Buffer;
}

/** Everything a lab build leaves: the fakes' state and calls, and every file under the fakes folder but bin/. */
interface Snapshot {
  dir: string;
  json: string;
  calls: string[];
  entries: Entry[];
}

function tree(root: string, at = root): Entry[] {
  return readdirSync(at, { withFileTypes: true }).flatMap((e) => {
    const path = join(at, e.name);
    if (at === root && e.name === 'bin') return [];
    const entry = { path: relative(root, path), mode: statSync(path).mode & 0o7777 };
    return e.isDirectory() ? [entry, ...tree(root, path)] : [{ ...entry, data: readFileSync(path) }];
  });
}

function snapshot(fakes: Fakes): Snapshot {
  return { dir: fakes.dir, ...fakes.raw(), entries: tree(fakes.dir) };
}

/**
 * Puts a snapshot into these fakes as a fresh copy: their state, calls and files become the snapshot's. Only
 * into the folder it was built in: a step's hash covers its commands, which name the lab's kubeconfig under
 * that folder, so a copy elsewhere would look changed in every step to the next up.
 */
function restore(fakes: Fakes, snap: Snapshot): void {
  if (fakes.dir !== snap.dir)
    throw new Error(`a shared lab built in ${snap.dir} cannot be restored into ${fakes.dir}: use createSharedFakes()`);
  fakes.setRaw({ json: snap.json, calls: snap.calls });
  for (const name of readdirSync(fakes.dir))
    if (name !== 'bin') rmSync(join(fakes.dir, name), { recursive: true, force: true });
  for (const e of snap.entries)
    if (e.data) writeFileSync(join(fakes.dir, e.path), e.data);
    else mkdirSync(join(fakes.dir, e.path));
  // Modes last, deepest first, so a folder without write permission still gets its files.
  for (const e of [...snap.entries].reverse()) chmodSync(join(fakes.dir, e.path), e.mode);
}

const parent = mkdtempSync(join(tmpdir(), 'egress-lab-shared-'));
process.on('exit', () => rmSync(parent, { recursive: true, force: true }));

/** Fakes in one fixed folder for every test of a file (each test's cleanup empties it), so sharedLab can restore. */
export const createSharedFakes = () => createFakes({ dir: join(parent, 'fakes') });

/** What a build starts from: the fakes' state, calls, files and environment (its folder and port left out). */
function startingPoint(fakes: Fakes): string {
  const { FAKE_PORT: _port, ...env } = fakes.env;
  const entries = tree(fakes.dir).map((e) => ({ ...e, data: e.data?.toString('base64') }));
  return JSON.stringify({ ...fakes.raw(), entries, env })
    .split(fakes.dir)
    .join('<fakes>');
}

const built = new Map<string, Snapshot>();
/** The test file the labs in `built` were built for. */
let builtFor: string | undefined;

/**
 * A lab built once per test file: the first call runs `build` (the real up, through the fakes) and keeps what
 * it left; each later call with the same key from the same starting point gets a fresh copy of that instead
 * of building again, so no test sees another's changes. Forgotten when the next test file starts: files
 * share a worker process (vitest.config.ts, isolate: false), and another file's build under a key may differ.
 */
export async function sharedLab(fakes: Fakes, key: string, build: () => Promise<unknown>): Promise<void> {
  const file = expect.getState().testPath;
  if (file !== builtFor) built.clear();
  builtFor = file;
  const id = `${key}\n${startingPoint(fakes)}`;
  const saved = built.get(id);
  if (saved) return restore(fakes, saved);
  await build();
  built.set(id, snapshot(fakes));
}
