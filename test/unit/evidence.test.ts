import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  carriesMark,
  extAuthzDecisions,
  gatewayLine,
  gatewayRequests,
  parseExtAuthzLine,
  parseGatewayLine,
  parseSquidLine,
  probeMark,
  SAMPLE_DENY_BODY,
  squidEntries,
  squidPassed,
  squidStripped,
} from '../../scripts/verify/evidence.ts';
import { extAuthzLogLine, gatewayLogLine, squidLogLine } from '../fakes/logs.ts';
import { repoRoot } from '../helpers/cli.ts';

/**
 * verify's log parsers against lines the real products printed (../shared/fixtures/logs, see its SOURCES.md;
 * set EGRESS_LAB_LOGS to point elsewhere), then against the shapes no real line there shows, taken from the
 * printing code at the pinned versions and kept apart below, then against the fakes' lines.
 */
const logsDir = process.env['EGRESS_LAB_LOGS'] ?? resolve(repoRoot, '..', 'shared', 'fixtures', 'logs');
const real = (file: string) => {
  const path = join(logsDir, file);
  expect(existsSync(path), `real log lines expected at ${path} (set EGRESS_LAB_LOGS)`).toBe(true);
  return readFileSync(path, 'utf8').split('\n').filter(Boolean);
};
const H = 'httpbingo.org';
const PRINCIPAL = 'spiffe://cluster.local/ns/ns1/sa/sleep';
const MARK = probeMark('0a1b2c3d', 'a');

describe('real agentgateway request lines (Solo builds, seed repository READMEs)', () => {
  const lines = real('agentgateway.log');

  it('parses each as a request line with its host, path, status, endpoint, SNI and reason', () => {
    expect(lines.map((l) => parseGatewayLine(l))).toEqual([
      expect.objectContaining({ host: H, path: '/headers', status: 200, endpoint: `${H}:80` }),
      expect.objectContaining({ host: H, path: '/headers', status: 403, reason: 'DirectResponse' }),
      expect.objectContaining({ endpoint: `${H}:443`, sni: H }),
      expect.objectContaining({ endpoint: 'gist.github.com:443', sni: 'gist.github.com' }),
    ]);
    expect(parseGatewayLine(lines[2]!)).not.toHaveProperty('path');
    expect(parseGatewayLine(lines[1]!)).not.toHaveProperty('endpoint');
  });

  it('an HTTP line shows the path and query it got, so one without this run’s mark proves nothing', () => {
    expect(gatewayLine(lines, H, MARK, 200)).toBeUndefined();
    const ours = lines[0]!.replace('http.path=/headers ', `http.path=/headers?${MARK} `);
    expect(gatewayLine([ours], H, MARK, 200)?.line).toBe(ours);
    expect(gatewayLine([ours], H, probeMark('0a1b2c3d', 'd'))).toBeUndefined();
  });

  it("a TCP passthrough line (no http.* keys) never proves verify's HTTP request, nor its negative control", () => {
    expect(gatewayRequests(lines, H, MARK)).toEqual([]);
    expect(gatewayRequests(lines, 'gist.github.com', MARK)).toEqual([]);
    expect(gatewayLine(lines, 'gist.github.com', probeMark('0a1b2c3d', 'c'))).toBeUndefined();
  });
});

describe('real Squid access lines (logformat squid)', () => {
  const lines = real('squid-access.log');

  it('parses each, with or without the trailing type column', () => {
    expect(lines.map((l) => parseSquidLine(l))).toEqual([
      expect.objectContaining({ result: 'TCP_TUNNEL', status: 200, method: 'CONNECT', url: `${H}:80` }),
      expect.objectContaining({ result: 'TCP_MISS', status: 200, method: 'GET', url: `http://${H}/headers` }),
      expect.objectContaining({ result: 'TCP_TUNNEL', status: 200, method: 'CONNECT', url: `${H}:443` }),
      expect.objectContaining({ result: 'TCP_TUNNEL', status: 200, method: 'CONNECT', url: 'gist.github.com:443' }),
    ]);
  });

  it('a CONNECT to port 80 proves the hop by host; a forwarded GET only with this run’s mark in its URL', () => {
    expect(squidEntries(lines, H, MARK).map((e) => e.line)).toEqual([lines[0]]);
    const ours = lines[1]!.replace(`http://${H}/headers `, `http://${H}/headers?${MARK} `);
    expect(squidEntries([ours], H, MARK)).toEqual([expect.objectContaining({ method: 'GET', line: ours })]);
    expect(squidEntries(lines, 'github.com', MARK)).toEqual([]);
  });
});

describe('real ext-authz sample decisions', () => {
  const lines = real('ext-authz.log');

  it('parses the decision, the host and path, and the caller’s principal from the source attributes', () => {
    expect(lines.map((l) => parseExtAuthzLine(l))).toEqual([
      expect.objectContaining({ decision: 'allowed', target: `${H}/headers`, principal: PRINCIPAL }),
      expect.objectContaining({ decision: 'allowed', target: `${H}/headers`, principal: PRINCIPAL }),
    ]);
  });

  it('counts a decision only for this host (not a longer name that starts with it) and this run’s mark', () => {
    expect(extAuthzDecisions(lines, H, MARK)).toEqual([]);
    const ours = lines[0]!.replace(`]: ${H}/headers,`, `]: ${H}/headers?${MARK},`);
    expect(extAuthzDecisions([ours], H, MARK)).toHaveLength(1);
    expect(extAuthzDecisions([ours.replace(`]: ${H}/`, `]: ${H}.example.net/`)], H, MARK)).toEqual([]);
  });
});

