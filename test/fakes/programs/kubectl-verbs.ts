// The fake kubectl's verbs that change or wait on the cluster: apply, wait, rollout, exec, logs and delete
// (get is in kubectl-get.ts, the dispatch and RBAC in kubectl.ts).

import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { podEnv } from '../backend-auth.ts';
import { podsAdmitted } from '../dataplane.ts';
import { type FakeCluster, type FakeState, rec, recs } from '../types.ts';
import { applyDocs } from './apply.ts';
import { CLUSTER_SCOPED, gatewayApiCrds } from './charts.ts';
import { type Ctx, Fail, flag, notFound, offlineCheck, take } from './common.ts';
import { deleteObject, findByResource, yamlObjects } from './objects.ts';
import { selectorLogs, sinceDuration, workloadLogs } from './pod-logs.ts';
import { emulateCurl } from './traffic.ts';

/** One kubectl call once its cluster is known: --kubeconfig, --context, -n and -o are already taken from args. */
export interface KubeCall {
  state: FakeState;
  cluster: FakeCluster;
  ns: string;
  output: string | undefined;
  args: string[];
  ctx: Ctx;
}

/** A verb's answer: its stdout, or undefined when the fakes do not emulate that form of it. */
export type VerbHandler = (call: KubeCall) => string | undefined;

const GATEWAY_API_RELEASE =
  /^https:\/\/github\.com\/kubernetes-sigs\/gateway-api\/releases\/download\/(v[\d.]+)\/experimental-install\.yaml$/;

/** `kubectl apply --server-side --field-manager egress-lab -f FILE|URL|-`. */
export function apply({ state, cluster, output, args, ctx }: KubeCall): string {
  const serverSide = flag(args, '--server-side');
  // Client-side apply keeps the whole object in an annotation, and the experimental HTTPRoute CRD is larger
  // than the API server allows there (kubernetes-sigs/gateway-api#4156).
  if (!serverSide && args.some((a) => a.endsWith('/experimental-install.yaml')))
    throw new Fail(
      'The CustomResourceDefinition "httproutes.gateway.networking.k8s.io" is invalid: metadata.annotations: Too long: may not be more than 262144 bytes',
    );
  if (!serverSide) throw new Fail('fake kubectl: apply without --server-side');
  const manager = take(args, '--field-manager');
  if (manager !== 'egress-lab') throw new Fail('fake kubectl: apply without --field-manager egress-lab');
  const opts = { manager, force: flag(args, '--force-conflicts'), cut: ctx.cut };
  const file = take(args, '-f', '--filename');
  if (file === undefined) throw new Fail('fake kubectl: apply -k is not emulated');
  if (file === '-') return applyDocs(cluster, yamlObjects(ctx.stdin ?? ''), output, opts);
  const release = file.match(GATEWAY_API_RELEASE);
  if (file.startsWith('https://')) offlineCheck(state, `error: unable to read URL "${file}"`);
  if (release) return applyDocs(cluster, gatewayApiCrds(release[1] ?? ''), output, opts);
  const path = resolve(ctx.cwd ?? '.', file);
  if (!file.includes('://') && existsSync(path))
    return applyDocs(cluster, yamlObjects(readFileSync(path, 'utf8')), output, opts);
  throw new Fail(`fake kubectl: cannot fetch ${file}`);
}

/** `kubectl wait --for=condition=C TYPE/NAME…`: met now, or timed out (the fakes do not wait). */
export function wait({ cluster, ns, args }: KubeCall): string {
  const cond = take(args, '--for')!;
  take(args, '--timeout');
  for (const ref of args.slice(1)) {
    const [resource, name] = ref.split('/');
    if (cond === 'condition=Established') {
      if (!cluster.crds[String(name)]) throw notFound('customresourcedefinitions.apiextensions.k8s.io', name);
      continue;
    }
    const obj = findByResource(cluster, resource, ns, name);
    if (!obj) throw notFound(`${resource}s`, name);
    const want = cond.replace(/^condition=/, '');
    if (!recs(obj.status?.['conditions']).some((c) => c['type'] === want && c['status'] === 'True'))
      throw new Fail(`error: timed out waiting for the condition on ${resource}/${name}`);
  }
  return `${args
    .slice(1)
    .map((r) => `${r} condition met`)
    .join('\n')}\n`;
}

/**
 * `kubectl rollout restart TYPE/NAME`: kubectl's ObjectRestarter sets the pod template annotation
 * kubectl.kubernetes.io/restartedAt (kubectl pkg/polymorphichelpers/objectrestarter.go); the Deployment then rolls
 * out new pods.
 */
