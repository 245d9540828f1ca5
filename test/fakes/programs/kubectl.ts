// The fake kubectl: each verb egress-lab uses, authorized as RBAC does for a ServiceAccount caller.

import { resolve } from 'node:path';
import { type AccessRequest, allowed, type Caller, callerOf, forbidden, mintToken, resourceOf } from '../rbac.ts';
import { at, type FakeCluster, type FakeState, rec, recs, str } from '../types.ts';
import { type Ctx, Fail, notFound, objKey, readYaml, take, targetCluster } from './common.ts';
import { get } from './kubectl-get.ts';
import { checkUsage } from './kubectl-usage.ts';
import { apply, deleteVerb, exec, logs, rollout, type VerbHandler, wait } from './kubectl-verbs.ts';
import { yamlObjects } from './objects.ts';

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
  if (args.includes('--list')) throw new Fail('fake kubectl: auth can-i --list is not emulated');
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

/** The verbs the fakes emulate, each with its handler (kubectl-verbs.ts, kubectl-get.ts). */
const VERBS: Record<string, VerbHandler> = {
  create: ({ cluster, ns, args, output }) => (args[1] === 'token' ? createToken(cluster, ns, args, output) : undefined),
  apply,
  wait,
  rollout,
  get,
  exec,
  logs,
  delete: deleteVerb,
};

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
  // kubectl checks its arguments before it asks the API server anything.
  checkUsage(args);
  if (sa) authorizeCall(args, ctx, check);
  if (args[0] === 'auth' && args[1] === 'can-i') return canI(args, may);
  const verb = args[0] ?? '';
  const handler = Object.hasOwn(VERBS, verb) ? VERBS[verb] : undefined;
  const answer = handler?.({ state, cluster, ns, output, args, ctx });
  if (answer !== undefined) return answer;
  throw new Fail(`fake kubectl: unsupported ${args.join(' ')}`);
}
