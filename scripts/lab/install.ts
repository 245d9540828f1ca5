import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ActionableError } from '../errors.ts';
import { kubeAccess } from '../kube/access.ts';
import { imagesDir, LOAD_STEP, PULL_STEP } from '../plan/images.ts';
import type { ClusterTarget, Command, Plan, Step } from '../plan/plan.ts';
import { platformFor } from '../platform/platform.ts';
import type { LoadedProfile } from '../profile/load.ts';
import type { RenderedLab } from '../render/render.ts';
import { type LabSecretForm, labSecretMarker } from '../render/scenarios.ts';
import { runLog } from '../run/run-log.ts';
import { type RunEvent, runGraph } from '../run/runner.ts';
import { rememberPulled } from '../state/image-cache.ts';
import { labSecrets, secretForms } from '../state/lab-secrets.ts';
import { type Ledger, type LedgerStep, type ObjectRef, writeLedger } from '../state/ledger.ts';
import { labDir } from '../state/paths.ts';
import { type Claim, claimStep, failedApplyOutput, recordReleaseCrds } from './claim.ts';
import type { LabDeps, UpOptions } from './deps.ts';
import { stepExecutor } from './execute.ts';
import { explainFailure } from './failure.ts';
import { recordIdentity } from './identity.ts';
import type { Licences } from './licences.ts';
import { refuseOccupied } from './neighbours.ts';
import { describeObject, findRelease, hasRef, listCrds, refuseForeignReleases, releaseIsOurs } from './ownership.ts';
import { deleteObjectsCommand, releaseFieldsCommand } from './removal.ts';
import { stepTimeoutSeconds } from './timeouts.ts';

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
      ...platformFor(profile.platform).clusterPlace(profile),
    },
    preexistingNamespaces: [],
    steps: {},
    createdAt: now,
    updatedAt: now,
  };
}

/** What the ledger keeps of a plan: each step's id, title and component (status's list of what should run). */
export const plannedSteps = (steps: Plan): NonNullable<Ledger['planned']> =>
  steps.map((s) => ({ id: s.id, title: s.title, component: s.component }));

/** A new lab's ledger, written before anything is made, so that down finds whatever a failed up leaves. */
export function startLedger(
  {
    lab,
    loaded,
    target,
    deps,
  }: { lab: string; loaded: LoadedProfile; target: ClusterTarget; deps: Pick<LabDeps, 'env'> },
  createdCluster: boolean,
  steps: Plan,
): Ledger {
  const ledger = { ...newLedger(lab, loaded, target, createdCluster), planned: plannedSteps(steps) };
  writeLedger(ledger, deps.env);
  return ledger;
}

/** The objects of `a` that `b` does not list. */
const minus = (a: ObjectRef[] = [], b: ObjectRef[] = []) => a.filter((o) => !hasRef(b, o));

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

function writeRenderFolder(dir: string, files: ReadonlyMap<string, string>): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [name, text] of files) writeFileSync(join(dir, name), text, { mode: 0o600 });
}

/** The lab's secret markers and their values (made on first use); the values are redacted from every output. */
function labSecretValues(lab: string, deps: LabDeps): ReadonlyMap<string, string> {
  const forms = secretForms(labSecrets(lab, deps.env));
  deps.secrets.push(...Object.values(forms));
  return new Map(Object.entries(forms).map(([form, value]) => [labSecretMarker(form as LabSecretForm), value]));
}

