import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { newCluster, writeKubeconfig } from '../fakes/programs/common.ts';
import { handle } from '../fakes/programs.ts';
import type { FakeState, HelmRelease, Store } from '../fakes/types.ts';

/**
 * The fake programs themselves, called as the fakes server calls them: each answers a command line as the real
 * program does, including the unkind answers (usage errors, defaults) a wrong call gets.
 */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fake kind cluster `lab` with its kubeconfig (context kind-lab) in a folder of its own. */
function fakes(change: (s: FakeState) => void = () => {}) {
  const dir = mkdtempSync(join(tmpdir(), 'egress-lab-fake-programs-'));
  dirs.push(dir);
  const state: FakeState = { docker: true, clusters: {}, faults: [], delays: [] };
  const cluster = newCluster(state, 'kind');
  state.clusters['lab'] = cluster;
  const kubeconfig = join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfig, 'kind-lab', cluster.server);
  change(state);
  const store: Store = { json: JSON.stringify(state), calls: [] };
  const run = (bin: string, argv: string[], env: { kubeconfigEnv?: string; stdin?: string } = {}) =>
    handle(store, {
      bin,
      argv,
      stdin: env.stdin ?? null,
      cwd: dir,
      kubeconfigEnv: env.kubeconfigEnv ?? '',
      home: dir,
      killed: () => false,
    });
  return {
    dir,
    run,
    state: () => JSON.parse(store.json) as FakeState,
    kubectl: (...argv: string[]) => run('kubectl', ['--kubeconfig', kubeconfig, '--context', 'kind-lab', ...argv]),
    helm: (...argv: string[]) => run('helm', [...argv, '--kubeconfig', kubeconfig, '--kube-context', 'kind-lab']),
  };
}

const kubectlUsage = (verb: string, message: string) =>
  `error: ${message}\nSee 'kubectl ${verb} -h' for help and examples\n`;

