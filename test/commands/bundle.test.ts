import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up } from '../../scripts/lab/up.ts';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { cli } from '../helpers/cli.ts';
import { cmdline, fakeDeps } from '../helpers/lab.ts';
import { scratch } from '../helpers/temp.ts';

let fakes: Fakes;
const tmp = scratch();
const full = join(tmp.dir, 'kind-full.tgz');
const SLOW = 900_000;

/** Every call that would fetch from the internet: a pull, a chart from a repository, a URL, curl. */
const fetches = (calls: string[]) =>
  calls.filter((c) =>
    /^docker pull|^helm (upgrade|pull) .*(--repo|oci:\/\/)|^kubectl .* -f https?:\/\/|^curl /.test(c),
  );

beforeAll(async () => {
  fakes = await createFakes();
  const r = await cli(['bundle', '--profile', 'kind-full', '--out', full], { env: fakes.env });
  expect([r.code, r.stderr]).toEqual([0, '']);
  expect(r.stdout).toMatch(
    /^Wrote .*kind-full\.tgz: 8 images and kind's node image, 6 charts, the Gateway API CRDs, for kind-full\.\n/,
  );
}, SLOW);
afterAll(() => {
  fakes.cleanup();
  tmp.cleanup();
});

describe('offline: egress-lab bundle, then up --bundle', { timeout: SLOW }, () => {
  it('without a network, up fails; from the bundle it builds the lab and verify proves it, with no fetch at all', async () => {
    fakes.update((s) => {
      s.offline = true;
      // A venue laptop: nothing in Docker yet.
      s.images = [];
    });
    await expect(
      up({ profile: 'kind-full', name: 'online', yes: true, verify: false }, fakeDeps(fakes)),
    ).rejects.toThrow(/failed to pull image|cannot be reached|unable to read URL/);
    const before = fakes.calls().length;
    const deps = fakeDeps(fakes);
    await up({ profile: 'kind-full', bundle: full, yes: true }, deps);
    expect(deps.output()).toContain('Every hop is proven.');
    const calls = fakes.calls().slice(before).map(cmdline);
    expect(fetches(calls)).toEqual([]);
    expect(calls.some((c) => /^docker load -i .*\/bundle\/node-image\.tar$/.test(c))).toBe(true);
    expect(calls.some((c) => /^kind load image-archive .*\/bundle\/images\.tar /.test(c))).toBe(true);
    expect(calls.filter((c) => /^helm upgrade --install \S+ \S+\/bundle\/charts\//.test(c))).toHaveLength(6);
  });

  it('a bundle is checked against the lab before anything runs: another profile, GKE, or a file that is no bundle is exit 2', async () => {
    const small = join(tmp.dir, 'kind.tgz');
    fakes.update((s) => {
      s.offline = false;
    });
    expect((await cli(['bundle', '--profile', 'kind', '--out', small], { env: fakes.env })).code).toBe(0);
    const calls = fakes.calls().length;
    const other = await cli(['up', '--profile', 'kind-full', '--name', 'other', '--bundle', small, '--yes'], {
      env: fakes.env,
    });
    expect([other.code, other.stderr]).toEqual([
      2,
      expect.stringMatching(/^egress-lab: --bundle .*kind\.tgz: made for kind, and it has no image .*squid/),
    ]);
    const junk = join(tmp.dir, 'junk.tgz');
    writeFileSync(junk, 'not an archive');
    const notBundle = await cli(['up', '--profile', 'kind-full', '--name', 'other', '--bundle', junk, '--yes'], {
      env: fakes.env,
    });
    expect([notBundle.code, notBundle.stderr]).toEqual([
      2,
      expect.stringMatching(/^egress-lab: --bundle .*junk\.tgz: not a bundle egress-lab can unpack/),
    ]);
    const gke = await cli(['bundle', '--profile', 'gke-full', '--out', join(tmp.dir, 'gke.tgz')], { env: fakes.env });
    expect([gke.code, gke.stderr]).toEqual([
      2,
      expect.stringMatching(/nodes pull their images from the registries themselves/),
    ]);
    expect(existsSync(join(tmp.dir, 'gke.tgz'))).toBe(false);
    expect(fakes.calls().length).toBe(calls);
  });
});
