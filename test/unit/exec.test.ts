import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createExec } from '../../scripts/exec/exec.ts';
import { scratch } from '../helpers/temp.ts';

describe('exec', () => {
  // A kind lab pulls eight images while kind creates the cluster and other steps run: more than ten commands
  // at once, all cancellable by one Ctrl-C. Node warns when more than ten abort listeners sit on one signal.
  it('runs many commands at once under one abort signal without a MaxListenersExceededWarning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const exec = createExec({ signal: new AbortController().signal });
      await Promise.all(Array.from({ length: 15 }, () => exec('sleep', ['0.3'])));
      await new Promise((ok) => setImmediate(ok));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it('a command that outlives its time limit fails with "timed out after N s", naming it', async () => {
    const exec = createExec();
    await expect(exec('sleep', ['5'], { timeoutMs: 1000 })).rejects.toThrow(/^sleep 5 timed out after 1 s/);
  });

  // bash runs ~/.bashrc for `bash -c` when its stdin is a socket (Node's stdin pipe is one) and SHLVL is unset or 0,
  // as under cron or an IDE task: each kubectl apply and helm --values - then ran the user's shell set-up.
  it("runs the program itself: the user's ~/.bashrc and BASH_ENV never run, arguments reach it unparsed", async () => {
    const tmp = scratch();
    const marker = join(tmp.dir, 'rc-ran');
    const rc = tmp.write('.bashrc', `echo "from .bashrc"\ntouch ${marker}\n`);
    const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: tmp.dir, BASH_ENV: rc };
    const exec = createExec({ env });
    const text = 'kind: ConfigMap # "$HOME" $(id) `id` ;|&\n';
    const out = await exec('cat', [], { input: text });
    expect(out.stdout).toBe(text);
    expect((await exec('printf', ['%s|', '$HOME', '*', 'a b'])).stdout).toBe('$HOME|*|a b|');
    expect(existsSync(marker)).toBe(false);
    tmp.cleanup();
  });

  it('a program that is not on PATH is "not installed", and a failed one names its exit code and error', async () => {
    const exec = createExec();
    await expect(exec('egress-lab-no-such-program', ['--version'])).rejects.toThrow(
      /^egress-lab-no-such-program is not installed or not on PATH$/,
    );
    await expect(exec('sh', ['-c', 'echo out; echo "Error: it broke" >&2; exit 3'])).rejects.toThrow(
      /^sh -c .* failed \(exit 3\): Error: it broke$/,
    );
  });

  it('finds a program in a PATH entry written with a quoted tilde (~/bin), as bash did', async () => {
    const tmp = scratch();
    mkdirSync(join(tmp.dir, 'bin'));
    const prog = tmp.write('bin/egress-lab-tilde-probe', '#!/bin/sh\necho found "$@"\n');
    chmodSync(prog, 0o755);
    const exec = createExec({ env: { PATH: `~/bin:${process.env['PATH']}`, HOME: tmp.dir } });
    expect((await exec('egress-lab-tilde-probe', ['it'])).stdout).toBe('found it\n');
    tmp.cleanup();
  });
});
