import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up } from '../../scripts/lab/up.ts';
import { readLedger } from '../../scripts/state/ledger.ts';
import { labDir } from '../../scripts/state/paths.ts';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { cli } from '../helpers/cli.ts';
import { fakeDeps } from '../helpers/lab.ts';

// The presenter kit: `path` shows the last verify's proof again, `logs --path` one request across the path.
let fakes: Fakes;
beforeAll(async () => {
  fakes = await createFakes();
  await up({ profile: 'kind-full', yes: true }, fakeDeps(fakes));
}, 900_000);
afterAll(() => fakes.cleanup());

const record = () => join(labDir('egress-lab', fakes.env), 'last-verify.json');
/** Replaces the fake cluster's log of `ns/workload` with these lines, written `ago` ms before now. */
const setLogs = (lines: Record<string, [ago: number, line: string][]>) =>
  fakes.update((s) => {
    const logs = s.clusters['egress-lab']!.logs!;
    for (const [key, entries] of Object.entries(lines))
      logs[key] = entries.map(([ago, line]) => ({ at: new Date(Date.now() - ago).toISOString(), line }));
  });

describe('egress-lab path', { timeout: 300_000 }, () => {
  it("after up: the lab's path with every hop ✓ and its evidence line, and when that verify ran", async () => {
    const r = await cli(['path'], { env: fakes.env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(
      /^Last verify of the lab egress-lab: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, every hop proven\.$/,
    );
    expect(lines[1]).toMatch(/^egress-lab verify: lab egress-lab \(kind-full, stack oss\)/);
    expect(r.stdout).toMatch(
      /^ {2}pod ✓ ──▶ ztunnel ✓ ──▶ egress-gateway ✓ ──▶ ext-authz ✓ ──▶ squid ✓ ──▶ httpbingo\.org ✓$/m,
    );
    expect(r.stdout).toMatch(/^✓ egress-gateway {2}\S.* info request .*http\.status=200/m);
    expect(r.stdout).toMatch(/^✓ ext-authz {7}\S.*\[allowed\]/m);
    expect(r.stdout).toMatch(/^✓ squid {11}\S.* TCP_MISS\/200 /m);
    expect(r.stdout).toContain('Every hop is proven.');
  });

  it('--json is {at, report}: the report as verify --json gives it', async () => {
    const r = await cli(['path', '--json'], { env: fakes.env });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { at: string; report: { lab: string; ok: boolean; hops: unknown[] } };
    expect(Object.keys(out)).toEqual(['at', 'report']);
    expect(out.report).toMatchObject({ lab: 'egress-lab', ok: true });
    expect(out.report.hops).toHaveLength(6);
  });

  it('no verify recorded yet: exit 1 saying so and what proves the path; an unreadable record names its file', async () => {
    const kept = fakes.state();
    rmSync(record());
    const none = await cli(['path'], { env: fakes.env });
    expect(none).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'egress-lab: no verify recorded for the lab egress-lab yet: egress-lab verify proves the path\n',
    });
    writeFileSync(record(), '{"at": "yesterday"');
    const bad = await cli(['path'], { env: fakes.env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      `egress-lab: cannot read the last verify of the lab egress-lab from ${record()}: not JSON; egress-lab verify records it again\n`,
    );
    // list still shows the lab, and says the record is unreadable.
    expect((await cli(['list'], { env: fakes.env })).stdout).toContain('its last-verify.json is not a verify record');
    expect(fakes.state().clusters).toEqual(kept.clusters);
  });

  it('after a failed verify: ✗ at the broken hop, with its evidence and hint', async () => {
    fakes.update((s) => {
      s.faults.push({ match: 'rollout status deploy/sleep', stderr: 'error: timed out waiting for the condition' });
    });
    expect((await cli(['verify'], { env: fakes.env })).code).toBe(1);
    fakes.update((s) => {
      s.faults = [];
    });
    const r = await cli(['path'], { env: fakes.env });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/, first broken hop: pod\.$/);
    expect(r.stdout).toMatch(/^ {2}pod ✗$/m);
    expect(r.stdout).toMatch(/^✗ pod {13}\S.*rollout status deploy\/sleep.*timed out waiting for the condition$/m);
    expect(r.stdout).toMatch(/^ {18}hint: the sample pod is not ready/m);
    expect(r.stdout).toContain('First broken hop: pod.');
    // list reads the same record as before the record held the whole report.
    expect((await cli(['list'], { env: fakes.env })).stdout).toMatch(
      /^egress-lab\s+kind\s+egress-lab\s+kind-full\s+-\s+✗ pod hop/m,
    );
  });
});

describe('egress-lab logs --path', { timeout: 300_000 }, () => {
  it("the fake kubectl's --timestamps prefixes each line as the kubelet does: RFC3339 with nine fraction digits, a space", async () => {
    setLogs({ 'common-infrastructure/egress-gateway': [[1000, 'gateway says hello']] });
    const ledger = readLedger('egress-lab', fakes.env)!;
    const k = ['--kubeconfig', ledger.kubeconfig, '--context', ledger.context];
    const exec = fakeDeps(fakes).exec;
    const r = await exec('kubectl', [
      ...k,
      'logs',
      'deploy/egress-gateway',
      '-n',
      'common-infrastructure',
      '--timestamps',
    ]);
    expect(r.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z gateway says hello\n$/);
  });

  it('merges the gateway, ext-authz and Squid lines in time order, each with its component; --since and --tail apply', async () => {
    setLogs({
      'common-infrastructure/egress-gateway': [
        [600_000, 'gw old'],
        [5000, 'gw request 1'],
        [2000, 'gw request 2'],
      ],
      'common-infrastructure/ext-authz': [
        [4000, 'authz allow 1'],
        [1000, 'authz allow 2'],
      ],
      'squid/squid-proxy': [
        [3000, 'squid CONNECT 1'],
        [500, 'squid CONNECT 2'],
      ],
    });
    const r = await cli(['logs', '--path'], { env: fakes.env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'gateway  | gw old',
        'gateway  | gw request 1',
        'ext-authz| authz allow 1',
        'squid    | squid CONNECT 1',
        'gateway  | gw request 2',
        'ext-authz| authz allow 2',
        'squid    | squid CONNECT 2',
        '',
      ].join('\n'),
    );
    const since = await cli(['logs', '--path', '--since', '5m'], { env: fakes.env });
    expect(since.stdout).not.toContain('gw old');
    expect(since.stdout.split('\n')[0]).toBe('gateway  | gw request 1');
    const tail = await cli(['logs', '--path', '--tail', '1'], { env: fakes.env });
    expect(tail.stdout).toBe(
      ['gateway  | gw request 2', 'ext-authz| authz allow 2', 'squid    | squid CONNECT 2', ''].join('\n'),
    );
  });

  it('--path with a COMPONENT or with --follow is exit 2, one line, nothing run', async () => {
    const calls = fakes.calls().length;
    for (const [args, line] of [
      [['logs', 'gateway', '--path'], `logs: --path shows the path's components; give it no COMPONENT ("gateway")`],
      [['logs', '--path', '--follow'], 'logs: --path merges what is logged so far; it does not --follow'],
      [
        ['logs'],
        'logs: name a COMPONENT (gateway, waypoint, squid, ext-authz, sample, ztunnel, istio-cni, istiod) or give --path',
      ],
    ] as const) {
      const r = await cli([...args], { env: fakes.env });
      expect(r, args.join(' ')).toMatchObject({ code: 2, stdout: '', stderr: `egress-lab: ${line}\n` });
    }
    expect(fakes.calls().length).toBe(calls);
  });
});
