import * as z from 'zod';
import { profileSchema } from '../profile/schema.ts';

/** The ledger format this egress-lab writes and reads. */
export const LEDGER_VERSION = 1;

const objectRef = z.strictObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  name: z.string().min(1),
  namespace: z.string().min(1).optional(),
});

const step = z.strictObject({
  hash: z.string(),
  component: z.string().min(1),
  finishedAt: z.string(),
  durationMs: z.number().nonnegative(),
  releases: z.array(z.strictObject({ name: z.string().min(1), namespace: z.string().min(1) })).optional(),
  objects: z.array(objectRef).optional(),
  borrowed: z.array(objectRef).optional(),
});

/** state.json, checked on every read: a ledger that does not match is never acted on. */
export const ledgerSchema = z.strictObject({
  version: z.literal(LEDGER_VERSION),
  lab: z.string().min(1),
  profileName: z.string().min(1),
  profile: profileSchema,
  kubeconfig: z.string().min(1),
  context: z.string().min(1),
  cluster: z.strictObject({
    name: z.string().min(1),
    platform: z.enum(['kind', 'gke']),
    createdByEgressLab: z.boolean(),
    project: z.string().optional(),
    location: z.string().optional(),
    server: z.string().optional(),
    uid: z.string().optional(),
  }),
  preexistingNamespaces: z.array(z.string()),
  preexistingCrds: z.array(z.string()).optional(),
  steps: z.record(z.string(), step),
  /**
   * The steps the plan of `profile` has (id, title, component), recorded with it, so status tells which never ran
   * without rendering the lab again. Absent in ledgers written before it: status then renders the plan.
   */
  planned: z
    .array(z.strictObject({ id: z.string().min(1), title: z.string(), component: z.string().min(1) }))
    .optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
