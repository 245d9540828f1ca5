import { evaluate } from '@marcbachmann/cel-js';

/**
 * The CRDs' CEL validation rules (`x-kubernetes-validations`), evaluated as the API server does on create: the
 * schema's defaults applied first, then each rule with `self` bound to the value at its node (Kubernetes
 * "Validation rules", kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions).
 * Transition rules (those naming oldSelf) never run on create and are left out. A rule the evaluator cannot run
 * (a Kubernetes CEL library function it lacks) is reported apart, never counted as passed.
 */

interface Schema {
  type?: string;
  default?: unknown;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  'x-kubernetes-validations'?: { rule: string; message?: string }[];
}

export interface RuleOutcome {
  passed: number;
  /** Rules that evaluated to false: "path: message". */
  broken: string[];
  /** Rules the evaluator could not run: "path: rule: why". */
  unevaluated: string[];
}

/** Structural defaulting: a missing property with a schema default gets it, at every depth (apiextensions). */
function withDefaults(schema: Schema | undefined, value: unknown): unknown {
  if (!schema || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => withDefaults(schema.items, v));
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [key, sub] of Object.entries(schema.properties ?? {})) {
    if (out[key] === undefined && sub.default !== undefined) out[key] = structuredClone(sub.default);
    if (out[key] !== undefined) out[key] = withDefaults(sub, out[key]);
  }
  if (typeof schema.additionalProperties === 'object')
    for (const key of Object.keys(out))
      if (!schema.properties?.[key]) out[key] = withDefaults(schema.additionalProperties, out[key]);
  return out;
}

/** CEL's int is 64-bit: JSON integers go in as bigint, as the API server's integer fields are int. */
function toCel(value: unknown): unknown {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (Array.isArray(value)) return value.map(toCel);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCel(v)]));
  return value;
}

function walk(schema: Schema | undefined, value: unknown, path: string, out: RuleOutcome): void {
  if (!schema || value === undefined || value === null) return;
  for (const { rule, message } of schema['x-kubernetes-validations'] ?? []) {
    if (/\boldSelf\b/.test(rule)) continue;
    try {
      if (evaluate(rule, { self: toCel(value) }) === true) out.passed++;
      else out.broken.push(`${path}: ${message ?? rule}`);
    } catch (err) {
      out.unevaluated.push(`${path}: ${rule}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) walk(schema.items, v, `${path}[${i}]`, out);
  } else if (typeof value === 'object') {
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const sub =
        schema.properties?.[key] ??
        (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      walk(sub, v, `${path}.${key}`, out);
    }
  }
}

/** Every CEL rule of the object's schema, on the object with the schema's defaults applied. */
export function checkCrdRules(schema: object, obj: object, label: string, out: RuleOutcome): void {
  walk(schema as Schema, withDefaults(schema as Schema, obj), label, out);
}
