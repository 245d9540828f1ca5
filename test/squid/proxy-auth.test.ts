import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import { type AddressInfo, connect, createServer as createTcpServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProfile } from '../../scripts/profile/load.ts';
import { PROXY_USER } from '../../scripts/profile/scenarios.ts';
import { renderLab } from '../../scripts/render/render.ts';
import { secretForms } from '../../scripts/state/lab-secrets.ts';
import { parseSquidLine } from '../../scripts/verify/evidence.ts';
import { scratch } from '../helpers/temp.ts';

/**
 * proxy-auth's squid.conf (its auth lines) in the real Debian squid on loopback, with the passwd line and the
 * Basic credential egress-lab makes for the lab (state/lab-secrets.ts secretForms): no credential is refused
 * with 407 and Proxy-Authenticate, the lab's credential passes a GET and a CONNECT, and the access log names the
 * lab's user. Needs the squid package (`apt-get install -y squid`); .ci/run installs it.
 */
const SQUID = ['/usr/sbin/squid', '/usr/bin/squid'].find((p) => existsSync(p)) ?? 'squid';
const ACCESS_LOG = '/var/log/squid/access.log';
/** A client address of its own, so this file's lines are told apart from test/squid/squid.test.ts's. */
const CLIENT = '127.0.0.4';
const PASSWD_IN_POD = '/etc/squid/users/passwd';

const tmp = scratch();
const forms = secretForms({ apiKey: 'a'.repeat(48), proxyPassword: '0123456789abcdef0123456789abcdef' });
const wrong = Buffer.from(`${PROXY_USER}:not-the-password`).toString('base64');
let origin: Server;
let originPort: number;
let proxyPort: number;
let squid: ChildProcess | undefined;
let logStart = 0;
let squidOutput = '';
let lines: string[] = [];

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

type Answer = { status: number; headers: IncomingHttpHeaders };
const login = (basic?: string) => (basic ? { 'proxy-authorization': `Basic ${basic}` } : {});

function proxyGet(path: string, basic?: string): Promise<Answer> {
  const url = `http://127.0.0.1:${originPort}${path}`;
  return new Promise((ok, fail) => {
    const headers = { host: `127.0.0.1:${originPort}`, ...login(basic) };
    const req = request({ host: '127.0.0.1', port: proxyPort, localAddress: CLIENT, path: url, headers }, (res) => {
      res.resume();
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', fail);
    req.end();
  });
}

function proxyConnect(basic?: string): Promise<Answer> {
  return new Promise((ok, fail) => {
    const target = `127.0.0.1:${originPort}`;
    const req = request({
      host: '127.0.0.1',
      port: proxyPort,
      localAddress: CLIENT,
      method: 'CONNECT',
      path: target,
      headers: { host: target, ...login(basic) },
    });
    req.on('connect', (res, socket) => {
      socket.destroy();
      ok({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.on('response', (res) => {
      res.resume();
      ok({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.on('error', fail);
    req.end();
  });
}

beforeAll(async () => {
  expect(spawnSync(SQUID, ['-v']).status, `the squid package is needed (looked for ${SQUID})`).toBe(0);
  origin = createServer((req, res) => res.end(`hello from origin ${req.url}`));
  await new Promise<void>((ok) => origin.listen(0, '127.0.0.1', ok));
  originPort = (origin.address() as AddressInfo).port;
  proxyPort = await freePort();
  const profile = tmp.write(
    'proxy-auth.yaml',
    [
      'description: real-Squid proxy-auth test lab',
      'extends: kind-full',
      'scenarios: [proxy-auth]',
      'components:',
      '  squid:',
      `    port: ${proxyPort}`,
      `    allowedClients: [${CLIENT}/32]`,
      `    ports: [${originPort}, 443]`,
      '',
    ].join('\n'),
  );
  const configMap = renderLab(loadProfile({ profile }), 'squid-auth-test')
    .manifests.find((m) => m.id === 'squid')!
    .objects.find((o) => o.kind === 'ConfigMap')!;
  const rendered = (configMap['data'] as Record<string, string>)['squid.conf']!;
  expect(rendered).toContain(PASSWD_IN_POD);
  // Squid runs its helper as the proxy user: the folder and the passwd file must be readable by it.
  chmodSync(tmp.dir, 0o755);
  const passwd = tmp.write('passwd', `${forms['proxy-passwd']}\n`);
  chmodSync(passwd, 0o644);
  const conf = tmp.write('squid.conf', rendered.replace(PASSWD_IN_POD, passwd));
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
    squid.kill('SIGKILL');
  }
  await new Promise((ok) => origin?.close(ok));
  tmp.cleanup();
});

describe("proxy-auth's squid.conf in the real Debian squid", () => {
  it('refuses a request without a credential: 407 with Proxy-Authenticate Basic', async () => {
    const res = await proxyGet('/headers?none=1');
    expect(res.status).toBe(407);
    expect(res.headers['proxy-authenticate']).toBe('Basic realm="egress-lab proxy"');
    expect((await proxyConnect()).status).toBe(407);
  });

  it("passes the lab's credential (proxy-basic form, Basic scheme) on a GET and a CONNECT", async () => {
    expect((await proxyGet('/headers?lab=1', forms['proxy-basic'])).status).toBe(200);
    expect((await proxyConnect(forms['proxy-basic'])).status).toBe(200);
  });

  it('refuses a wrong password with 407', async () => {
    expect((await proxyGet('/headers?wrong=1', wrong)).status).toBe(407);
  });

  it("logs the lab's user on what passed, `-` on what had no credential, the user on a wrong password", async () => {
    const exited = new Promise((ok) => squid!.on('exit', ok));
    squid!.kill('SIGTERM');
    await exited;
    lines = readFileSync(ACCESS_LOG, 'utf8')
      .slice(logStart)
      .split('\n')
      .filter((l) => l.includes(` ${CLIENT} `));
    const entry = (re: RegExp) => {
      const line = lines.find((l) => re.test(l));
      expect(line, `${re} in\n${lines.join('\n')}`).toBeDefined();
      return parseSquidLine(line!)!;
    };
    expect(entry(/ GET \S+\?none=1 /)).toMatchObject({ result: 'TCP_DENIED', status: 407, user: '-' });
    expect(entry(/ GET \S+\?lab=1 /)).toMatchObject({ result: 'TCP_MISS', status: 200, user: PROXY_USER });
    expect(entry(/ GET \S+\?wrong=1 /)).toMatchObject({ result: 'TCP_DENIED', status: 407, user: PROXY_USER });
    expect(entry(/ TCP_TUNNEL\/200 .* CONNECT /)).toMatchObject({ method: 'CONNECT', user: PROXY_USER });
    expect(entry(/ TCP_DENIED\/407 .* CONNECT /)).toMatchObject({ method: 'CONNECT', user: '-' });
  });
});
