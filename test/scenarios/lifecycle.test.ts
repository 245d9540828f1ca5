import { existsSync, readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labStatus } from '../../scripts/lab/status.ts';
import { up } from '../../scripts/lab/up.ts';
import { labSecretsFile } from '../../scripts/state/lab-secrets.ts';
import { readLedger } from '../../scripts/state/ledger.ts';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { fakeDeps } from '../helpers/lab.ts';

/** A pack is a component like any other: up adds it, an up without it takes it away again. */
let fakes: Fakes;
const objects = () => fakes.state().clusters['egress-lab']!.objects;
const backend = () =>
  objects()['AgentgatewayBackend|common-infrastructure|httpbingo-org']!.spec as {
    static: { port: number };
    policies: Record<string, unknown>;
  };

beforeAll(async () => {
  fakes = await createFakes();
});
afterAll(() => fakes.cleanup());

describe('scenario packs come and go with up', () => {
  it('up with every pack (kind-showcase) applies their objects; the secrets are filled in the cluster and kept 0600 in the lab folder, never rendered', async () => {
    const deps = fakeDeps(fakes);
    await up({ profile: 'kind-showcase', yes: true, verify: false }, deps);
    const ledger = readLedger('egress-lab', fakes.env)!;
    expect(Object.keys(ledger.steps)).toEqual(
      expect.arrayContaining(['scenario-credential-injection', 'scenario-no-bypass']),
    );
    expect(backend().static.port).toBe(443);
    expect(Object.keys(backend().policies).sort()).toEqual(['auth', 'tls', 'tunnel']);
    const file = labSecretsFile('egress-lab', fakes.env);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const { apiKey } = JSON.parse(readFileSync(file, 'utf8')) as { apiKey: string };
    const secret = objects()['Secret|common-infrastructure|egress-lab-api-key']!;
    expect(Buffer.from(secret.data?.['api-key'] ?? '', 'base64').toString()).toBe(apiKey);
    const rendered = readFileSync(`${fakes.home}/egress-lab/render/scenario-credential-injection.yaml`, 'utf8');
    expect(rendered).toContain('<egress-lab secret api-key>');
    expect(rendered).not.toContain(apiKey);
    expect(deps.output()).not.toContain(apiKey);
  });

  it('an up without them removes their steps and objects and puts the backend back on port 80', async () => {
    await up({ profile: 'kind-full', yes: true, verify: false }, fakeDeps(fakes));
    const ledger = readLedger('egress-lab', fakes.env)!;
    expect(Object.keys(ledger.steps).filter((id) => id.startsWith('scenario-'))).toEqual([]);
    expect(objects()['Secret|common-infrastructure|egress-lab-api-key']).toBeUndefined();
    expect(objects()['ServiceEntry|ns1|no-bypass-stopped-waypoint']).toBeUndefined();
    expect(backend().static.port).toBe(80);
    expect(Object.keys(backend().policies)).toEqual(['tunnel']);
    // The changed steps deleted what they no longer have and the ledger forgot it: status finds the lab healthy.
    const listed = Object.values(readLedger('egress-lab', fakes.env)!.steps).flatMap((st) => st.objects ?? []);
    expect(listed.filter((o) => o.namespace === 'ns1-other' || o.name === 'squid-users')).toEqual([]);
    const deps = fakeDeps(fakes);
    expect((await labStatus(deps.exec, readLedger('egress-lab', fakes.env)!)).healthy).toBe(true);
  });

  it('down removes the lab folder with its secrets', async () => {
    const { down } = await import('../../scripts/lab/down.ts');
    await down({ yes: true }, fakeDeps(fakes));
    expect(existsSync(labSecretsFile('egress-lab', fakes.env))).toBe(false);
  });
});
