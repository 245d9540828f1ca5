import * as z from 'zod';
import { MAX_SEATS } from './layout.ts';
import { checkCidr, checkDnsLabel, checkGkeClusterName, checkHost, checkHostPort, checkPort } from './names.ts';
import { SCENARIO_NAMES } from './scenarios.ts';

const refine = (check: (v: string) => string | undefined) =>
  z.string().check((ctx) => {
    const problem = check(ctx.value);
    if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
  });

export const dnsLabel = refine(checkDnsLabel);
/** Namespaces the cluster or Istio own: never a lab component's namespace (down would remove it). */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'istio-system'];
const systemNamespace = (names: string[]) => (v: string) =>
  checkDnsLabel(v) ??
  (names.includes(v) ? `"${v}" is a system namespace; the lab's components need their own` : undefined);
const labNamespace = refine(systemNamespace(SYSTEM_NAMESPACES));
/** The sample's namespace: kube-system and Istio's namespace are refused by the profile rules, which say why and cite the source. */
const clientNamespace = refine(
  systemNamespace(SYSTEM_NAMESPACES.filter((n) => n !== 'kube-system' && n !== 'istio-system')),
);
const host = refine(checkHost);
const cidr = refine(checkCidr);
const hostPort = refine(checkHostPort);
const port = z
  .number()
  .int()
  .check((ctx) => {
    const problem = checkPort(ctx.value);
    if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
  });
const image = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9._/:-]*[a-z0-9])?(@sha256:[a-f0-9]{64})?$/, 'not a container image reference');

export const platformNames = ['kind', 'gke'] as const;
export const stackNames = ['seed', 'enterprise', 'oss'] as const;
export const squidModes = ['in-cluster', 'external', 'none'] as const;

const kindPlatform = z.strictObject({
  nodeImage: image,
  workers: z.number().int().min(0).max(5),
});

/** A GCP project ID: 6 to 30 lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen. */
export const gkeProjectId = z.string().regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/, 'not a GCP project ID');

const gkePlatform = z.strictObject({
  project: gkeProjectId.optional(),
  location: z
    .string()
    // Two-digit regions exist: europe-west10 (Berlin), europe-west12 (Turin).
    .regex(/^[a-z]+-[a-z]+\d+(-[a-z])?$/, 'not a GCP region or zone (such as europe-west1-b)')
    .optional(),
  cluster: refine(checkGkeClusterName).optional(),
  machineType: z.string().regex(/^[a-z0-9]+-[a-z0-9-]+$/, 'not a machine type (such as e2-standard-4)'),
  numNodes: z.number().int().min(1).max(20),
});

const squid = z.strictObject({
  mode: z.enum(squidModes),
  external: hostPort.optional(),
  namespace: labNamespace,
  port,
  image,
  allowedClients: z.array(cidr).min(1),
  ports: z.array(port).min(1),
});

const extAuth = z.strictObject({
  enabled: z.boolean(),
  image,
});

const sample = z.strictObject({
  namespace: clientNamespace,
  image,
});

/** A fully layered profile: every field present (the defaults supply what a profile leaves out). */
export const profileSchema = z.strictObject({
  description: z.string().min(1).max(200),
  platform: z.enum(platformNames),
  stack: z.enum(stackNames),
  kind: kindPlatform,
  gke: gkePlatform,
  components: z.strictObject({ squid, extAuth, sample }),
  egress: z.strictObject({ hosts: z.array(host).min(1) }),
  /**
   * Workshop seats: 0 is one sample namespace; N builds N seats (seat-01 …) on the one shared control plane,
   * each with its own namespace, sample, ServiceEntries and attendee. Absent in ledgers written before seats.
   */
  seats: z
    .number()
    .int('not a whole number of seats')
    .min(0)
    .max(MAX_SEATS, `at most ${MAX_SEATS} seats in one lab`)
    .default(0),
  /**
   * Scenario packs (profile/scenarios.ts), each once: `up` applies their objects and `verify` proves them. Absent
   * in ledgers written before packs.
   */
  scenarios: z
    .array(z.enum(SCENARIO_NAMES, { error: `not a scenario pack (${SCENARIO_NAMES.join(', ')})` }))
    .refine((list) => new Set(list).size === list.length, 'a pack is named twice')
    .default([]),
  /** Deep partial overrides of the stack's data (chart versions, repositories, images); checked against the stack schema after merging. */
  stackOverrides: z.record(z.string(), z.unknown()),
});

export type Profile = z.infer<typeof profileSchema>;
