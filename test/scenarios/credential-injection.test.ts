import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verify } from '../../scripts/commands/verify.ts';
import { kubeAccess } from '../../scripts/kube/access.ts';
import { up } from '../../scripts/lab/up.ts';
import { labSecrets } from '../../scripts/state/lab-secrets.ts';
import { readLedger } from '../../scripts/state/ledger.ts';
import { labDir } from '../../scripts/state/paths.ts';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { at, rec } from '../fakes/types.ts';
import { fakeDeps } from '../helpers/lab.ts';
import { labCluster, packOf, verifyOn } from '../helpers/packs.ts';

/**
 * credential-injection on the fakes: the gateway adds the lab's API key to the host's requests (replacing one the
 * app sends), verify proves it by hash, and the key shows in nothing egress-lab prints or keeps besides the lab's
 * secrets file.
 */
let fakes: Fakes;
let key: string;
let upOutput: string;
const cluster = labCluster;
const BACKEND = 'AgentgatewayBackend|common-infrastructure|httpbingo-org';
const run = () => verifyOn(fakes);
const pack = (r: Parameters<typeof packOf>[0]) => packOf(r, 'credential-injection');
const tag = (v: string) => `sha256:${createHash('sha256').update(v).digest('hex').slice(0, 8)}`;

/** What a verify command prints, --json or not (also when verify then fails: `failed` says so). */
async function verifyOutput(json: boolean, on: Fakes = fakes, failed = { yes: false }): Promise<string> {
  let text = '';
  const stdout = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  await verify({ json }, { exec: fakeDeps(on).exec, stdout, env: on.env, sleep: async () => {} }).catch(() => {
    failed.yes = true;
  });
  return text;
}

/** Every file under a folder, as text. */
const filesUnder = (dir: string): [string, string][] =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [[p, readFileSync(p, 'utf8')] as [string, string]];
  });

beforeAll(async () => {
  fakes = await createFakes();
  const deps = fakeDeps(fakes);
  await up({ profile: 'kind-full', scenario: ['credential-injection'], yes: true, verify: true }, deps);
  upOutput = deps.output();
  key = labSecrets('egress-lab', fakes.env).apiKey;
});
afterAll(() => fakes.cleanup());

