import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { labStatus, status } from '../../scripts/lab/status.ts';
import { up } from '../../scripts/lab/up.ts';
import { loadProfile } from '../../scripts/profile/load.ts';
import { readLedger } from '../../scripts/state/ledger.ts';
import type { Fakes } from '../fakes/fakes.ts';
import { fakeDeps } from '../helpers/lab.ts';
import { createSharedFakes, sharedLab } from '../helpers/shared-lab.ts';

let fakes: Fakes;
beforeEach(async () => (fakes = await createSharedFakes()));
afterEach(() => fakes.cleanup());

const KEYS = { GLOO_MESH_LICENSE_KEY: 'key-mesh-1234', AGENTGATEWAY_LICENSE_KEY: 'key-agw-5678' };
/** An enterprise lab built with the keys: once in this file, a fresh copy for each test after the first. */
const upEnterprise = () =>
  sharedLab(fakes, 'up kind-enterprise', () =>
    up({ profile: 'kind-enterprise', yes: true, verify: false }, fakeDeps(fakes)),
  );
const changing = (bin: string, verb: string) =>
  fakes.calls().filter((c) => c.bin === bin && c.argv.includes(verb)).length;

describe('status judges against what the profile needs', () => {
  it('after an up that failed before the ext-authz policy step: those steps are not installed, exit 1', async () => {
    fakes.update((s) => (s.faults = [{ match: ' wait --for=condition=Programmed ', stderr: 'error: timed out' }]));
    await expect(up({ profile: 'kind-full', yes: true, verify: false }, fakeDeps(fakes))).rejects.toThrow(
      /step waypoint failed/,
    );
    const deps = fakeDeps(fakes);
    const s = await labStatus(deps.exec, readLedger('egress-lab', fakes.env)!);
    expect(s.healthy).toBe(false);
    // The egress step needs the sample, not the waypoint: it finished beside the failed step.
    const failing = s.components.flatMap((c) => c.checks.filter((k) => !k.ok).map((k) => `${k.what}: ${k.detail}`));
    expect(failing).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ext-authz-policy .*: not installed$/),
        expect.stringMatching(/^waypoint .*: started, never finished$/),
      ]),
    );
    await expect(status({}, { exec: deps.exec, stdout: deps.stdout, env: fakes.env })).rejects.toThrow(
      /not healthy: .*; egress-lab up installs what is missing/,
    );
    // The ledger keeps the plan's steps, so status need not render the lab; one written before it did not, and
    // status then renders the plan of the ledger's profile, with the same answer.
    const ledger = readLedger('egress-lab', fakes.env)!;
    expect(ledger.planned?.map((p) => p.id)).toEqual(expect.arrayContaining(['ext-authz-policy', 'waypoint']));
    const { planned: _planned, ...older } = ledger;
    const again = await labStatus(deps.exec, older);
    expect(again.components).toEqual(s.components);
  });
});

describe('status asks the cluster once per kind of question', () => {
  const checksOf = (s: Awaited<ReturnType<typeof labStatus>>) =>
    s.components.flatMap((c) => c.checks.map((k) => `${c.name}: ${k.ok ? 'ok' : 'FAIL'} ${k.what}: ${k.detail}`));

  it('one kubectl get for every object, one helm list per namespace; a missing object or a failed release is named', async () => {
    await up({ profile: 'kind-full', yes: true, verify: false }, fakeDeps(fakes));
    const ledger = readLedger('egress-lab', fakes.env)!;
    fakes.clearCalls();
    const healthy = await labStatus(fakeDeps(fakes).exec, ledger);
    expect(healthy.healthy).toBe(true);
    const calls = fakes.calls().map((c) => [c.bin, ...c.argv].join(' '));
    expect(calls.filter((c) => c.startsWith('kubectl '))).toHaveLength(2); // /readyz, and every object at once
    expect(calls.filter((c) => c.startsWith('helm '))).toEqual([
      expect.stringMatching(/^helm list --namespace (istio-system|agentgateway-system) --all --max 0 /),
      expect.stringMatching(/^helm list --namespace (istio-system|agentgateway-system) --all --max 0 /),
    ]);
    expect(checksOf(healthy)).toEqual(
      expect.arrayContaining([
        'istio: ok helm release istio-system/istiod: deployed',
        'sample: ok Deployment ns1/sleep: 1/1 ready',
        'gateway-api: ok Gateway API CRDs: present',
        expect.stringMatching(/^waypoint: ok Gateway common-infrastructure\/egress-gateway: Programmed=True/),
      ]),
    );

    fakes.update((st) => {
      const cluster = st.clusters['egress-lab']!;
      delete cluster.objects['Deployment|ns1|sleep'];
      cluster.releases['istio-system/istiod']!.status = 'failed';
    });
    const broken = await labStatus(fakeDeps(fakes).exec, ledger);
    expect(broken.healthy).toBe(false);
    expect(checksOf(broken)).toEqual(
      expect.arrayContaining([
        'istio: FAIL helm release istio-system/istiod: failed',
        'sample: FAIL Deployment ns1/sleep: not found',
      ]),
    );
  });

  it("the drift guard's read and the health reads go out together, and a replaced cluster still shows nothing", async () => {
    await up({ profile: 'kind-full', yes: true, verify: false }, fakeDeps(fakes));
    // The guard's kube-system read answers slowly: the health reads must not wait for it.
    fakes.update((st) => st.delays.push({ match: 'get namespace kube-system', ms: 400 }));
    fakes.clearCalls();
    const deps = fakeDeps(fakes);
    await status({}, deps);
    const calls = fakes.calls();
    const guard = calls.find((c) => c.argv.includes('kube-system'))!;
    const readyz = calls.find((c) => c.argv.includes('/readyz'))!;
    expect(readyz.start).toBeLessThan(guard.end);
    expect(deps.output()).toMatch(/✔ sample/);

    fakes.update((st) => (st.clusters['egress-lab']!.uid = 'someone-elses-cluster'));
    const refused = fakeDeps(fakes);
    await expect(status({}, refused)).rejects.toThrow(/refusing to report on it/);
    expect(refused.output()).toBe('');
  });

  it('when the one call fails (a kind the API server no longer knows), each object and release is asked alone', async () => {
    await up({ profile: 'kind-full', yes: true, verify: false }, fakeDeps(fakes));
    const ledger = readLedger('egress-lab', fakes.env)!;
    const together = checksOf(await labStatus(fakeDeps(fakes).exec, ledger));
    fakes.update(
      (st) =>
        (st.faults = [
          {
            match: '^kubectl .* get --ignore-not-found -o json -f -',
            stderr:
              'error: resource mapping not found for name: "httpbingo-org" namespace: "common-infrastructure" from "STDIN": no matches for kind "AgentgatewayBackend" in version "agentgateway.dev/v1alpha1"\nensure CRDs are installed first',
          },
          { match: '^helm list ', stderr: 'Error: Kubernetes cluster unreachable' },
        ]),
    );
    fakes.clearCalls();
    const alone = checksOf(await labStatus(fakeDeps(fakes).exec, ledger));
    expect(alone).toEqual(together);
    expect(fakes.calls().filter((c) => c.bin === 'helm' && c.argv[0] === 'status').length).toBeGreaterThan(1);
  });
});

