import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logs } from '../../scripts/commands/logs.ts';
import { down } from '../../scripts/lab/down.ts';
import { status } from '../../scripts/lab/status.ts';
import { up } from '../../scripts/lab/up.ts';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { fakeDeps } from '../helpers/lab.ts';

let fakes: Fakes;
beforeAll(async () => {
  fakes = await createFakes();
  await up({ profile: 'kind-full', name: 'demo', yes: true, verify: false }, fakeDeps(fakes));
});
afterAll(() => fakes.cleanup());

const logsOf = async (component: string, opts: { since?: string; tail?: string } = {}) => {
  const out = fakeDeps(fakes);
  await logs(component, { name: 'demo', ...opts }, { exec: out.exec, stdout: out.stdout, env: fakes.env });
  return out.output();
};

describe('labs by name', () => {
  it('status without --name, when no lab has the default name, lists the labs there are', async () => {
    const out = fakeDeps(fakes);
    await expect(status({}, { exec: out.exec, stdout: out.stdout, env: fakes.env })).rejects.toThrow(
      /no lab is named "egress-lab"; the labs here: demo \(pick one with --name demo\)/,
    );
  });

  it('down --name typo says no lab has that name and exits 1, removing nothing', async () => {
    const deps = fakeDeps(fakes);
    await expect(down({ name: 'dmeo', yes: true }, deps)).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringMatching(/no lab is named "dmeo"; the labs here: demo/),
    });
    expect(Object.keys(fakes.state().clusters)).toEqual(['demo']);
  });
});

describe('logs', () => {
  it("a DaemonSet shows every node's pod, each line prefixed with its pod", async () => {
    fakes.update((s) => {
      const c = s.clusters['demo']!;
      c.logs ??= {};
      c.logs['istio-system/ztunnel'] = ['one', 'two', 'three'].map((w) => ({
        at: new Date().toISOString(),
        line: `info access connection complete ${w}`,
      }));
    });
    const text = await logsOf('ztunnel');
    const pods = new Set([...text.matchAll(/^\[pod\/(ztunnel-\w+)\/istio-proxy\] info access/gm)].map((m) => m[1]));
    expect(pods.size).toBe(3);
    const call = fakes
      .calls()
      .filter((c) => c.argv.includes('logs'))
      .at(-1)!;
    expect(call.argv).toEqual(expect.arrayContaining(['-l', 'app=ztunnel', '--prefix', '-n', 'istio-system']));
  });

  it('--since passes to kubectl; a bad duration is bad input', async () => {
    await logsOf('squid', { since: '5m' });
    expect(fakes.calls().at(-1)!.argv).toContain('--since=5m');
    await expect(logsOf('squid', { since: 'yesterday' })).rejects.toMatchObject({ exitCode: 2 });
  });

  it('sample and waypoint are aliases; a missing Deployment says that up restores it', async () => {
    await logsOf('waypoint');
    expect(fakes.calls().at(-1)!.argv).toContain('deploy/egress-gateway');
    await logsOf('sample');
    expect(fakes.calls().at(-1)!.argv).toEqual(expect.arrayContaining(['deploy/sleep', '-n', 'ns1']));
    fakes.update((s) => delete s.clusters['demo']!.objects['Deployment|squid|squid-proxy']);
    await expect(logsOf('squid')).rejects.toThrow(
      /the Deployment squid-proxy is not in the namespace squid any more; egress-lab up --name demo restores it/,
    );
  });
});
