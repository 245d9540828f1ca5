import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CancelledError } from '../../scripts/errors.ts';
import { type UpOptions, up } from '../../scripts/lab/up.ts';
import type { Prompter } from '../../scripts/ui/prompter.ts';
import type { Fakes } from '../fakes/fakes.ts';
import { fakeDeps } from './lab.ts';
import { type ENTER, scriptedPrompter } from './prompter.ts';

/**
 * Every question an interactive `up` can ask, by the flag it names (what a run without a terminal tells the
 * user to pass). Read from scripts/lab/choose.ts (keep or change a lab), scripts/ui/wizard.ts and
 * wizard-gke.ts (the wizard), scripts/lab/prepare.ts (the GKE target of `up --profile`, the licence keys) and
 * scripts/lab/up.ts (the plan's confirmation).
 */
export const Q = {
  keep: '--profile NAME (keep it: the same profile as before)',
  platform: '--platform kind|gke',
  project: '--gke-project ID',
  location: '--gke-location ZONE',
  cluster: '--gke-cluster NAME (or leave it out to create one)',
  stack: '--stack seed|enterprise|oss',
  squid: '--squid, --no-squid or --squid-external HOST:PORT',
  squidExternal: '--squid-external HOST:PORT',
  extAuth: '--ext-auth or --no-ext-auth',
  scenario: '--scenario PACK[,PACK…] or --scenario none',
  glooMesh: 'GLOO_MESH_LICENSE_KEY in the environment or --license-file',
  glooGateway: 'GLOO_GATEWAY_LICENSE_KEY in the environment or --license-file',
  agentgateway: 'AGENTGATEWAY_LICENSE_KEY in the environment or --license-file',
  yes: '--yes',
} as const;

export type Answer = [flag: string, answer: string | boolean | typeof ENTER];

/**
 * A Prompter that answers from `answers` (flags matched in order, as scriptedPrompter does) and, at the
 * question naming `cancelAt`, does what the terminal prompter does on Ctrl-C or Escape: throws CancelledError.
 */
export function wizardPrompter(answers: Answer[], cancelAt?: string) {
  const s = scriptedPrompter([...answers]);
  const cancelled = <T>(flag: string, answer: Promise<T>): Promise<T> =>
    flag === cancelAt ? answer.then(() => Promise.reject(new CancelledError())) : answer;
  const prompter: Prompter = {
    ...s.prompter,
    select: (q) => cancelled(q.flag, s.prompter.select(q)),
    confirm: (q) => cancelled(q.flag, s.prompter.confirm(q)),
    multiselect: (q) => cancelled(q.flag, s.prompter.multiselect(q)),
    text: (q) => cancelled(q.flag, s.prompter.text(q)),
    password: (q) => cancelled(q.flag, s.prompter.password(q)),
  };
  return { ...s, prompter };
}

/** Runs `up` with these answers against the fakes: the questions asked, refusals, notes, output and error. */
export async function upWith(fakes: Fakes, opts: UpOptions, answers: Answer[], cancelAt?: string) {
  const w = wizardPrompter(answers, cancelAt);
  const deps = fakeDeps(fakes, w.prompter);
  const error = await up(opts, deps).then(
    () => undefined,
    (e: Error & { exitCode?: number }) => e,
  );
  return { ...w, flags: w.asked.map((q) => q.flag), output: deps.output(), error };
}

/** A command line that changes something: a cluster, a release, an object, an image, a kubeconfig. */
const CHANGES =
  /\b(create|delete|apply|upgrade|install|uninstall|rollback|pull|save|load|patch|label|annotate|get-credentials)\b/;

export const changingCalls = (fakes: Fakes) =>
  fakes
    .calls()
    .map((c) => [c.bin, ...c.argv].join(' '))
    .filter((line) => CHANGES.test(line));

/** What the fake programs hold: clusters (with their releases and objects) and images (first listed on first use). */
export const world = (fakes: Fakes) => {
  const { clusters, images = [] } = fakes.state() as { clusters: unknown; images?: unknown[] };
  return { clusters, images };
};

/** Everything under EGRESS_LAB_HOME, as paths relative to it. */
export const labHome = (fakes: Fakes): string[] =>
  existsSync(fakes.home) ? (readdirSync(fakes.home, { recursive: true }) as string[]).sort() : [];

export const labFolder = (fakes: Fakes, lab = 'egress-lab') => join(fakes.home, lab);
