import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { ENTER } from '../helpers/prompter.ts';
import { type Answer, changingCalls, labFolder, Q, upWith } from '../helpers/wizard.ts';

let fakes: Fakes;
beforeEach(async () => {
  fakes = await createFakes();
  fakes.update((s) => (s.gcloud = { project: 'my-proj' }));
});
afterEach(() => fakes.cleanup());

const kindUntil = (stack: string): Answer[] => [
  [Q.platform, 'kind'],
  [Q.stack, stack],
  [Q.squid, 'in-cluster'],
  [Q.extAuth, ENTER],
  ...(stack === 'oss' ? [[Q.scenario, ENTER] as Answer] : []),
];
const gkeAfterLocation: Answer[] = [
  [Q.cluster, ''],
  [Q.stack, ENTER],
  [Q.squid, ENTER],
  [Q.extAuth, ENTER],
  [Q.scenario, ENTER],
];

describe('a refused answer is asked again, and the good one is used', () => {
  it('GKE project: the format at the prompt, then whether gcloud can use it (asked again with the typed value)', async () => {
    const run = await upWith(fakes, { dryRun: true }, [
      [Q.platform, 'gke'],
      [Q.project, 'My_Project'],
      [Q.project, 'nope-project'],
      [Q.project, 'my-proj'],
      [Q.location, 'europe-west1-b'],
      ...gkeAfterLocation,
    ]);
    expect(run.error).toBeUndefined();
    expect(run.refused).toEqual([
      '"My_Project" is not a GCP project ID (6 to 30 lower-case letters, digits and \'-\', starting with a letter)',
    ]);
    expect(run.notes).toEqual([
      expect.stringMatching(
        /^Not usable: ERROR: \(gcloud\.projects\.describe\) \[dev@example\.com\] does not have permission to access projects instance \[nope-project\]/,
      ),
    ]);
    expect(run.asked.filter((q) => q.flag === Q.project).map((q) => q.initial)).toEqual(['my-proj', 'nope-project']);
    expect(run.output).toMatch(/^cluster: +create the GKE Standard cluster "egress-lab" in my-proj\//m);
  }, 90_000);

  it('GKE location: a bad one is refused; spaces around a good one are dropped; a two-digit region is a region', async () => {
    const bad = await upWith(fakes, { dryRun: true }, [
      [Q.platform, 'gke'],
      [Q.project, 'my-proj'],
      [Q.location, 'europe'],
      [Q.location, ' europe-west1-b '],
      ...gkeAfterLocation,
    ]);
    expect(bad.error).toBeUndefined();
    expect(bad.refused).toEqual(['"europe" is not a GCP zone or region (such as europe-west1-b or us-central1)']);
    expect(bad.output).toMatch(/^cluster: +create .* in my-proj\/europe-west1-b$/m);

    // europe-west10 is Berlin (docs.cloud.google.com/unified-maintenance/docs/locations).
    const berlin = await upWith(fakes, { dryRun: true }, [
      [Q.platform, 'gke'],
      [Q.project, 'my-proj'],
      [Q.location, 'europe-west10-a'],
      ...gkeAfterLocation,
    ]);
    expect(berlin.error).toBeUndefined();
    expect(berlin.output).toMatch(/^cluster: +create .* in my-proj\/europe-west10-a$/m);
  }, 120_000);

  it('up --profile gke-full asks project and location with the same checks, never blaming a flag nobody typed', async () => {
    const run = await upWith(fakes, { dryRun: true, profile: 'gke-full' }, [
      [Q.project, 'Bad_Proj'],
      [Q.project, ' my-proj '],
      [Q.location, 'us-central'],
      [Q.location, 'us-central1'],
    ]);
    expect(run.error).toBeUndefined();
    expect(run.refused).toEqual([
      expect.stringMatching(/^"Bad_Proj" is not a GCP project ID/),
      expect.stringMatching(/^"us-central" is not a GCP zone or region/),
    ]);
    expect(run.output).toMatch(/^cluster: +create the GKE Standard cluster "egress-lab" in my-proj\/us-central1$/m);
  }, 90_000);

  it('the address of a proxy the user runs: host:port, host a DNS name or an IPv4 address', async () => {
    const bad = ['proxy.example.com', 'proxy.example.com:99999', '*.example.com:3128', 'localhost:3128', 'a b:3128'];
    const run = await upWith(fakes, { dryRun: true }, [
      [Q.platform, 'kind'],
      [Q.stack, 'oss'],
      [Q.squid, 'external'],
      ...bad.map((v): Answer => [Q.squidExternal, v]),
      [Q.squidExternal, '10.0.0.5:3128'],
      [Q.extAuth, ENTER],
      [Q.scenario, ENTER],
    ]);
    expect(run.error).toBeUndefined();
    expect(run.refused).toEqual(bad.map((v) => `"${v}" is not host:port (such as proxy.example.com:3128)`));
    expect(run.output).toMatch(/^profile: +kind --squid-external 10\.0\.0\.5:3128 \(kind, stack oss\)$/m);
  }, 90_000);
});

describe('a licence key typed at the prompt', () => {
  it.each([
    ['', 'GLOO_MESH_LICENSE_KEY is empty'],
    ['   ', 'GLOO_MESH_LICENSE_KEY is empty'],
    ['abc def', 'GLOO_MESH_LICENSE_KEY: the value has a space in it; a licence key has none'],
  ])(
    '%j: exit 2 with one line, nothing created',
    async (typed, message) => {
      const run = await upWith(fakes, {}, [...kindUntil('enterprise'), [Q.glooMesh, typed]]);
      expect(run.error).toMatchObject({ name: 'InputError', exitCode: 2, message });
      expect(run.flags.at(-1)).toBe(Q.glooMesh);
      expect(changingCalls(fakes)).toEqual([]);
      expect(existsSync(labFolder(fakes))).toBe(false);
    },
    90_000,
  );

  it('is used without the spaces around it, and never printed', async () => {
    const run = await upWith(fakes, { dryRun: true }, [
      ...kindUntil('enterprise'),
      [Q.glooMesh, '  key-one  '],
      [Q.agentgateway, 'key-three'],
    ]);
    expect(run.error).toBeUndefined();
    expect(run.output).toMatch(/^profile: .*\(kind, stack enterprise\)$/m);
    expect(run.output).not.toMatch(/key-one|key-three/);
  }, 90_000);
});

describe('names the wizard does not ask', () => {
  it('on GKE the lab name (--name) is the new cluster name: a name GKE refuses stops up, naming the flag', async () => {
    const name = 'a-lab-name-that-is-longer-than-forty-chars';
    const run = await upWith(fakes, { name }, [
      [Q.platform, 'gke'],
      [Q.project, 'my-proj'],
      [Q.location, 'europe-west1-b'],
      ...gkeAfterLocation,
    ]);
    expect(run.error).toMatchObject({
      exitCode: 2,
      message: `--name: "${name}" is 42 characters; a GKE cluster name has at most 40 (on GKE the lab's name is its cluster's name)`,
    });
    expect(changingCalls(fakes)).toEqual([]);
    expect(existsSync(labFolder(fakes, name))).toBe(false);
  }, 90_000);
});
