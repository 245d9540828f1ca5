import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCENARIO_NAMES } from '../../scripts/profile/scenarios.ts';
import { readLastVerify } from '../../scripts/state/last-verify.ts';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { cli } from '../helpers/cli.ts';

/** The kind-showcase profile: every pack, and its up ends with every proof and negative check passing. */
let fakes: Fakes;
const SLOW = 900_000;
beforeAll(async () => {
  fakes = await createFakes();
}, SLOW);
afterAll(() => fakes.cleanup());

describe('kind-showcase', { timeout: SLOW }, () => {
  it('profiles lists it with every pack', async () => {
    const r = await cli(['profiles', '--json'], { env: fakes.env });
    const showcase = (JSON.parse(r.stdout) as { name: string; scenarios: string[] }[]).find(
      (p) => p.name === 'kind-showcase',
    );
    expect(showcase?.scenarios).toEqual([...SCENARIO_NAMES]);
  });

  it('up ends with every hop, every proof and every negative check passing', async () => {
    const r = await cli(['up', '--profile', 'kind-showcase', '--yes'], { env: fakes.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Every hop and every scenario pack \(6\) is proven\./);
    for (const pack of SCENARIO_NAMES) expect(r.stdout).toMatch(new RegExp(`✓ ${pack}\\n  ✓ proof .+\\n  ✓ negative `));
    const last = readLastVerify('egress-lab', fakes.env);
    expect(last).toMatchObject({ ok: true });
  });
});
