import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { scratch } from '../helpers/temp.ts';

const tmp = scratch();
afterAll(() => tmp.cleanup());

/** The registry an image reference names (docker.io when none), as docker resolves it. */
const registry = (image: string) => {
  const first = image.split('/')[0]!;
  return image.includes('/') && /[.:]|^localhost$/.test(first) ? first : 'docker.io';
};

describe('egress-lab endpoints', { timeout: 120_000 }, () => {
  it("lists every host up fetches from: the registries of every image the plan pulls, the charts' hosts, the CRDs' URL", async () => {
    const r = await cli(['endpoints', '--profile', 'kind-full', '--json']);
    expect(r.code).toBe(0);
    const e = JSON.parse(r.stdout) as {
      charts: string[];
      registries: string[];
      gatewayApi: { url: string };
      egressHosts: string[];
    };
    const out = join(tmp.dir, 'render');
    expect((await cli(['render', '--profile', 'kind-full', '--out', out])).code).toBe(0);
    const plan = readFileSync(join(out, 'plan.md'), 'utf8');
    const pulled = [...plan.matchAll(/^docker pull (?:--platform \S+ )?(\S+)$/gm)].map((m) => registry(m[1]!));
    const nodeImage = [...readFileSync(join(out, 'kind-cluster.yaml'), 'utf8').matchAll(/image: (\S+)/g)].map((m) =>
      registry(m[1]!),
    );
    expect(pulled.length).toBeGreaterThan(5);
    for (const host of [...pulled, ...nodeImage]) expect(e.registries).toContain(host);
    const chartHosts = [...plan.matchAll(/--repo (https:\/\/[^/\s]+)|(oci:\/\/[^/\s]+)/g)].map((m) =>
      (m[1] ?? m[2]!).replace(/^(https|oci):\/\//, ''),
    );
    expect(new Set(chartHosts).size).toBe(2);
    for (const host of chartHosts) expect(e.charts).toContain(host);
    expect(plan).toContain(e.gatewayApi.url);
    expect(e.egressHosts).toEqual(['httpbingo.org']);
  });

  it('names the cloud API on GKE, and a bad profile is exit 2', async () => {
    const gke = await cli(['endpoints', '--profile', 'gke-full']);
    expect(gke.stdout).toContain('- Google Cloud APIs through gcloud: container.googleapis.com');
    expect(gke.stdout).toContain('(pulled by the GKE nodes)');
    const bad = await cli(['endpoints', '--profile', 'nope']);
    expect(bad.code).toBe(2);
  });
});
