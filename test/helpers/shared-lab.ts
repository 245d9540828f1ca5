import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Fakes } from '../fakes/fakes.ts';

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
 * Puts a snapshot into these fakes as a fresh copy: their state, calls and files become the snapshot's, with
 * the snapshot's folder name replaced by this one's wherever it appears (the ledger, the run log, the calls).
 */
function restore(fakes: Fakes, snap: Snapshot): void {
  const swap = (text: string) => text.split(snap.dir).join(fakes.dir);
  fakes.setRaw({ json: swap(snap.json), calls: snap.calls.map(swap) });
  for (const name of readdirSync(fakes.dir))
    if (name !== 'bin') rmSync(join(fakes.dir, name), { recursive: true, force: true });
  for (const e of snap.entries)
    if (e.data) writeFileSync(join(fakes.dir, e.path), Buffer.from(swap(e.data.toString('latin1')), 'latin1'));
    else mkdirSync(join(fakes.dir, e.path));
  // Modes last, deepest first, so a folder without write permission still gets its files.
  for (const e of [...snap.entries].reverse()) chmodSync(join(fakes.dir, e.path), e.mode);
}

/** What a build starts from: the fakes' state, calls, files and environment (its folder and port left out). */
function startingPoint(fakes: Fakes): string {
  const { FAKE_PORT: _port, ...env } = fakes.env;
  const entries = tree(fakes.dir).map((e) => ({ ...e, data: e.data?.toString('base64') }));
  return JSON.stringify({ ...fakes.raw(), entries, env })
    .split(fakes.dir)
    .join('<fakes>');
}

const built = new Map<string, Snapshot>();

/**
 * A lab built once per test file: the first call runs `build` (the real up, through the fakes) and keeps what
 * it left; each later call with the same key from the same starting point gets a fresh copy of that instead
 * of building again, so no test sees another's changes.
 */
export async function sharedLab(fakes: Fakes, key: string, build: () => Promise<unknown>): Promise<void> {
  const id = `${key}\n${startingPoint(fakes)}`;
  const saved = built.get(id);
  if (saved) return restore(fakes, saved);
  await build();
  built.set(id, snapshot(fakes));
}
