import * as z from 'zod';
import { blockers, formatFindings, lastLine, runDoctor } from '../doctor/checks.ts';
import type { Finding } from '../doctor/finding.ts';
import { ActionableError } from '../errors.ts';
import { createExec, type Exec } from '../exec/exec.ts';
import { collectLicences } from '../lab/licences.ts';
import { doctorInput } from '../lab/prepare.ts';
import { platformCli } from '../platform/cluster.ts';
import { type LoadedProfile, loadProfile } from '../profile/load.ts';
import type { Streams } from '../ui/prompter.ts';
import { onOff, parseOptions, profileFlags, text } from './options.ts';

export const doctorOptions = z.strictObject({ ...profileFlags, licenseFile: text(), json: onOff() });

/** `egress-lab doctor`: the checks `up` starts with, for a profile; exit 1 when one blocks. */
export async function run(raw: unknown, streams: Streams): Promise<void> {
  const opts = parseOptions(doctorOptions, raw);
  const loaded = loadProfile(opts);
  const licences = collectLicences(process.env, opts.licenseFile);
  const exec = createExec();
  const findings = await runDoctor(exec, doctorInput(loaded, licences));
  const cluster = await existingClusterFinding(exec, loaded, findings);
  if (cluster) findings.push(cluster);
  streams.stdout.write(
    opts.json
      ? `${JSON.stringify({ profile: loaded.name, platform: loaded.profile.platform, stack: loaded.profile.stack, findings }, null, 2)}\n`
      : formatFindings(findings),
  );
  const stop = blockers(findings);
  if (stop.length)
    throw new ActionableError(
      `${stop.length} problem${stop.length > 1 ? 's' : ''} to fix before up: ${stop.map((f) => f.check).join(', ')}`,
    );
}

/**
 * The check `up` makes right after doctor's, on a GKE cluster given with --gke-cluster (and its location): can it
 * hold the lab (not Autopilot; with the oss stack's egress guard, enforcing NetworkPolicy)? Skipped while gcloud,
 * its login or the Kubernetes Engine API is a blocker.
 */
async function existingClusterFinding(
  exec: Exec,
  loaded: LoadedProfile,
  findings: Finding[],
): Promise<Finding | undefined> {
  const { platform, gke } = loaded.profile;
  if (!gke.cluster || !gke.project || !gke.location) return undefined;
  const gcloudBlocked = (f: Finding) =>
    f.level === 'blocker' && ['gcloud', 'gcloud-login', 'gke-api'].includes(f.check);
  if (findings.some(gcloudBlocked)) return undefined;
  const check = 'gke-cluster';
  try {
    const found = await platformCli(platform).clusterProblem(
      exec,
      loaded.profile,
      { cluster: gke.cluster, create: false },
      Boolean(loaded.stack.templates.egressGuard),
      false,
    );
    if (found) return { check, level: 'blocker', message: found.problem, fix: found.fix };
    return { check, level: 'ok', message: `the GKE cluster "${gke.cluster}" can hold the lab` };
  } catch (err) {
    return { check, level: 'blocker', message: `the GKE cluster "${gke.cluster}" cannot be read: ${lastLine(err)}` };
  }
}
