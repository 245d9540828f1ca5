import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, createServer as createTcpServer } from 'node:net';
import { expect } from 'vitest';
import { loadProfile } from '../../scripts/profile/load.ts';
import { renderLab } from '../../scripts/render/render.ts';

/**
 * The real Debian squid on loopback, run on a squid.conf egress-lab rendered, and a local origin server behind
 * it: what test/squid's files share. Needs the squid package (`apt-get install -y squid`); .ci/run installs it.
 */
export const SQUID = ['/usr/sbin/squid', '/usr/bin/squid'].find((p) => existsSync(p)) ?? 'squid';
export const ACCESS_LOG = '/var/log/squid/access.log';

async function freePort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  await new Promise((ok) => server.close(ok));
  return port;
}

async function waitForPort(port: number, ms: number, output: () => string): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const up = await new Promise<boolean>((ok) => {
      const s = connect(port, '127.0.0.1', () => {
        s.end();
        ok(true);
      });
      s.on('error', () => ok(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`squid did not listen on ${port} within ${ms} ms:\n${output()}`);
}

export interface RealSquid {
  /** The local origin server's port (answers `hello from origin <path>`). */
  originPort: number;
  /** Squid's port. */
  proxyPort: number;
  /** Where the access log stood when Squid started: this run's lines come after it. */
  logStart: number;
  /** The squid.conf as egress-lab rendered it (before `adapt`). */
  conf: string;
  /** Ends Squid (SIGTERM, so it writes out its access log), once. */
  stopSquid(): Promise<void>;
  /** Ends Squid and the origin. */
  stop(): Promise<void>;
}

/**
 * Starts the origin, renders a profile (`profileLines(proxyPort, originPort)`, a YAML file written by `write`)
 * and takes its squid.conf, lets `adapt` change it (a path inside the pod → a local file), checks it with
 * `squid -k parse`, runs squid in the foreground on it and waits for its port.
 */
export async function startRealSquid(opts: {
  write: (name: string, text: string) => string;
  profileLines: (proxyPort: number, originPort: number) => string[];
  adapt?: (conf: string) => string;
}): Promise<RealSquid> {
  expect(
    spawnSync(SQUID, ['-v']).status,
    `the squid package is needed: apt-get install -y squid (looked for ${SQUID})`,
  ).toBe(0);
  const origin: Server = createServer((req, res) => res.end(`hello from origin ${req.url}`));
  await new Promise<void>((ok) => origin.listen(0, '127.0.0.1', ok));
  const originPort = (origin.address() as AddressInfo).port;
  const proxyPort = await freePort();
  const profile = opts.write('squid-test.yaml', [...opts.profileLines(proxyPort, originPort), ''].join('\n'));
  const configMap = renderLab(loadProfile({ profile }), 'squid-test')
    .manifests.find((m) => m.id === 'squid')!
    .objects.find((o) => o.kind === 'ConfigMap')!;
  const rendered = (configMap['data'] as Record<string, string>)['squid.conf']!;
  const conf = opts.write('squid.conf', opts.adapt ? opts.adapt(rendered) : rendered);
  const parsed = spawnSync(SQUID, ['-k', 'parse', '-f', conf], { encoding: 'utf8' });
  expect(parsed.status, parsed.stderr).toBe(0);
  expect(parsed.stderr).not.toMatch(/ERROR|FATAL/);
  const logStart = existsSync(ACCESS_LOG) ? statSync(ACCESS_LOG).size : 0;
  let output = '';
  const squid: ChildProcess = spawn(SQUID, ['-N', '-f', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  squid.stdout!.on('data', (c) => (output += c));
  squid.stderr!.on('data', (c) => (output += c));
  await waitForPort(proxyPort, 10_000, () => output);
  const exited = new Promise((ok) => squid.on('exit', ok));
  const stopSquid = async () => {
    if (squid.exitCode === null && squid.signalCode === null) {
      squid.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (squid.exitCode === null && squid.signalCode === null) squid.kill('SIGKILL');
    }
  };
  return {
    originPort,
    proxyPort,
    logStart,
    conf: rendered,
    stopSquid,
    async stop() {
      await stopSquid();
      await new Promise((ok) => origin.close(ok));
    },
  };
}