// kubernetes/kubectl@v0.35.0 (pkg/cmd/util/helpers.go checkErr and UsageErrorf) and kubernetes/cli-runtime@v0.35.0.
const KUBECTL_CASES: [string[], string][] = [
  [
    ['get'],
    `You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of supported resources.\n\nerror: Required resource not specified.\nUse "kubectl explain <resource>" for a detailed description of that resource (e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples\n`,
  ],
  [['exec', '--', 'curl', 'http://example.com/'], 'error: pod, type/name or --filename must be specified\n'],
  [['exec', 'deploy/sleep'], 'error: you must specify at least one command for the container\n'],
  [
    ['exec', 'deploy/sleep', 'curl', 'http://example.com/'],
    kubectlUsage('exec', 'exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead'),
  ],
  [
    ['logs', '--tail', '5'],
    kubectlUsage(
      'logs',
      "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command",
    ),
  ],
  [['apply', '--server-side', '--field-manager', 'egress-lab'], 'error: must specify one of -f and -k\n'],
  [['wait', 'deploy/sleep', '--timeout', '60s'], 'error: unrecognized condition: ""\n'],
  [
    ['wait', '--for=condition=Available', '--timeout', '60s'],
    "error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'\n",
  ],
  [['delete', '-l', 'app=sleep'], 'error: at least one resource must be specified to use a selector\n'],
  [['rollout', 'status', '--timeout', '60s'], 'error: required resource not specified\n'],
  [['rollout', 'restart'], 'error: required resource not specified\n'],
  [['create', 'token'], kubectlUsage('create token', 'exactly one NAME is required, got 0')],
  [
    ['auth', 'can-i', 'get'],
    "error: you must specify two arguments: verb resource or verb resource/resourceName.\nSee 'kubectl auth can-i -h' for help and examples.\n",
  ],
  [
    ['delete', '--ignore-not-found'],
    "error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'\n",
  ],
  [['delete', 'namespace', '--wait=true'], 'error: resource(s) were provided, but no name was specified\n'],
];
// helm/helm@v3.20.0 cmd/helm/require/args.go, each command's Use line; cobra prints `Error: `, main exits 1.
const HELM_CASES: [string[], string][] = [
  [
    ['upgrade', '--install', 'istiod', '--version', '1.30.3', '--values', '-'],
    'Error: "helm upgrade" requires 2 arguments\n\nUsage:  helm upgrade [RELEASE] [CHART] [flags]\n',
  ],
  [
    ['pull', '--version', '1.30.3'],
    'Error: "helm pull" requires at least 1 argument\n\nUsage:  helm pull [chart URL | repo/chartname] [...] [flags]\n',
  ],
  [
    ['uninstall', '--wait'],
    'Error: "helm uninstall" requires at least 1 argument\n\nUsage:  helm uninstall RELEASE_NAME [...] [flags]\n',
  ],
  [['status'], 'Error: "helm status" requires 1 argument\n\nUsage:  helm status RELEASE_NAME [flags]\n'],
  [
    ['rollback', '--wait'],
    'Error: "helm rollback" requires at least 1 argument\n\nUsage:  helm rollback <RELEASE> [REVISION] [flags]\n',
  ],
];
// curl/curl curl-8_16_0 src/tool_msgs.c helpf, src/tool_getparam.c, src/tool_operate.c (exit 2), through kubectl exec.
const CURL_CASES: [string[], string][] = [
  [['-sS', '-m', '10'], "curl: (2) no URL specified\ncurl: try 'curl --help' or 'curl --manual' for more information"],
  [
    ['-sS', 'http://example.com/', '-H'],
    "curl: option -H: requires parameter\ncurl: try 'curl --help' or 'curl --manual' for more information",
  ],
];
describe("a required argument left out: the real program's usage error", () => {
  it.each(KUBECTL_CASES)('kubectl %j', async (argv, stderr) => {
    expect(await fakes().kubectl(...argv)).toEqual({ stdout: '', stderr, code: 1 });
  });

  it.each(HELM_CASES)('helm %j', async (argv, stderr) => {
    expect(await fakes().helm(...argv)).toEqual({ stdout: '', stderr, code: 1 });
  });

  it.each(CURL_CASES)('curl %j in a pod', async (curlArgs, message) => {
    const f = fakes((s) => {
      s.clusters['lab']!.objects['Deployment|default|sleep'] = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'sleep', namespace: 'default' },
      };
    });
    expect(await f.kubectl('exec', 'deploy/sleep', '--', 'curl', ...curlArgs)).toEqual({
      stdout: '',
      stderr: `${message}\ncommand terminated with exit code 2\n`,
      code: 2,
    });
  });

  it('kind load image-archive without the archive (kind v0.32.0 image-archive.go Args)', async () => {
    expect(await fakes().run('kind', ['load', 'image-archive', '--name', 'lab'])).toEqual({
      stdout: '',
      stderr: 'ERROR: name of image archive is required\n',
      code: 1,
    });
  });
});

