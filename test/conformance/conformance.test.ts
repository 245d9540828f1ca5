import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinProfileNames, loadProfile } from '../../scripts/profile/load.ts';
import { type KubeObject, renderLab } from '../../scripts/render/render.ts';
import { coreProblems, customResourceProblems, customResourceRules, NO_PUBLIC_SCHEMA } from './check.ts';
import { checkCoreFieldsWithTsc, checkCoreRuntime } from './core-kinds.ts';
import { checkCrdRules, type RuleOutcome } from './crd-rules.ts';
import { type CrdRegistry, checkAgainstCrds, loadCrdRegistry, schemasOf } from './crd-schemas.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const crdsDir = process.env['EGRESS_LAB_CRDS'] ?? resolve(repoRoot, '..', 'shared', 'crds');

const labelOf = (profile: string, file: string, o: KubeObject) =>
  `${profile}: ${file}: ${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

const rendered = builtinProfileNames().flatMap((profile) =>
  renderLab(loadProfile({ profile }), 'egress-lab').manifests.flatMap((m) =>
    m.objects.map((obj) => ({ label: labelOf(profile, m.file, obj), obj })),
  ),
);

describe('conformance: every rendered object against real schemas', () => {
  let registry: CrdRegistry;
  beforeAll(() => {
    expect(existsSync(crdsDir), `CRD schemas expected at ${crdsDir} (set EGRESS_LAB_CRDS)`).toBe(true);
    registry = loadCrdRegistry(crdsDir);
  });

  it('renders objects for every built-in profile', () => {
    expect(builtinProfileNames().length).toBeGreaterThanOrEqual(6);
    expect(rendered.length).toBeGreaterThan(50);
  });

  it('custom resources: valid against the CRDs of ../shared/crds, unknown fields rejected', () => {
    expect(customResourceProblems(rendered, registry)).toEqual([]);
  });

  it("custom resources: their CRDs' CEL validation rules hold, with the schemas' defaults applied", () => {
    const outcome = customResourceRules(rendered, registry);
    expect(outcome.broken).toEqual([]);
    expect(outcome.passed).toBeGreaterThan(100);
    // The only rules the evaluator cannot run: has() on a field of an indexed element (`has(self.matches[0].path)`
    // in Gateway API v1.4.0's HTTPRoute rules, `has(self[size(self) - 1].condition)` in agentgateway v1.4.1's
    // rateLimit.conditional rule), which @marcbachmann/cel-js 8.0.0 does not take. Any other rule it cannot run
    // fails here, so none is skipped unseen.
    for (const u of outcome.unevaluated)
      expect(u, u).toMatch(/has\(self(\.\w+)?\[[^\]]+\]\.\w+\).*: has\(\) invalid argument$/);
  });

  it('core kinds: valid for kubernetes-models, and tsc finds no unknown field', async () => {
    expect(await coreProblems(rendered, repoRoot)).toEqual([]);
  });

  it('the exempt list names only kinds the profiles render, so it cannot hide a typo', () => {
    const renderedKinds = new Set(rendered.map(({ obj }) => `${obj.apiVersion}/${obj.kind}`));
    for (const kind of NO_PUBLIC_SCHEMA) expect(renderedKinds.has(kind), kind).toBe(true);
  });
});

describe('conformance checks catch what they claim to', () => {
  it('rejects an unknown field, a bad enum and an unknown kind in a custom resource', () => {
    const registry = loadCrdRegistry(crdsDir);
    const se = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { name: 'x' },
      spec: { hosts: ['a.example'], resolution: 'DNSS', exportTwo: ['.'] },
    };
    const result = checkAgainstCrds(se, registry);
    expect(result.known).toBe(true);
    expect(result.acceptedBy).toEqual([]);
    expect(result.problems.join('\n')).toMatch(/resolution must be equal to one of the allowed values/);
    expect(result.problems.join('\n')).toMatch(/must NOT have additional properties \(exportTwo\)/);
    expect(
      checkAgainstCrds({ apiVersion: 'agentgateway.dev/v1alpha1', kind: 'AgentgatewayRoute' }, registry).known,
    ).toBe(false);
  });

  it("rejects a custom resource that breaks its CRD's CEL rules, as the API server would", () => {
    const registry = loadCrdRegistry(crdsDir);
    // frontend policies attach to Gateways only; a tunnel's Service reference needs its port (defaults: kind Service).
    const policy = {
      apiVersion: 'agentgateway.dev/v1alpha1',
      kind: 'AgentgatewayPolicy',
      metadata: { name: 'x', namespace: 'common-infrastructure' },
      spec: {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'r' }],
        frontend: { accessLog: { attributes: { add: [{ name: 'caller', expression: 'source.subjectAltNames[0]' }] } } },
      },
    };
    const backend = {
      apiVersion: 'agentgateway.dev/v1alpha1',
      kind: 'AgentgatewayBackend',
      metadata: { name: 'b', namespace: 'common-infrastructure' },
      spec: { static: { host: 'h.example', port: 443 }, policies: { tunnel: { backendRef: { name: 'squid-proxy' } } } },
    };
    const broken = (obj: object & { apiVersion: string; kind: string }) => {
      const out: RuleOutcome = { passed: 0, broken: [], unevaluated: [] };
      for (const { schema } of schemasOf(obj, registry)) checkCrdRules(schema, obj, obj.kind, out);
      return out.broken.join('\n');
    };
    expect(broken(policy)).toMatch(/frontend/i);
    expect(broken(backend)).toMatch(/port/i);
  });

  it('rejects an unknown field and a wrong type in a core object', async () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x', labelz: {} },
      spec: {
        replicas: 'two',
        selector: { matchLabels: { a: 'b' } },
        template: { spec: { containers: [{ name: 'c', imagePullPolicie: 'Always' }] } },
      },
    };
    expect((await checkCoreRuntime(deployment)).join()).toMatch(/replicas must be integer/);
    const problems = checkCoreFieldsWithTsc([{ label: 'bad', obj: deployment }], repoRoot).get('bad') ?? [];
    expect(problems.join('\n')).toMatch(/labelz/);
    expect(problems.join('\n')).toMatch(/imagePullPolicie/);
  });
});
