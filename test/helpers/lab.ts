import { Writable } from 'node:stream';
import { realHost } from '../../scripts/doctor/checks.ts';
import { createExec } from '../../scripts/exec/exec.ts';
import type { LabDeps } from '../../scripts/lab/up.ts';
import { nonInteractivePrompter, type Prompter } from '../../scripts/ui/prompter.ts';
import type { Fakes } from '../fakes/fakes.ts';

/** The real collaborators of a lab command, pointed at the fakes: exec with their PATH, silent renderer, captured output. */
export function fakeDeps(fakes: Fakes, prompter?: Prompter): LabDeps & { output: () => string } {
  let text = '';
  const stdout = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  const secrets: string[] = [];
  return {
    exec: createExec({ env: fakes.env, secrets: () => secrets }),
    secrets,
    prompter: prompter ?? nonInteractivePrompter(stdout),
    stdout,
    env: fakes.env,
    renderer: 'silent',
    host: { ...realHost, env: fakes.env },
    output: () => text,
  };
}

export const cmdline = (c: { bin: string; argv: string[] }) => [c.bin, ...c.argv].join(' ');

/** up's options for the gke-full profile in the fakes' one ready project and zone, without questions or verify. */
export const GKE_FULL = {
  profile: 'gke-full',
  gkeProject: 'demo-project-1',
  gkeLocation: 'europe-west1-b',
  yes: true,
  verify: false,
};