export interface InstallInput {
  steps: Plan;
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
  const { steps, rendered, files, hashes, ledger, licences, keep } = input;
  const renderDir = join(labDir(ledger.lab, deps.env), 'render');
  writeRenderFolder(renderDir, files);
  const log = runLog(ledger.lab, 'up', deps.env);
  const onCommand = (step: Step, line: string) =>
    log({ type: 'output', step: step.id, line, at: new Date().toISOString() });
  const started = new Map<string, number>();
  const claims = new Map<string, Claim>();
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
      labSecrets: () => labSecretValues(ledger.lab, deps),
      verbose: Boolean(opts.verbose),
      onCommand,
      onRan,
      ...(deps.signal ? { signal: deps.signal } : {}),
      ...(opts.stepTimeout === undefined ? {} : { stepTimeoutSeconds: stepTimeoutSeconds(opts.stepTimeout) }),
      ...(deps.progressEveryMs ? { progressEveryMs: deps.progressEveryMs } : {}),
    },
    async (step, stdout, out) => {
      // The archives were only the way into the nodes: the host's Docker keeps the images.
      if (step.id === LOAD_STEP) rmSync(imagesDir(ledger.lab, deps.env), { recursive: true, force: true });
      const claim = claims.get(step.id)!;
      const removed = await removeStale(step, claim, ledger, rendered, deps, out);
      // What it made, less what it deleted as no longer its own: the ledger lists only what is there.
      const made = (claim.settle ? claim.settle(stdout) : claim.made).filter((o) => !hasRef(removed, o));
      ledger.steps[step.id] = {
        ...recordOf(step, rendered, claim, made),
        hash: hashes.get(step.id)!,
        finishedAt: new Date().toISOString(),
        durationMs: Date.now() - (started.get(step.id) ?? Date.now()),
      };
      if (step.id === 'cluster') await afterCluster(ledger, rendered, deps);
      writeLedger(ledger, deps.env);
    },
  );
  const runStep = async (step: Step, out: (line: string) => void) => {
    started.set(step.id, Date.now());
    const claim = await claimStep(
      deps.exec,
      ledger,
      step,
      rendered,
      intentOf(step, rendered).objects,
      Boolean(opts.takeOverCrds),
    );
    claims.set(step.id, claim);
    if (claim.note) out(claim.note);
    ledger.steps[step.id] = {
      ...recordOf(step, rendered, claim, claim.made),
      hash: '',
      finishedAt: '',
      durationMs: 0,
    };
    try {
      log.check();
      writeLedger(ledger, deps.env);
      await execute(claim.step, out);
      log.check();
    } catch (err) {
      const printed = failedApplyOutput(err);
      if (printed !== undefined && claim.settle) {
        ledger.steps[step.id] = {
          ...ledger.steps[step.id]!,
          ...recordOf(step, rendered, claim, claim.settle(printed)),
        };
        writeLedger(ledger, deps.env);
      }
      // The render folder is never made again during a run: gone means the lab folder was removed.
      if (existsSync(renderDir)) throw err;
      throw new ActionableError(
        `the lab folder ${labDir(ledger.lab, deps.env)} was removed while up ran (${(err as Error).message})`,
      );
    }
  };
  try {
    await runGraph(steps, runStep, {
      renderer: deps.renderer,
      skipReason: (s) => (keep.has(s.id) ? 'unchanged' : undefined),
      ...(deps.signal ? { signal: deps.signal } : {}),
      onEvent: (e: RunEvent) => {
        log(e);
        if (opts.json) deps.stdout.write(`${JSON.stringify(e)}\n`);
      },
    });
  } catch (err) {
    throw explainFailure(err, ledger.lab, log.file);
  } finally {
    // Whether all steps ran or some failed: the CRDs the lab's releases installed, so down can remove them.
    if (!deps.signal?.aborted && ledger.cluster.uid) {
      await recordReleaseCrds(deps.exec, ledger, rendered).catch(() => undefined);
      writeLedger(ledger, deps.env);
    }
  }
}

/** A step's ledger record without its timing: what it made and what it borrowed. */
function recordOf(
  step: Step,
  rendered: RenderedLab,
  claim: Claim,
  made: ObjectRef[],
): Omit<LedgerStep, 'hash' | 'finishedAt' | 'durationMs'> {
  const { releases } = intentOf(step, rendered);
  return {
    component: step.component,
    ...(releases ? { releases } : {}),
    ...(made.length ? { objects: made } : {}),
    ...(claim.borrowed.length ? { borrowed: claim.borrowed } : {}),
  };
}

/**
 * A changed manifest step: what it made and no longer has is deleted (and returned, for the ledger to forget);
 * what it borrowed gets its fields back.
 */
async function removeStale(
  step: Step,
  claim: Claim,
  ledger: Ledger,
  rendered: RenderedLab,
  deps: LabDeps,
  out: (line: string) => void,
): Promise<ObjectRef[]> {
  if (!rendered.manifests.some((m) => m.id === step.id)) return [];
  const intent = intentOf(step, rendered).objects;
  const stale = minus(claim.previous?.objects, intent);
  const returned = minus(claim.previous?.borrowed, intent);
  if (stale.length > 0) {
    out(`removing what ${step.id} no longer has: ${stale.map(describeObject).join(', ')}`);
    const cmd = deleteObjectsCommand(ledger, stale);
    await deps.exec(cmd.bin, cmd.args, { input: cmd.input, onLine: out });
  }
  if (returned.length > 0) {
    const cmd = releaseFieldsCommand(ledger, returned);
    await deps.exec(cmd.bin, cmd.args, { input: cmd.input, onLine: out });
  }
  claim.borrowed = claim.borrowed.filter((o) => hasRef(intent, o));
  return stale;
}

/**
 * Right after the cluster step: its identity (drift guard) and, on a cluster egress-lab did not create, the
 * namespaces already there; a cluster that holds another lab, or a helm release of a lab release's name that
 * egress-lab did not install, stops up here.
 */
async function afterCluster(ledger: Ledger, rendered: RenderedLab, deps: LabDeps): Promise<void> {
  await recordIdentity(deps.exec, ledger);
  if (ledger.cluster.createdByEgressLab) return;
  await refuseOccupied(deps.exec, ledger, deps.env);
  const found = await Promise.all(
    rendered.releases
      .filter((r) => !releaseIsOurs(ledger, r.name, r.release.namespace))
      .map(async (r) => {
        const info = await findRelease(deps.exec, ledger, r.name, r.release.namespace);
        return info && { name: r.name, namespace: r.release.namespace, ...info };
      }),
  );
  refuseForeignReleases(found.filter((f) => f !== undefined));
  const [namespaces, crds] = await Promise.all([
    deps.exec('kubectl', [...kubeAccess(ledger), 'get', 'namespaces', '-o', 'name']),
    listCrds(deps.exec, ledger),
  ]);
  ledger.preexistingNamespaces = namespaces.stdout
    .split('\n')
    .map((l) => l.trim().replace(/^namespace\//, ''))
    .filter(Boolean);
  ledger.preexistingCrds = crds.map((c) => c.metadata.name);
}