function rolloutRestart({ cluster, ns, args }: KubeCall): string {
  const [resource, name] = args[2]!.split('/');
  const obj = findByResource(cluster, resource, ns, name);
  if (!obj) throw notFound('deployments.apps', name);
  obj.spec ??= {};
  obj.spec['template'] ??= {};
  const template = rec(obj.spec['template']);
  template['metadata'] ??= {};
  const podMeta = rec(template['metadata']);
  podMeta['annotations'] = {
    ...rec(podMeta['annotations']),
    'kubectl.kubernetes.io/restartedAt': new Date().toISOString(),
  };
  return `deployment.apps/${name} restarted\n`;
}

function rolloutStatus({ cluster, ns, args }: KubeCall): string {
  take(args, '--timeout');
  const [resource, name] = args[2]!.split('/');
  const obj = findByResource(cluster, resource, ns, name);
  if (!obj) throw notFound(resource === 'ds' ? 'daemonsets.apps' : 'deployments.apps', name);
  // Pods the platform does not admit never become ready (dataplane.ts podsAdmitted).
  if ((obj.status && obj.status['readyReplicas'] === 0) || !podsAdmitted(cluster, obj))
    throw new Fail(`error: timed out waiting for the condition`);
  return `${resource === 'ds' ? 'daemon set' : 'deployment'} "${name}" successfully rolled out\n`;
}

export function rollout(call: KubeCall): string | undefined {
  if (call.args[1] === 'restart') return rolloutRestart(call);
  if (call.args[1] === 'status') return rolloutStatus(call);
  return undefined;
}

/** `kubectl exec TYPE/NAME -- env|curl …`: the pod's environment, or its curl through the lab (traffic.ts). */
export function exec({ state, cluster, ns, args }: KubeCall): string {
  const dash = args.indexOf('--');
  const [resource, name] = args[1]!.split('/');
  const pod = findByResource(cluster, resource, ns, name);
  if (!pod) throw notFound('deployments.apps', name);
  if (args[dash + 1] === 'env' && args.length === dash + 2) return podEnv(cluster, pod);
  if (args[dash + 1] !== 'curl') throw new Fail(`fake kubectl exec: only curl is emulated, not ${args[dash + 1]}`);
  return emulateCurl(state, cluster, ns, args.slice(dash + 2));
}

/** `--tail N` as kubectl checks it: an integer of at least -1. */
function tailOf(args: string[]): number | undefined {
  const tailArg = take(args, '--tail');
  const tail = tailArg === undefined ? undefined : Number(tailArg);
  if (tail !== undefined && !(Number.isInteger(tail) && tail >= -1))
    throw new Fail(
      Number.isInteger(tail)
        ? 'error: --tail must be greater than or equal to -1'
        : `error: invalid argument "${tailArg}" for "--tail" flag: strconv.ParseInt: parsing "${tailArg}": invalid syntax`,
    );
  return tail;
}

/** `kubectl logs TYPE/NAME | -l SELECTOR [--since… --tail… --timestamps --prefix]` (pod-logs.ts). */
export function logs({ cluster, ns, args }: KubeCall): string {
  const since = take(args, '--since-time') ?? sinceDuration(take(args, '--since'));
  const tail = tailOf(args);
  take(args, '--max-log-requests');
  flag(args, '--follow');
  const timestamps = flag(args, '--timestamps');
  const prefix = flag(args, '--prefix');
  const selector = take(args, '-l');
  const opts = { since, tail, timestamps };
  if (selector) return selectorLogs(cluster, ns, selector, prefix, opts);
  return workloadLogs(cluster, ns, args[1]!, opts);
}

/** `kubectl delete -f -` (the objects on stdin) or `kubectl delete namespace NAME…`. */
export function deleteVerb({ cluster, args, ctx }: KubeCall): string | undefined {
  flag(args, '--ignore-not-found');
  take(args, '--wait');
  take(args, '--timeout');
  const file = take(args, '-f');
  if (file === '-') {
    for (const o of yamlObjects(ctx.stdin ?? ''))
      deleteObject(
        cluster,
        o.kind,
        CLUSTER_SCOPED.has(o.kind) ? undefined : (o.metadata.namespace ?? 'default'),
        o.metadata.name,
      );
    return 'deleted\n';
  }
  if (args[1] === 'namespace') {
    for (const n of args.slice(2)) deleteObject(cluster, 'Namespace', undefined, n);
    return 'deleted\n';
  }
  return undefined;
}
