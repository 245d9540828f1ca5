import { type Document, isMap } from 'yaml';
import { platformFor } from '../platform/platform.ts';
import { clientNamespaces, ownClients, primaryClients, WAYPOINT_NAMESPACE } from '../profile/layout.ts';
import type { LoadedProfile } from '../profile/load.ts';
import type { ComponentName, Release } from '../profile/stack.ts';
import { hostContexts, labContext } from './context.ts';
import { scenarioDocs } from './scenarios.ts';
import { renderTemplate, stringifyDocs, type TemplateContext } from './template.ts';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

export interface RenderedRelease {
  name: string;
  release: Release;
  /** The chart version, resolved from the stack's versions. */
  version: string;
  file: string;
  /** Values YAML; licence keys appear only as markers. */
  text: string;
  /** The same values as data (the images each release runs are read from them). */
  values: Record<string, unknown>;
}

/** One applied unit: the objects of one step, written as one file. */
export interface RenderedManifest {
  id: string;
  component: ComponentName;
  file: string;
  objects: KubeObject[];
  text: string;
}

export interface RenderedLab {
  lab: string;
  loaded: LoadedProfile;
  /** The kind cluster config (kind platform only). */
  kindConfig?: { file: string; text: string };
  releases: RenderedRelease[];
  manifests: RenderedManifest[];
}

export const OWNER_LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  lab: 'egress-lab.dev/lab',
  component: 'egress-lab.dev/component',
} as const;

function labelled(docs: Document[], lab: string, component: ComponentName): Document[] {
  const owner = {
    [OWNER_LABELS.managedBy]: 'egress-lab',
    [OWNER_LABELS.lab]: lab,
    [OWNER_LABELS.component]: component,
  };
  for (const doc of docs) {
    const labels = doc.getIn(['metadata', 'labels']);
    if (isMap(labels)) for (const [key, value] of Object.entries(owner)) labels.set(key, value);
    else doc.setIn(['metadata', 'labels'], doc.createNode(owner));
  }
  return docs;
}

function manifest(id: string, component: ComponentName, docs: Document[], lab: string): RenderedManifest {
  const owned = labelled(docs, lab, component);
  return {
    id,
    component,
    file: `${id}.yaml`,
    objects: owned.map((d) => d.toJS() as KubeObject),
    text: stringifyDocs(owned),
  };
}

