import * as z from 'zod';
import { up as upLab } from '../lab/up.ts';
import { checkStateRoot } from '../state/paths.ts';
import type { Streams } from '../ui/prompter.ts';
import { interruptible, labDeps } from './deps.ts';
import { onOff, parseOptions, profileFlags, stepTimeout, text } from './options.ts';

export const upOptions = z.strictObject({
  ...profileFlags,
  name: text(),
  squidExternal: text(),
  licenseFile: text(),
  yes: onOff(),
  dryRun: onOff(),
  verify: onOff(),
  recreate: onOff(),
  bundle: text(),
  adopt: onOff(),
  takeOverCrds: onOff(),
  stepTimeout: stepTimeout(),
  verbose: onOff(),
  json: onOff(),
});

/** `egress-lab up`: create the cluster and install the lab, or finish or update it. */
export async function run(raw: unknown, streams: Streams): Promise<void> {
  const opts = parseOptions(upOptions, raw);
  checkStateRoot(process.env, opts.dryRun ? 'read' : 'write');
  const deps = await labDeps(opts, streams);
  await interruptible(deps, () => upLab(opts, deps), 'up');
}
