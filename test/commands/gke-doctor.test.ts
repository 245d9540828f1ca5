import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { blockers, runDoctor } from '../../scripts/doctor/checks.ts';
import { CommandError } from '../../scripts/exec/exec.ts';
import { up } from '../../scripts/lab/up.ts';
import { createFakes, type Fakes, uninstall } from '../fakes/fakes.ts';
import { fakeDeps } from '../helpers/lab.ts';

let fakes: Fakes;
beforeEach(async () => (fakes = await createFakes()));
afterEach(() => fakes.cleanup());

const gke = { platform: 'gke' as const, stack: 'oss', licenses: [], project: 'my-proj' };
const doctorOf = async () => runDoctor(fakeDeps(fakes).exec, gke);
const gkeUp = { profile: 'gke-full', gkeProject: 'my-proj', gkeLocation: 'europe-west1-b', yes: true };

describe('doctor on GKE', () => {
  it('passes a logged-in gcloud with the Kubernetes Engine API and the auth plugin', async () => {
    expect(blockers(await doctorOf())).toEqual([]);
  });

  it('gcloud not logged in: a blocker saying how to log in, and up creates nothing', async () => {
    fakes.update((s) => (s.gcloud = { account: '' }));
    const stop = blockers(await doctorOf());
    expect(stop).toEqual([
      expect.objectContaining({ check: 'gcloud-login', fix: expect.stringMatching(/^gcloud auth login/) }),
    ]);
    await expect(up(gkeUp, fakeDeps(fakes))).rejects.toThrow(/doctor found 1 problem .*gcloud-login/);
    expect(fakes.calls().filter((c) => c.argv.includes('create'))).toEqual([]);
  });

  it('container.googleapis.com disabled: a blocker with the command that enables it', async () => {
    fakes.update((s) => (s.gcloud = { disabledApis: ['container.googleapis.com'] }));
    expect(blockers(await doctorOf())).toEqual([
      expect.objectContaining({
        check: 'gke-api',
        fix: 'gcloud services enable container.googleapis.com --project my-proj',
      }),
    ]);
  });

  it('gke-gcloud-auth-plugin missing: a blocker saying how to install it', async () => {
    uninstall(fakes, 'gke-gcloud-auth-plugin');
    expect(blockers(await doctorOf())).toEqual([
      expect.objectContaining({
        check: 'gke-gcloud-auth-plugin',
        message: expect.stringMatching(/not installed/),
        fix: expect.stringMatching(/gcloud components install gke-gcloud-auth-plugin/),
      }),
    ]);
  });

  it('a failed command keeps every line of its error that says what to do, not only the last one', () => {
    const stderr =
      'ERROR: (gcloud.container.clusters.create) You do not currently have an active account selected.\nPlease run:\n\n  $ gcloud auth login\n\nto obtain new credentials.\n\nIf you have already logged in with a different account, run:\n\n  $ gcloud config set account ACCOUNT\n\nto select an already authenticated account to use.\n';
    const err = new CommandError('gcloud', ['container', 'clusters', 'create', 'x'], 1, stderr);
    expect(err.message).toMatch(
      /active account selected\. Please run: \$ gcloud auth login to obtain new credentials\./,
    );
    expect(err.message).toMatch(/\$ gcloud config set account ACCOUNT to select an already authenticated account/);
  });
});
