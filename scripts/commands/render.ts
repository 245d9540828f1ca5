import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import * as z from 'zod';
import { InputError } from '../errors.ts';
import { renderFiles } from '../plan/files.ts';
import type { ProfileFlags } from '../profile/flags.ts';
import { labName } from '../profile/lab-name.ts';
import { loadProfile } from '../profile/load.ts';
import { renderLab } from '../render/render.ts';
import type { Streams } from '../ui/prompter.ts';
import { onOff, parseOptions, profileFlags, text } from './options.ts';

/** Lists what a render wrote, so `--force` can replace exactly that. */
const INDEX_FILE = '.egress-lab-render';

export interface RenderOptions extends ProfileFlags {
  out: string;
  force?: boolean;
  name?: string;
}

export const renderOptions = z.strictObject({ ...profileFlags, out: z.string(), force: onOff(), name: text() });

/**
 * Where --out may not point: a symlink to nothing (the render would land wherever it is later made to point),
 * or a path under something that is not a folder (`FILE/sub`). Nothing is written before this.
 */
function checkOutPath(out: string, shown: string): void {
  const link = lstatOrUndefined(out);
  if (link?.isSymbolicLink() && !existsSync(out))
    throw new InputError(`--out ${shown}: is a symlink to ${readlinkSync(out)}, which does not exist`);
  if (link) return;
  for (let dir = dirname(out); ; dir = dirname(dir)) {
    const st = lstatOrUndefined(dir);
    if (st && !(existsSync(dir) && statSync(dir).isDirectory()))
      throw new InputError(`--out ${shown}: ${dir} is a file, not a folder, so nothing can be written under it`);
    if (st || dir === dirname(dir)) return;
  }
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function prepareOut(out: string, force: boolean): { writeDir: string; finalDir?: string } {
  if (!existsSync(out)) {
    const temp = join(dirname(out), `.${basename(out)}.tmp-${process.pid}`);
    mkdirSync(temp, { recursive: true });
    return { writeDir: temp, finalDir: out };
  }
  if (!statSync(out).isDirectory()) throw new InputError(`--out ${out}: exists and is not a folder`);
  const entries = readdirSync(out);
  if (entries.length > 0 && !force)
    throw new InputError(
      `--out ${out}: folder is not empty (${entries.length} entries); pass --force to write into it`,
    );
  if (entries.includes(INDEX_FILE)) {
    for (const old of readFileSync(join(out, INDEX_FILE), 'utf8')
      .split('\n')
      .filter((f) => f && !f.includes('/')))
      rmSync(join(out, old), { force: true });
  }
  return { writeDir: out };
}

export async function render(opts: RenderOptions, io: { stdout: NodeJS.WritableStream }): Promise<void> {
  const lab = labName(opts.name);
  const out = resolve(opts.out);
  checkOutPath(out, opts.out);
  const loaded = loadProfile(opts);
  const files = renderFiles(renderLab(loaded, lab), loaded.name);
  const { writeDir, finalDir } = prepareOut(out, opts.force ?? false);
  try {
    for (const [name, text] of files) writeFileSync(join(writeDir, name), text);
    writeFileSync(join(writeDir, INDEX_FILE), `${[...files.keys()].join('\n')}\n`);
    if (finalDir) renameSync(writeDir, finalDir);
  } catch (err) {
    if (finalDir) rmSync(writeDir, { recursive: true, force: true });
    throw err;
  }
  const { profile } = loaded;
  io.stdout.write(`Rendered profile ${loaded.name} (${profile.platform}, stack ${profile.stack}) into ${opts.out}:\n`);
  for (const name of files.keys()) io.stdout.write(`  ${name}\n`);
  io.stdout.write(`Read ${join(opts.out, 'plan.md')} for the steps and commands that up runs.\n`);
}

export async function run(raw: unknown, streams: Streams): Promise<void> {
  await render(parseOptions(renderOptions, raw), streams);
}
