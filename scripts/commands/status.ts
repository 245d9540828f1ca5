import * as z from 'zod';
import { createExec } from '../exec/exec.ts';
import { status } from '../lab/status.ts';
import { checkStateRoot } from '../state/paths.ts';
import type { Streams } from '../ui/prompter.ts';
import { everyLab } from './every-lab.ts';
import { onOff, parseOptions, seatOption, text } from './options.ts';

export const statusOptions = z.strictObject({ name: text(), json: onOff(), all: onOff(), seat: seatOption() });

/** `egress-lab status`: each component's live health; exit 1 when one is not healthy. */
export async function run(raw: unknown, streams: Streams): Promise<void> {
  const opts = parseOptions(statusOptions, raw);
  checkStateRoot(process.env, 'read');
  const deps = { exec: createExec(), stdout: streams.stdout, env: process.env };
  if (!opts.all) return status(opts, deps);
  await everyLab('status', opts, deps, (name, stdout) =>
    status({ name, json: Boolean(opts.json) }, { ...deps, stdout }),
  );
}
