import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up } from '../../scripts/lab/up.ts';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { cli } from '../helpers/cli.ts';
import { fakeDeps } from '../helpers/lab.ts';
import { scratch } from '../helpers/temp.ts';

let fakes: Fakes;
let out: string;
const objects = () => fakes.state().clusters['egress-lab']!.objects;
const tmp = scratch();
const SLOW = 900_000;

/** A command as the attendee types it in their seat's folder: through a shell, with the fakes first on PATH. */
const asAttendee = (seat: string, command: string) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile('bash', ['-c', command], { cwd: join(out, seat), env: fakes.env }, (err, stdout, stderr) =>
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
/** The commands of a seat's README, in order: each line of its sh blocks. */
const readmeCommands = (seat: string) =>
  [...readFileSync(join(out, seat, 'README.md'), 'utf8').matchAll(/```sh\n(.+)\n```/g)].map((m) => m[1]!);

beforeAll(async () => {
  fakes = await createFakes();
  await up({ profile: 'kind-workshop', yes: true, verify: false }, fakeDeps(fakes));
  out = join(tmp.dir, 'handouts');
  const r = await cli(['handout', '--out', out, '--duration', '24h'], { env: fakes.env });
  expect(r.stderr).toBe('');
  expect(r.stdout).toMatch(
    /^Wrote handouts for 3 seats of the lab "egress-lab" into .*: seat-01\/ … seat-03\/ \(kubeconfig, README.md\), handouts.html, host.md.\nCredentials work until \d{4}-\d\d-\d\dT[\d:]+Z, on this machine only/,
  );
}, SLOW);
afterAll(() => {
  fakes.cleanup();
  tmp.cleanup();
});

describe('egress-lab handout', { timeout: SLOW }, () => {
  it('writes a folder per seat (kubeconfig 0600, README.md), the printable page and the host sheet', () => {
    expect(readdirSync(out).sort()).toEqual(['handouts.html', 'host.md', 'seat-01', 'seat-02', 'seat-03']);
    for (const seat of ['seat-01', 'seat-02', 'seat-03']) {
      expect(readdirSync(join(out, seat)).sort()).toEqual(['README.md', 'kubeconfig']);
      expect(statSync(join(out, seat, 'kubeconfig')).mode & 0o777).toBe(0o600);
    }
    const html = readFileSync(join(out, 'handouts.html'), 'utf8');
    expect(html.match(/<section>/g)).toHaveLength(3);
    // The printable page carries no credentials.
    expect(html).not.toMatch(/fake-sa-token|token:/);
    expect(readFileSync(join(out, 'host.md'), 'utf8')).toContain('| 2 | seat-02 | seat-02/ |');
  });

  it("every command of a seat's README works with its kubeconfig and shows what the README says to expect", async () => {
    const commands = readmeCommands('seat-02');
    expect(commands).toHaveLength(5);
    const results = [];
    for (const c of commands) results.push(await asAttendee('seat-02', c));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    expect(results[0]!.stdout.trim()).toBe('403');
    expect(results[1]!.stdout).toContain('"X-Ext-Authz-Check-Result": [\n      "allowed"');
    expect(results[2]!.stdout).toMatch(/http\.host=httpbingo\.org.*http\.status=200/);
    expect(results[3]!.stdout).toContain('principal:"spiffe://cluster.local/ns/seat-02/sa/sleep"');
    expect(results[4]!.stdout).toMatch(/TCP_MISS\/200 .*GET http:\/\/httpbingo\.org\/headers/);
  });

  it("a seat's kubeconfig cannot read or change another seat, nor create pods in its own", async () => {
    const k = 'kubectl --kubeconfig kubeconfig --context seat-01';
    const denied = [
      `${k} -n seat-02 exec deploy/sleep -- curl -s http://httpbingo.org/headers`,
      `${k} -n seat-02 get deploy/sleep`,
      `${k} -n seat-02 delete serviceentry httpbingo-org`,
      `${k} -n seat-02 logs deploy/sleep`,
    ];
    for (const c of denied) {
      const r = await asAttendee('seat-01', c);
      expect(r.code, c).toBe(1);
      expect(r.stderr).toMatch(
        /^Error from server \(Forbidden\): .* is forbidden: User "system:serviceaccount:seat-01:attendee" cannot \w+ resource "[a-z/]+" in API group "[a-z.]*" in the namespace "seat-02"/,
      );
    }
    expect(fakes.state().clusters['egress-lab']!.objects['ServiceEntry|seat-02|httpbingo-org']).toBeDefined();
    const can = async (args: string) => (await asAttendee('seat-01', `${k} auth can-i ${args}`)).stdout.trim();
    expect(await can('get pods -n seat-02')).toBe('no');
    expect(await can('delete serviceentries -n seat-01')).toBe('no');
    expect(await can('create pods -n seat-01')).toBe('no');
    expect(await can('create pods --subresource exec -n seat-01')).toBe('yes');
    expect(await can('get pods --subresource log -n common-infrastructure')).toBe('yes');
  });

  it("deleting a seat's attendee ServiceAccount revokes its kubeconfig", async () => {
    const command = readmeCommands('seat-03')[0]!;
    expect((await asAttendee('seat-03', command)).code).toBe(0);
    const saved = fakes.state().clusters['egress-lab']!.objects['ServiceAccount|seat-03|attendee'];
    fakes.update((s) => {
      delete s.clusters['egress-lab']!.objects['ServiceAccount|seat-03|attendee'];
    });
    const r = await asAttendee('seat-03', command);
    fakes.update((s) => {
      s.clusters['egress-lab']!.objects['ServiceAccount|seat-03|attendee'] = saved!;
    });
    expect([r.code, r.stderr.trim()]).toEqual([1, 'error: You must be logged in to the server (Unauthorized)']);
  });

  it('down --seat removes that seat alone, its handout stops working, and up brings the seat back', async () => {
    const seat1 = readmeCommands('seat-01')[0]!;
    const r = await cli(['down', '--seat', '3'], { env: fakes.env });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(
      /^Removed seat 3 \(the namespace seat-03 and everything in it, its attendee's credentials too\)/,
    );
    expect(Object.keys(objects()).filter((k) => k.includes('seat-03'))).toEqual([]);
    expect((await asAttendee('seat-03', readmeCommands('seat-03')[0]!)).code).toBe(1);
    expect((await asAttendee('seat-01', seat1)).code).toBe(0);
    await up({ profile: 'kind-workshop', yes: true, verify: false }, fakeDeps(fakes));
    expect(objects()['Deployment|seat-03|sleep']).toBeDefined();
    expect(objects()['ServiceAccount|seat-03|attendee']).toBeDefined();
    // The seat's old credentials stay revoked: a new handout gives it new ones.
    expect((await asAttendee('seat-03', readmeCommands('seat-03')[0]!)).code).toBe(1);
  });

  it('refuses, exit 2 and nothing written: a lab without seats, a seat it does not have, a bad duration, a folder in use', async () => {
    const cases: [string[], RegExp][] = [
      [['--seat', '4'], /^egress-lab: --seat: the lab "egress-lab" has seats 1 to 3, not 4\n$/],
      [['--duration', '5m'], /^egress-lab: --duration: "5m" is not a duration from 10m to 48h/],
      [['--duration', '3d'], /^egress-lab: --duration: "3d" is not a duration from 10m to 48h/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(['handout', '--out', join(out, 'never'), ...args], { env: fakes.env });
      expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(message)]);
    }
    await up({ profile: 'kind', name: 'plain', yes: true, verify: false }, fakeDeps(fakes));
    const plain = await cli(['handout', '--name', 'plain', '--out', join(out, 'never')], { env: fakes.env });
    expect([plain.code, plain.stderr]).toEqual([
      2,
      'egress-lab: the lab "plain" has no seats: egress-lab up --seats N (or --profile kind-workshop / gke-workshop) builds them\n',
    ]);
    const busy = await cli(['handout', '--out', out], { env: fakes.env });
    expect([busy.code, busy.stderr]).toEqual([
      2,
      expect.stringMatching(/folder is not empty \(5 entries\); pass --force/),
    ]);
    expect(readdirSync(out)).toHaveLength(5);
  });
});
