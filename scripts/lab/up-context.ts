import { ActionableError, InputError } from '../errors.ts';
import type { BundleSources } from '../plan/bundle.ts';
import { renderFiles } from '../plan/files.ts';
import { type ClusterTarget, clusterTarget } from '../plan/plan.ts';
import { platformCli } from '../platform/cluster.ts';
import { platformFor } from '../platform/platform.ts';
import { labName } from '../profile/lab-name.ts';
import type { LoadedProfile } from '../profile/load.ts';
import { type RenderedLab, renderLab } from '../render/render.ts';
import { type Ledger, readLedger } from '../state/ledger.ts';
import { openBundle } from './bundle.ts';
import type { LabDeps, UpOptions } from './deps.ts';
import { collectLicences, type Licences } from './licences.ts';
import { checkHost, resolveLicences, resolveProfile, withoutLicences } from './prepare.ts';
import { stepTimeoutSeconds } from './timeouts.ts';

/**
 * What one `up` knows, gathered phase by phase (see converge in up.ts): each phase takes only the part it
 * needs (a Pick of this) and returns what it adds. Nothing in it is changed once a phase has added it.
 */
export interface UpContext {
  readonly opts: UpOptions;
  readonly deps: LabDeps;
  /** resolveLab: the lab, its profile, the render and the files it writes, the cluster it runs on. */
  readonly lab: string;
  readonly loaded: LoadedProfile;
  readonly rendered: RenderedLab;
  readonly files: ReadonlyMap<string, string>;
  readonly target: ClusterTarget;
  /** --bundle: where the plan takes every image, chart and CRD from (the unpacked bundle). */
  readonly sources: BundleSources | undefined;
  /** readHistory: the ledger of an earlier up, if any; why it cannot be changed in place (or --recreate). */
  readonly previous: Ledger | undefined;
  readonly rebuild: string | undefined;
  /** The earlier lab that this up changes in place (no rebuild). */
  readonly kept: Ledger | undefined;
  /** checkLabHost: the licence keys found (on a kept lab, asked for later, only if a step needs them). */
  readonly licences: Licences;
}

export type Resolved = Pick<UpContext, 'lab' | 'loaded' | 'rendered' | 'files' | 'target' | 'sources'>;
export type History = Pick<UpContext, 'previous' | 'rebuild' | 'kept'>;

/** The name of a cluster egress-lab creates follows the platform's rule (on GKE the lab's name is the cluster's). */
function checkClusterName(loaded: LoadedProfile, target: ClusterTarget): void {
  const problem = platformFor(loaded.profile.platform).clusterNameProblem(target);
  if (problem) throw new InputError(`--name: ${problem}`);
}

/** The lab's name, its profile (flags, wizard), the render and the cluster target; bad input stops here. */
export async function resolveLab({ opts, deps }: Pick<UpContext, 'opts' | 'deps'>): Promise<Resolved> {
  const lab = labName(opts.name);
  stepTimeoutSeconds(opts.stepTimeout);
  const loaded = await resolveProfile(opts, lab, deps);
  const rendered = renderLab(loaded, lab);
  const files = renderFiles(rendered, loaded.name);
  const target = clusterTarget(rendered, deps.env);
  checkClusterName(loaded, target);
  const sources = opts.bundle
    ? await openBundle(deps.exec, opts.bundle, rendered, deps.env, Boolean(opts.dryRun))
    : undefined;
  return { lab, loaded, rendered, files, target, sources };
}

/** A different platform, stack or cluster cannot be reached by a diff: the lab is rebuilt (--recreate). */
function rebuildReason(previous: Ledger, loaded: LoadedProfile, target: ClusterTarget): string | undefined {
  const { profile } = loaded;
  if (previous.profile.platform !== profile.platform)
    return `it runs on ${previous.profile.platform}, not ${profile.platform}`;
  if (previous.profile.stack !== profile.stack)
    return `it runs the ${previous.profile.stack} stack, not ${profile.stack}`;
  if (previous.cluster.name !== target.cluster || previous.context !== target.context)
    return `it runs on the cluster "${previous.cluster.name}", not "${target.cluster}"`;
  return undefined;
}

/** The lab's ledger, and whether up changes that lab in place or rebuilds it (--recreate, else exit 2). */
export function readHistory({
  opts,
  deps,
  lab,
  loaded,
  target,
}: Pick<UpContext, 'opts' | 'deps' | 'lab' | 'loaded' | 'target'>): History {
  const previous = readLedger(lab, deps.env);
  const rebuild =
    previous && (rebuildReason(previous, loaded, target) ?? (opts.recreate ? 'rebuilt on request' : undefined));
  if (rebuild && !opts.recreate)
    throw new InputError(
      `the lab "${lab}" cannot switch in place: ${rebuild}; pass --recreate to rebuild it (its cluster and objects are removed first)`,
    );
  return { previous, rebuild, kept: previous && !rebuild ? previous : undefined };
}

/**
 * The licence keys, doctor's checks of the host (blockers stop up) and, on a GKE cluster the lab did not create,
 * its mode (not Autopilot) and policy enforcement.
 */
export async function checkLabHost({
  opts,
  deps,
  loaded,
  target,
  kept,
}: Pick<UpContext, 'opts' | 'deps' | 'loaded' | 'target' | 'kept'>): Promise<Pick<UpContext, 'licences'>> {
  // On a lab that exists, the licence keys are needed only when a step that reads them runs.
  const licences = kept
    ? collectLicences(deps.env, opts.licenseFile)
    : await resolveLicences(loaded, opts, deps.prompter, deps.env);
  deps.secrets.push(...licences.values());
  await checkHost(
    deps.exec,
    kept ? withoutLicences(loaded) : loaded,
    licences,
    deps.host,
    deps.stdout,
    Boolean(opts.json),
  );
  const cluster = opts.dryRun
    ? undefined
    : await platformCli(loaded.profile.platform).clusterProblem(
        deps.exec,
        loaded.profile,
        target,
        Boolean(loaded.stack.templates.egressGuard),
        Boolean(opts.adopt),
      );
  if (cluster) throw new ActionableError(`${cluster.problem}; nothing was changed. Fix: ${cluster.fix}`);
  return { licences };
}
