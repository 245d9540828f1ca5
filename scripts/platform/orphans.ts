import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { CommandError, type Exec, whatToDo } from '../exec/exec.ts';
import { labsOnNamespaces } from '../kube/lab-labels.ts';

/**
 * Clusters that carry egress-lab's marks but that no ledger on this machine knows: a lab whose folder was
 * removed by hand, or made on another machine. Read-only: every call here only lists or reads.
 */
export interface Orphan {
  platform: 'kind' | 'gke';
  cluster: string;
  /** The lab the marks name (the egress-lab.dev/lab label, or GKE's egress-lab-lab resource label). */
  labs: string[];
  project?: string;
  location?: string;
  /** The command that removes the cluster. */
  remove: string;
}

/** What one platform's search found, or why it could not look. */
/** A lab's cluster as this machine's ledgers know it: what the search leaves out. */
export interface KnownCluster {
  platform?: 'kind' | 'gke';
  cluster?: string;
  project?: string;
  location?: string;
}

export interface OrphanSearch {
  orphans: Orphan[];
  /** Why a platform, or one of its clusters, could not be looked at (the search goes on without it). */
  notes: string[];
  /** Where the search did look (`kind`, `GKE project P`). */
  looked: string[];
}

const TIMEOUT_MS = 30_000;
const why = (err: unknown) =>
  err instanceof CommandError ? whatToDo(err.stderr) || err.message : (err as Error).message;

/** The labs named by the lab label on a kind cluster's namespaces, read through a kubeconfig kind prints. */
async function kindClusterLabs(exec: Exec, name: string, labLabel: string): Promise<string[]> {
  const { stdout: kubeconfig } = await exec('kind', ['get', 'kubeconfig', '--name', name], { timeoutMs: TIMEOUT_MS });
  const dir = mkdtempSync(join(tmpdir(), 'egress-lab-list-'));
  try {
    const file = join(dir, 'kubeconfig');
    writeFileSync(file, kubeconfig, { mode: 0o600 });
    const labs = await labsOnNamespaces(exec, { kubeconfig: file, context: `kind-${name}` }, labLabel, TIMEOUT_MS);
    return [...labs.keys()].sort();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * kind clusters no ledger names whose namespaces carry the lab label (kind itself keeps no mark of who made a
 * cluster: its node containers carry only kind's own labels). A cluster that cannot be read is a note.
 */
export async function kindOrphans(exec: Exec, labs: readonly KnownCluster[], labLabel: string): Promise<OrphanSearch> {
  const known = new Set(labs.filter((l) => l.platform === 'kind').map((l) => l.cluster));
  let names: string[];
  try {
    const { stdout } = await exec('kind', ['get', 'clusters'], { timeoutMs: TIMEOUT_MS });
    names = stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  } catch (err) {
    return { orphans: [], notes: [`kind clusters were not looked at: ${why(err)}`], looked: [] };
  }
  const found = await Promise.all(
    names
      .filter((n) => !known.has(n))
      .map(async (name): Promise<OrphanSearch> => {
        try {
          const labs = await kindClusterLabs(exec, name, labLabel);
          return {
            orphans: labs.length
              ? [{ platform: 'kind', cluster: name, labs, remove: `kind delete cluster --name ${name}` }]
              : [],
            notes: [],
            looked: [],
          };
        } catch (err) {
          return { orphans: [], notes: [`kind cluster "${name}" could not be read: ${why(err)}`], looked: [] };
        }
      }),
  );
  return { orphans: found.flatMap((f) => f.orphans), notes: found.flatMap((f) => f.notes), looked: ['kind'] };
}

/** The GKE labels `up` puts on a cluster it creates (plan: `--labels managed-by=egress-lab,egress-lab-lab=LAB`). */
const gkeClusterList = z.array(
  z.object({
    name: z.string(),
    location: z.string(),
    resourceLabels: z.record(z.string(), z.string()).nullish(),
  }),
);

/**
 * GKE clusters of the project carrying `managed-by=egress-lab` that no ledger names (by `LOCATION/NAME` in the
 * project). The labels are filtered here from the clusters' JSON, not by a gcloud filter expression.
 */
export async function gkeOrphans(exec: Exec, project: string, labs: readonly KnownCluster[]): Promise<OrphanSearch> {
  const known = new Set(
    labs.filter((l) => l.platform === 'gke' && l.project === project).map((l) => `${l.location}/${l.cluster}`),
  );
  let clusters: z.infer<typeof gkeClusterList>;
  try {
    const { stdout } = await exec(
      'gcloud',
      ['container', 'clusters', 'list', '--project', project, '--format', 'json'],
      {
        timeoutMs: TIMEOUT_MS,
      },
    );
    clusters = gkeClusterList.parse(JSON.parse(stdout || '[]'));
  } catch (err) {
    return { orphans: [], notes: [`GKE clusters of ${project} were not looked at: ${why(err)}`], looked: [] };
  }
  const orphans = clusters
    .filter((c) => c.resourceLabels?.['managed-by'] === 'egress-lab' && !known.has(`${c.location}/${c.name}`))
    .map(
      (c): Orphan => ({
        platform: 'gke',
        cluster: c.name,
        labs: c.resourceLabels?.['egress-lab-lab'] ? [c.resourceLabels['egress-lab-lab']] : [],
        project,
        location: c.location,
        remove: `gcloud container clusters delete ${c.name} --project ${project} --location ${c.location}`,
      }),
    );
  return { orphans, notes: [], looked: [`GKE project ${project}`] };
}
