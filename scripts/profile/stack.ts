import * as z from 'zod';
import { dnsLabel } from './schema.ts';

export const componentNames = [
  'gateway-api',
  'istio',
  'controller',
  'waypoint',
  'egress',
  'squid',
  'ext-authz',
  'sample',
  'scenario',
] as const;
export type ComponentName = (typeof componentNames)[number];

const envVar = z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'not an environment variable name');
const chartRef = z
  .string()
  .regex(/^(oci:\/\/[a-z0-9./_-]+|[a-z0-9][a-z0-9-]*)$/, 'not a chart name or oci:// reference');
const repoUrl = z.string().regex(/^https:\/\/[^\s]+$/, 'not an https:// chart repository');

const wait = z.union([
  z.strictObject({ established: z.array(z.string().min(1)).min(1) }),
  z.strictObject({ rollout: z.string().regex(/^(deploy|ds|daemonset|deployment)\/[a-z0-9-]+$/), namespace: dnsLabel }),
]);
export type Wait = z.infer<typeof wait>;

const release = z.strictObject({
  /** Which lab component the release belongs to; `istio` releases go in the order base, istiod, cni+ztunnel. */
  component: z.enum(['istio', 'controller']),
  /** Role inside the component: decides the step order (crds before the controller, base before istiod). */
  role: z.enum(['base', 'istiod', 'cni', 'ztunnel', 'crds', 'controller']),
  chart: chartRef,
  /** A classic chart repository (passed as --repo); absent for oci:// charts. */
  repo: repoUrl.optional(),
  /** A key of `versions`. */
  version: z.string().min(1),
  namespace: dnsLabel,
  /** Values template, relative to templates/. */
  values: z.string().regex(/^[a-z0-9/_.-]+\.yaml$/),
  waits: z.array(wait),
  /**
   * Images this release runs, read from its rendered values: `{a.b}` is the values path a.b. The lab pins
   * every image in its own values, so this names what runs (checked against `helm template` by the chart tests).
   */
  images: z.array(z.string().regex(/^[a-z0-9{][a-zA-Z0-9._/:{}-]*$/, 'not an image pattern')).optional(),
});
export type Release = z.infer<typeof release>;

export const stackSchema = z.strictObject({
  description: z.string().min(1),
  /** Environment variables holding the licence keys this stack needs. */
  licenses: z.array(envVar),
  versions: z.record(z.string(), z.string().regex(/^v?\d+\.\d+\.\d+([-.+][0-9A-Za-z.-]+)?$/, 'not a version')),
  /**
   * Image hub for the Istio images: an image name without tag, `host[:port]/path` by the image reference
   * grammar (distribution/reference v0.5.0 reference.go: lower-case path components joined by `.`, `_`, `__` or
   * dashes); never a URL. Absent for upstream.
   */
  istioHub: z
    .string()
    .regex(
      /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?(\/[a-z0-9]+((?:[._]|__|-+)[a-z0-9]+)*)*$/,
      'not an image registry path (registry[:port]/path: lowercase, no scheme, no spaces, no @, no trailing slash)',
    )
    .optional(),
  gatewayApi: z.strictObject({ url: z.string().regex(/^https:\/\/[^\s]+\.yaml$/), crds: z.array(z.string()).min(1) }),
  releases: z.record(z.string().regex(/^[a-z0-9-]+$/), release),
  /** Where the gateway controller runs (and the seed and enterprise gateway parameters live). */
  controller: z.strictObject({ namespace: dnsLabel }),
  /** Templates (relative to templates/) for the objects that differ per stack. */
  templates: z.strictObject({
    waypoint: z.string(),
    /** Per allowed host: the ServiceEntry (and routing objects) that steer it to the waypoint. Absent: ztunnel egressPolicies alone steer. */
    serviceEntry: z.string().optional(),
    /** Per allowed host, once for the lab (not per client namespace): the routing objects that send it on. */
    hostRoute: z.string().optional(),
    /** Per allowed host: the policy that tunnels it through the proxy. */
    tunnel: z.string().optional(),
    extAuthPolicy: z.string(),
    /** Extra egress objects (OSS: the NetworkPolicy that blocks direct egress). */
    egressGuard: z.string().optional(),
  }),
  /** Hosts the stack cannot route: wildcards need per-host backends on OSS. */
  wildcardHosts: z.boolean(),
  /** Whether the stack's gateway can run without a proxy to tunnel to. */
  squidOptional: z.boolean(),
  gatewayClass: z.string(),
  /**
   * Images of charts with no public source, which no test can check ({version:KEY} is replaced by versions[KEY]);
   * a chart with public source names its images on its release instead. Workloads' images come from the manifests.
   */
  images: z.array(z.string().regex(/^[a-z0-9][a-z0-9._/:{}-]*$/, 'not an image reference')).default([]),
});

export type Stack = z.infer<typeof stackSchema>;