describe('docker save without -o', () => {
  it('streams the archive to stdout (docker/cli cli/command/image/save.go runSave: only a terminal is refused)', async () => {
    const f = fakes((s) => {
      s.images = ['registry.example/app:1'];
    });
    const r = await f.run('docker', ['save', '--platform', 'linux/amd64', 'registry.example/app:1']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(['registry.example/app:1']);
  });
});

describe("kind's defaults where a flag is left out (kubernetes-sigs/kind v0.32.0)", () => {
  const contexts = (file: string) =>
    (parse(readFileSync(file, 'utf8')) as { contexts?: { name: string }[] }).contexts?.map((c) => c.name) ?? [];

  it('create cluster without --config makes one control-plane node; without --kubeconfig it writes $HOME/.kube/config', async () => {
    const f = fakes();
    const r = await f.run('kind', ['create', 'cluster', '--name', 'two']);
    expect(r).toMatchObject({ code: 0, stdout: 'Creating cluster "two" ...\n' });
    expect(f.state().clusters['two']).toMatchObject({ platform: 'kind', nodes: 1, cni: 'kindnet' });
    expect(contexts(join(f.dir, '.kube', 'config'))).toEqual(['kind-two']);
  });

  it('export kubeconfig without --kubeconfig writes the first $KUBECONFIG file that exists', async () => {
    const f = fakes();
    const [missing, present] = [join(f.dir, 'missing'), join(f.dir, 'present')];
    writeFileSync(present, 'apiVersion: v1\nkind: Config\n');
    const r = await f.run('kind', ['export', 'kubeconfig', '--name', 'lab'], {
      kubeconfigEnv: `${missing}:${present}`,
    });
    expect(r.code).toBe(0);
    expect(existsSync(missing)).toBe(false);
    expect(contexts(present)).toEqual(['kind-lab']);
  });

  it('delete cluster without --name deletes "kind" and its context in each $KUBECONFIG file', async () => {
    const f = fakes((s) => {
      s.clusters['kind'] = newCluster(s, 'kind');
    });
    const [a, b] = [join(f.dir, 'a'), join(f.dir, 'b')];
    writeKubeconfig(a, 'kind-kind', f.state().clusters['kind']!.server);
    writeKubeconfig(b, 'kind-kind', f.state().clusters['kind']!.server);
    const r = await f.run('kind', ['delete', 'cluster'], { kubeconfigEnv: `${a}:${b}` });
    expect(r).toMatchObject({ code: 0, stdout: 'Deleting cluster "kind" ...\n' });
    expect(Object.keys(f.state().clusters)).toEqual(['lab']);
    expect([contexts(a), contexts(b)]).toEqual([[], []]);
  });
});

describe('helm rollback (helm/helm v3.20.0 cmd/helm/rollback.go, pkg/action/rollback.go prepareRollback)', () => {
  const release = (revision: number, chart: string): HelmRelease => ({
    name: 'web',
    namespace: 'default',
    chart,
    chartName: 'web',
    version: chart,
    values: { v: revision },
    revision,
    status: 'deployed',
  });
  /** Release default/web at revision `current`, each earlier revision in its history. */
  const withRelease = (current: number) =>
    fakes((s) => {
      const history = Array.from({ length: current - 1 }, (_, i) => release(i + 1, `1.0.${i + 1}`));
      s.clusters['lab']!.releases['default/web'] = { ...release(current, `1.0.${current}`), history };
    });
  const web = (f: ReturnType<typeof fakes>) => f.state().clusters['lab']!.releases['default/web']!;

  it('without a revision goes back to the one before the current, as a new revision, whatever flags follow', async () => {
    const f = withRelease(3);
    const r = await f.helm('rollback', 'web', '--wait', '--timeout', '5m0s');
    expect(r).toEqual({ stdout: 'Rollback was a success! Happy Helming!\n', stderr: '', code: 0 });
    expect(web(f)).toMatchObject({ revision: 4, version: '1.0.2', values: { v: 2 }, status: 'deployed' });
    expect(web(f).history?.map((h) => h.revision)).toEqual([1, 2, 3]);
  });

  it('to the current revision itself: it is in the release history', async () => {
    const f = withRelease(2);
    expect((await f.helm('rollback', 'web', '2')).code).toBe(0);
    expect(web(f)).toMatchObject({ revision: 3, version: '1.0.2' });
  });

  it('a first revision has none before it; a revision that is not a number is refused before anything', async () => {
    expect(await withRelease(1).helm('rollback', 'web')).toEqual({
      stdout: '',
      stderr: 'Error: release has no 0 version\n',
      code: 1,
    });
    expect(await withRelease(2).helm('rollback', 'web', 'two')).toEqual({
      stdout: '',
      stderr: 'Error: could not convert revision to a number: strconv.Atoi: parsing "two": invalid syntax\n',
      code: 1,
    });
  });
});
