import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { down } from '../../scripts/lab/down.ts';
import { status } from '../../scripts/lab/status.ts';
import { up } from '../../scripts/lab/up.ts';
import { readLedger } from '../../scripts/state/ledger.ts';
import type { Fakes } from '../fakes/fakes.ts';
import { fakeDeps, GKE_FULL } from '../helpers/lab.ts';
import { createSharedFakes, sharedLab } from '../helpers/shared-lab.ts';

let fakes: Fakes;
beforeEach(async () => (fakes = await createSharedFakes()));
afterEach(() => fakes.cleanup());

const stateFile = (lab = 'egress-lab') => join(fakes.home, lab, 'state.json');
const statusDeps = () => {
  const deps = fakeDeps(fakes);
  return { exec: deps.exec, stdout: deps.stdout, env: deps.env };
};
const GKE = GKE_FULL;
const KIND = { profile: 'kind', yes: true, verify: false };
/** The lab these options build: built once in this file, a fresh copy for each test after the first. */
const upShared = (opts: typeof KIND) => sharedLab(fakes, JSON.stringify(opts), () => up(opts, fakeDeps(fakes)));

describe('state.json is checked on every read', { timeout: 900_000 }, () => {
  const damaged: [string, string, RegExp][] = [
    ['an empty object', '{}', /is not an egress-lab ledger \(version: /],
    ['an array', '[]', /is not an egress-lab ledger/],
    ['null', 'null', /is not an egress-lab ledger/],
    ['not JSON', '{"version": 1,', /cannot be read/],
    [
      'a ledger with a wrong field',
      '{"version":1,"lab":"egress-lab","cluster":{"platform":"eks"}}',
      /is not an egress-lab ledger \(/,
    ],
  ];
  for (const [what, text, message] of damaged) {
    it(`${what}: up, down and status say which file and what to do; down forgets nothing`, async () => {
      mkdirSync(join(fakes.home, 'egress-lab'), { recursive: true });
      writeFileSync(stateFile(), text);
      for (const run of [
        () => up({ profile: 'kind', yes: true, verify: false }, fakeDeps(fakes)),
        () => down({ yes: true }, fakeDeps(fakes)),
        () => status({}, statusDeps()),
      ]) {
        const err = await run().then(
          () => undefined,
          (e: Error & { exitCode?: number }) => e,
        );
        expect(err?.message).toMatch(message);
        expect(err?.message).toContain(stateFile());
        expect(err?.message).toMatch(/Restore the file .* then move the file away$/);
        expect(err?.message).not.toContain('\n');
        expect(err?.exitCode).toBe(1);
      }
      expect(readFileSync(stateFile(), 'utf8')).toBe(text);
      expect(fakes.calls().filter((c) => !/version|info/.test(c.argv.join(' ')))).toEqual([]);
    });
  }

  it("another lab's ledger (its lab field is not its folder) is refused, naming both", async () => {
    await upShared(KIND);
    mkdirSync(join(fakes.home, 'copy'), { recursive: true });
    writeFileSync(stateFile('copy'), readFileSync(stateFile()));
    await expect(down({ name: 'copy', yes: true }, fakeDeps(fakes))).rejects.toThrow(
      /belongs to the lab "egress-lab", not "copy" .* move it back to .*egress-lab$/,
    );
    expect(fakes.state().clusters['egress-lab']).toBeDefined();
  });

  it('a ledger from a newer egress-lab is refused, naming its version', async () => {
    mkdirSync(join(fakes.home, 'egress-lab'), { recursive: true });
    writeFileSync(stateFile(), JSON.stringify({ version: 2, lab: 'egress-lab' }));
    await expect(down({ yes: true }, fakeDeps(fakes))).rejects.toThrow(
      /written by a newer egress-lab \(ledger version 2; this one reads 1\)/,
    );
  });
});

// An API server that does not answer within the 20 s check: test/commands/unanswered.test.ts.
describe('the lab kubeconfig deleted: it is written again from the platform', {
  timeout: 900_000,
}, () => {
  it('kind: a deleted lab kubeconfig is restored with kind export kubeconfig; status and down work', async () => {
    await upShared(KIND);
    const ledger = readLedger('egress-lab', fakes.env)!;
    rmSync(ledger.kubeconfig);
    await status({}, statusDeps());
    expect(existsSync(ledger.kubeconfig)).toBe(true);
    await down({ yes: true }, fakeDeps(fakes));
    expect(fakes.state().clusters).toEqual({});
  });

  it('GKE: a deleted lab kubeconfig is fetched again with get-credentials into it; down keeps the records until the cluster is gone', async () => {
    await upShared(GKE);
    const ledger = readLedger('egress-lab', fakes.env)!;
    rmSync(ledger.kubeconfig);
    fakes.clearCalls();
    await status({}, statusDeps());
    const fetch = fakes.calls().find((c) => c.bin === 'gcloud' && c.argv[2] === 'get-credentials');
    expect(fetch?.env.KUBECONFIG).toBe(ledger.kubeconfig);
    await down({ yes: true }, fakeDeps(fakes));
    expect(fakes.state().clusters).toEqual({});
  });
});