describe('credential-injection on the fakes', () => {
  it("proof and negative check pass: the destination saw the lab's key, compared by hash", async () => {
    fakes.clearCalls();
    const r = await run();
    // One read of the Secret serves both the redaction of the report and the proof.
    const reads = fakes.calls().filter((c) => c.argv.join(' ').includes('get secret egress-lab-api-key'));
    expect(reads).toHaveLength(1);
    expect(r.ok, JSON.stringify(r.scenarios, null, 2)).toBe(true);
    const ci = pack(r);
    expect(ci.proof.evidence).toContain(
      `saw X-Api-Key ${tag(key)}…, the sha256 of common-infrastructure/egress-lab-api-key`,
    );
    expect(ci.proof.evidence).toMatch(
      /not in deploy\/sleep's spec in ns1, its environment \(\d+ variables\), the gateway's \d+ log lines/,
    );
    expect(ci.negative.evidence).toContain(
      `saw only the lab's key (${tag(key)}…): the gateway replaced the app's header`,
    );
  });

  it("the key shows nowhere: verify --json, verify's report, up's summary, the lab's folder", async () => {
    const json = await verifyOutput(true);
    const human = await verifyOutput(false);
    for (const [what, text] of [
      ['verify --json', json],
      ['verify', human],
      ["up's output", upOutput],
    ] as const)
      expect(text.includes(key), `${what} shows the key`).toBe(false);
    for (const [file, text] of filesUnder(labDir('egress-lab', fakes.env)))
      if (!file.endsWith('secrets.json')) expect(text.includes(key), `${file} holds the key`).toBe(false);
    // The destination echoed the key (httpbingo /headers): the report shows it redacted, by its hash.
    expect(json).toContain(`<api key ${tag(key)}…>`);
  });

  it('the key shows nowhere even when its Secret cannot be read this time: the lab folder keeps the value', async () => {
    const saved = fakes.raw();
    fakes.update((s) => {
      s.faults = [
        {
          match: ' get secret egress-lab-api-key ',
          stderr: 'Error from server (Timeout): the server was unable to return a response in the time allotted',
        },
      ];
    });
    const failed = { yes: false };
    const json = await verifyOutput(true, fakes, failed);
    fakes.setRaw(saved);
    // The proof cannot compare hashes without the Secret, so verify fails; what it prints still hides the key.
    expect(failed.yes).toBe(true);
    expect(json).toContain('"credential-injection"');
    expect(json.includes(key), 'verify --json shows the key').toBe(false);
    expect(json).toContain(`<api key ${tag(key)}…>`);
  });

  it("the negative check fails once the backend loses policies.auth: the destination sees the app's forged key", async () => {
    const saved = fakes.raw();
    fakes.update((s) => {
      const b = cluster(s).objects[BACKEND]!;
      const policies = { ...(b.spec!['policies'] as Record<string, unknown>) };
      delete policies['auth'];
      b.spec = { ...b.spec, policies };
    });
    const r = await run();
    fakes.setRaw(saved);
    const ci = pack(r);
    expect(ci.negative.status).toBe('failed');
    expect(ci.negative.evidence).toMatch(/the destination saw the app's forged-by-the-app$/);
    expect(ci.proof.status).toBe('failed');
    expect(ci.proof.evidence).toMatch(/the destination saw no X-Api-Key/);
    expect(r.firstBroken).toBe('scenario');
  });

  it("a missing Secret makes the controller drop the backend: the gateway answers 500 and the backend's status says why", async () => {
    const saved = fakes.raw();
    fakes.update((s) => {
      delete cluster(s).objects['Secret|common-infrastructure|egress-lab-api-key'];
    });
    const ledger = readLedger('egress-lab', fakes.env)!;
    const r = await run();
    const get = ['get', 'agentgatewaybackend', 'httpbingo-org', '-n', 'common-infrastructure', '-o', 'json'];
    const { stdout } = await fakeDeps(fakes)
      .exec('kubectl', [...kubeAccess(ledger), ...get])
      .finally(() => fakes.setRaw(saved));
    expect(r.requests[0]).toMatchObject({ status: 500 });
    expect(pack(r).proof.evidence).toBe(
      'the Secret common-infrastructure/egress-lab-api-key cannot be read: Error from server (NotFound): secret "egress-lab-api-key" not found',
    );
    expect(JSON.parse(stdout).status.conditions[0]).toMatchObject({
      status: 'False',
      reason: 'TranslationError',
      message: 'failed to translate backend: secret common-infrastructure/egress-lab-api-key not found',
    });
  });

  it("the proof fails when the app holds the key: it shows in the pod's spec and environment", async () => {
    const saved = fakes.raw();
    fakes.update((s) => {
      const d = cluster(s).objects['Deployment|ns1|sleep'];
      rec(at(d, 'spec', 'template', 'spec', 'containers', 0)).env = [{ name: 'API_KEY', value: key }];
    });
    const r = await run();
    fakes.setRaw(saved);
    const ci = pack(r);
    expect(ci.proof.status).toBe('failed');
    expect(ci.proof.evidence).toBe(
      `the lab's key (${tag(key)}…) shows in deploy/sleep's spec in ns1, the app's environment`,
    );
    expect(JSON.stringify(r).includes(key)).toBe(false);
  });
});

describe('credential-injection on a seated lab', () => {
  let seated: Fakes;
  beforeAll(async () => {
    seated = await createFakes();
    const scenario = ['credential-injection'];
    await up({ profile: 'kind-workshop', scenario, yes: true, verify: false }, fakeDeps(seated));
  }, 900_000);
  afterAll(() => seated.cleanup());

  it("verify --json proves it and shows no seat's echo of the key", async () => {
    const json = await verifyOutput(true, seated);
    const seatedKey = labSecrets('egress-lab', seated.env).apiKey;
    expect(json.includes(seatedKey), 'verify --json shows the key').toBe(false);
    expect(json).toContain(`<api key ${tag(seatedKey)}…>`);
    expect(JSON.parse(json)).toMatchObject({ ok: true, seats: [{}, {}, {}] });
  });
});
