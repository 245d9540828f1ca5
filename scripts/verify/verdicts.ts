import type { Exec } from '../exec/exec.ts';
import type { ObjectRef } from '../state/ledger.ts';
import type { Verdict } from './report-schema.ts';

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface LiveObject {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  status?: {
    conditions?: Condition[];
    ancestors?: { ancestorRef: { kind?: string; name: string; namespace?: string }; conditions?: Condition[] }[];
    parents?: { parentRef: { kind?: string; name: string; namespace?: string }; conditions?: Condition[] }[];
  };
}

const say = (c: Condition) =>
  `${c.type}=${c.status}${c.reason ? ` ${c.reason}` : ''}${c.message ? `: ${c.message}` : ''}`;

function conditionVerdict(object: string, conditions: Condition[], type: string, missing: string): Verdict {
  const c = conditions.find((x) => x.type === type);
  return c ? { object, ok: c.status === 'True', says: say(c) } : { object, ok: false, says: missing };
}

type Parent = { ref: { kind?: string; name: string; namespace?: string }; conditions?: Condition[] };

/** A verdict per parent (a policy's ancestors, a route's parents): ok when each has every `types` condition True. */
function parentsVerdict(object: string, parents: Parent[], types: string[], none: string): Verdict {
  if (!parents.length) return { object, ok: false, says: none };
  const each = parents.map((a) => {
    const conds = (a.conditions ?? []).filter((c) => types.includes(c.type));
    const ok = types.every((t) => conds.some((c) => c.type === t && c.status === 'True'));
    const ref = `${a.ref.kind ?? ''} ${a.ref.namespace ? `${a.ref.namespace}/` : ''}${a.ref.name}`.trim();
    return { ok, says: `${ref}: ${conds.map(say).join(', ') || `no ${types.join('/')} condition`}` };
  });
  return { object, ok: each.every((e) => e.ok), says: each.map((e) => e.says).join('; ') };
}

/** The label of a ServiceEntry that must stay unbound from its waypoint (templates/scenarios/no-bypass.yaml). */
export const EXPECT_UNBOUND = 'egress-lab.dev/expect-waypoint';

/** The product's verdict on an object, or undefined when no product states one for its kind. */
export function verdictOf(o: LiveObject): Verdict | undefined {
  const object = `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
  const conditions = o.status?.conditions ?? [];
  if (o.kind === 'ServiceEntry' && o.metadata.labels?.[EXPECT_UNBOUND] === 'unbound') {
    // A ServiceEntry bound on purpose to a waypoint that does not run (the no-bypass pack): istiod must leave it
    // unbound, as it does while the waypoint is not ready (istio/istio 1.30.3 pilot/pkg/serviceregistry/ambient).
    const c = conditions.find((x) => x.type === 'istio.io/WaypointBound');
    return c
      ? { object, ok: c.status === 'False' && c.reason === 'WaypointIsNotReady', says: say(c) }
      : { object, ok: false, says: 'no istio.io/WaypointBound condition: istiod has not looked at it' };
  }
  if (o.kind === 'ServiceEntry')
    return o.metadata.labels?.['istio.io/use-waypoint']
      ? conditionVerdict(
          object,
          conditions,
          'istio.io/WaypointBound',
          'no istio.io/WaypointBound condition: istiod has not bound it to a waypoint',
        )
      : undefined;
  if (o.kind === 'Gateway')
    return conditionVerdict(
      object,
      conditions,
      'Programmed',
      'no Programmed condition: no controller has taken the Gateway',
    );
  if (o.kind.endsWith('AgentgatewayPolicy'))
    return parentsVerdict(
      object,
      (o.status?.ancestors ?? []).map((a) => ({ ref: a.ancestorRef, conditions: a.conditions ?? [] })),
      ['Accepted', 'Attached'],
      'no ancestors in its status: no controller has taken it',
    );
  if (o.kind === 'HTTPRoute')
    return parentsVerdict(
      object,
      (o.status?.parents ?? []).map((p) => ({ ref: p.parentRef, conditions: p.conditions ?? [] })),
      ['Accepted', 'ResolvedRefs'],
      'no parents in its status: no controller has taken it',
    );
  if (o.kind === 'AgentgatewayBackend')
    return conditionVerdict(object, conditions, 'Accepted', 'no Accepted condition: no controller has taken it');
  return undefined;
}

export const VERDICT_KINDS = ['ServiceEntry', 'Gateway', 'AgentgatewayBackend', 'HTTPRoute'];
export const hasVerdict = (kind: string) => VERDICT_KINDS.includes(kind) || kind.endsWith('AgentgatewayPolicy');

/** `kubectl get` resource name for an object reference (kind.group). */
export const resourceOf = (o: Pick<ObjectRef, 'apiVersion' | 'kind'>) =>
  `${o.kind.toLowerCase()}${o.apiVersion.includes('/') ? `.${o.apiVersion.split('/')[0]}` : ''}`;

/** Reads each object and the verdict its product states; an object that cannot be read is a verdict too. */
export async function readVerdicts(exec: Exec, k: readonly string[], refs: readonly ObjectRef[]): Promise<Verdict[]> {
  const read = async (r: ObjectRef): Promise<Verdict | undefined> => {
    const object = `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
    try {
      const ns = r.namespace ? ['-n', r.namespace] : [];
      const { stdout } = await exec('kubectl', [...k, 'get', resourceOf(r), r.name, ...ns, '-o', 'json'], {
        timeoutMs: 15_000,
      });
      return verdictOf(JSON.parse(stdout) as LiveObject);
    } catch (err) {
      return { object, ok: false, says: `cannot read it: ${(err as Error).message.split(': ').at(-1)?.trim()}` };
    }
  };
  const all = await Promise.all(refs.filter((r) => hasVerdict(r.kind)).map(read));
  return all.filter((v): v is Verdict => v !== undefined);
}
