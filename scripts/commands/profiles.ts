import * as z from 'zod';
import { columns } from '../columns.ts';
import type { Streams } from '../ui/prompter.ts';
import { onOff, parseOptions } from './options.ts';
import { PROFILES_INDEX_FILE, type ProfileSummary, prebuiltSummaries } from './profile-summaries.ts';

export const profilesOptions = z.strictObject({ json: onOff() });

/**
 * The built-in profiles' summaries: those `npm run build` wrote beside the bundle while their files are
 * unchanged (no YAML is parsed), else each profile loaded and checked from its files.
 */
async function summaries(): Promise<ProfileSummary[]> {
  const index = new URL(`./${PROFILES_INDEX_FILE}`, import.meta.url);
  return prebuiltSummaries(index) ?? (await import('./profile-load.ts')).profileSummaries();
}

export async function profiles(opts: { json?: boolean }, io: { stdout: NodeJS.WritableStream }): Promise<void> {
  const list = await summaries();
  if (opts.json) {
    io.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    return;
  }
  const rows = [['PROFILE', 'PLATFORM', 'STACK', 'SQUID', 'EXT-AUTHZ', 'LICENCE', 'DESCRIPTION']];
  for (const p of list)
    rows.push([
      p.name,
      p.platform,
      p.stack,
      p.squid,
      p.extAuth ? 'yes' : 'no',
      p.licenses.length ? 'needed' : 'none',
      p.description,
    ]);
  io.stdout.write(`${columns(rows).join('\n')}\n`);
  io.stdout.write(
    '\nComponents per profile: egress-lab profiles --json. Use one with --profile NAME, or --profile PATH for your own (extends: NAME).\n',
  );
}

export async function run(raw: unknown, streams: Streams): Promise<void> {
  await profiles(parseOptions(profilesOptions, raw), streams);
}
