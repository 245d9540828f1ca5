import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '../errors.ts';
import { planMarkdown } from '../plan/markdown.ts';
import type { ProfileFlags } from '../profile/flags.ts';
import { loadProfile } from '../profile/load.ts';
import { checkDnsLabel } from '../profile/names.ts';
import { type RenderedLab, renderLab } from '../render/render.ts';

export const DEFAULT_LAB = 'egress-lab';
/** Lists what a render wrote, so `--force` can replace exactly that. */
const INDEX_FILE = '.egress-lab-render';

export interface RenderOptions extends ProfileFlags {
  out: string;
  force?: boolean;
  name?: string;
}

export function labName(name: string | undefined): string {
  const lab = name ?? DEFAULT_LAB;
  const problem = checkDnsLabel(lab);
  if (problem) throw new InputError(`--name: ${problem}`);
  return lab;
}

/** Every file of a render, by name: kind config, helm values per release, one manifest per applied unit, plan.md. */
export function renderFiles(rendered: RenderedLab, profileName: string): Map<string, string> {
  const files = new Map<string, string>();
  if (rendered.kindConfig) files.set(rendered.kindConfig.file, rendered.kindConfig.text);
  for (const r of rendered.releases) files.set(r.file, r.text);
  for (const m of rendered.manifests) files.set(m.file, m.text);
  files.set('plan.md', planMarkdown(rendered, profileName));
  return files;
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
  const loaded = loadProfile(opts);
  const files = renderFiles(renderLab(loaded, lab), loaded.name);
  const out = resolve(opts.out);
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
