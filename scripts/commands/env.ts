import * as z from 'zod';
import { requireLedger } from '../state/labs.ts';
import { checkStateRoot } from '../state/paths.ts';
import type { Streams } from '../ui/prompter.ts';
import { exportKubeconfig } from '../ui/summary.ts';
import { parseOptions, text } from './options.ts';

export const envOptions = z.strictObject({ name: text() });

/** `egress-lab env`: the line that points kubectl, helm and k9s at the lab. */
export function env(opts: { name?: string }, deps: { stdout: NodeJS.WritableStream; env: NodeJS.ProcessEnv }): void {
  const ledger = requireLedger(opts.name, deps.env);
  deps.stdout.write(`${exportKubeconfig(ledger.kubeconfig)}\n`);
}

export async function run(raw: unknown, streams: Streams): Promise<void> {
  const opts = parseOptions(envOptions, raw);
  checkStateRoot(process.env, 'read');
  env(opts, { stdout: streams.stdout, env: process.env });
}
