import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ActionableError } from '../errors.ts';
import { imagesDir, LOAD_STEP, PULL_STEP } from '../plan/images.ts';
import type { ClusterTarget, Command, Step } from '../plan/plan.ts';
import { kubeAccess } from '../plan/plan.ts';
import { adoptCommands, clusterExists } from '../platform/cluster.ts';
import type { LoadedProfile } from '../profile/load.ts';
import type { RenderedLab } from '../render/render.ts';
import { type RunEvent, runGraph, type StepExecutor } from '../run/runner.ts';
import { rememberPulled } from '../state/image-cache.ts';
import { type Ledger, type LedgerStep, type ObjectRef, writeLedger } from '../state/ledger.ts';
import { labDir } from '../state/paths.ts';
import { runLog } from '../state/run-log.ts';
import { stepExecutor } from './execute.ts';
import { explainFailure } from './failure.ts';
import { recordIdentity } from './identity.ts';
import type { Licences } from './licences.ts';
import { deleteObjectsCommand, describeObject } from './removal.ts';
import type { LabDeps, UpOptions } from './up.ts';

export function newLedger(lab: string, loaded: LoadedProfile, target: ClusterTarget, createdCluster: boolean): Ledger {
  const { profile } = loaded;
  const now = new Date().toISOString();
  return {
    version: 1,
    lab,
    profileName: loaded.name,
    profile,
    kubeconfig: target.kubeconfig,
    context: target.context,
    cluster: {
      name: target.cluster,
      platform: profile.platform,
      createdByEgressLab: createdCluster,
      ...(profile.platform === 'gke' ? { project: profile.gke.project, location: profile.gke.location } : {}),
    },
    preexistingNamespaces: [],
    steps: {},
    createdAt: now,
    updatedAt: now,
  };
}

/** A new lab: refuse (or adopt) a cluster of the same name egress-lab does not know; record before creating. */
export async function startLedger(
  lab: string,
  loaded: LoadedProfile,
  target: ClusterTarget,
  steps: Step[],
  opts: UpOptions,
  deps: LabDeps,
): Promise<Ledger> {
  const creates = loaded.profile.platform === 'kind' || target.create;
  const exists = creates ? await clusterExists(deps.exec, loaded.profile, target) : true;
  if (creates && exists && !opts.adopt) {
    throw new ActionableError(
      `a ${loaded.profile.platform} cluster named "${target.cluster}" already exists and egress-lab did not create it; pass --adopt to install the lab into it (down then leaves the cluster), or choose another --name`,
    );
  }
  const adopted = creates && exists;
  if (adopted) steps[0]!.run = adoptCommands(loaded.profile, target);
  const ledger = newLedger(lab, loaded, target, creates && !adopted);
  writeLedger(ledger, deps.env);
  return ledger;
}

const refKey = (o: ObjectRef) => `${o.apiVersion}/${o.kind}/${o.namespace ?? ''}/${o.name}`;
/** The objects of `a` that `b` does not list. */
const minus = (a: ObjectRef[] = [], b: ObjectRef[] = []) => a.filter((o) => !b.some((x) => refKey(x) === refKey(o)));

/** What a step makes, known before it runs: its release and its objects. */
function intentOf(step: Step, rendered: RenderedLab): Pick<LedgerStep, 'releases' | 'objects'> {
  const release = rendered.releases.find((r) => r.name === step.id);
  const manifest = rendered.manifests.find((m) => m.id === step.id);
  return {
    ...(release ? { releases: [{ name: release.name, namespace: release.release.namespace }] } : {}),
    ...(manifest
      ? {
          objects: manifest.objects.map((o) => ({
            apiVersion: o.apiVersion,
            kind: o.kind,
            name: o.metadata.name,
            ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
          })),
        }
      : {}),
  };
}

/** The CRDs the Gateway API apply reported (kubectl --output name), so down removes exactly those. */
function appliedCrds(stdout: string): ObjectRef[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('customresourcedefinition.apiextensions.k8s.io/'))
    .map((l) => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: l.split('/')[1]! }));
}

function writeRenderFolder(dir: string, files: ReadonlyMap<string, string>): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [name, text] of files) writeFileSync(join(dir, name), text, { mode: 0o600 });
}

export interface InstallInput {
  steps: Step[];
  rendered: RenderedLab;
  files: ReadonlyMap<string, string>;
  hashes: ReadonlyMap<string, string>;
  ledger: Ledger;
  licences: Licences;
  /** Steps to leave alone (unchanged and still there). */
  keep: ReadonlySet<string>;
}

