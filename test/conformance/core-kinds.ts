import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Core Kubernetes kinds the lab renders, checked with kubernetes-models (K8s 1.33 schema). */
const CORE: Record<string, { module: string; name: string }> = {
  'v1/Namespace': { module: 'kubernetes-models/v1/Namespace', name: 'Namespace' },
  'v1/ConfigMap': { module: 'kubernetes-models/v1/ConfigMap', name: 'ConfigMap' },
  'v1/Secret': { module: 'kubernetes-models/v1/Secret', name: 'Secret' },
  'v1/Service': { module: 'kubernetes-models/v1/Service', name: 'Service' },
  'v1/ServiceAccount': { module: 'kubernetes-models/v1/ServiceAccount', name: 'ServiceAccount' },
  'v1/ResourceQuota': { module: 'kubernetes-models/v1/ResourceQuota', name: 'ResourceQuota' },
  'apps/v1/Deployment': { module: 'kubernetes-models/apps/v1/Deployment', name: 'Deployment' },
  'networking.k8s.io/v1/NetworkPolicy': {
    module: 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
    name: 'NetworkPolicy',
  },
  // Kinds the charts render (test/charts).
  'apps/v1/DaemonSet': { module: 'kubernetes-models/apps/v1/DaemonSet', name: 'DaemonSet' },
  'autoscaling/v2/HorizontalPodAutoscaler': {
    module: 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
    name: 'HorizontalPodAutoscaler',
  },
  'rbac.authorization.k8s.io/v1/ClusterRole': {
    module: 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole',
    name: 'ClusterRole',
  },
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': {
    module: 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding',
    name: 'ClusterRoleBinding',
  },
  'rbac.authorization.k8s.io/v1/Role': { module: 'kubernetes-models/rbac.authorization.k8s.io/v1/Role', name: 'Role' },
  'rbac.authorization.k8s.io/v1/RoleBinding': {
    module: 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding',
    name: 'RoleBinding',
  },
  'admissionregistration.k8s.io/v1/MutatingWebhookConfiguration': {
    module: 'kubernetes-models/admissionregistration.k8s.io/v1/MutatingWebhookConfiguration',
    name: 'MutatingWebhookConfiguration',
  },
  'admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration': {
    module: 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration',
    name: 'ValidatingWebhookConfiguration',
  },
  'apiextensions.k8s.io/v1/CustomResourceDefinition': {
    module: 'kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition',
    name: 'CustomResourceDefinition',
  },
};

interface Obj {
  apiVersion: string;
  kind: string;
}

const key = (o: Obj) => `${o.apiVersion}/${o.kind}`;
export const isCoreKind = (o: Obj) => key(o) in CORE;

/** Runtime schema check (types, required fields, enums) with the model class. */
export async function checkCoreRuntime(o: Obj): Promise<string[]> {
  const entry = CORE[key(o)]!;
  const mod = (await import(entry.module)) as Record<string, new (data: unknown) => { validate(): void }>;
  try {
    new mod[entry.name]!(o).validate();
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}

/**
 * Unknown fields: the model classes accept them, so every core object is also written as a TypeScript
 * literal that must `satisfies` its kubernetes-models interface, and tsc's excess-property check names
 * any field Kubernetes does not have. Returns problems per label.
 */
export function checkCoreFieldsWithTsc(
  objects: { label: string; obj: Obj }[],
  repoRoot: string,
): Map<string, string[]> {
  // One folder per call: the conformance and chart test files run this at the same time.
  mkdirSync(join(repoRoot, '.conformance-tmp'), { recursive: true });
  const dir = mkdtempSync(join(repoRoot, '.conformance-tmp', 'run-'));
  const file = join(dir, 'core-objects.ts');
  const lines: string[] = [];
  const owners: { from: number; label: string }[] = [];
  const kinds = [...new Set(objects.map((o) => key(o.obj)))];
  kinds.forEach((k, i) => {
    lines.push(`import type { I${CORE[k]!.name} as T${i} } from '${CORE[k]!.module}';`);
  });
  objects.forEach(({ label, obj }, i) => {
    owners.push({ from: lines.length + 1, label });
    lines.push(`export const o${i} = ${JSON.stringify(obj, null, 2)} satisfies T${kinds.indexOf(key(obj))};`);
  });
  writeFileSync(file, `${lines.join('\n')}\n`);
  const problems = new Map<string, string[]>();
  try {
    execFileSync(
      join(repoRoot, 'node_modules', '.bin', 'tsc'),
      [
        '--ignoreConfig',
        '--noEmit',
        '--strict',
        '--skipLibCheck',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2023',
        '--types',
        'node',
        file,
      ],
      { cwd: repoRoot, encoding: 'utf8', stdio: 'pipe' },
    );
  } catch (err) {
    const out = String((err as { stdout?: string }).stdout ?? '');
    const re = /core-objects\.ts\((\d+),\d+\): error (TS\d+: .*)/g;
    for (const m of out.matchAll(re)) {
      const at = Number(m[1]);
      const owner = [...owners].reverse().find((o) => o.from <= at)?.label ?? '(imports)';
      problems.set(owner, [...(problems.get(owner) ?? []), m[2]!]);
    }
    if (problems.size === 0) throw new Error(`tsc failed on the core objects without a readable error:\n${out}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return problems;
}
