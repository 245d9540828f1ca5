import type { Exec } from '../exec/exec.ts';
import type { ScenarioName } from '../profile/scenarios.ts';
import type { Profile } from '../profile/schema.ts';
import type { SecretReader } from './lab-values.ts';
import type { CurlResult } from './probe.ts';
import type { ScenarioCheck } from './report-schema.ts';

/**
 * What a scenario pack's proof works with: requests from a client namespace's sample, the products' log lines
 * since the pack's proof began, and the lab's kubectl. Each pack (verify/packs/) answers with its proof and its
 * negative check, each with the evidence lines and, when it fails, a hint.
 */
export interface ScenarioProbe {
  exec: Exec;
  /** kubectl's flags for the lab's kubeconfig and context. */
  k: readonly string[];
  /** `kubectl --kubeconfig … --context …` as a user can paste it, for hints. */
  kubectl: string;
  /** `egress-lab logs COMPONENT --name LAB`, for hints. */
  logsCommand: (component: string) => string;
  profile: Profile;
  /** The allowed host the proofs request (http://HOST/…). */
  host: string;
  /** A query parameter that marks one request of this run, so a log line can be tied to it (evidence.ts). */
  mark: (tag: string) => string;
  /** curl from the sample (`deploy/sleep`) of a client namespace; `timeoutS` limits the request (10 s by default). */
  curl: (namespace: string, url: string, headers?: string[], timeoutS?: number) => Promise<CurlResult>;
  /** A workload's log lines since this pack's proof began. */
  logs: (workload: string, namespace: string) => Promise<{ lines: string[]; error?: string }>;
  /** A Secret key of the lab as the cluster holds it, read once per verify run (the redactions read it too). */
  secret: SecretReader;
  sleep: (ms: number) => Promise<void>;
  progress?: (message: string) => void;
}

export interface PackResult {
  proof: ScenarioCheck;
  negative: ScenarioCheck;
}

export type PackProver = (p: ScenarioProbe) => Promise<PackResult>;

export const ok = (evidence: string): ScenarioCheck => ({ status: 'ok', evidence });
export const failed = (evidence: string, hint: string): ScenarioCheck => ({ status: 'failed', evidence, hint });

export type { ScenarioName };
