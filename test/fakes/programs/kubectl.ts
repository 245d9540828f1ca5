// The fake kubectl: each verb egress-lab uses, authorized as RBAC does for a ServiceAccount caller.

import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { podEnv } from '../backend-auth.ts';
import { podsAdmitted } from '../dataplane.ts';
import { type AccessRequest, allowed, type Caller, callerOf, forbidden, mintToken, resourceOf } from '../rbac.ts';
import { at, type FakeCluster, type FakeState, type K8sObject, rec, recs, str } from '../types.ts';
import { applyDocs } from './apply.ts';
import { CLUSTER_SCOPED, gatewayApiCrds } from './charts.ts';
import { type Ctx, Fail, flag, notFound, objKey, offlineCheck, readYaml, take, targetCluster } from './common.ts';
import {
  crdObject,
  deleteObject,
  findByResource,
  listKinds,
  liveView,
  namespacesBySelector,
  yamlObjects,
} from './objects.ts';
import { selectorLogs, sinceDuration, workloadLogs } from './pod-logs.ts';
import { emulateCurl } from './traffic.ts';

/** The bearer token of the kubeconfig user the context names (a seat's kubeconfig), if any. */
function kubeconfigToken(file: string, context: string): string | undefined {
  const cfg = rec(readYaml(file) ?? {});
  const ctxEntry = recs(cfg['contexts']).find((c) => c['name'] === context);
  const user = at(ctxEntry, 'context', 'user');
  return str(
    at(
      recs(cfg['users']).find((u) => u['name'] === user),
      'user',
      'token',
    ),
  );
}

/**
 * What a ServiceAccount caller's kubectl call asks of the API server, each request authorized as RBAC does
 * (kubectl v0.35: exec and logs of deploy/X get the Deployment, list its pods, then create+get pods/exec or
 * get pods/log; apply is a server-side PATCH that creates what is missing; delete deletes).
 */
/** A request of the caller's, in the namespace of the call unless it names another. */
type Ask = Omit<AccessRequest, 'namespace'> & { namespace?: string };

function authorizeCall(args: string[], ctx: Ctx, check: (req: Ask) => void): void {
  const verb = args[0];
  const workload = (ref: string) => {
    const [typed = '', name] = ref.split('/');
    check({ verb: 'get', ...resourceOf(typed), name });
    check({ verb: 'list', group: '', resource: 'pods' });
  };
  if (verb === 'exec') {
    workload(args[1]!);
    check({ verb: 'create', group: '', resource: 'pods/exec' });
    check({ verb: 'get', group: '', resource: 'pods/exec' });
  } else if (verb === 'logs') {
    if (args.includes('-l')) check({ verb: 'list', group: '', resource: 'pods' });
    else workload(args[1]!);
    check({ verb: 'get', group: '', resource: 'pods/log' });
  } else if (verb === 'get' && args[1] && !args[1].startsWith('-')) {
    const [typed = '', named] = args[1].split('/');
    const name = named ?? (args[2] && !args[2].startsWith('-') ? args[2] : undefined);
    check({ verb: name ? 'get' : 'list', ...resourceOf(typed), ...(name ? { name } : {}) });
  } else if (verb === 'apply' || (verb === 'delete' && args.includes('-f'))) {
    for (const o of yamlObjects(ctx.stdin ?? ''))
      check({
        verb: verb === 'apply' ? 'patch' : 'delete',
        ...resourceOf(o.kind, o.apiVersion),
        name: o.metadata?.name,
        ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}),
      });
  } else if (verb === 'delete') {
    const [typed = '', named] = args[1]!.split('/');
    check({ verb: 'delete', ...resourceOf(typed), name: named ?? args[2] });
  } else if (verb === 'create' && args[1] === 'token') {
    check({ verb: 'create', group: '', resource: 'serviceaccounts/token', name: args[2] });
  } else if (!(verb === 'auth' && args[1] === 'can-i'))
    throw new Fail(`fake kubectl: ${verb} by a ServiceAccount caller is not emulated`);
}

/** `kubectl auth can-i VERB RESOURCE[/NAME] [--subresource S]`: "yes", or "no" and exit 1 (kubectl cani.go). */
function canI(args: string[], may: (req: Ask) => boolean): string {
  const sub = take(args, '--subresource');
  const [typed = '', name] = args[3]!.split('/');
  const { group, resource } = resourceOf(typed);
  if (may({ verb: args[2]!, group, resource: sub ? `${resource}/${sub}` : resource, ...(name ? { name } : {}) }))
    return 'yes\n';
  throw new Fail('', 1, 'no\n');
}

