import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up } from '../../scripts/lab/up.ts';
import { createFakes, type Fakes } from '../fakes/fakes.ts';
import { fakeDeps } from '../helpers/lab.ts';
import { ENTER } from '../helpers/prompter.ts';
import { type Answer, changingCalls, labHome, Q, upWith, world } from '../helpers/wizard.ts';

// A cancelled question (Ctrl-C or Escape at the prompt) is a CancelledError: the one place that exits prints
// "egress-lab: cancelled" and exits 130 (scripts/errors.ts, scripts/program.ts). Nothing of the lab is written;
// a cancel at the plan's confirmation, taken under the lab's lock, still leaves the lab's folder there, empty.
const CANCELLED = { name: 'CancelledError', exitCode: 130, message: 'cancelled' };

/** The longest path of a new lab: GKE, a new cluster, seed with a proxy the user runs, every key typed, the plan confirmed. */
const LONGEST: Answer[] = [
  [Q.platform, 'gke'],
  [Q.project, 'my-proj'],
  [Q.location, 'europe-west1-b'],
  [Q.cluster, ''],
  [Q.stack, 'seed'],
  [Q.squid, 'external'],
  [Q.squidExternal, 'proxy.example.com:3128'],
  [Q.extAuth, true],
  [Q.glooMesh, 'key-1'],
  [Q.glooGateway, 'key-2'],
  [Q.agentgateway, 'key-3'],
  [Q.yes, true],
];

/** The longest path on a lab that exists: change it, then confirm the changes. */
const CHANGE: Answer[] = [
  [Q.keep, 'change'],
  [Q.platform, ENTER],
  [Q.stack, ENTER],
  [Q.squid, ENTER],
  [Q.extAuth, false],
  [Q.scenario, ENTER],
  [Q.yes, true],
];

describe('cancelling a new lab at any question: exit 130, nothing created', () => {
  let fakes: Fakes;
  beforeAll(async () => {
    fakes = await createFakes();
    fakes.update((s) => (s.gcloud = { project: 'my-proj' }));
  });
  afterAll(() => fakes.cleanup());

  it.each(LONGEST.map(([flag], i) => ({ flag, i })))(
    'cancelled at $flag',
    async ({ flag, i }) => {
      fakes.clearCalls();
      const before = world(fakes);
      const run = await upWith(fakes, { verify: false }, LONGEST, flag);
      expect(run.error).toMatchObject(CANCELLED);
      expect(run.flags).toEqual(LONGEST.slice(0, i + 1).map(([f]) => f));
      expect(changingCalls(fakes)).toEqual([]);
      expect(world(fakes)).toEqual(before);
      expect(labHome(fakes).filter((p) => p !== 'egress-lab')).toEqual([]);
    },
    60_000,
  );

  it('answering No to "Build this lab?" is a cancel too, and says nothing was changed', async () => {
    const run = await upWith(fakes, { verify: false }, [...LONGEST.slice(0, -1), [Q.yes, false]]);
    expect(run.error).toMatchObject({ ...CANCELLED, message: 'cancelled; nothing was changed' });
    expect(run.notes).toEqual([expect.stringMatching(/^The plan: profile: .*\(gke, stack seed\)\n/)]);
    expect(labHome(fakes).filter((p) => p !== 'egress-lab')).toEqual([]);
  }, 60_000);
});

describe('cancelling on a lab that exists: exit 130, the lab as it was', () => {
  let fakes: Fakes;
  let home: string[];
  beforeAll(async () => {
    fakes = await createFakes();
    await up({ profile: 'kind-full', yes: true, verify: false }, fakeDeps(fakes));
    home = labHome(fakes);
  }, 180_000);
  afterAll(() => fakes.cleanup());

  it.each(CHANGE.map(([flag], i) => ({ flag, i })))(
    'cancelled at $flag',
    async ({ flag, i }) => {
      fakes.clearCalls();
      const before = world(fakes);
      const run = await upWith(fakes, { verify: false }, CHANGE, flag);
      expect(run.error).toMatchObject(CANCELLED);
      expect(run.flags).toEqual(CHANGE.slice(0, i + 1).map(([f]) => f));
      expect(changingCalls(fakes)).toEqual([]);
      expect(world(fakes)).toEqual(before);
      expect(labHome(fakes).filter((p) => !p.includes('logs'))).toEqual(home.filter((p) => !p.includes('logs')));
    },
    60_000,
  );
});

describe('cancelling a rebuild (up --recreate) at its confirmation', () => {
  let fakes: Fakes;
  beforeAll(async () => (fakes = await createFakes()));
  afterAll(() => fakes.cleanup());

  it('leaves the old lab and its cluster in place: nothing is removed before the user says yes', async () => {
    await up({ profile: 'kind-full', yes: true, verify: false }, fakeDeps(fakes));
    fakes.clearCalls();
    const before = world(fakes);
    const answers: Answer[] = [
      [Q.keep, 'change'],
      [Q.platform, ENTER],
      [Q.stack, 'enterprise'],
      [Q.squid, ENTER],
      [Q.extAuth, ENTER],
      [Q.glooMesh, 'key-1'],
      [Q.agentgateway, 'key-3'],
      [Q.yes, false],
    ];
    const run = await upWith(fakes, { recreate: true, verify: false }, answers);
    expect(run.flags).toEqual(answers.map(([f]) => f));
    expect(run.asked.at(-1)!.message).toBe('Remove the lab as it is and build this one?');
    expect(run.notes).toEqual([
      expect.stringMatching(
        /^The plan: first: +remove the lab "egress-lab" as it is \(it runs the oss stack, not enterprise\)\n/,
      ),
    ]);
    expect(run.error).toMatchObject({ ...CANCELLED, message: 'cancelled; nothing was changed' });
    expect(changingCalls(fakes)).toEqual([]);
    expect(world(fakes)).toEqual(before);
  }, 180_000);
});
