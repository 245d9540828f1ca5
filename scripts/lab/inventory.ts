import type { Exec } from '../exec/exec.ts';
import { gkeOrphans, kindOrphans, type Orphan } from '../platform/orphans.ts';
import { OWNER_LABELS } from '../render/render.ts';
import { labNames } from '../state/labs.ts';
import { type LastVerify, readLastVerify } from '../state/last-verify.ts';
import { type Ledger, readLedger } from '../state/ledger.ts';

/** One lab kept on this machine, as `list` shows it. */
export interface LabRow {
  name: string;
  platform?: 'kind' | 'gke';
  cluster?: string;
  project?: string;
  location?: string;
  /** Whether egress-lab created the cluster (down then deletes it). */
  createdCluster?: boolean;
  profile?: string;
  /** Workshop seats (0: none). */
  seats?: number;
  lastVerify?: LastVerify;
  /** Why the lab's state cannot be read (its ledger or its verify record), with what to do. */
  problem?: string;
}

export interface Inventory {
  labs: LabRow[];
  orphans: Orphan[];
  /** What could not be looked at, and why. */
  notes: string[];
  /** Where clusters were looked for (`kind`, `GKE project P`). */
  looked: string[];
}

function row(name: string, env: NodeJS.ProcessEnv): LabRow {
  let ledger: Ledger | undefined;
  try {
    ledger = readLedger(name, env);
  } catch (err) {
    return { name, problem: (err as Error).message };
  }
  if (!ledger) return { name, problem: 'no ledger' };
  const { cluster } = ledger;
  const last = readLastVerify(name, env);
  return {
    name,
    platform: cluster.platform,
    cluster: cluster.name,
    ...(cluster.project ? { project: cluster.project } : {}),
    ...(cluster.location ? { location: cluster.location } : {}),
    createdCluster: cluster.createdByEgressLab,
    profile: ledger.profileName,
    seats: ledger.profile.seats,
    ...(last && last !== 'unreadable' ? { lastVerify: last } : {}),
    ...(last === 'unreadable' ? { problem: 'its last-verify.json is not a verify record: run verify again' } : {}),
  };
}

/** Every lab on this machine; with `exec`, also the clusters on kind (and GKE, for `gkeProjects`) no ledger knows. */
export async function inventory(
  env: NodeJS.ProcessEnv,
  search?: { exec: Exec; gkeProjects: readonly string[] },
): Promise<Inventory> {
  const labs = labNames(env).map((name) => row(name, env));
  if (!search) return { labs, orphans: [], notes: [], looked: [] };
  const found = await Promise.all([
    kindOrphans(search.exec, labs, OWNER_LABELS.lab),
    ...search.gkeProjects.map((p) => gkeOrphans(search.exec, p, labs)),
  ]);
  return {
    labs,
    orphans: found.flatMap((f) => f.orphans),
    notes: found.flatMap((f) => f.notes),
    looked: found.flatMap((f) => f.looked),
  };
}
