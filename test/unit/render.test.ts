import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { render } from '../../scripts/commands/render.ts';
import { InputError } from '../../scripts/errors.ts';
import { templatesDir } from '../../scripts/paths.ts';
import { renderFiles } from '../../scripts/plan/files.ts';
import { builtinProfileNames, loadProfile } from '../../scripts/profile/load.ts';
import { type RenderedLab, renderLab } from '../../scripts/render/render.ts';
import { OMIT, renderTemplate, TemplateError } from '../../scripts/render/template.ts';
import { scratch } from '../helpers/temp.ts';

let tmp = scratch();
afterEach(() => {
  tmp.cleanup();
  tmp = scratch();
});

const lab = (profile: string, flags = {}) => renderLab(loadProfile({ profile, ...flags }), 'egress-lab');
const objects = (r: RenderedLab) => r.manifests.flatMap((m) => m.objects);
const find = (r: RenderedLab, kind: string, name: string) =>
  objects(r).find((o) => o.kind === kind && o.metadata.name === name);
const values = (r: RenderedLab, release: string) =>
  parse(r.releases.find((x) => x.name === release)!.text) as Record<string, any>;
const sink = () => {
  let text = '';
  return {
    stream: new Writable({
      write(chunk, _enc, done) {
        text += String(chunk);
        done();
      },
    }),
    text: () => text,
  };
};

describe('template placeholders', () => {
  it('an unknown placeholder is an error naming the template file, line and column', () => {
    const source = readFileSync(join(templatesDir, 'egress/oss-service-entry.yaml'), 'utf8').split('\n');
    const line = source.findIndex((l) => l.includes('${host.host}')) + 1;
    const col = source[line - 1]!.indexOf('${host.host}') + 1;
    const run = () =>
      renderTemplate('egress/oss-service-entry.yaml', { host: { name: 'x' }, sample: { namespace: 'ns1' } });
    expect(run).toThrow(TemplateError);
    expect(run).toThrow(`templates/egress/oss-service-entry.yaml:${line}:${col}: unknown placeholder \${host.host}`);
  });

  it('a string value stays one string, even when it reads like YAML structure', () => {
    const sneaky = 'ns1\nspec: {replicas: 99}\n- [x]';
    const [doc] = renderTemplate('sample/sample.yaml', {
      lab: { name: 'demo' },
      sample: { namespace: sneaky, image: 'curlimages/curl:8.16.0' },
    });
    expect(doc!.toJS().metadata.name).toBe(sneaky);
    const reparsed = parseAllDocuments(doc!.toString())[0]!.toJS();
    expect(reparsed.metadata.name).toBe(sneaky);
    expect(reparsed.spec).toBeUndefined();
  });

  it('YAML 1.1 words such as "on" stay strings for Kubernetes', () => {
    const docs = renderTemplate('egress/oss-service-entry.yaml', {
      host: { name: 'x', host: 'on', backendPolicies: OMIT },
      sample: { namespace: 'ns1' },
    });
    expect(docs[0]!.toString()).toContain('- "on"');
  });

  it('OMIT removes the key instead of leaving a null', () => {
    const istio = { hub: 'registry.example/istio', tag: '1.30.5' };
    const [doc] = renderTemplate('istio/upstream/cni.values.yaml', { istio: { ...istio, platform: OMIT } });
    expect(doc!.toJS()).toEqual({
      profile: 'ambient',
      image: 'registry.example/istio/install-cni:1.30.5-distroless',
      global: istio,
    });
    const [gke] = renderTemplate('istio/upstream/cni.values.yaml', { istio: { ...istio, platform: 'gke' } });
    expect(gke!.toJS().global).toEqual({ ...istio, platform: 'gke' });
  });
});

