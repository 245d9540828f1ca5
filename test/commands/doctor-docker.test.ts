import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { blockers, runDoctor } from '../../scripts/doctor/checks.ts';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { fakeDeps } from '../helpers/lab.ts';

let fakes: Fakes;
beforeEach(async () => (fakes = await createFakes()));
afterEach(() => fakes.cleanup());

const kind = { platform: 'kind' as const, stack: 'oss', licenses: [] };
const docker = async () => (await runDoctor(fakeDeps(fakes).exec, kind)).find((f) => f.check === 'docker')!;

describe('doctor and a slow or silent Docker', () => {
  it('a Docker that takes 3 s to answer (Docker Desktop waking up) is running, not a blocker', async () => {
    fakes.update((s) => (s.delays = [{ match: '^docker info', ms: 3000 }]));
    expect(await docker()).toMatchObject({ level: 'ok', message: 'Docker engine 28.2.2 is running' });
  });

  it('a docker info that fails without a word still gives a reason', async () => {
    fakes.update((s) => (s.faults = [{ match: '^docker info', stderr: '', exitCode: 1 }]));
    const finding = await docker();
    expect(finding.level).toBe('blocker');
    expect(finding.message).toMatch(/^the Docker engine is not reachable: \S/);
    expect(blockers([finding])).toHaveLength(1);
  });
});
