import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { everyLab } from '../../scripts/commands/every-lab.ts';
import { CancelledError } from '../../scripts/errors.ts';
import { scratch } from '../helpers/temp.ts';

const tmp = scratch();
afterAll(() => tmp.cleanup());
// Two labs on this "machine": a folder with a state file each is what labNames lists.
for (const lab of ['alpha', 'beta']) {
  mkdirSync(join(tmp.dir, lab), { recursive: true });
  writeFileSync(join(tmp.dir, lab, 'state.json'), '{}');
}
const env = { EGRESS_LAB_HOME: tmp.dir };
const sink = () => {
  let text = '';
  const stdout = new Writable({
    write(chunk, _e, done) {
      text += String(chunk);
      done();
    },
  });
  return { stdout, text: () => text };
};

describe('--all over the labs of this machine', () => {
  it('Ctrl-C during one lab stops them all: the next lab is not touched', async () => {
    const ran: string[] = [];
    const out = sink();
    await expect(
      everyLab('down', {}, { stdout: out.stdout, env }, async (name) => {
        ran.push(name);
        throw new CancelledError('interrupted');
      }),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(ran).toEqual(['alpha']);
  });

  it("--json keeps a lab's answer that is not JSON (a run cut short) as its text, and still names the failure", async () => {
    const out = sink();
    await expect(
      everyLab('status', { json: true }, { stdout: out.stdout, env }, async (name, stdout) => {
        stdout.write(name === 'alpha' ? '{"ok":true}\n' : 'half a line');
        if (name === 'beta') throw new Error('the API server did not answer');
      }),
    ).rejects.toThrow('status --all: not ok: beta');
    expect(JSON.parse(out.text())).toEqual([
      { lab: 'alpha', ok: true, answer: { ok: true } },
      { lab: 'beta', ok: false, output: 'half a line', error: 'the API server did not answer' },
    ]);
  });
});
