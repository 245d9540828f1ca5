import { rmSync } from 'node:fs';
import { describe, it } from 'vitest';
import { down } from '../../scripts/lab/down.ts';
import { status } from '../../scripts/lab/status.ts';
import { up } from '../../scripts/lab/up.ts';
import { readLedger } from '../../scripts/state/ledger.ts';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { fakeDeps, GKE_FULL } from '../helpers/lab.ts';

/**
 * An API server that does not answer: egress-lab waits its 20 s check, then says "cannot reach", never
 * "different" or "gone", and keeps the lab's records. Each case waits those 20 s for real, so they run side by
 * side, each with fakes of its own.
 */
const KIND = { profile: 'kind', yes: true, verify: false };
const GKE = GKE_FULL;

/** A lab built with `opts`, whose cluster then stops answering kubectl (the kube-system read hangs). */
async function unansweringLab(opts: typeof KIND | typeof GKE, then: (fakes: Fakes) => Promise<void>): Promise<void> {
  const fakes = await createFakes();
  try {
    await up(opts, fakeDeps(fakes));
    fakes.update((s) => s.faults.push({ match: 'get namespace kube-system', hang: true }));
    await then(fakes);
  } finally {
    fakes.cleanup();
  }
}

describe.concurrent('an API server past the 20 s check is "cannot reach"', { timeout: 300_000 }, () => {
  it('kind: down refuses and keeps the ledger and the cluster', ({ expect }) =>
    unansweringLab(KIND, async (fakes) => {
      await expect(down({ yes: true }, fakeDeps(fakes))).rejects.toThrow(
        /cannot down: the cluster does not answer .* still exists, so the lab "egress-lab" keeps its records/,
      );
      expect(readLedger('egress-lab', fakes.env)).toBeDefined();
      expect(fakes.state().clusters['egress-lab']).toBeDefined();
    }));

  it('GKE, the lab kubeconfig gone and the cluster still running: status says it still exists, never "gone"', ({
    expect,
  }) =>
    unansweringLab(GKE, async (fakes) => {
      rmSync(readLedger('egress-lab', fakes.env)!.kubeconfig);
      const deps = fakeDeps(fakes);
      await expect(status({}, deps)).rejects.toThrow(/cannot report on it: .* still exists/);
      expect(deps.output()).toBe('');
    }));

  it('GKE, the lab kubeconfig gone and the cluster still running: down keeps the records', ({ expect }) =>
    unansweringLab(GKE, async (fakes) => {
      rmSync(readLedger('egress-lab', fakes.env)!.kubeconfig);
      await expect(down({ yes: true }, fakeDeps(fakes))).rejects.toThrow(/keeps its records/);
      expect(readLedger('egress-lab', fakes.env)).toBeDefined();
      expect(fakes.state().clusters).not.toEqual({});
    }));
});
