import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { down } from '../../scripts/lab/down.ts';
import { status } from '../../scripts/lab/status.ts';
import { up } from '../../scripts/lab/up.ts';
import { readLedger } from '../../scripts/state/ledger.ts';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { fakeDeps } from '../helpers/lab.ts';

let fakes: Fakes;
beforeEach(async () => (fakes = await createFakes()));
afterEach(() => fakes.cleanup());

const statusDeps = () => {
  const deps = fakeDeps(fakes);
  return { exec: deps.exec, stdout: deps.stdout, env: deps.env };
};
const failure = (run: Promise<unknown>) =>
  run.then(
    () => undefined,
    (e: Error & { exitCode?: number }) => e,
  );

describe('a damaged state file other than the ledger: a message naming the file and what to do, never a crash', {
  timeout: 900_000,
}, () => {
  const cacheFile = () => join(fakes.home, 'image-cache.json');
  const damagedCaches: [string, string, RegExp][] = [
    ['not JSON', '{"pulled": [', /cannot be read/],
    ['a list of numbers', '{"pulled": [1, 2]}', /is not egress-lab's image cache \(pulled\.0: /],
    ['an array', '[]', /is not egress-lab's image cache/],
  ];
  for (const [what, text, message] of damagedCaches) {
    it(`image cache ${what}: down --purge-cache refuses before removing anything, naming the file`, async () => {
      await up({ profile: 'kind-full', yes: true, verify: false }, fakeDeps(fakes));
      writeFileSync(cacheFile(), text);
      const err = await failure(down({ yes: true, purgeCache: true }, fakeDeps(fakes)));
      expect(err?.message).toMatch(message);
      expect(err?.message).toContain(`the image cache ${cacheFile()} `);
      expect(err?.message).toMatch(/Delete it .* and run the command again$/);
      expect(err?.message).not.toContain('\n');
      expect(err?.exitCode).toBe(1);
      expect(fakes.state().clusters['egress-lab']).toBeDefined();
      expect(readFileSync(cacheFile(), 'utf8')).toBe(text);
      rmSync(cacheFile());
      await down({ yes: true, purgeCache: true }, fakeDeps(fakes));
      expect(fakes.state().clusters).toEqual({});
    });
  }

  const damagedKubeconfigs: [string, string, RegExp][] = [
    ['not YAML', 'clusters: [\n  - name: {\n', /cannot be read \(/],
    ['clusters that are not a list', 'apiVersion: v1\nkind: Config\nclusters: 5\n', /is not a kubeconfig \(clusters: /],
  ];
  for (const [what, text, message] of damagedKubeconfigs) {
    it(`lab kubeconfig ${what}: status says which file and to delete it; deleting it lets status run`, async () => {
      await up({ profile: 'kind', yes: true, verify: false }, fakeDeps(fakes));
      const ledger = readLedger('egress-lab', fakes.env)!;
      writeFileSync(ledger.kubeconfig, text);
      const err = await failure(status({}, statusDeps()));
      expect(err?.message).toMatch(message);
      expect(err?.message).toContain(`the lab kubeconfig ${ledger.kubeconfig} `);
      expect(err?.message).toMatch(/delete it and run the command again/);
      expect(err?.message).not.toContain('\n');
      expect(err?.exitCode).toBe(1);
      rmSync(ledger.kubeconfig);
      await status({}, statusDeps());
      expect(existsSync(ledger.kubeconfig)).toBe(true);
    });
  }
});
