import type { HostReader } from '../doctor/checks.ts';
import type { Exec } from '../exec/exec.ts';
import type { RendererName } from '../run/runner.ts';
import type { Prompter } from '../ui/prompter.ts';
import type { PrepareOptions } from './prepare.ts';

/** What up, down and status are given: the options of the command line and the outside world they act on. */

export interface UpOptions extends PrepareOptions {
  name?: string;
  yes?: boolean;
  dryRun?: boolean;
  verbose?: boolean;
  json?: boolean;
  /** Install into a cluster of the lab's name that egress-lab did not create (down then leaves it). */
  adopt?: boolean;
  /** --step-timeout: seconds any one step command may run (instead of the default for its kind). */
  stepTimeout?: string | number;
  /** Apply the pinned Gateway API CRDs over ones another field manager installed (down still leaves them). */
  takeOverCrds?: boolean;
  /** false (--no-verify): skip proving the path at the end. */
  verify?: boolean;
  /** Rebuild the lab when the platform, stack or cluster changes (down, then up). */
  recreate?: boolean;
  /** An offline bundle (egress-lab bundle): every image, chart and CRD comes from it, nothing from the internet. */
  bundle?: string;
}

export interface LabDeps {
  exec: Exec;
  /** Values to redact from every message; up adds the licence keys. */
  secrets: string[];
  prompter: Prompter;
  stdout: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  renderer: RendererName;
  host?: HostReader;
  /** How often a long command tells its elapsed time (default 30 s). */
  progressEveryMs?: number;
  /** Waits between verify's warm-up retries (tests pass a fast one). */
  sleep?: (ms: number) => Promise<void>;
  /** Aborted on Ctrl-C or SIGTERM: no new step starts, running commands are ended. */
  signal?: AbortSignal;
}
