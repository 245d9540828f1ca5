import { ActionableError } from '../errors.ts';
import type { Exec } from '../exec/exec.ts';
import type { Ledger, LedgerStep, ObjectRef } from '../state/ledger.ts';
import { crdRef, hasRef, listCrds } from './ownership.ts';

const GROUPS = new Set(['gateway.networking.k8s.io', 'gateway.networking.x-k8s.io']);
/** Each CRD of a Gateway API release carries its release version (gateway-api v1.4.0 config/crd/*). */
const BUNDLE_VERSION = 'gateway.networking.k8s.io/bundle-version';

/** How the Gateway API step goes on this cluster. */
export interface GatewayApiDecision {
  /** false: the CRDs already there fit; nothing is applied. */
  apply: boolean;
  /** Apply over CRDs another field manager owns (--take-over-crds). */
  force: boolean;
  /** The Gateway API CRDs that were there before the lab: never deleted. */
  borrowed: ObjectRef[];
  /** Names of every CRD there before the apply: what the apply reports beyond these, the lab made. */
  before: Set<string>;
  note?: string;
}

const parseVersion = (v: string | undefined) => (v?.match(/^v?(\d+)\.(\d+)\.(\d+)/) ?? []).slice(1).map(Number);

/** Whether version `have` is at least `want` (vMAJOR.MINOR.PATCH). */
export function versionAtLeast(have: string | undefined, want: string): boolean {
  const h = parseVersion(have);
  const w = parseVersion(want);
  if (h.length !== 3 || w.length !== 3) return false;
  for (let i = 0; i < 3; i++) if (h[i] !== w[i]) return h[i]! > w[i]!;
  return true;
}

/**
 * Before the Gateway API apply: CRDs that egress-lab did not make are reused when every CRD the stack needs
 * is there at the pinned release or newer, taken over only with --take-over-crds, and otherwise refused.
 */
export async function decideGatewayApi(
  exec: Exec,
  ledger: Ledger,
  stack: { url: string; crds: string[] },
  previous: LedgerStep | undefined,
  takeOver: boolean,
): Promise<GatewayApiDecision> {
  const crds = await listCrds(exec, ledger);
  const before = new Set(crds.map((c) => c.metadata.name));
  const foreign = crds.filter(
    (c) => GROUPS.has(c.spec?.group ?? '') && !hasRef(previous?.objects, crdRef(c.metadata.name)),
  );
  const borrowed = foreign.map((c) => crdRef(c.metadata.name));
  if (foreign.length === 0) return { apply: true, force: false, borrowed: [], before };
  const pinned = stack.url.match(/\/download\/(v[\d.]+)\//)?.[1] ?? 'v0.0.0';
  const names = new Set(crds.map((c) => c.metadata.name));
  const fits =
    stack.crds.every((n) => names.has(n)) &&
    foreign.every((c) => versionAtLeast(c.metadata.annotations?.[BUNDLE_VERSION], pinned));
  const versions = [...new Set(foreign.map((c) => c.metadata.annotations?.[BUNDLE_VERSION] ?? 'no version'))];
  if (fits)
    return {
      apply: false,
      force: false,
      borrowed,
      before,
      note: `using the ${foreign.length} Gateway API CRDs already in the cluster (${versions.join(', ')}); down leaves them`,
    };
  if (takeOver)
    return {
      apply: true,
      force: true,
      borrowed,
      before,
      note: `--take-over-crds: applying Gateway API ${pinned} over ${foreign.length} CRDs egress-lab did not install; down leaves them`,
    };
  const managers = [
    ...new Set(
      foreign
        .flatMap((c) => (c.metadata.managedFields ?? []).map((m) => m.manager ?? '?'))
        .filter((m) => m !== 'egress-lab'),
    ),
  ];
  throw new ActionableError(
    `the cluster has ${foreign.length} Gateway API CRDs egress-lab did not install (${versions.join(', ')}${managers.length ? `, managed by ${managers.join(', ')}` : ''}); the lab needs ${pinned} or newer with ${stack.crds.join(', ')}: upgrade them yourself, or pass --take-over-crds to apply ${pinned} over them (down leaves them in place)`,
  );
}