describe('render', () => {
  it('is deterministic: the same profile gives byte-identical files', () => {
    for (const name of builtinProfileNames()) {
      expect(renderFiles(lab(name), name)).toEqual(renderFiles(lab(name), name));
    }
  });

  it('labels every object with its owner, lab and component', () => {
    for (const name of builtinProfileNames()) {
      for (const m of lab(name).manifests) {
        for (const o of m.objects) {
          expect(o.metadata.labels, `${name} ${o.kind}/${o.metadata.name}`).toMatchObject({
            'app.kubernetes.io/managed-by': 'egress-lab',
            'egress-lab.dev/lab': 'egress-lab',
            'egress-lab.dev/component': m.component,
          });
        }
      }
    }
  });

  it('writes licence keys only as markers, never a value from the environment', async () => {
    const canary = 'CANARY-7f3a9c-licence';
    const names = ['GLOO_MESH_LICENSE_KEY', 'GLOO_GATEWAY_LICENSE_KEY', 'AGENTGATEWAY_LICENSE_KEY'];
    const saved = names.map((n) => process.env[n]);
    for (const n of names) process.env[n] = canary;
    try {
      for (const name of builtinProfileNames()) {
        const out = sink();
        await render({ profile: name, out: join(tmp.dir, name) }, { stdout: out.stream });
        const written = readdirSync(join(tmp.dir, name))
          .map((f) => readFileSync(join(tmp.dir, name, f), 'utf8'))
          .join('\n');
        expect(written + out.text()).not.toContain(canary);
      }
      const seed = lab('seed');
      expect(values(seed, 'istiod').license).toEqual({ value: '<from GLOO_MESH_LICENSE_KEY>' });
      expect(values(seed, 'gloo-gateway').licensing).toEqual({
        glooGatewayLicenseKey: '<from GLOO_GATEWAY_LICENSE_KEY>',
        agentgatewayLicenseKey: '<from AGENTGATEWAY_LICENSE_KEY>',
      });
      expect(values(lab('kind-enterprise'), 'enterprise-agentgateway').licensing).toEqual({
        licenseKey: '<from AGENTGATEWAY_LICENSE_KEY>',
      });
    } finally {
      names.forEach((n, i) => {
        if (saved[i] === undefined) delete process.env[n];
        else process.env[n] = saved[i];
      });
    }
  });

  it('the seed profile renders the seed demo objects', () => {
    const seed = lab('seed');
    expect(find(seed, 'GatewayClass', 'agentgateway-enterprise-waypoint')).toMatchObject({
      metadata: { annotations: { 'ambient.istio.io/waypoint-inbound-binding': 'PROXY/15088' } },
      spec: {
        controllerName: 'solo.io/agentgateway',
        parametersRef: {
          group: 'gateway.kgateway.dev',
          kind: 'GatewayParameters',
          name: 'agentgateway',
          namespace: 'gloo-system',
        },
      },
    });
    expect(find(seed, 'GatewayParameters', 'agentgateway')).toMatchObject({
      spec: {
        kube: {
          agentgateway: { env: [{ name: 'PROXY_DESTINATION', value: 'squid-proxy.common-infrastructure:3128' }] },
        },
      },
    });
    expect(find(seed, 'Gateway', 'egress-gateway')).toMatchObject({
      metadata: { namespace: 'common-infrastructure' },
      spec: { listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] },
    });
    expect(find(seed, 'AgentgatewayPolicy', 'gateway-ext-auth-policy')).toMatchObject({
      apiVersion: 'gateway.kgateway.dev/v1alpha1',
      spec: { traffic: { extAuth: { backendRef: { name: 'ext-authz', port: 9000 } } } },
    });
    expect(find(seed, 'Service', 'ext-authz')).toMatchObject({
      spec: { ports: [{ port: 9000, appProtocol: 'kubernetes.io/h2c' }, { port: 8000 }] },
    });
    expect(values(seed, 'ztunnel').egressPolicies).toEqual([
      { namespaces: ['common-infrastructure'], policy: 'Passthrough' },
      {
        gateway: 'egress-gateway.common-infrastructure.svc.cluster.local',
        matchCidrs: ['0.0.0.0/0', '::/0'],
        policy: 'Gateway',
      },
    ]);
    expect(values(seed, 'istiod').global).toMatchObject({
      hub: 'us-docker.pkg.dev/soloio-img/istio',
      tag: '1.28.1-solo',
    });
    expect(values(seed, 'gloo-gateway').agentgateway).toEqual({ enabled: true });
    expect(seed.manifests.map((m) => m.id)).not.toContain('egress');
  });

  it('the sample is our own pinned sleep workload in an ambient namespace', () => {
    const kind = lab('kind');
    expect(find(kind, 'Namespace', 'ns1')!.metadata.labels).toMatchObject({ 'istio.io/dataplane-mode': 'ambient' });
    const sleep = find(kind, 'Deployment', 'sleep') as any;
    expect(sleep.spec.template.spec.serviceAccountName).toBe('sleep');
    expect(sleep.spec.template.spec.containers[0].image).toBe('curlimages/curl:8.16.0');
    expect(find(kind, 'ServiceAccount', 'sleep')).toBeDefined();
  });

  it('Squid gets explicit http_access rules for the cluster clients and ports 80 and 443', () => {
    const conf = (find(lab('kind-full'), 'ConfigMap', 'squid-config') as any).data['squid.conf'] as string;
    expect(conf).toMatch(/^acl egress_lab_clients src 10\.0\.0\.0\/8 172\.16\.0\.0\/12 192\.168\.0\.0\/16/m);
    expect(conf).toMatch(/^acl egress_lab_ports port 80 443$/m);
    expect(conf.split('\n').filter((l) => l.startsWith('http_access'))).toEqual([
      'http_access deny !egress_lab_ports',
      'http_access allow egress_lab_clients',
      'http_access deny all',
    ]);
  });

  it('the enterprise stack steers each host with a ServiceEntry and tunnels it to Squid', () => {
    const ent = lab('kind-enterprise');
    expect(find(ent, 'ServiceEntry', 'httpbingo-org')).toMatchObject({
      metadata: { namespace: 'common-infrastructure', labels: { 'istio.io/use-waypoint': 'egress-gateway' } },
      spec: { hosts: ['httpbingo.org'], resolution: 'DNS' },
    });
    expect(find(ent, 'EnterpriseAgentgatewayPolicy', 'httpbingo-org-tunnel')).toMatchObject({
      spec: {
        targetRefs: [{ group: 'networking.istio.io', kind: 'ServiceEntry', name: 'httpbingo-org' }],
        backend: { tunnel: { backendRef: { kind: 'Service', name: 'squid-proxy', namespace: 'squid', port: 3128 } } },
      },
    });
    expect(values(ent, 'ztunnel').egressPolicies).toHaveLength(2);
  });

  it('the oss stack routes each host through a backend and blocks direct egress with a NetworkPolicy', () => {
    const oss = lab('kind-full');
    expect(find(oss, 'AgentgatewayBackend', 'httpbingo-org')).toMatchObject({
      spec: {
        static: { host: 'httpbingo.org', port: 80 },
        policies: { tunnel: { backendRef: { name: 'squid-proxy', namespace: 'squid' } } },
      },
    });
    expect(find(lab('kind'), 'AgentgatewayBackend', 'httpbingo-org')!['spec']).toEqual({
      static: { host: 'httpbingo.org', port: 80 },
    });
    expect(find(oss, 'HTTPRoute', 'httpbingo-org')).toMatchObject({
      spec: { parentRefs: [{ name: 'egress-gateway', sectionName: 'inner-http' }], hostnames: ['httpbingo.org'] },
    });
    expect(find(oss, 'NetworkPolicy', 'egress-only-through-gateway')).toMatchObject({
      metadata: { namespace: 'ns1' },
      spec: { policyTypes: ['Egress'] },
    });
    expect(values(oss, 'ztunnel')).toEqual({
      profile: 'ambient',
      image: 'registry.istio.io/release/ztunnel:1.30.5-distroless',
      hub: 'registry.istio.io/release',
      tag: '1.30.5',
    });
  });

  it('an external proxy replaces the in-cluster Squid', () => {
    const ext = tmp.write(
      'ext.yaml',
      'description: external\nextends: kind-enterprise\ncomponents:\n  squid:\n    mode: external\n    external: proxy.corp.example:3128\n',
    );
    const r = lab(ext);
    expect(r.manifests.map((m) => m.id)).not.toContain('squid');
    expect(find(r, 'AgentgatewayBackend', 'external-squid-proxy')).toMatchObject({
      spec: { static: { host: 'proxy.corp.example', port: 3128 } },
    });
    expect(find(r, 'EnterpriseAgentgatewayPolicy', 'httpbingo-org-tunnel')).toMatchObject({
      spec: { backend: { tunnel: { backendRef: { kind: 'AgentgatewayBackend', name: 'external-squid-proxy' } } } },
    });
  });

  it('kind: one control-plane and two workers on the pinned node image; GKE: cni platform and the critical-pods quota', () => {
    const kindConfig = parse(lab('kind').kindConfig!.text);
    expect(kindConfig.nodes.map((n: { role: string }) => n.role)).toEqual(['control-plane', 'worker', 'worker']);
    for (const n of kindConfig.nodes) expect(n.image).toMatch(/^kindest\/node:v1\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
    const gke = lab('gke-full');
    expect(gke.kindConfig).toBeUndefined();
    expect(values(gke, 'istio-cni').global).toMatchObject({ platform: 'gke' });
    expect(find(gke, 'ResourceQuota', 'gcp-critical-pods')).toMatchObject({
      metadata: { namespace: 'istio-system' },
      spec: { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', values: ['system-node-critical'] }] } },
    });
    expect(values(lab('kind'), 'istio-cni').global).not.toHaveProperty('platform');
    expect(find(lab('kind'), 'ResourceQuota', 'gcp-critical-pods')).toBeUndefined();
  });
});

describe('egress-lab render --out', () => {
  it('writes byte-identical folders for the same profile', async () => {
    for (const dir of ['a', 'b'])
      await render({ profile: 'kind-full', out: join(tmp.dir, dir) }, { stdout: sink().stream });
    const files = readdirSync(join(tmp.dir, 'a')).sort();
    expect(readdirSync(join(tmp.dir, 'b')).sort()).toEqual(files);
    expect(files).toEqual(
      expect.arrayContaining([
        'plan.md',
        'kind-cluster.yaml',
        'istiod.values.yaml',
        'squid.yaml',
        'waypoint.yaml',
        'egress.yaml',
        'sample.yaml',
      ]),
    );
    for (const f of files) expect(readFileSync(join(tmp.dir, 'b', f))).toEqual(readFileSync(join(tmp.dir, 'a', f)));
  });

  it('refuses a folder that is not empty unless --force, and --force replaces the earlier render', async () => {
    const out = join(tmp.dir, 'out');
    await render({ profile: 'gke-full', out }, { stdout: sink().stream });
    expect(existsSync(join(out, 'istio-quota.yaml'))).toBe(true);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    await expect(render({ profile: 'kind', out }, { stdout: sink().stream })).rejects.toThrow(
      /folder is not empty .* pass --force/,
    );
    await render({ profile: 'kind', out, force: true }, { stdout: sink().stream });
    expect(existsSync(join(out, 'istio-quota.yaml'))).toBe(false);
    expect(existsSync(join(out, 'kind-cluster.yaml'))).toBe(true);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('writes nothing when the profile is bad', async () => {
    const bad = tmp.write('bad.yaml', 'description: x\nstack: solo\n');
    const out = join(tmp.dir, 'never');
    await expect(render({ profile: bad, out }, { stdout: sink().stream })).rejects.toThrow(InputError);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(tmp.dir).filter((f) => f.includes('never'))).toEqual([]);
    mkdirSync(out);
    await expect(render({ profile: 'kind', out, name: 'Bad_Lab' }, { stdout: sink().stream })).rejects.toThrow(
      /--name: "Bad_Lab" is not a DNS-1123 label/,
    );
    expect(readdirSync(out)).toEqual([]);
  });
});