/**
 * `kubectl create token NAME [--duration D] [-o json]` (kubectl v0.35 create_token.go): a TokenRequest for the
 * ServiceAccount; the bare token, or with -o json the TokenRequest whose status has the token and its expiry.
 */
function createToken(cluster: FakeCluster, ns: string, args: string[], output: string | undefined): string {
  const name = args[2]!;
  if (!cluster.objects[objKey('ServiceAccount', ns, name)]) throw notFound('serviceaccounts', name);
  const duration = take(args, '--duration') ?? '1h';
  const m = duration.match(/^(\d+)(h|m|s)$/);
  if (!m) throw new Fail(`error: invalid argument "${duration}" for "--duration" flag`);
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1 };
  const seconds = Number(m[1]) * (unit[m[2] ?? ''] ?? Number.NaN);
  const { token, expires } = mintToken(cluster, ns, name, seconds);
  if (output !== 'json') return token;
  return `${JSON.stringify({
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace: ns },
    spec: { audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: seconds },
    status: { token, expirationTimestamp: expires },
  })}\n`;
}

export function kubectl(state: FakeState, args: string[], ctx: Ctx): string {
  if (args[0] === 'version')
    return `${JSON.stringify({ clientVersion: { gitVersion: state.versions?.kubectl ?? 'v1.35.0' } })}\n`;
  // A relative --kubeconfig is the caller's (a handout's commands run in the seat's folder).
  const given = take(args, '--kubeconfig');
  const kubeconfig = given && resolve(ctx.cwd ?? '.', given);
  const context = take(args, '--context');
  const cluster = targetCluster(state, kubeconfig, context, 'kubectl');
  const ns = take(args, '--namespace', '-n') ?? 'default';
  const output = take(args, '--output', '-o');
  const verb = args[0];
  let sa: Caller | undefined;
  try {
    // targetCluster has checked both: a kubeconfig file that holds the context.
    sa = callerOf(cluster, kubeconfigToken(kubeconfig!, context!));
  } catch (err) {
    throw new Fail(err instanceof Error ? err.message : String(err));
  }
  const may = (req: Ask) => allowed(cluster, sa, { namespace: ns, ...req });
  const check = (req: Ask) => {
    if (!may(req) && sa) throw new Fail(forbidden(sa, { namespace: ns, ...req }));
  };
  if (sa) authorizeCall(args, ctx, check);
  if (verb === 'auth' && args[1] === 'can-i') return canI(args, may);
  if (verb === 'create' && args[1] === 'token') return createToken(cluster, ns, args, output);
  if (verb === 'apply') {
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
    const file = take(args, '-f', '--filename')!;
    if (file === '-') return applyDocs(cluster, yamlObjects(ctx.stdin ?? ''), output, opts);
    const release = file.match(
      /^https:\/\/github\.com\/kubernetes-sigs\/gateway-api\/releases\/download\/(v[\d.]+)\/experimental-install\.yaml$/,
    );
    if (file.startsWith('https://')) offlineCheck(state, `error: unable to read URL "${file}"`);
    if (release) return applyDocs(cluster, gatewayApiCrds(release[1] ?? ''), output, opts);
    const path = resolve(ctx.cwd ?? '.', file);
    if (!file.includes('://') && existsSync(path))
      return applyDocs(cluster, yamlObjects(readFileSync(path, 'utf8')), output, opts);
    throw new Fail(`fake kubectl: cannot fetch ${file}`);
  }
  if (verb === 'wait') {
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
  if (verb === 'rollout' && args[1] === 'restart') {
    // kubectl's ObjectRestarter sets the pod template annotation kubectl.kubernetes.io/restartedAt (kubectl
    // pkg/polymorphichelpers/objectrestarter.go); the Deployment then rolls out new pods.
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
  if (verb === 'rollout' && args[1] === 'status') {
    take(args, '--timeout');
    const [resource, name] = args[2]!.split('/');
    const obj = findByResource(cluster, resource, ns, name);
    if (!obj) throw notFound(resource === 'ds' ? 'daemonsets.apps' : 'deployments.apps', name);
    // Pods the platform does not admit never become ready (dataplane.ts podsAdmitted).
    if ((obj.status && obj.status['readyReplicas'] === 0) || !podsAdmitted(cluster, obj))
      throw new Fail(`error: timed out waiting for the condition`);
    return `${resource === 'ds' ? 'daemon set' : 'deployment'} "${name}" successfully rolled out\n`;
  }
  if (verb === 'get') {
    if (args[1] === '--raw') return 'ok';
    if (args[1] === 'namespace' && args[2] === 'kube-system') return cluster.uid ?? 'uid-unknown';
    const ignore = flag(args, '--ignore-not-found');
    const file = take(args, '-f');
    if (file === '-') {
      const found: K8sObject[] = [];
      for (const o of yamlObjects(ctx.stdin ?? '')) {
        const obj = findByResource(cluster, o.kind.toLowerCase(), o.metadata.namespace ?? 'default', o.metadata.name);
        if (obj) found.push(liveView(cluster, obj));
        else if (!ignore) throw notFound(o.kind.toLowerCase(), o.metadata.name);
      }
      if (output === 'json')
        return found.length === 0
          ? ''
          : `${JSON.stringify(found.length === 1 ? found[0] : { apiVersion: 'v1', kind: 'List', items: found })}\n`;
      return found.map((o) => `${o.kind.toLowerCase()}/${o.metadata.name}\n`).join('');
    }
    if (args[1]?.includes(',') && args[2] === undefined) return listKinds(cluster, ns, args[1].split(','), output);
    const selector = take(args, '-l', '--selector');
    if (args[1] === 'namespaces' && selector !== undefined) return namespacesBySelector(cluster, selector, output);
    if (selector !== undefined) throw new Fail(`fake kubectl: get ${args[1]} -l is not emulated`);
    if (args[1] === 'namespaces') return `${cluster.namespaces.map((n) => `namespace/${n}`).join('\n')}\n`;
    if (['crd', 'crds', 'customresourcedefinitions'].includes(String(args[1])) && args[2] === undefined) {
      if (output === 'json')
        return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: Object.keys(cluster.crds).map((n) => crdObject(cluster, n)) })}\n`;
      return Object.keys(cluster.crds)
        .map((n) => `customresourcedefinition.apiextensions.k8s.io/${n}\n`)
        .join('');
    }
    // A type without a name lists the namespace's objects: -o json gives a List whatever their number (KC5).
    if (args[2] === undefined && output === 'json') return listKinds(cluster, ns, [String(args[1])], output);
    const obj = findByResource(cluster, args[1], ns, args[2]);
    if (!obj && ignore) return '';
    if (!obj) throw notFound(args[1], args[2]);
    if (output === 'name') return `${args[1]}/${args[2]}\n`;
    if (output?.startsWith('jsonpath=')) {
      if (output.includes('readyReplicas'))
        return `${liveView(cluster, obj).status?.['readyReplicas'] ?? 0}/${obj.spec?.['replicas'] ?? 1}`;
      if (output.includes('Programmed'))
        return str(recs(obj.status?.['conditions']).find((c) => c['type'] === 'Programmed')?.['status']) ?? '';
    }
    return `${JSON.stringify(liveView(cluster, obj))}\n`;
  }
  if (verb === 'exec') {
    const dash = args.indexOf('--');
    const [resource, name] = args[1]!.split('/');
    const pod = findByResource(cluster, resource, ns, name);
    if (!pod) throw notFound('deployments.apps', name);
    if (args[dash + 1] === 'env' && args.length === dash + 2) return podEnv(cluster, pod);
    if (args[dash + 1] !== 'curl') throw new Fail(`fake kubectl exec: only curl is emulated, not ${args[dash + 1]}`);
    return emulateCurl(state, cluster, ns, args.slice(dash + 2));
  }
  if (verb === 'logs') {
    const since = take(args, '--since-time') ?? sinceDuration(take(args, '--since'));
    const tailArg = take(args, '--tail');
    const tail = tailArg === undefined ? undefined : Number(tailArg);
    if (tail !== undefined && !(Number.isInteger(tail) && tail >= -1))
      throw new Fail(
        Number.isInteger(tail)
          ? 'error: --tail must be greater than or equal to -1'
          : `error: invalid argument "${tailArg}" for "--tail" flag: strconv.ParseInt: parsing "${tailArg}": invalid syntax`,
      );
    take(args, '--max-log-requests');
    flag(args, '--follow');
    const timestamps = flag(args, '--timestamps');
    const prefix = flag(args, '--prefix');
    const selector = take(args, '-l');
    const opts = { since, tail, timestamps };
    if (selector) return selectorLogs(cluster, ns, selector, prefix, opts);
    return workloadLogs(cluster, ns, args[1]!, opts);
  }
  if (verb === 'delete') {
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
  }
  throw new Fail(`fake kubectl: unsupported ${args.join(' ')}`);
}
