import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { kubeAccess } from '../../scripts/kube/access.ts';
import { readLedger } from '../../scripts/state/ledger.ts';
import type { Fakes } from '../fakes/fakes.ts';
import type { FakeState } from '../fakes/types.ts';
import { labCluster, packLab, packOf, verifyOn } from '../helpers/packs.ts';

/**
 * An AgentgatewayBackend that names no backend (policies.tls and a tunnel, but no spec.static), as agentgateway
 * v1.4.1 and its CRD treat it: the API server refuses it (its CRD's rule "exactly one of the fields in [ai static
 * dynamicForwardProxy mcp aws a2a] must be set"), and one that is there anyway is not translated ("unknown
 * backend", controller/pkg/syncer/backend/backend_plugin.go BuildAgwBackend), so the proxy has no backend for the
 * route: no CONNECT to Squid, the route answers 500.
 */
const BACKEND = 'AgentgatewayBackend|common-infrastructure|httpbingo-org';
const lab = packLab(['tls-origination']);
const cluster = (s: FakeState) => s.clusters['egress-lab']!;

/** kubectl at the lab, as a user runs it: { stdout, stderr, code }. The fakes server runs in this process, so the
 * call must not block it. */
async function kubectl(fakes: Fakes, args: string[], stdin = ''): Promise<{ stdout: string; stderr: string }> {
  const access = kubeAccess(readLedger('egress-lab', fakes.env)!);
  const run = promisify(execFile)('kubectl', [...args, ...access], { env: fakes.env });
  run.child.stdin?.end(stdin);
  return run.catch((e: { stdout: string; stderr: string }) => ({ stdout: e.stdout, stderr: e.stderr }));
}

/** An AgentgatewayBackend without a kind, applied: refused, and nothing stored. */
async function applyWithoutKind(): Promise<void> {
  const fakes = lab();
  const backend = cluster(fakes.state()).objects[BACKEND]!;
  const { static: _dropped, ...spec } = backend.spec!;
  const doc = {
    apiVersion: backend.apiVersion,
    kind: backend.kind,
    metadata: { name: 'no-kind', namespace: 'common-infrastructure' },
    spec,
  };
  const { stderr } = await kubectl(
    fakes,
    ['apply', '--server-side', '--field-manager', 'egress-lab', '-f', '-'],
    stringify(doc),
  );
  expect(stderr).toBe(
    'The AgentgatewayBackend "no-kind" is invalid: spec: Invalid value: "object": exactly one of the fields in [ai static dynamicForwardProxy mcp aws a2a] must be set\n',
  );
  expect(cluster(fakes.state()).objects['AgentgatewayBackend|common-infrastructure|no-kind']).toBeUndefined();
}

/** The lab's backend without its static target: what Squid, the gateway, verify and the status show. */
async function runWithoutKind(): Promise<void> {
  const fakes = lab();
  const saved = fakes.raw();
  try {
    fakes.update((s) => {
      const b = labCluster(s).objects[BACKEND]!;
      const { static: _dropped, ...spec } = b.spec!;
      b.spec = spec;
    });
    const r = await verifyOn(fakes);
    const after = cluster(fakes.state());
    const squid = Object.entries(after.logs ?? {})
      .filter(([k]) => k.endsWith('/squid-proxy'))
      .flatMap(([, lines]) => lines.map((l) => l.line));
    expect(squid.filter((l) => / CONNECT /.test(l))).toEqual([]);
    const gateway = (after.logs?.['common-infrastructure/egress-gateway'] ?? []).map((l) => l.line);
    expect(
      gateway.some((l) => /http\.host=httpbingo\.org .*http\.status=500 .*error="service not found"/.test(l)),
    ).toBe(true);
    expect(packOf(r, 'tls-origination').proof.status).toBe('failed');
    const got = await kubectl(fakes, [
      'get',
      'agentgatewaybackend',
      'httpbingo-org',
      '-n',
      'common-infrastructure',
      '-o',
      'json',
    ]);
    expect(JSON.parse(got.stdout).status.conditions).toEqual([
      {
        type: 'Accepted',
        status: 'False',
        reason: 'TranslationError',
        message: 'failed to translate backend: unknown backend',
      },
    ]);
    expect(r.ok).toBe(false);
  } finally {
    fakes.setRaw(saved);
  }
}

describe('an AgentgatewayBackend without a backend kind', () => {
  it('kubectl apply is refused by the API server, with the CRD rule in kubectl words', applyWithoutKind);
  it(
    'one there anyway: no CONNECT reaches Squid (none to "true"), the gateway answers 500, the status says why',
    runWithoutKind,
  );
});