describe('up on a lab that exists', () => {
  it('--recreate on an unchanged lab rebuilds it', async () => {
    await up({ profile: 'kind', yes: true, verify: false }, fakeDeps(fakes));
    fakes.clearCalls();
    await up({ profile: 'kind', yes: true, verify: false, recreate: true }, fakeDeps(fakes));
    expect(changing('kind', 'delete')).toBe(1);
    expect(changing('kind', 'create')).toBe(1);
  });

  it('an up that changes nothing on an enterprise lab does not need the licence keys', async () => {
    Object.assign(fakes.env, KEYS);
    await upEnterprise();
    for (const k of Object.keys(KEYS)) delete fakes.env[k];
    const deps = fakeDeps(fakes);
    await up({ profile: 'kind-enterprise', yes: true, verify: false }, deps);
    expect(deps.output()).toMatch(/is up to date \(kind-enterprise\): nothing to change/);
  });

  it('an up that must reinstall a licensed chart still stops without the keys, naming them', async () => {
    Object.assign(fakes.env, KEYS);
    await upEnterprise();
    for (const k of Object.keys(KEYS)) delete fakes.env[k];
    fakes.update((s) => delete s.clusters['egress-lab']!.releases['istio-system/istiod']);
    await expect(up({ profile: 'kind-enterprise', yes: true, verify: false }, fakeDeps(fakes))).rejects.toThrow(
      /need GLOO_MESH_LICENSE_KEY, AGENTGATEWAY_LICENSE_KEY: export them/,
    );
  });

  it('after an interrupted up, running it again is a resume, not a switch', async () => {
    fakes.update((s) => (s.faults = [{ match: '^helm upgrade --install ztunnel ', stderr: 'Error: boom' }]));
    await expect(up({ profile: 'kind', yes: true, verify: false }, fakeDeps(fakes))).rejects.toThrow();
    fakes.update((s) => (s.faults = []));
    const deps = fakeDeps(fakes);
    await up({ profile: 'kind', yes: true, verify: false }, deps);
    expect(deps.output()).toMatch(/^Resume the lab "egress-lab" \(kind\):/m);
    expect(deps.output()).not.toMatch(/Switch the lab/);
  });
});

describe('names', () => {
  it('GKE cluster names are checked as GKE does: at most 40 characters, starting with a letter', async () => {
    const gke = { profile: 'gke-full', gkeProject: 'my-proj', gkeLocation: 'europe-west1-b', yes: true };
    const long = 'a'.repeat(41);
    await expect(up({ ...gke, name: long }, fakeDeps(fakes))).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/--name: "a{41}" is 41 characters; a GKE cluster name has at most 40/),
    });
    expect(() => loadProfile({ profile: 'gke-full', gkeCluster: '9lives' })).toThrow(/not a GKE cluster name/);
    expect(fakes.calls()).toEqual([]);
  });

  it('the profile label is the built-in name, not a flag string', () => {
    expect(loadProfile({ profile: 'gke-full', gkeProject: 'p-123456', gkeLocation: 'europe-west1-b' }).name).toBe(
      'gke-full',
    );
    expect(loadProfile({ platform: 'kind', stack: 'oss', squid: true, extAuth: true }).name).toBe('kind-full');
  });
});
