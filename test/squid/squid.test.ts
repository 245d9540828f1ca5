import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSquidLine, probeMark, squidEntries, squidPassed } from '../../scripts/verify/evidence.ts';
import { scratch } from '../helpers/temp.ts';
import { ACCESS_LOG, type RealSquid, startRealSquid } from './real-squid.ts';

/**
 * The rendered squid.conf, run by the real Debian squid on loopback: a client at 127.0.0.2 (an allowed
 * client, not localhost) GETs and CONNECTs through it to a local server; 127.0.0.3 is not allowed.
 * Needs the squid package (`apt-get install -y squid`); .ci/run installs it.
 */
const ALLOWED = '127.0.0.2';
const DENIED = '127.0.0.3';
/** The query parameter verify sends with its request, as it sends it. */
const MARK = probeMark('0a1b2c3d', 'a');

const tmp = scratch();
let lab: RealSquid;
let originPort: number;
let proxyPort: number;

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
  lab = await startRealSquid({
    write: (name, text) => tmp.write(name, text),
    profileLines: (proxy, originAt) => [
      'description: real-Squid test lab',
      'extends: kind-full',
      'components:',
      '  squid:',
      `    port: ${proxy}`,
      `    allowedClients: [${ALLOWED}/32]`,
      `    ports: [${originAt}, 443]`,
    ],
  });
  ({ originPort, proxyPort } = lab);
});

afterAll(async () => {
  await lab?.stop();
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
    await lab.stopSquid();
    const lines = readFileSync(ACCESS_LOG, 'utf8').slice(lab.logStart).split('\n');
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
    const lines = readFileSync(ACCESS_LOG, 'utf8').slice(lab.logStart).split('\n').filter(Boolean);
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
