import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up } from '../../scripts/lab/up.ts';
import { readLedger } from '../../scripts/state/ledger.ts';
import { verifyLab } from '../../scripts/verify/verify.ts';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { cli } from '../helpers/cli.ts';
import { fakeDeps } from '../helpers/lab.ts';
import { scratch } from '../helpers/temp.ts';

/** Packs on a workshop lab: proven once for the lab, and each seat's handout shows them with the seat's credentials. */
let fakes: Fakes;
const tmp = scratch();
const SLOW = 900_000;
const objects = () => fakes.state().clusters['egress-lab']!.objects;

beforeAll(async () => {
  fakes = await createFakes();
  await up(
    { profile: 'kind-workshop', scenario: ['tls-origination', 'no-bypass'], yes: true, verify: false },
    fakeDeps(fakes),
  );
}, SLOW);
afterAll(() => {
  fakes.cleanup();
  tmp.cleanup();
});

describe('scenario packs on a seated lab', { timeout: SLOW }, () => {
  it('each seat has its own no-bypass ServiceEntry; verify proves every seat, then the packs once from the sample', async () => {
    for (const ns of ['seat-01', 'seat-02', 'seat-03', 'ns1'])
      expect(objects()[`ServiceEntry|${ns}|no-bypass-stopped-waypoint`]).toBeDefined();
    // No attendee account in a namespace that is no seat.
    expect(
      Object.keys(objects()).filter((k) => k.startsWith('ServiceAccount|') && k.endsWith('|attendee')),
    ).toHaveLength(3);
    const r = await verifyLab(readLedger('egress-lab', fakes.env)!, {
      exec: fakeDeps(fakes).exec,
      sleep: async () => {},
    });
    expect(r.ok, JSON.stringify(r.scenarios)).toBe(true);
    expect(r.seats).toHaveLength(3);
    expect(r.scenarios?.map((s) => [s.name, s.ok])).toEqual([
      ['tls-origination', true],
      ['no-bypass', true],
    ]);
    expect(r.scenarios![1]!.proof.evidence).toMatch(/NetworkPolicy ns1\/egress-only-through-gateway/);
  });

  it("a seat's handout has each pack's steps, and each works with the seat's kubeconfig", async () => {
    const out = join(tmp.dir, 'handouts');
    const r = await cli(['handout', '--out', out], { env: fakes.env });
    expect(r.code, r.stderr).toBe(0);
    const readme = readFileSync(join(out, 'seat-02', 'README.md'), 'utf8');
    expect(readme).toMatch(/## \d+\. tls-origination: your plain http request leaves the cluster as TLS/);
    expect(readme).toMatch(/## \d+\. no-bypass: every way around the gateway is closed/);
    const commands = [...readme.matchAll(/```sh\n(.+)\n```/g)].map((m) => m[1]!).slice(-3);
    const run = (command: string) =>
      new Promise<{ code: number; stdout: string }>((done) =>
        execFile('bash', ['-c', command], { cwd: join(out, 'seat-02'), env: fakes.env }, (err, stdout) =>
          done({ code: err ? 1 : 0, stdout }),
        ),
      );
    const [echo, gatewayLines, bypass] = [await run(commands[0]!), await run(commands[1]!), await run(commands[2]!)];
    expect(echo.stdout).toMatch(/"X-Forwarded-Proto": \[\n\s*"https"/);
    expect(gatewayLines.stdout).toMatch(/endpoint=httpbingo\.org:443/);
    expect(bypass.stdout.trim().split('\n')).toEqual([
      'example.net: curl exit 28',
      '1.1.1.1: curl exit 28',
      'example.org: curl exit 28',
    ]);
  });
});
