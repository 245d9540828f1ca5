import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ActionableError, CancelledError, InputError } from '../errors.ts';
import type { Exec } from '../exec/exec.ts';
import type { HostReader } from '../doctor/checks.ts';
import { renderFiles, labName } from '../commands/render.ts';
import { buildPlan, clusterTarget, type ClusterTarget, type Step } from '../plan/plan.ts';
import { commandLine, componentSummary } from '../plan/markdown.ts';
import type { LoadedProfile } from '../profile/load.ts';
import { renderLab, type RenderedLab } from '../render/render.ts';
import { runGraph, type RendererName, type RunEvent } from '../run/runner.ts';
import { acquireLock, readLedger, writeLedger, type Ledger, type LedgerStep } from '../state/ledger.ts';
import { labDir } from '../state/paths.ts';
import { runLog } from '../state/run-log.ts';
import { adoptCommands, clusterExists } from '../platform/cluster.ts';
import type { Prompter } from '../ui/prompter.ts';
import { testCommands, trafficDiagram } from '../ui/summary.ts';
import { formatReport } from '../verify/report.ts';
import { verifyLab, type VerifyReport } from '../verify/verify.ts';
import { stepExecutor, stepHash } from './execute.ts';
import { checkHost, resolveLicences, resolveProfile, type PrepareOptions } from './prepare.ts';

export interface UpOptions extends PrepareOptions {
  name?: string;
  yes?: boolean;
  dryRun?: boolean;
  verbose?: boolean;
  json?: boolean;
  /** Install into a cluster of the lab's name that egress-lab did not create (down then leaves it). */
  adopt?: boolean;
  /** false (--no-verify): skip proving the path at the end. */
  verify?: boolean;
}

export interface LabDeps {
  exec: Exec;
  /** Values to redact from every message; up adds the licence keys. */
  secrets: string[];
  /** Waits between verify's warm-up retries (tests pass a fast one). */
  sleep?: (ms: number) => Promise<void>;
  prompter: Prompter;
  stdout: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  renderer: RendererName;
  host?: HostReader;
}

function planSummary(loaded: LoadedProfile, target: ClusterTarget, steps: Step[], adopt: boolean): string {
  const { profile } = loaded;
  const cluster = profile.platform === 'kind'
    ? `${adopt ? 'use the existing' : 'create the'} kind cluster "${target.cluster}"`
    : `${target.create && !adopt ? 'create the GKE Standard cluster' : 'use the existing GKE cluster'} "${target.cluster}" in ${profile.gke.project}/${profile.gke.location}`;
  return [
    `profile:    ${loaded.name} (${profile.platform}, stack ${profile.stack})`,
    `cluster:    ${cluster}`,
    `components: ${componentSummary({ loaded }).join(', ')}`,
    `steps:      ${steps.length} (${steps.map((s) => s.id).join(', ')})`,
    `kubeconfig: ${target.kubeconfig}`,
  ].join('\n');
}

async function confirmPlan(loaded: LoadedProfile, target: ClusterTarget, steps: Step[], opts: UpOptions, deps: LabDeps): Promise<void> {
  const summary = planSummary(loaded, target, steps, Boolean(opts.adopt));
  if (deps.prompter.interactive) {
    deps.prompter.note('The plan', summary);
    if (!(await deps.prompter.confirm({ message: 'Build this lab?', flag: '--yes' }))) throw new CancelledError('cancelled; nothing was changed');
    return;
  }
  const createsGke = loaded.profile.platform === 'gke' && target.create && !opts.adopt;
  if (createsGke && !opts.yes) throw new InputError('creating a GKE cluster costs money and needs a confirmation: pass --yes');
  if (!opts.json) deps.stdout.write(`${summary}\n`);
}

function newLedger(lab: string, loaded: LoadedProfile, target: ClusterTarget, createdCluster: boolean): Ledger {
  const { profile } = loaded;
  const now = new Date().toISOString();
  return {
    version: 1, lab, profileName: loaded.name, profile, kubeconfig: target.kubeconfig, context: target.context,
    cluster: { name: target.cluster, platform: profile.platform, createdByEgressLab: createdCluster, ...(profile.platform === 'gke' ? { project: profile.gke.project, location: profile.gke.location } : {}) },
    preexistingNamespaces: [], steps: {}, createdAt: now, updatedAt: now,
  };
}

