import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseProfile } from '../../scripts/lab/choose.ts';
import { up } from '../../scripts/lab/up.ts';
import { loadProfile } from '../../scripts/profile/load.ts';
import { createFakes, type Fakes, uninstall } from '../fakes/fakes.ts';
import { fakeDeps } from '../helpers/lab.ts';
import { ENTER, scriptedPrompter } from '../helpers/prompter.ts';

let fakes: Fakes;
beforeEach(async () => (fakes = await createFakes()));
afterEach(() => fakes.cleanup());

const choose = (script: Parameters<typeof scriptedPrompter>[0], lab = 'egress-lab') => {
  const s = scriptedPrompter(script);
  const deps = fakeDeps(fakes, s.prompter);
  return { ...s, deps, run: () => chooseProfile({}, lab, deps) };
};

describe('the wizard', () => {
  it("runs doctor's program checks before the first question: without helm nothing is asked", async () => {
    uninstall(fakes, 'helm');
    const w = choose([]);
    await expect(up({}, w.deps)).rejects.toThrow(/doctor found 1 problem that stops every lab \(helm\)/);
    expect(w.asked).toEqual([]);
    expect(w.deps.output()).toMatch(/✖ helm is not installed/);
  });

  it('marks a platform whose programs are missing, and stops right after it is chosen', async () => {
    uninstall(fakes, 'gke-gcloud-auth-plugin');
    const w = choose([['--platform', 'gke']]);
    await expect(w.run()).rejects.toThrow(/gke cannot run here yet \(gke-gcloud-auth-plugin\)/);
    expect(w.asked).toHaveLength(1);
    expect(w.asked[0]!.options!.find((o) => o.value === 'gke')!.hint).toMatch(/not ready here: gke-gcloud-auth-plugin/);
  });

  it('one default: Enter through every question builds the lab up --yes builds', async () => {
    const w = choose([
      ['--platform', ENTER],
      ['--stack', ENTER],
      ['--squid', ENTER],
      ['--ext-auth', ENTER],
      ['--scenario', ENTER],
    ]);
    const chosen = await w.run();
    expect(chosen.profile).toEqual(loadProfile({}).profile);
    expect(chosen.name).toBe('kind');
    const deps = fakeDeps(fakes);
    await up({ yes: true, dryRun: true }, deps);
    expect(deps.output()).toMatch(
      /^No --profile and no questions here: building the profile kind \(kind, stack oss, no Squid, no ext-authz\)\. Pick another with --profile NAME/,
    );
  });

  it('an error never blames a flag the user did not type', async () => {
    const w = choose([
      ['--platform', ENTER],
      ['--stack', 'seed'],
      ['--squid', 'none'],
      ['--ext-auth', ENTER],
    ]);
    const err = await w.run().catch((e: Error) => e);
    expect(err).toMatchObject({ exitCode: 2, message: expect.stringMatching(/needs Squid .* \(your answer\)$/) });
    expect((err as Error).message).not.toMatch(/--no-squid/);
  });

  it("on a lab that exists, offers to keep it or change it, with the lab's choices as defaults", async () => {
    await up({ profile: 'kind-full', yes: true, verify: false }, fakeDeps(fakes));
    const keep = choose([['--profile NAME', ENTER]]);
    expect((await keep.run()).name).toBe('kind-full');
    expect(keep.asked[0]!.message).toMatch(/The lab "egress-lab" exists \(kind-full: kind, stack oss\)/);
    const change = choose([
      ['--profile NAME', 'change'],
      ['--platform', ENTER],
      ['--stack', ENTER],
      ['--squid', ENTER],
      ['--ext-auth', ENTER],
      ['--scenario', ENTER],
    ]);
    expect((await change.run()).name).toBe('kind-full');
    const initial = Object.fromEntries(change.asked.map((q) => [q.flag.split(' ')[0], q.initial]));
    expect(initial).toMatchObject({
      '--platform': 'kind',
      '--stack': 'oss',
      '--squid,': 'in-cluster',
      '--ext-auth': true,
    });
  });

  it("GKE: offers gcloud's project, checks project and location at the prompt, lists the project's clusters", async () => {
    await up(
      {
        profile: 'gke-full',
        gkeProject: 'my-proj',
        gkeLocation: 'us-central1',
        name: 'team',
        yes: true,
        verify: false,
      },
      fakeDeps(fakes),
    );
    fakes.update((s) => (s.gcloud = { project: 'demo-project-7' }));
    const w = choose([
      ['--platform', 'gke'],
      ['--gke-project', 'My_Project'],
      ['--gke-project', 'nope-project'],
      ['--gke-project', 'my-proj'],
      ['--gke-location', 'europe'],
      ['--gke-location', 'europe-west1-b'],
      ['--gke-cluster', 'team@us-central1'],
      ['--stack', ENTER],
      ['--squid', ENTER],
      ['--ext-auth', ENTER],
      ['--scenario', ENTER],
    ]);
    const chosen = await w.run();
    expect(w.asked.find((q) => q.flag === '--gke-project ID')).toMatchObject({
      message: "GCP project ID (gcloud's is demo-project-7)",
      initial: 'demo-project-7',
    });
    expect(w.refused).toEqual([
      expect.stringMatching(/"My_Project" is not a GCP project ID/),
      expect.stringMatching(/"europe" is not a GCP zone or region/),
    ]);
    expect(w.notes).toEqual([
      expect.stringMatching(/does not have permission to access projects instance \[nope-project\]/),
    ]);
    expect(w.asked.find((q) => q.flag.startsWith('--gke-cluster'))!.options!.map((o) => o.label)).toEqual([
      'create a new Standard cluster',
      'team',
    ]);
    expect(chosen.profile.gke).toMatchObject({ project: 'my-proj', location: 'us-central1', cluster: 'team' });
    // After GKE is chosen, Enter answers as the built-in GKE profile does, and the lab is shown by its name.
    expect(chosen.name).toBe('gke-full');
  });
});
