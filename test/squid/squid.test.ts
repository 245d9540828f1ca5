import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { type AddressInfo, connect, createServer as createTcpServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProfile } from '../../scripts/profile/load.ts';
import { renderLab } from '../../scripts/render/render.ts';
import { parseSquidLine, probeMark, squidEntries, squidPassed } from '../../scripts/verify/evidence.ts';
import { scratch } from '../helpers/temp.ts';

/**
 * The rendered squid.conf, run by the real Debian squid on loopback: a client at 127.0.0.2 (an allowed
 * client, not localhost) GETs and CONNECTs through it to a local server; 127.0.0.3 is not allowed.
 * Needs the squid package (`apt-get install -y squid`); .ci/run installs it.
 */
const SQUID = ['/usr/sbin/squid', '/usr/bin/squid'].find((p) => existsSync(p)) ?? 'squid';
const ACCESS_LOG = '/var/log/squid/access.log';
const ALLOWED = '127.0.0.2';
const DENIED = '127.0.0.3';
/** The query parameter verify sends with its request, as it sends it. */
const MARK = probeMark('0a1b2c3d', 'a');

const tmp = scratch();
let origin: Server;
let originPort: number;
let proxyPort: number;
let squid: ChildProcess | undefined;
let logStart = 0;
let squidOutput = '';

async function freePort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  await new Promise((ok) => server.close(ok));
  return port;
}

async function waitForPort(port: number, ms: number): Promise<void> {
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
  throw new Error(`squid did not listen on ${port} within ${ms} ms:\n${squidOutput}`);
}

function proxyGet(localAddress: string, url: string): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    const req = request(
      { host: '127.0.0.1', port: proxyPort, localAddress, path: url, headers: { host: new URL(url).host } },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', fail);
    req.end();
  });
}

/** CONNECT host:port through the proxy; on 200, a plain HTTP GET over the tunnel. */
function proxyConnect(localAddress: string, target: string): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port: proxyPort, localAddress, method: 'CONNECT', path: target });
    req.on('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        ok({ status: res.statusCode ?? 0, body: '' });
        return;
      }
      let raw = '';
      socket.on('data', (c) => {
        raw += c;
      });
      socket.on('end', () => ok({ status: 200, body: raw.split('\r\n\r\n').slice(1).join('\r\n\r\n') }));
      socket.write(`GET /through-tunnel HTTP/1.1\r\nHost: ${target}\r\nConnection: close\r\n\r\n`);
    });
    req.on('response', (res) => ok({ status: res.statusCode ?? 0, body: '' }));
    req.on('error', fail);
    req.end();
  });
}

