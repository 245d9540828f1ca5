import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { up } from '../../scripts/lab/up.ts';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { fakeDeps } from '../helpers/lab.ts';

let fakes: Fakes;
beforeEach(async () => (fakes = await createFakes()));
afterEach(() => fakes.cleanup());

describe('GKE cluster creation', () => {
  it('says what it waits for at once, then its elapsed time while gcloud works', async () => {
    fakes.update((s) => (s.delays = [{ match: '^gcloud container clusters create', ms: 1500 }]));
    const deps = { ...fakeDeps(fakes), progressEveryMs: 200 };
    await up(
      {
        profile: 'gke-full',
        gkeProject: 'my-proj',
        gkeLocation: 'europe-west1-b',
        yes: true,
        json: true,
        verify: false,
      },
      deps,
    );
    const lines = deps
      .output()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; step?: string; line?: string })
      .filter((e) => e.type === 'output' && e.step === 'cluster')
      .map((e) => e.line!);
    expect(lines[0]).toBe(
      'gcloud is creating the GKE cluster: first its control plane, then the node pool (usually 5 to 10 minutes)…',
    );
    expect(lines).toContainEqual(expect.stringMatching(/^0m0\ds elapsed: gcloud is creating the GKE cluster/));
  });
});
