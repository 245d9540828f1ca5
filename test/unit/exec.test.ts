import { describe, expect, it } from 'vitest';
import { createExec } from '../../scripts/exec/exec.ts';

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
});
