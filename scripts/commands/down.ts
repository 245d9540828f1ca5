import * as z from 'zod';
import { down as downLab } from '../lab/down.ts';
import { checkStateRoot } from '../state/paths.ts';
import type { Streams } from '../ui/prompter.ts';
import { interruptible, labDeps } from './deps.ts';
import { everyLab } from './every-lab.ts';
import { onOff, parseOptions, seatOption, stepTimeout, text } from './options.ts';

export const downOptions = z.strictObject({
  name: text(),
  yes: onOff(),
  keepCluster: onOff(),
  purgeCache: onOff(),
  dryRun: onOff(),
  stepTimeout: stepTimeout(),
  json: onOff(),
  all: onOff(),
  seat: seatOption(),
});

/** `egress-lab down`: remove exactly what the lab's ledger lists, then the lab's folder (--all: every lab's). */
export async function run(raw: unknown, streams: Streams): Promise<void> {
  const opts = parseOptions(downOptions, raw);
  checkStateRoot(process.env, opts.dryRun ? 'read' : 'write');
  const deps = await labDeps(opts, streams);
  const { all, ...one } = opts;
  await interruptible(
    deps,
    () =>
      all
        ? everyLab('down', opts, deps, (name, stdout) => downLab({ ...one, name }, { ...deps, stdout }))
        : downLab(one, deps),
    'down',
  );
}
