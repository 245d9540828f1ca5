import * as z from 'zod';
import { endpointLines, labEndpoints } from '../plan/runbook.ts';
import { labName } from '../profile/lab-name.ts';
import { loadProfile } from '../profile/load.ts';
import { renderLab } from '../render/render.ts';
import type { Streams } from '../ui/prompter.ts';
import { onOff, parseOptions, profileFlags, text } from './options.ts';

export const endpointsOptions = z.strictObject({ ...profileFlags, name: text(), json: onOff() });

/**
 * `egress-lab endpoints [profile flags]`: every internet endpoint the profile's lab needs, for a venue's firewall;
 * the same list `render` writes into plan.md. Runs nothing.
 */
export async function run(raw: unknown, streams: Streams): Promise<void> {
  const opts = parseOptions(endpointsOptions, raw);
  const loaded = loadProfile(opts);
  const rendered = renderLab(loaded, labName(opts.name));
  if (opts.json) {
    streams.stdout.write(`${JSON.stringify({ profile: loaded.name, ...labEndpoints(rendered) }, null, 2)}\n`);
    return;
  }
  streams.stdout.write(
    `The internet endpoints a lab of ${loaded.name} needs (for a venue's firewall):\n${endpointLines(rendered).join('\n')}\nA registry or release server may redirect downloads to a storage host of its own (Docker Hub, GitHub releases): allow those too, as their documentation lists them.\n`,
  );
}
