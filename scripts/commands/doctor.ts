import * as z from 'zod';
import { blockers, formatFindings, runDoctor } from '../doctor/checks.ts';
import { ActionableError } from '../errors.ts';
import { createExec } from '../exec/exec.ts';
import { collectLicences } from '../lab/licences.ts';
import { doctorInput } from '../lab/prepare.ts';
import { loadProfile } from '../profile/load.ts';
import type { Streams } from '../ui/prompter.ts';
import { onOff, parseOptions, profileFlags, text } from './options.ts';

export const doctorOptions = z.strictObject({ ...profileFlags, licenseFile: text(), json: onOff() });

/** `egress-lab doctor`: the checks `up` starts with, for a profile; exit 1 when one blocks. */
export async function run(raw: unknown, streams: Streams): Promise<void> {
  const opts = parseOptions(doctorOptions, raw);
  const loaded = loadProfile(opts);
  const licences = collectLicences(process.env, opts.licenseFile);
  const findings = await runDoctor(createExec(), doctorInput(loaded, licences));
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
