import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { down } from '../../scripts/lab/down.ts';
import { up } from '../../scripts/lab/up.ts';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { cmdline, fakeDeps } from '../helpers/lab.ts';

/** The recorded call matching `pattern`, once the fakes saw its client end (a hung call is recorded when killed). */
async function endedCall(fakes: Fakes, pattern: RegExp) {
  for (let i = 0; i < 200; i++) {
    const call = fakes.calls().find((c) => pattern.test(cmdline(c)));
    if (call) return call;
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

/** A built kind lab in fakes of its own: the hung-program cases each wait out a real limit, so they run side by side. */
async function withKindLab(then: (fakes: Fakes) => Promise<void>): Promise<void> {
  const fakes = await createFakes();
  try {
    await up({ profile: 'kind', yes: true, verify: false }, fakeDeps(fakes));
    await then(fakes);
  } finally {
    fakes.cleanup();
  }
}

describe.concurrent('a hung program fails its step: --step-timeout', { timeout: 900_000 }, () => {
  it('up: a hung helm fails its step with "timed out after N s", naming the command, and the child is ended', ({
    expect,
  }) =>
    withKindLab(async (fakes) => {
      // A built lab whose istio-base step changed: the limit then bounds only istio-base's hung upgrade.
      const file = join(fakes.home, 'egress-lab', 'state.json');
      const ledger = JSON.parse(readFileSync(file, 'utf8'));
      ledger.steps['istio-base'].hash = 'an-older-istio-base';
      writeFileSync(file, JSON.stringify(ledger));
      fakes.update((s) => s.faults.push({ match: '^helm upgrade --install istio-base', hang: true }));
      fakes.clearCalls();
      const err = await up({ profile: 'kind', yes: true, verify: false, stepTimeout: '5' }, fakeDeps(fakes)).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(
        /step istio-base failed: helm upgrade --install istio-base .* timed out after 5 s and was ended/,
      );
      const call = await endedCall(fakes, /^helm upgrade --install istio-base/);
      expect(call?.exitCode).toBe(143);
    }));

  it('down: a hung kind delete fails with "timed out after N s" instead of waiting for it', ({ expect }) =>
    withKindLab(async (fakes) => {
      fakes.update((s) => s.faults.push({ match: '^kind delete cluster', hang: true }));
      await expect(down({ stepTimeout: 5 }, fakeDeps(fakes))).rejects.toThrow(
        /kind delete cluster --name egress-lab .* timed out after 5 s and was ended/,
      );
      expect((await endedCall(fakes, /^kind delete cluster/))?.exitCode).toBe(143);
    }));
});

describe('--step-timeout', () => {
  let fakes: Fakes;
  beforeEach(async () => (fakes = await createFakes()));
  afterEach(() => fakes.cleanup());

  it('--step-timeout that is not a whole number of seconds is bad input (exit 2) and runs nothing', async () => {
    for (const bad of ['0', '-5', '1.5', 'soon', '86401']) {
      fakes.clearCalls();
      await expect(up({ profile: 'kind', yes: true, stepTimeout: bad }, fakeDeps(fakes))).rejects.toMatchObject({
        exitCode: 2,
        message: expect.stringMatching(/^--step-timeout: .* is not a number of seconds from 1 to 86400$/),
      });
      expect(fakes.calls()).toEqual([]);
    }
  });
});
