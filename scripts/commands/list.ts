import * as z from 'zod';
import { columns } from '../columns.ts';
import { createExec } from '../exec/exec.ts';
import { type Inventory, inventory, type LabRow } from '../lab/inventory.ts';
import type { Orphan } from '../platform/orphans.ts';
import { platformFor } from '../platform/platform.ts';
import { gkeProjectId } from '../profile/schema.ts';
import { checkStateRoot, stateRoot } from '../state/paths.ts';
import type { Streams } from '../ui/prompter.ts';
import { onOff, parseOptions } from './options.ts';

export const listOptions = z.strictObject({
  json: onOff(),
  gkeProject: gkeProjectId.optional(),
});

const minute = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

function where(l: LabRow): string {
  if (!l.cluster) return '-';
  const { cluster: name, platform, project, location } = l;
  return platform ? platformFor(platform).clusterWhere({ name, platform, project, location }) : name;
}

function verified(l: LabRow): string {
  if (l.problem) return l.problem;
  if (!l.lastVerify) return 'never';
  const { ok, firstBroken, at } = l.lastVerify;
  return `${ok ? '✓ passed' : `✗ ${firstBroken ?? 'failed'} hop`} ${minute(at)}`;
}

const orphanLine = (o: Orphan) =>
  `  ${o.platform} cluster "${o.cluster}"${o.project ? ` in ${o.project}/${o.location}` : ''}${o.labs.length ? ` (lab ${o.labs.map((l) => `"${l}"`).join(', ')})` : ''}: ${o.remove}`;

export function formatInventory(inv: Inventory, env: NodeJS.ProcessEnv, gkeProject: string | undefined): string {
  const out: string[] = [];
  if (inv.labs.length === 0) out.push(`No labs in ${stateRoot(env)}; egress-lab up creates one.`);
  else
    out.push(
      ...columns([
        ['LAB', 'PLATFORM', 'CLUSTER', 'PROFILE', 'SEATS', 'LAST VERIFY'],
        ...inv.labs.map((l) => [
          l.name,
          l.platform ?? '-',
          where(l),
          l.profile ?? '-',
          l.seats ? String(l.seats) : '-',
          verified(l),
        ]),
      ]),
    );
  if (inv.orphans.length)
    out.push(
      '',
      "Clusters with egress-lab's marks that no lab here knows (remove each with):",
      ...inv.orphans.map(orphanLine),
    );
  if (inv.orphans.length === 0 && inv.looked.length)
    out.push('', `No cluster with egress-lab's marks outside these labs (looked at ${inv.looked.join(' and ')}).`);
  if (!gkeProject) out.push('GKE clusters were not looked at: pass --gke-project ID to look in a project.');
  out.push(...inv.notes.map((n) => `note: ${n}`));
  return `${out.join('\n')}\n`;
}

/** `egress-lab list`: every lab on this machine, and the clusters with egress-lab's marks that no lab knows. */
export async function run(raw: unknown, streams: Streams): Promise<void> {
  const opts = parseOptions(listOptions, raw);
  checkStateRoot(process.env, 'read');
  const inv = await inventory(process.env, {
    exec: createExec(),
    gkeProjects: opts.gkeProject ? [opts.gkeProject] : [],
  });
  streams.stdout.write(
    opts.json ? `${JSON.stringify(inv, null, 2)}\n` : formatInventory(inv, process.env, opts.gkeProject),
  );
}