beforeAll(async () => {
  expect(
    spawnSync(SQUID, ['-v']).status,
    `the squid package is needed: apt-get install -y squid (looked for ${SQUID})`,
  ).toBe(0);
  origin = createServer((req, res) => res.end(`hello from origin ${req.url}`));
  await new Promise<void>((ok) => origin.listen(0, '127.0.0.1', ok));
  originPort = (origin.address() as AddressInfo).port;
  proxyPort = await freePort();
  const profile = tmp.write(
    'squid-test.yaml',
    [
      'description: real-Squid test lab',
      'extends: kind-full',
      'components:',
      '  squid:',
      `    port: ${proxyPort}`,
      `    allowedClients: [${ALLOWED}/32]`,
      `    ports: [${originPort}, 443]`,
      '',
    ].join('\n'),
  );
  const configMap = renderLab(loadProfile({ profile }), 'squid-test')
    .manifests.find((m) => m.id === 'squid')!
    .objects.find((o) => o.kind === 'ConfigMap')!;
  const conf = tmp.write('squid.conf', (configMap['data'] as Record<string, string>)['squid.conf']!);
  const parsed = spawnSync(SQUID, ['-k', 'parse', '-f', conf], { encoding: 'utf8' });
  expect(parsed.status, parsed.stderr).toBe(0);
  expect(parsed.stderr).not.toMatch(/ERROR|FATAL/);
  logStart = existsSync(ACCESS_LOG) ? statSync(ACCESS_LOG).size : 0;
  squid = spawn(SQUID, ['-N', '-f', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  squid.stdout!.on('data', (c) => (squidOutput += c));
  squid.stderr!.on('data', (c) => (squidOutput += c));
  await waitForPort(proxyPort, 10_000);
});

afterAll(async () => {
  if (squid && squid.exitCode === null) {
    const exited = new Promise((ok) => squid!.on('exit', ok));
    squid.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (squid.exitCode === null) squid.kill('SIGKILL');
  }
  await new Promise((ok) => origin?.close(ok));
  tmp.cleanup();
});

describe('the rendered squid.conf in the real Debian squid', () => {
  it('lets an allowed client GET through it', async () => {
    const res = await proxyGet(ALLOWED, `http://127.0.0.1:${originPort}/headers`);
    expect(res).toEqual({ status: 200, body: 'hello from origin /headers' });
  });

  it("forwards a GET carrying verify's probe query", async () => {
    const res = await proxyGet(ALLOWED, `http://127.0.0.1:${originPort}/headers?${MARK}`);
    expect(res).toEqual({ status: 200, body: `hello from origin /headers?${MARK}` });
  });

  it('lets an allowed client CONNECT through it', async () => {
    const res = await proxyConnect(ALLOWED, `127.0.0.1:${originPort}`);
    expect(res).toEqual({ status: 200, body: 'hello from origin /through-tunnel' });
  });

  it('denies a client outside allowedClients', async () => {
    expect((await proxyGet(DENIED, `http://127.0.0.1:${originPort}/headers`)).status).toBe(403);
    expect((await proxyConnect(DENIED, `127.0.0.1:${originPort}`)).status).toBe(403);
  });

  it('denies a destination port outside ports, even for an allowed client', async () => {
    expect((await proxyConnect(ALLOWED, `127.0.0.1:${proxyPort}`)).status).toBe(403);
  });

  it('logs each request in the access log the lab reads', async () => {
    const exited = new Promise((ok) => squid!.on('exit', ok));
    squid!.kill('SIGTERM');
    await exited;
    const lines = readFileSync(ACCESS_LOG, 'utf8').slice(logStart).split('\n');
    const has = (re: RegExp) =>
      expect(
        lines.some((l) => re.test(l)),
        `${re} in\n${lines.join('\n')}`,
      ).toBe(true);
    has(new RegExp(` ${ALLOWED} TCP_MISS/200 \\d+ GET http://127\\.0\\.0\\.1:${originPort}/headers `));
    has(new RegExp(` ${ALLOWED} TCP_TUNNEL/200 \\d+ CONNECT 127\\.0\\.0\\.1:${originPort} `));
    has(new RegExp(` ${DENIED} TCP_DENIED/403 \\d+ GET `));
  });

  it("keeps the query in the logged URL, and verify's parser proves its own request from the real line", () => {
    const lines = readFileSync(ACCESS_LOG, 'utf8').slice(logStart).split('\n').filter(Boolean);
    for (const line of lines) expect(parseSquidLine(line), line).toBeDefined();
    const probed = squidEntries(lines, '127.0.0.1', MARK, originPort);
    expect(probed.some((e) => e.method === 'GET' && e.url.endsWith(`/headers?${MARK}`) && squidPassed(e))).toBe(true);
    expect(probed.some((e) => e.method === 'CONNECT' && squidPassed(e))).toBe(true);
    expect(squidEntries(lines, '127.0.0.1', probeMark('0a1b2c3d', 'd')).filter((e) => e.method === 'GET')).toEqual([]);
    const denied = lines.map(parseSquidLine).find((e) => e?.client === DENIED);
    expect(denied).toMatchObject({ result: 'TCP_DENIED', status: 403 });
    expect(squidPassed(denied!)).toBe(false);
  });
});