function renderManifests(loaded: LoadedProfile, ctx: TemplateContext, lab: string): RenderedManifest[] {
  const { profile, stack } = loaded;
  const { squid, extAuth } = profile.components;
  const out: RenderedManifest[] = [];
  const add = (id: string, component: ComponentName, templates: string[], context = ctx) => {
    const docs = templates.flatMap((t) => renderTemplate(t, context));
    if (docs.length > 0) out.push(manifest(id, component, docs, lab));
  };
  for (const m of platformFor(profile.platform).render.manifests) add(m.id, m.component, m.templates);
  add('lab-namespace', 'waypoint', ['waypoint/namespace.yaml']);
  add('waypoint', 'waypoint', [stack.templates.waypoint]);
  if (squid.mode === 'in-cluster') {
    add('squid', 'squid', [
      ...(squid.namespace === WAYPOINT_NAMESPACE ? [] : ['squid/namespace.yaml']),
      'squid/squid.yaml',
      // In Squid's step, so the pod that mounts it never waits for a later step.
      ...(profile.scenarios.includes('proxy-auth') ? ['squid/users.yaml'] : []),
    ]);
  }
  if (extAuth.enabled) {
    add('ext-authz', 'ext-authz', ['ext-authz/server.yaml']);
    add('ext-authz-policy', 'ext-authz', [stack.templates.extAuthPolicy]);
  }
  const clients = clientNamespaces(profile);
  /** The context with the sample in one client namespace (a seat's, or the profile's sample namespace). */
  const inClient = (c: TemplateContext, namespace: string): TemplateContext => ({
    ...c,
    sample: { ...(c['sample'] as object), namespace },
  });
  const perClient = (template: string, c: TemplateContext) =>
    clients.flatMap((ns) => renderTemplate(template, inClient(c, ns)));
  out.push(manifest('sample', 'sample', perClient('sample/sample.yaml', ctx), lab));
  if (profile.seats > 0) out.push(manifest('seats', 'sample', seatDocs(loaded, ctx, primaryClients(profile)), lab));
  const { serviceEntry, hostRoute, tunnel, egressGuard } = stack.templates;
  if (serviceEntry) {
    const perHost = hostContexts(loaded, ctx).flatMap((hostCtx) => [
      ...perClient(serviceEntry, hostCtx),
      ...(hostRoute ? renderTemplate(hostRoute, hostCtx) : []),
      ...(tunnel && squid.mode !== 'none' ? renderTemplate(tunnel, hostCtx) : []),
    ]);
    const extra = [
      ...(squid.mode === 'external' ? renderTemplate('squid/external-backend.yaml', ctx) : []),
      ...(egressGuard ? perClient(egressGuard, ctx) : []),
    ];
    out.push(manifest('egress', 'egress', [...perHost, ...extra], lab));
  }
  // The lab's own clients: every seat, and the sample the packs are proven from.
  const inPrimary = (template: string, c: TemplateContext) =>
    ownClients(profile).flatMap((ns) => renderTemplate(template, inClient(c, ns)));
  for (const { name, docs } of scenarioDocs(loaded, ctx, inPrimary))
    out.push(manifest(`scenario-${name}`, 'scenario', docs, lab));
  return out;
}

/**
 * The seats' access: per seat its attendee ServiceAccount, Role and RoleBinding; in each shared namespace of the
 * path (the gateway's and ext-authz's, Squid's when in the cluster) a Role to read the logs, bound to every seat.
 */
function seatDocs(loaded: LoadedProfile, ctx: TemplateContext, seats: string[]): Document[] {
  const { squid } = loaded.profile.components;
  const subjects = seats.map((namespace) => ({ kind: 'ServiceAccount', name: 'attendee', namespace }));
  const shared = [
    WAYPOINT_NAMESPACE,
    ...(squid.mode === 'in-cluster' && squid.namespace !== WAYPOINT_NAMESPACE ? [squid.namespace] : []),
  ];
  return [
    ...seats.flatMap((namespace) => renderTemplate('seats/seat.yaml', { ...ctx, seat: { namespace } })),
    ...shared.flatMap((namespace) =>
      renderTemplate('seats/shared-logs.yaml', { ...ctx, shared: { namespace, subjects } }),
    ),
  ];
}

function renderReleases(loaded: LoadedProfile, ctx: TemplateContext): RenderedRelease[] {
  const { stack } = loaded;
  return Object.entries(stack.releases).map(([name, release]) => {
    const version = stack.versions[release.version];
    if (version === undefined) throw new Error(`stack release ${name}: no version "${release.version}" in versions`);
    const docs = renderTemplate(release.values, ctx);
    return {
      name,
      release,
      version,
      file: `${name}.values.yaml`,
      text: stringifyDocs(docs),
      values: (docs[0]?.toJS() ?? {}) as Record<string, unknown>,
    };
  });
}

/** Renders everything `up` applies for a profile. Pure: same profile and lab name, same output. */
export function renderLab(loaded: LoadedProfile, lab: string): RenderedLab {
  const ctx = labContext(loaded, lab);
  const config = platformFor(loaded.profile.platform).render.clusterConfig;
  const kindConfig = config && { file: config.file, text: stringifyDocs(renderTemplate(config.template, ctx)) };
  return {
    lab,
    loaded,
    kindConfig,
    releases: renderReleases(loaded, ctx),
    manifests: renderManifests(loaded, ctx, lab),
  };
}