/**
 * Runs the plan graph. Before a step runs, the ledger already lists what it will make (hash empty), so a
 * failure or Ctrl-C in the middle leaves nothing that down cannot find; after it, the hash marks it done.
 * A changed manifest step then deletes the objects it no longer has.
 */
export async function installSteps(input: InstallInput, deps: LabDeps, opts: UpOptions): Promise<void> {
  const { rendered, files, hashes, ledger, licences } = input;
  const renderDir = join(labDir(ledger.lab, deps.env), 'render');
  writeRenderFolder(renderDir, files);
  const log = runLog(ledger.lab, 'up', deps.env);
  const onCommand = (step: Step, line: string) =>
    log({ type: 'output', step: step.id, line, at: new Date().toISOString() });
  const started = new Map<string, number>();
  const before = new Map<string, ObjectRef[]>();
  mkdirSync(imagesDir(ledger.lab, deps.env), { recursive: true, mode: 0o700 });
  const onRan = (step: Step, cmd: Command) => {
    if (step.id === PULL_STEP && cmd.args[0] === 'pull') rememberPulled(cmd.args.at(-1)!, deps.env);
  };
  const execute = stepExecutor(
    {
      exec: deps.exec,
      cwd: renderDir,
      files,
      licences,
      verbose: Boolean(opts.verbose),
      onCommand,
      onRan,
      ...(deps.signal ? { signal: deps.signal } : {}),
      ...(deps.progressEveryMs ? { progressEveryMs: deps.progressEveryMs } : {}),
    },
    async (step, stdout, out) => {
      // The archives were only the way into the nodes: the host's Docker keeps the images.
      if (step.id === LOAD_STEP) rmSync(imagesDir(ledger.lab, deps.env), { recursive: true, force: true });
      const intent = intentOf(step, rendered);
      const stale = minus(before.get(step.id), intent.objects);
      if (stale.length > 0) {
        out(`removing what ${step.id} no longer has: ${stale.map(describeObject).join(', ')}`);
        const cmd = deleteObjectsCommand(ledger, stale);
        await deps.exec(cmd.bin, cmd.args, { input: cmd.input, onLine: out });
      }
      const objects = step.id === 'gateway-api' ? appliedCrds(stdout) : intent.objects;
      ledger.steps[step.id] = {
        hash: hashes.get(step.id)!,
        component: step.component,
        finishedAt: new Date().toISOString(),
        durationMs: Date.now() - (started.get(step.id) ?? Date.now()),
        ...intent,
        ...(objects ? { objects } : {}),
      };
      if (step.id === 'cluster') await afterCluster(ledger, deps);
      writeLedger(ledger, deps.env);
    },
  );
  try {
    await runSteps(input, deps, opts, execute, log, started, before);
  } catch (err) {
    throw explainFailure(err, ledger.lab, log.file);
  }
}

function runSteps(
  input: InstallInput,
  deps: LabDeps,
  opts: UpOptions,
  execute: StepExecutor,
  log: (e: RunEvent) => void,
  started: Map<string, number>,
  before: Map<string, ObjectRef[]>,
) {
  const { steps, rendered, ledger, keep } = input;
  return runGraph(
    steps,
    async (step, out) => {
      started.set(step.id, Date.now());
      const previous = ledger.steps[step.id];
      before.set(step.id, previous?.objects ?? []);
      const intent = intentOf(step, rendered);
      const known = [...(previous?.objects ?? []), ...minus(intent.objects, previous?.objects)];
      ledger.steps[step.id] = {
        hash: '',
        component: step.component,
        finishedAt: '',
        durationMs: 0,
        ...intent,
        ...(known.length ? { objects: known } : {}),
      };
      writeLedger(ledger, deps.env);
      await execute(step, out);
    },
    {
      renderer: deps.renderer,
      skipReason: (s) => (keep.has(s.id) ? 'unchanged' : undefined),
      ...(deps.signal ? { signal: deps.signal } : {}),
      onEvent: (e: RunEvent) => {
        log(e);
        if (opts.json) deps.stdout.write(`${JSON.stringify(e)}\n`);
      },
    },
  );
}

/** Right after the cluster step: its identity (drift guard) and, on a cluster egress-lab did not create, the namespaces already there. */
async function afterCluster(ledger: Ledger, deps: LabDeps): Promise<void> {
  await recordIdentity(deps.exec, ledger);
  if (ledger.cluster.createdByEgressLab) return;
  const { stdout } = await deps.exec('kubectl', [...kubeAccess(ledger), 'get', 'namespaces', '-o', 'name']);
  ledger.preexistingNamespaces = stdout
    .split('\n')
    .map((l) => l.trim().replace(/^namespace\//, ''))
    .filter(Boolean);
}
