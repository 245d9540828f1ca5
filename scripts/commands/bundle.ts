import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod';
import { InputError } from '../errors.ts';
import { createExec } from '../exec/exec.ts';
import { makeBundle } from '../lab/bundle.ts';
import { labName } from '../profile/lab-name.ts';
import { loadProfile } from '../profile/load.ts';
import { renderLab } from '../render/render.ts';
import type { Streams } from '../ui/prompter.ts';
import { parseOptions, profileFlags, text } from './options.ts';

export const bundleOptions = z.strictObject({ ...profileFlags, name: text(), out: z.string() });

/** `egress-lab bundle --out FILE`: everything a kind lab of the profile fetches, in one archive for up --bundle. */
export async function run(raw: unknown, streams: Streams): Promise<void> {
  const opts = parseOptions(bundleOptions, raw);
  const out = resolve(opts.out);
  if (existsSync(out)) throw new InputError(`--out ${opts.out}: exists; give a new file name`);
  const loaded = loadProfile(opts);
  const index = await makeBundle(createExec(), renderLab(loaded, labName(opts.name)), out);
  streams.stdout.write(
    `Wrote ${opts.out}: ${index.images.refs.length} images and kind's node image, ${Object.keys(index.charts).length} charts, the Gateway API CRDs, for ${index.profile}.\nOffline: egress-lab up <the same profile flags> --bundle ${opts.out}\n`,
  );
}
