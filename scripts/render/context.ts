import { createHash } from 'node:crypto';
import { platformFor } from '../platform/platform.ts';
import { WAYPOINT_NAMESPACE } from '../profile/layout.ts';
import type { LoadedProfile } from '../profile/load.ts';
import { hostBackend, labSecretMarker } from './scenarios.ts';
import { renderSquidConf } from './squid-conf.ts';
import { OMIT, type TemplateContext } from './template.ts';

/** What render writes where a licence key goes; `up` fills it in from the environment, never render. */
export const licenseMarker = (envVar: string) => `<from ${envVar}>`;

/** A DNS-1123 name for an allowed host's objects: httpbingo.org → httpbingo-org, *.github.com → wildcard-github-com. */
export function hostObjectName(host: string, taken: ReadonlySet<string> = new Set()): string {
  const base = host
    .replace(/^\*\./, 'wildcard.')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  if (base.length <= 50 && !taken.has(base)) return base;
  const hash = createHash('sha256').update(host).digest('hex').slice(0, 8);
  return `${base.slice(0, 50).replace(/-$/, '')}-${hash}`;
}

/** Where Squid reads the proxy-auth pack's password file (the squid-users Secret, mounted as a folder). */
const SQUID_PASSWD_DIR = '/etc/squid/users';
const SQUID_PASSWD_FILE = `${SQUID_PASSWD_DIR}/passwd`;

function squidContext({ profile }: LoadedProfile, lab: string) {
  const squid = profile.components.squid;
  const [externalHost = '', externalPort = '0'] = (squid.external ?? '').split(':');
  const inCluster = {
    destination: `squid-proxy.${squid.namespace}:${squid.port}`,
    backendRef: { kind: 'Service', name: 'squid-proxy', namespace: squid.namespace, port: squid.port },
  };
  const external = {
    destination: squid.external ?? '',
    backendRef: {
      group: 'agentgateway.dev',
      kind: 'AgentgatewayBackend',
      name: 'external-squid-proxy',
      namespace: WAYPOINT_NAMESPACE,
    },
  };
  const proxyAuth = profile.scenarios.includes('proxy-auth');
  const conf = renderSquidConf(squid, lab, proxyAuth ? { passwdFile: SQUID_PASSWD_FILE } : undefined);
  return {
    namespace: squid.namespace,
    image: squid.image,
    port: squid.port,
    conf,
    // A change of squid.conf rolls the pod: the ConfigMap is mounted by subPath, which a running pod never re-reads.
    confHash: createHash('sha256').update(conf).digest('hex').slice(0, 16),
    passwdMount: proxyAuth ? { name: 'squid-users', mountPath: SQUID_PASSWD_DIR, readOnly: true } : OMIT,
    passwd: labSecretMarker('proxy-passwd'),
    passwdVolume: proxyAuth ? { name: 'squid-users', secret: { secretName: 'squid-users' } } : OMIT,
    externalHost,
    externalPort: Number(externalPort),
    ...(squid.mode === 'external' ? external : inCluster),
  };
}

/** Everything templates may name. Unknown names are template errors, so this is the templates' whole vocabulary. */
export function labContext(loaded: LoadedProfile, lab: string): TemplateContext {
  const { profile, stack } = loaded;
  const squid = squidContext(loaded, lab);
  const nodes = [
    { role: 'control-plane', image: profile.kind.nodeImage },
    ...Array.from({ length: profile.kind.workers }, () => ({ role: 'worker', image: profile.kind.nodeImage })),
  ];
  return {
    lab: { name: lab },
    stack,
    istio: {
      hub: stack.istioHub ?? OMIT,
      tag: stack.versions['istio'] ?? OMIT,
      platform: platformFor(profile.platform).render.istioPlatform ?? OMIT,
    },
    license: Object.fromEntries(stack.licenses.map((name) => [name, licenseMarker(name)])),
    kind: { nodes },
    squid,
    extAuth: { image: profile.components.extAuth.image },
    sample: profile.components.sample,
  };
}

/** Per-host context for the egress templates. */
export function hostContexts(loaded: LoadedProfile, ctx: TemplateContext): TemplateContext[] {
  const taken = new Set<string>();
  const squid = ctx['squid'] as { backendRef: unknown };
  const backend = hostBackend(loaded.profile, squid.backendRef);
  return loaded.profile.egress.hosts.map((host) => {
    const name = hostObjectName(host, taken);
    taken.add(name);
    return {
      ...ctx,
      host: {
        host,
        name,
        resolution: host.startsWith('*.') ? 'DYNAMIC_DNS' : 'DNS',
        port: backend.port,
        backendPolicies: backend.policies,
      },
    };
  });
}
