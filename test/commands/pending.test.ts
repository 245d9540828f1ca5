import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { up } from '../../scripts/lab/up.ts';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { fakeDeps } from '../helpers/lab.ts';

let fakes: Fakes;
beforeEach(async () => (fakes = await createFakes()));
afterEach(() => fakes.cleanup());

const KIND = { profile: 'kind', yes: true, verify: false };
const istiod = () => fakes.state().clusters['egress-lab']!.releases['istio-system/istiod']!;

describe('a helm release left pending by a killed run', { timeout: 900_000 }, () => {
  it('pending-install: the next up uninstalls it, says so, and installs it', async () => {
    fakes.update((s) => s.faults.push({ match: '^helm upgrade --install istiod', nth: 1, leavePending: true }));
    await expect(up(KIND, fakeDeps(fakes))).rejects.toThrow(/step istiod failed/);
    expect(istiod().status).toBe('pending-install');
    const deps = fakeDeps(fakes);
    await up({ ...KIND, json: true }, deps);
    expect(deps.output()).toContain(
      'istio-system/istiod was left pending-install by an interrupted run: uninstalling it',
    );
    expect(istiod().status).toBe('deployed');
  });

  it('pending-upgrade: the next up rolls it back, says so, and upgrades it', async () => {
    await up(KIND, fakeDeps(fakes));
    // A changed istiod step, whose upgrade is killed half-way.
    const file = join(fakes.home, 'egress-lab', 'state.json');
    const ledger = JSON.parse(readFileSync(file, 'utf8'));
    ledger.steps.istiod.hash = 'an-older-istiod';
    writeFileSync(file, JSON.stringify(ledger));
    fakes.update((s) => s.faults.push({ match: '^helm upgrade --install istiod', nth: 1, leavePending: true }));
    await expect(up(KIND, fakeDeps(fakes))).rejects.toThrow(/step istiod failed/);
    expect(istiod().status).toBe('pending-upgrade');
    const deps = fakeDeps(fakes);
    await up({ ...KIND, json: true }, deps);
    expect(deps.output()).toContain(
      'istio-system/istiod was left pending-upgrade by an interrupted run: rolling it back',
    );
    expect(istiod().status).toBe('deployed');
  });
});
