import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up } from '../../scripts/lab/up.ts';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { cli } from '../helpers/cli.ts';
import { fakeDeps } from '../helpers/lab.ts';

let fakes: Fakes;
beforeAll(async () => {
  fakes = await createFakes();
  await up({ profile: 'kind', name: 'alpha', yes: true, verify: false }, fakeDeps(fakes));
  await up({ profile: 'kind', name: 'beta', yes: true, verify: false }, fakeDeps(fakes));
  // beta's sample is gone: its verify fails at the first hop, alpha's passes.
  fakes.update((s) => {
    delete s.clusters['beta']!.objects['Deployment|ns1|sleep'];
  });
}, 900_000);
afterAll(() => fakes.cleanup());

describe('--all: every lab on this machine', { timeout: 300_000 }, () => {
  it('verify --all proves each lab under its name, goes on past a broken one, and exits 1 naming it', async () => {
    const r = await cli(['verify', '--all'], { env: fakes.env });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^== alpha\negress-lab verify: lab alpha /m);
    expect(r.stdout).toMatch(/^== beta\negress-lab verify: lab beta /m);
    expect(r.stdout).toContain('Every hop is proven.');
    expect(r.stdout).toContain('verify --all: 2 labs, 1 ok, not ok: beta\n');
    expect(r.stderr).toContain('egress-lab: verify --all: not ok: beta');
  });

  it("status --all --json is one array with each lab's answer", async () => {
    const r = await cli(['status', '--all', '--json'], { env: fakes.env });
    const labs = JSON.parse(r.stdout) as { lab: string; ok: boolean; answer?: { lab?: string } }[];
    expect(labs.map((l) => [l.lab, l.ok])).toEqual([
      ['alpha', true],
      ['beta', false],
    ]);
    expect(labs[0]!.answer).toBeDefined();
    expect(r.code).toBe(1);
  });

  it('--all with --name or --seat is exit 2, nothing run', async () => {
    const calls = fakes.calls().length;
    for (const args of [
      ['verify', '--all', '--name', 'alpha'],
      ['verify', '--all', '--seat', '1'],
      ['status', '--all', '--name', 'alpha'],
    ]) {
      const r = await cli(args, { env: fakes.env });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^egress-lab: --all and --(name|seat) contradict each other; give one\n$/);
    }
    expect(fakes.calls().length).toBe(calls);
  });

  it('down --all removes every lab here, each under its name', async () => {
    const r = await cli(['down', '--all', '--yes'], { env: fakes.env });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(/^== alpha\nRemoved the lab "alpha"\.\n/m);
    expect(r.stdout).toMatch(/^== beta\nRemoved the lab "beta"\.\n/m);
    expect(r.stdout).toContain('down --all: 2 labs, 2 ok\n');
    expect(Object.keys(fakes.state().clusters)).toEqual([]);
    const again = await cli(['down', '--all'], { env: fakes.env });
    expect([again.code, again.stdout]).toEqual([0, 'No labs on this machine; egress-lab up creates one.\n']);
  });
});
