import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';

/** One CRD version's schema, made strict the way the API server's strict field validation is. */
interface SchemaEntry {
  set: string;
  schema: object;
  compiled?: ValidateFunction;
}

export type CrdRegistry = Map<string, SchemaEntry[]>;

/** Schemas compile on first use: most of the Istio and Gateway API kinds are never rendered. */
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });

const gvk = (apiVersion: string, kind: string) => `${apiVersion}/${kind}`;

/** additionalProperties: false on every object schema that lists properties and does not preserve unknown fields. */
function strictify(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strictify);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema))
    out[key] =
      key === 'properties'
        ? Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, strictify(v)]))
        : strictify(value);
  if (out['properties'] && !out['x-kubernetes-preserve-unknown-fields'] && out['additionalProperties'] === undefined)
    out['additionalProperties'] = false;
  return out;
}

/** Loads every CRD under crdsDir/<set>/*.yaml, keyed by apiVersion/kind; a kind defined by several sets has several entries. */
export function loadCrdRegistry(crdsDir: string): CrdRegistry {
  const registry: CrdRegistry = new Map();
  for (const set of readdirSync(crdsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()) {
    for (const file of readdirSync(join(crdsDir, set))
      .filter((f) => f.endsWith('.yaml'))
      .sort()) {
      for (const doc of parseAllDocuments(readFileSync(join(crdsDir, set, file), 'utf8'))) {
        const crd = doc.toJS() as {
          kind?: string;
          spec?: {
            group: string;
            names: { kind: string };
            versions: { name: string; schema?: { openAPIV3Schema: object } }[];
          };
        } | null;
        if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
        for (const version of crd.spec.versions) {
          if (!version.schema) continue;
          const schema = strictify(version.schema.openAPIV3Schema) as { properties?: Record<string, unknown> };
          // The API server accepts apiVersion, kind and metadata on every object, listed in the schema or not.
          schema.properties = {
            apiVersion: { type: 'string' },
            kind: { type: 'string' },
            metadata: { type: 'object' },
            ...schema.properties,
          };
          const key = gvk(`${crd.spec.group}/${version.name}`, crd.spec.names.kind);
          registry.set(key, [...(registry.get(key) ?? []), { set, schema }]);
        }
      }
    }
  }
  return registry;
}

export interface CrdResult {
  /** Whether any set defines this apiVersion/kind. */
  known: boolean;
  /** Sets whose schema accepted the object. */
  acceptedBy: string[];
  /** Problems per set that rejected it: "set: /spec/x must NOT have additional properties (y)". */
  problems: string[];
}

/** The schemas (one per set that defines it) of an apiVersion/kind. */
export const schemasOf = (obj: { apiVersion: string; kind: string }, registry: CrdRegistry) =>
  (registry.get(gvk(obj.apiVersion, obj.kind)) ?? []).map((e) => ({ set: e.set, schema: e.schema }));

export function checkAgainstCrds(obj: { apiVersion: string; kind: string }, registry: CrdRegistry): CrdResult {
  const entries = registry.get(gvk(obj.apiVersion, obj.kind)) ?? [];
  const acceptedBy: string[] = [];
  const problems: string[] = [];
  for (const entry of entries) {
    entry.compiled ??= ajv.compile(entry.schema);
    const { set, compiled: validate } = entry;
    if (validate(obj)) acceptedBy.push(set);
    else
      for (const e of validate.errors ?? [])
        problems.push(
          `${set}: ${e.instancePath || '/'} ${e.message}${e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : ''}`,
        );
  }
  return { known: entries.length > 0, acceptedBy, problems };
}
