import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { up } from '../../scripts/lab/up.ts';
import { readLedger } from '../../scripts/state/ledger.ts';
import { createFakes, existingKindCluster, type Fakes } from '../fakes/fakes.ts';
import { cmdline, fakeDeps } from '../helpers/lab.ts';

let fakes: Fakes;
beforeEach(async () => (fakes = await createFakes()));
afterEach(() => fakes.cleanup());

const SLOW = 900_000;

describe('an adopted cluster whose cluster step did not finish', () => {
  it('the next up adopts it again (kind export kubeconfig), never creates it', { timeout: SLOW }, async () => {
    existingKindCluster(fakes, 'egress-lab');
    fakes.update((s) => {
      // kind export kubeconfig fails so when it cannot read the node's admin.conf (a stopped node container):
      // kind wraps that error as "failed to get cluster internal kubeconfig" (kind's kubeconfig package).
      s.faults = [
        { match: '^kind export kubeconfig ', stderr: 'ERROR: failed to get cluster internal kubeconfig', nth: 1 },
      ];
    });
    const opts = { profile: 'kind', yes: true, adopt: true, verify: false };
    await expect(up(opts, fakeDeps(fakes))).rejects.toThrow(/step cluster failed: kind export kubeconfig/);
    expect(readLedger('egress-lab', fakes.env)!.steps['cluster']).toMatchObject({ hash: '' });
    fakes.clearCalls();
    await up(opts, fakeDeps(fakes));
    const again = fakes.calls().map(cmdline);
    expect(again.filter((l) => l.startsWith('kind export kubeconfig --name egress-lab'))).toHaveLength(1);
    expect(again.some((l) => l.startsWith('kind create') || l.startsWith('kind delete'))).toBe(false);
    const ledger = readLedger('egress-lab', fakes.env)!;
    expect(ledger.cluster.createdByEgressLab).toBe(false);
    expect(ledger.steps['cluster']!.hash).not.toBe('');
  });
});