/** What a finished step made, for down: releases, objects, the CRDs kubectl reported. */
function recordOf(step: Step, rendered: RenderedLab, hash: string, durationMs: number, stdout: string): LedgerStep {
  const record: LedgerStep = { hash, component: step.component, finishedAt: new Date().toISOString(), durationMs };
  const release = rendered.releases.find((r) => r.name === step.id);
  if (release) record.releases = [{ name: release.name, namespace: release.release.namespace }];
  const manifest = rendered.manifests.find((m) => m.id === step.id);
  if (manifest) record.objects = manifest.objects.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) }));
  if (step.id === 'gateway-api') {
    record.objects = stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('customresourcedefinition.apiextensions.k8s.io/'))
      .map((l) => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: l.split('/')[1]! }));
  }
  return record;
}

function writeRenderFolder(dir: string, files: ReadonlyMap<string, string>): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [name, text] of files) writeFileSync(join(dir, name), text, { mode: 0o600 });
}

/** `egress-lab up`: from nothing (or a partial lab) to a running lab. */
export async function up(opts: UpOptions, deps: LabDeps): Promise<void> {
  const lab = labName(opts.name);
  const loaded = await resolveProfile(opts, deps.prompter, deps.env);
  const licences = await resolveLicences(loaded, opts, deps.prompter, deps.env);
  deps.secrets.push(...licences.values());
  await checkHost(deps.exec, loaded, licences, deps.host, deps.stdout, Boolean(opts.json));
  const rendered = renderLab(loaded, lab);
  const files = renderFiles(rendered, loaded.name, deps.env);
  const steps = buildPlan(rendered, deps.env);
  const target = clusterTarget(rendered, deps.env);
  if (opts.dryRun) {
    deps.stdout.write(`${planSummary(loaded, target, steps, Boolean(opts.adopt))}\n\n${steps.flatMap((s) => s.run.map(commandLine)).join('\n')}\n`);
    return;
  }
  const release = acquireLock(lab, deps.env);
  try {
    const previous = readLedger(lab, deps.env);
    if (previous && (previous.profile.platform !== loaded.profile.platform || previous.profile.stack !== loaded.profile.stack)) {
      throw new InputError(`the lab "${lab}" runs ${previous.profile.platform} with the ${previous.profile.stack} stack; a lab on ${loaded.profile.platform} with ${loaded.profile.stack} needs a rebuild: egress-lab down --name ${lab}, then up`);
    }
    await confirmPlan(loaded, target, steps, opts, deps);
    const ledger = previous ?? (await startLedger(lab, loaded, target, steps, opts, deps));
    await installSteps(steps, rendered, files, ledger, deps, opts, licences);
    // up ends by proving the path; a broken hop fails up with verify's hint.
    const report = opts.verify === false ? undefined : await verifyLab(ledger, deps);
    printSummary(ledger, loaded, target, deps, opts, report);
    if (report && !report.ok) throw new ActionableError(`the lab is up, but verify could not prove the ${report.firstBroken} hop${report.hint ? `: ${report.hint}` : ''}`);
  } finally {
    release();
  }
}

/** A new lab: refuse (or adopt) a cluster of the same name egress-lab does not know; record before creating. */
async function startLedger(lab: string, loaded: LoadedProfile, target: ClusterTarget, steps: Step[], opts: UpOptions, deps: LabDeps): Promise<Ledger> {
  const creates = loaded.profile.platform === 'kind' || target.create;
  const exists = creates ? await clusterExists(deps.exec, loaded.profile, target) : true;
  if (creates && exists && !opts.adopt) {
    throw new ActionableError(`a ${loaded.profile.platform} cluster named "${target.cluster}" already exists and egress-lab did not create it; pass --adopt to install the lab into it (down then leaves the cluster), or choose another --name`);
  }
  const adopted = creates && exists;
  if (adopted) steps[0]!.run = adoptCommands(loaded.profile, target);
  const ledger = newLedger(lab, loaded, target, creates && !adopted);
  writeLedger(ledger, deps.env);
  return ledger;
}

