import { Writable } from 'node:stream';
import { ActionableError, CancelledError, InputError } from '../errors.ts';
import { labNames } from '../state/labs.ts';

/** A lab's --json answer as JSON; what was not JSON (a run cut short) as its text. */
function answerOf(text: string): { answer?: unknown; output?: string } {
  if (!text.trim()) return {};
  try {
    return { answer: JSON.parse(text) };
  } catch {
    return { output: text };
  }
}

/**
 * --all: a verb run on every lab of this machine, one after another, each under a heading (or, with --json, one
 * JSON array of each lab's answer); a lab that fails does not stop the others, and the run fails (exit 1) naming
 * them. `run` writes the lab's answer to the stream it is given and throws when the lab fails.
 */
export async function everyLab(
  verb: string,
  opts: { all?: boolean; name?: string; seat?: number; json?: boolean },
  deps: { stdout: NodeJS.WritableStream; env: NodeJS.ProcessEnv },
  run: (name: string, stdout: NodeJS.WritableStream) => Promise<void>,
): Promise<void> {
  if (opts.name !== undefined) throw new InputError(`--all and --name contradict each other; give one`);
  if (opts.seat !== undefined) throw new InputError(`--all and --seat contradict each other; give one`);
  const labs = labNames(deps.env);
  if (labs.length === 0) {
    deps.stdout.write(opts.json ? '[]\n' : 'No labs on this machine; egress-lab up creates one.\n');
    return;
  }
  const failed: string[] = [];
  const answers: unknown[] = [];
  for (const lab of labs) {
    let text = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        text += String(chunk);
        done();
      },
    });
    let error: string | undefined;
    try {
      await run(lab, sink);
    } catch (err) {
      // Ctrl-C stops every lab, not only this one.
      if (err instanceof CancelledError) throw err;
      failed.push(lab);
      error = (err as Error).message;
    }
    if (opts.json) answers.push({ lab, ok: error === undefined, ...answerOf(text), ...(error ? { error } : {}) });
    else deps.stdout.write(`== ${lab}\n${text}${error ? `egress-lab: ${error}\n` : ''}\n`);
  }
  if (opts.json) deps.stdout.write(`${JSON.stringify(answers, null, 2)}\n`);
  else
    deps.stdout.write(
      `${verb} --all: ${labs.length} lab${labs.length > 1 ? 's' : ''}, ${labs.length - failed.length} ok${failed.length ? `, not ok: ${failed.join(', ')}` : ''}\n`,
    );
  if (failed.length) throw new ActionableError(`${verb} --all: not ok: ${failed.join(', ')}`);
}
