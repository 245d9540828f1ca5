import type { KubeObject } from '../../scripts/render/render.ts';
import { checkCoreFieldsWithTsc, checkCoreRuntime, isCoreKind } from './core-kinds.ts';
import { checkCrdRules, type RuleOutcome } from './crd-rules.ts';
import { type CrdRegistry, checkAgainstCrds, schemasOf } from './crd-schemas.ts';

/**
 * Kinds whose CRDs are not public, so no schema can check them (../shared/crds/SOURCES.md note 3):
 * - the enterpriseagentgateway.solo.io group (Solo Enterprise for agentgateway, installed by its chart);
 * - the seed's gateway.kgateway.dev AgentgatewayPolicy (a Gloo Gateway 2.1 beta build; kgateway v2.1.x has no
 *   Agentgateway* kinds, see SOURCES.md note 1).
 * Every other kind must have a schema, or the check fails.
 */
export const NO_PUBLIC_SCHEMA = new Set([
  'enterpriseagentgateway.solo.io/v1alpha1/EnterpriseAgentgatewayParameters',
  'enterpriseagentgateway.solo.io/v1alpha1/EnterpriseAgentgatewayPolicy',
  'gateway.kgateway.dev/v1alpha1/AgentgatewayPolicy',
]);

export interface Labelled {
  label: string;
  obj: KubeObject;
}

/** Custom resources against the CRDs (unknown fields rejected); one line per problem, naming the object. */
export function customResourceProblems(items: Labelled[], registry: CrdRegistry): string[] {
  const failures: string[] = [];
  for (const { label, obj } of items.filter(({ obj }) => !isCoreKind(obj))) {
    const gvk = `${obj.apiVersion}/${obj.kind}`;
    if (NO_PUBLIC_SCHEMA.has(gvk)) continue;
    const result = checkAgainstCrds(obj, registry);
    if (!result.known) failures.push(`${label}: no schema for ${gvk}`);
    else if (result.acceptedBy.length === 0) failures.push(`${label}: ${result.problems.join('; ')}`);
  }
  return failures;
}

/** Core kinds: kubernetes-models' runtime check, then tsc's excess-property check for unknown fields. */
export async function coreProblems(items: Labelled[], repoRoot: string): Promise<string[]> {
  const core = items.filter(({ obj }) => isCoreKind(obj));
  const failures: string[] = [];
  for (const { label, obj } of core) for (const p of await checkCoreRuntime(obj)) failures.push(`${label}: ${p}`);
  for (const [label, problems] of checkCoreFieldsWithTsc(core, repoRoot))
    failures.push(`${label}: ${problems.join('; ')}`);
  return failures;
}

/**
 * Custom resources against their CRDs' CEL rules, under each set's schema that accepts the object's fields (the
 * CRDs of its own stack; several sets define some kinds at other versions): one such set must hold every rule.
 */
export function customResourceRules(items: Labelled[], registry: CrdRegistry): RuleOutcome {
  const out: RuleOutcome = { passed: 0, broken: [], unevaluated: [] };
  for (const { label, obj } of items.filter(({ obj }) => !isCoreKind(obj))) {
    const { acceptedBy } = checkAgainstCrds(obj, registry);
    const outcomes = schemasOf(obj, registry)
      .filter(({ set }) => acceptedBy.includes(set))
      .map(({ set, schema }) => {
        const one: RuleOutcome = { passed: 0, broken: [], unevaluated: [] };
        checkCrdRules(schema, obj, `${label} (${set})`, one);
        return one;
      });
    const held = outcomes.find((o) => o.broken.length === 0) ?? outcomes[0];
    if (!held) continue;
    out.passed += held.passed;
    out.broken.push(...held.broken);
    out.unevaluated.push(...held.unevaluated);
  }
  return out;
}
