import * as z from 'zod';
import { componentSummary } from '../plan/markdown.ts';
import { builtinProfileNames, loadProfile } from '../profile/load.ts';
import type { Streams } from '../ui/prompter.ts';
import { onOff, parseOptions } from './options.ts';

export const profilesOptions = z.strictObject({ json: onOff() });

export interface ProfileSummary {
  name: string;
  description: string;
  platform: string;
  stack: string;
  squid: string;
  extAuth: boolean;
  licenses: string[];
  components: string[];
}

export function profileSummaries(): ProfileSummary[] {
  return builtinProfileNames().map((name) => {
    const loaded = loadProfile({ profile: name });
    const { profile, stack } = loaded;
    return {
      name,
      description: profile.description,
      platform: profile.platform,
      stack: profile.stack,
      squid: profile.components.squid.mode,
      extAuth: profile.components.extAuth.enabled,
      licenses: stack.licenses,
      components: componentSummary({ loaded }),
    };
  });
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return `${rows
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

export async function profiles(opts: { json?: boolean }, io: { stdout: NodeJS.WritableStream }): Promise<void> {
  const list = profileSummaries();
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
  io.stdout.write(table(rows));
  io.stdout.write(
    '\nComponents per profile: egress-lab profiles --json. Use one with --profile NAME, or --profile PATH for your own (extends: NAME).\n',
  );
}

export async function run(raw: unknown, streams: Streams): Promise<void> {
  await profiles(parseOptions(profilesOptions, raw), streams);
}
