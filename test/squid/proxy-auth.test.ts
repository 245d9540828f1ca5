import { chmodSync, readFileSync } from 'node:fs';
import { type IncomingHttpHeaders, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROXY_USER } from '../../scripts/profile/scenarios.ts';
import { secretForms } from '../../scripts/state/lab-secrets.ts';
import { parseSquidLine } from '../../scripts/verify/evidence.ts';
import { scratch } from '../helpers/temp.ts';
import { ACCESS_LOG, type RealSquid, startRealSquid } from './real-squid.ts';

/**
 * proxy-auth's squid.conf (its auth lines) in the real Debian squid on loopback, with the passwd line and the
 * Basic credential egress-lab makes for the lab (state/lab-secrets.ts secretForms): no credential is refused
 * with 407 and Proxy-Authenticate, the lab's credential passes a GET and a CONNECT, and the access log names the
 * lab's user. Needs the squid package (`apt-get install -y squid`); .ci/run installs it.
 */
/** A client address of its own, so this file's lines are told apart from test/squid/squid.test.ts's. */
const CLIENT = '127.0.0.4';
const PASSWD_IN_POD = '/etc/squid/users/passwd';

const tmp = scratch();
const forms = secretForms({ apiKey: 'a'.repeat(48), proxyPassword: '0123456789abcdef0123456789abcdef' });
const wrong = Buffer.from(`${PROXY_USER}:not-the-password`).toString('base64');
let lab: RealSquid;
let originPort: number;
let proxyPort: number;
let lines: string[] = [];

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
  // Squid runs its helper as the proxy user: the folder and the passwd file must be readable by it.
  chmodSync(tmp.dir, 0o755);
  const passwd = tmp.write('passwd', `${forms['proxy-passwd']}\n`);
  chmodSync(passwd, 0o644);
  lab = await startRealSquid({
    write: (name, text) => tmp.write(name, text),
    profileLines: (proxy, originAt) => [
      'description: real-Squid proxy-auth test lab',
      'extends: kind-full',
      'scenarios: [proxy-auth]',
      'components:',
      '  squid:',
      `    port: ${proxy}`,
      `    allowedClients: [${CLIENT}/32]`,
      `    ports: [${originAt}, 443]`,
    ],
    adapt: (conf) => conf.replace(PASSWD_IN_POD, passwd),
  });
  expect(lab.conf).toContain(PASSWD_IN_POD);
  ({ originPort, proxyPort } = lab);
});

afterAll(async () => {
  await lab?.stop();
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
    await lab.stopSquid();
    lines = readFileSync(ACCESS_LOG, 'utf8')
      .slice(lab.logStart)
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