async function installSteps(steps: Step[], rendered: RenderedLab, files: ReadonlyMap<string, string>, ledger: Ledger, deps: LabDeps, opts: UpOptions, licences: Map<string, string>): Promise<void> {
  const renderDir = join(labDir(ledger.lab, deps.env), 'render');
  writeRenderFolder(renderDir, files);
  const hashes = new Map(steps.map((s) => [s.id, stepHash(s, files)]));
  const started = new Map<string, number>();
  const log = runLog(ledger.lab, 'up', deps.env);
  const onCommand = (step: Step, line: string) => log({ type: 'output', step: step.id, line, at: new Date().toISOString() });
  const execute = stepExecutor({ exec: deps.exec, cwd: renderDir, files, licences, verbose: Boolean(opts.verbose), onCommand }, (step, stdout) => {
    ledger.steps[step.id] = recordOf(step, rendered, hashes.get(step.id)!, Date.now() - (started.get(step.id) ?? Date.now()), stdout);
    writeLedger(ledger, deps.env);
  });
  await runGraph(steps, async (step, out) => {
    started.set(step.id, Date.now());
    await execute(step, out);
    if (step.id === 'cluster' && !ledger.cluster.createdByEgressLab) await snapshotNamespaces(ledger, deps);
  }, {
    renderer: deps.renderer,
    skipReason: (s) => (ledger.steps[s.id]?.hash === hashes.get(s.id) ? 'unchanged' : undefined),
    onEvent: (e: RunEvent) => {
      log(e);
      if (opts.json) deps.stdout.write(`${JSON.stringify(e)}\n`);
    },
  });
}

/** On a cluster egress-lab did not create, remember which namespaces were there: down never deletes them. */
async function snapshotNamespaces(ledger: Ledger, deps: LabDeps): Promise<void> {
  const { stdout } = await deps.exec('kubectl', ['--kubeconfig', ledger.kubeconfig, '--context', ledger.context, 'get', 'namespaces', '-o', 'name']);
  ledger.preexistingNamespaces = stdout.split('\n').map((l) => l.trim().replace(/^namespace\//, '')).filter(Boolean);
  writeLedger(ledger, deps.env);
}

function printSummary(ledger: Ledger, loaded: LoadedProfile, target: ClusterTarget, deps: LabDeps, opts: UpOptions, report: VerifyReport | undefined): void {
  if (opts.json) {
    if (report) deps.stdout.write(`${JSON.stringify({ type: 'verify', report })}\n`);
    deps.stdout.write(`${JSON.stringify({ type: 'result', ok: report?.ok ?? true, verified: report ? report.ok : null, lab: ledger.lab, profile: loaded.name, kubeconfig: target.kubeconfig, context: target.context, steps: Object.fromEntries(Object.entries(ledger.steps).map(([id, s]) => [id, { durationMs: s.durationMs }])) })}\n`);
    return;
  }
  const durations = Object.entries(ledger.steps).map(([id, s]) => `  ${id.padEnd(30)} ${(s.durationMs / 1000).toFixed(1).padStart(6)} s`);
  deps.stdout.write([
    '',
    `The lab "${ledger.lab}" is up: ${loaded.profile.platform} cluster "${ledger.cluster.name}", stack ${loaded.profile.stack}.`,
    `kubeconfig: ${target.kubeconfig} (context ${target.context})`,
    '',
    'Steps:',
    ...durations,
    '',
    'Traffic path:',
    trafficDiagram(loaded.profile),
    '',
    'Try it:',
    ...testCommands(loaded.profile, target).map((l) => `  ${l}`),
    '',
    `Remove it all: egress-lab down${ledger.lab === 'egress-lab' ? '' : ` --name ${ledger.lab}`}`,
    '',
    ...(report ? [formatReport(report)] : ['(verify skipped: egress-lab verify proves the path hop by hop)', '']),
  ].join('\n'));
}