// ---- shapes no real line above shows, from the printing code at the pinned versions -----------------
describe('shapes taken from the printing code', () => {
  it('ext-authz denial: istio/istio samples/extauthz/cmd/extauthz/main.go@1.25.0 logRequest("denied", …)', () => {
    // log.Printf("[gRPCv3][%s]: %s%s, attributes: %v\n", allow, host, path, attributes): same shape as allowed.
    const denied = `2026/02/01 16:35:52 [gRPCv3][denied]: ${H}/headers?${MARK}, attributes: source:{address:{socket_address:{address:"10.40.0.16"  port_value:38758}}  principal:"${PRINCIPAL}"}  destination:{address:{socket_address:{address:"10.40.3.34"  port_value:15008}}}  request:{http:{method:"GET"  path:"/headers?${MARK}"  host:"${H}"}}`;
    expect(extAuthzDecisions([denied], H, MARK)).toEqual([
      expect.objectContaining({ decision: 'denied', principal: PRINCIPAL }),
    ]);
  });

  it('agentgateway v1.4.1 (OSS) request lines: telemetry/log.rs field order, core telemetry.rs tab layout', () => {
    // 403 from ext-authz's DeniedHttpResponse: a policy's direct response (proxy/mod.rs as_reason), no endpoint.
    const denied = `2026-11-29T10:00:00.123456Z\tinfo\trequest gateway=common-infrastructure/egress-gateway listener=inner-http route=common-infrastructure/httpbingo-org src.addr=10.244.1.7:40312 http.method=GET http.host=${H} http.path=/headers?${MARK} http.version=HTTP/1.1 http.status=403 protocol=http reason=DirectResponse duration=3ms`;
    // The check itself failed (ext-authz unreachable): ProxyError::ExternalAuthorizationFailed, 403, reason ExtAuth.
    const failed = denied
      .replace('reason=DirectResponse', 'error="external authorization failed" reason=ExtAuth')
      .replace(MARK, probeMark('0a1b2c3d', 'd'));
    expect(parseGatewayLine(denied)).toMatchObject({ host: H, status: 403, reason: 'DirectResponse' });
    expect(parseGatewayLine(failed)).toMatchObject({
      status: 403,
      reason: 'ExtAuth',
      error: 'external authorization failed',
    });
    expect(gatewayLine([failed, denied], H, MARK)?.line).toBe(denied);
  });

  it('Squid TCP_DENIED/403: logformat squid in src/cf.data.pre@SQUID_5_7, as Debian squid 5.7 prints it', () => {
    const denied = `1764965448.445      0 10.244.2.9 TCP_DENIED/403 3429 GET http://${H}/headers?${MARK} - HIER_NONE/- text/html`;
    const [entry] = squidEntries([denied], H, MARK);
    expect(entry).toMatchObject({ result: 'TCP_DENIED', status: 403 });
    expect(squidPassed(entry!)).toBe(false);
  });

  it('Squid with its default strip_query_terms on keeps the "?" and drops the query (src/anyp/Uri.cc)', () => {
    const stripped = `1769964907.500    553 10.40.3.34 TCP_MISS/200 1881 GET http://${H}/headers? - HIER_DIRECT/66.241.125.232 application/json`;
    expect(squidEntries([stripped], H, MARK)).toEqual([]);
    expect(squidStripped([stripped], H)?.line).toBe(stripped);
  });
});

describe('the fakes print the real shapes', () => {
  const path = `/headers?${MARK}`;
  const ns = 'ns1';

  it('agentgateway lines of every stack parse as the real ones do', () => {
    for (const stack of ['oss', 'seed', 'enterprise'])
      expect(parseGatewayLine(gatewayLogLine(stack, { host: H, path, status: 200, route: 'r', ns })), stack).toEqual(
        expect.objectContaining({ host: H, path, status: 200, endpoint: `${H}:80` }),
      );
  });

  it('ext-authz and Squid lines parse as the real ones do', () => {
    const line = extAuthzLogLine({ decision: 'allowed', host: H, path, ns, headers: [['x-ext-authz', 'allow']] });
    expect(extAuthzDecisions([line], H, MARK)).toEqual([expect.objectContaining({ principal: PRINCIPAL })]);
    expect(squidEntries([squidLogLine({ host: H, path, connect: false, stripQuery: false })], H, MARK)).toHaveLength(1);
    expect(squidStripped([squidLogLine({ host: H, path, connect: false, stripQuery: true })], H)).toBeDefined();
    expect(carriesMark(path, MARK)).toBe(true);
    expect(SAMPLE_DENY_BODY).toMatch(/^denied by ext_authz/);
  });
});
