import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { ActionableError } from '../errors.ts';
import type { Profile } from '../profile/schema.ts';
import { LEDGER_VERSION, ledgerSchema } from './ledger-schema.ts';
import { labDir } from './paths.ts';
import { firstIssue } from './zod-issue.ts';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface LedgerStep {
  /** Content hash of the step's commands and inputs: an unchanged step is not run again. Empty while the step runs. */
  hash: string;
  component: string;
  finishedAt: string;
  durationMs: number;
  releases?: { name: string; namespace: string }[];
  /** What this step made (it was not there before): down deletes it. For a release, the CRDs helm keeps. */
  objects?: ObjectRef[];
  /** What this step applied onto an object that was there before: down gives back the lab's fields, never deletes it. */
  borrowed?: ObjectRef[];
}

export interface LedgerCluster {
  name: string;
  platform: 'kind' | 'gke';
  /** down deletes the cluster only when egress-lab created it. */
  createdByEgressLab: boolean;
  project?: string;
  location?: string;
  /** The API server the lab kubeconfig pointed at when the lab was made. */
  server?: string;
  /** UID of the cluster's kube-system namespace: the cluster's identity, for the drift guard. */
  uid?: string;
}

/** What egress-lab made for one lab: written after every step, atomically. Holds no secrets. */
export interface Ledger {
  version: 1;
  lab: string;
  profileName: string;
  profile: Profile;
  kubeconfig: string;
  context: string;
  cluster: LedgerCluster;
  /** Namespaces that existed before the lab (an existing cluster): never deleted. */
  preexistingNamespaces: string[];
  /**
   * CRDs that existed before the lab (an existing cluster): never deleted. `kubectl apply --server-side` names
   * every object it applied, whether it created it or not, so its output alone cannot tell what the lab made.
   */
  preexistingCrds?: string[];
  steps: Record<string, LedgerStep>;
  /** The steps of `profile`'s plan, recorded with it: status lists the ones that never ran without rendering. */
  planned?: { id: string; title: string; component: string }[];
  createdAt: string;
  updatedAt: string;
}

const ledgerFile = (lab: string, env: NodeJS.ProcessEnv) => join(labDir(lab, env), 'state.json');

/**
 * The lab's ledger, checked: a file that is not this egress-lab's ledger for this lab (damaged, emptied,
 * another lab's, from a newer egress-lab) is an error naming the file and what to do, never acted on.
 */
export function readLedger(lab: string, env: NodeJS.ProcessEnv = process.env): Ledger | undefined {
  const file = ledgerFile(lab, env);
  if (!existsSync(file)) return undefined;
  const damaged = (why: string) =>
    new ActionableError(
      `the lab's state file ${file} ${why}; egress-lab will not act on the lab "${lab}" without it. Restore the file if you have a copy; otherwise remove what the lab made yourself (its cluster, if egress-lab created one: kind delete cluster --name ${lab}, or gcloud container clusters delete), then move the file away`,
    );
  let data: unknown;
  try {
    data = JSON.parse(readBounded(file));
  } catch (err) {
    throw damaged(`cannot be read (${(err as Error).message})`);
  }
  const version = (data as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > LEDGER_VERSION)
    throw new ActionableError(
      `the lab's state file ${file} was written by a newer egress-lab (ledger version ${version}; this one reads ${LEDGER_VERSION}): use that egress-lab for the lab "${lab}"`,
    );
  const parsed = ledgerSchema.safeParse(data);
  if (!parsed.success) throw damaged(`is not an egress-lab ledger (${firstIssue(parsed.error, 'not a ledger')})`);
  if (parsed.data.lab !== lab)
    throw new ActionableError(
      `the lab's state file ${file} belongs to the lab "${parsed.data.lab}", not "${lab}" (a folder was copied or renamed); egress-lab will not act on it: move it back to ${labDir(parsed.data.lab, env)}`,
    );
  return parsed.data as Ledger;
}

/** A ledger is small: a bigger or endless file (a FIFO, /dev/zero) is not read into memory. */
function readBounded(file: string): string {
  const LIMIT = 4 * 1024 * 1024;
  if (!statSync(file).isFile()) throw new Error('not a regular file');
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(LIMIT + 1);
    const n = readSync(fd, buf, 0, buf.length, 0);
    if (n > LIMIT) throw new Error(`larger than ${LIMIT} bytes`);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Temp file + rename: a crash or Ctrl-C never leaves a half-written ledger. */
export function writeLedger(ledger: Ledger, env: NodeJS.ProcessEnv = process.env): void {
  const file = ledgerFile(ledger.lab, env);
  mkdirSync(labDir(ledger.lab, env), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, `${JSON.stringify({ ...ledger, updatedAt: new Date().toISOString() }, null, 2)}\n`, {
      mode: 0o600,
    });
    renameSync(temp, file);
  } catch (err) {
    throw new ActionableError(
      `cannot write the lab's state file ${file} (${(err as NodeJS.ErrnoException).code}): was the lab folder removed or made read-only while egress-lab ran?`,
    );
  }
}

export function removeLabDir(lab: string, env: NodeJS.ProcessEnv = process.env): void {
  rmSync(labDir(lab, env), { recursive: true, force: true });
}

/** One run per lab (state/lock.ts). */
export { acquireLock } from './lock.ts';
