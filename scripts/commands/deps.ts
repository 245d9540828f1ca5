import { createExec } from '../exec/exec.ts';
import type { LabDeps } from '../lab/up.ts';
import { isInteractive, nonInteractivePrompter, type Streams } from '../ui/prompter.ts';

/** The real collaborators of a lab command: zx-backed exec, clack when interactive, listr2's renderer for this terminal. */
export async function labDeps(opts: { yes?: boolean; json?: boolean }, streams: Streams): Promise<LabDeps> {
  const secrets: string[] = [];
  const exec = createExec({ secrets: () => secrets });
  const prompter = isInteractive(streams, opts)
    ? (await import('../ui/clack-prompter.ts')).clackPrompter(streams)
    : nonInteractivePrompter(streams.stdout);
  const renderer = opts.json ? 'silent' : streams.stdout.isTTY ? 'default' : 'simple';
  return { exec, secrets, prompter, stdout: streams.stdout, env: process.env, renderer };
}
