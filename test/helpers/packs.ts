import { afterAll, beforeAll } from 'vitest';
import { up } from '../../scripts/lab/up.ts';
import type { ScenarioName } from '../../scripts/profile/scenarios.ts';
import { readLedger } from '../../scripts/state/ledger.ts';
import type { ScenarioReport, VerifyReport } from '../../scripts/verify/report-schema.ts';
import { verifyLab } from '../../scripts/verify/verify.ts';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { fakeDeps } from './lab.ts';

/** What the scenario-pack tests read and change of the fake cluster: its objects by `Kind|namespace|name`. */
export type PackObject = {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
};
export type PackCluster = { objects: Record<string, PackObject>; rateLimitBuckets?: Record<string, unknown> };

/** The lab's fake cluster in a fake state. */
export const labCluster = (s: unknown) => (s as { clusters: Record<string, PackCluster> }).clusters['egress-lab']!;

/** verify on the lab of the fakes, with no real waits. */
export const verifyOn = (fakes: Fakes): Promise<VerifyReport> =>
  verifyLab(readLedger('egress-lab', fakes.env)!, { exec: fakeDeps(fakes).exec, sleep: async () => {} });

/** One pack's outcome in a report. */
export const packOf = (r: { scenarios?: ScenarioReport[] }, name: ScenarioName): ScenarioReport =>
  r.scenarios!.find((s) => s.name === name)!;

/** verify on a changed copy of the fake cluster (a pack's key object removed, say), then the cluster put back. */
export async function verifyWith(fakes: Fakes, change: (c: PackCluster) => void): Promise<VerifyReport> {
  const saved = fakes.raw();
  fakes.update((s) => change(labCluster(s)));
  try {
    return await verifyOn(fakes);
  } finally {
    fakes.setRaw(saved);
  }
}

/**
 * A file's lab: fakes, and the kind-full lab with `scenario` up (verify left to the tests), made before the file's
 * tests and removed after them. Returns the fakes, once made.
 */
export function packLab(scenario: ScenarioName[]): () => Fakes {
  let fakes: Fakes | undefined;
  beforeAll(async () => {
    fakes = await createFakes();
    await up({ profile: 'kind-full', scenario, yes: true, verify: false }, fakeDeps(fakes));
  });
  afterAll(() => fakes?.cleanup());
  return () => fakes!;
}
