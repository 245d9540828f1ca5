import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { blockers, runDoctor } from '../../scripts/doctor/checks.ts';
import { CommandError } from '../../scripts/exec/exec.ts';
import { up } from '../../scripts/lab/up.ts';
import { createFakes, existingGkeCluster, type Fakes, uninstall } from '../fakes/fakes.ts';
import { cli, doctorFindings } from '../helpers/cli.ts';
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

describe('egress-lab doctor --gke-cluster: the cluster check up makes next', () => {
  const doctorJson = async (cluster: string, extra: string[] = []) => {
    const r = await cli(
      [
        'doctor',
        '--profile',
        'gke-full',
        '--gke-project',
        'demo-project-1',
        '--gke-location',
        'europe-west1-b',
        '--gke-cluster',
        cluster,
        '--json',
        ...extra,
      ],
      { env: fakes.env },
    );
    const findings = doctorFindings(r);
    return { code: r.code, cluster: findings.find((f) => f.check === 'gke-cluster') };
  };
  beforeEach(() => fakes.update((s) => (s.gcloud = { projects: ['demo-project-1'] })));

  it('an Autopilot cluster is a blocker naming why and what to do (exit 1)', async () => {
    existingGkeCluster(fakes, 'auto', { autopilot: { enabled: true } });
    const { code, cluster } = await doctorJson('auto');
    expect(code).toBe(1);
    expect(cluster).toMatchObject({
      level: 'blocker',
      message: expect.stringMatching(/^the GKE cluster "auto" is an Autopilot cluster, and Istio ambient cannot run/),
      fix: expect.stringMatching(/^give --gke-cluster a GKE Standard cluster/),
    });
  });

  it('the oss stack on a cluster without NetworkPolicy enforcement is a blocker; the enterprise stack has no guard to enforce', async () => {
    existingGkeCluster(fakes, 'legacy', { networkConfig: { datapathProvider: 'LEGACY_DATAPATH' } });
    expect((await doctorJson('legacy')).cluster).toMatchObject({
      level: 'blocker',
      message: expect.stringMatching(/"legacy" does not enforce NetworkPolicy/),
    });
    Object.assign(fakes.env, { GLOO_MESH_LICENSE_KEY: 'k', AGENTGATEWAY_LICENSE_KEY: 'k' });
    expect((await doctorJson('legacy', ['--stack', 'enterprise'])).cluster).toMatchObject({ level: 'ok' });
  });

  it("a Standard cluster with Dataplane V2 can hold the lab; one that does not exist is a blocker with gcloud's reason", async () => {
    existingGkeCluster(fakes, 'team');
    const ok = await doctorJson('team');
    expect(ok).toMatchObject({ code: 0, cluster: { level: 'ok', message: 'the GKE cluster "team" can hold the lab' } });
    expect((await doctorJson('nope')).cluster).toMatchObject({
      level: 'blocker',
      message: expect.stringMatching(/^the GKE cluster "nope" cannot be read: .*Not found/),
    });
  });
});
