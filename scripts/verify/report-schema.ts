import * as z from 'zod';
import { SCENARIO_NAMES } from '../profile/scenarios.ts';

/** The report of `verify --json`: the source of truth for its TypeScript types and for schemas/verify-report.schema.json. */

export const HOP_NAMES = ['pod', 'ztunnel', 'gateway', 'ext-authz', 'squid', 'destination'] as const;

/**
 * What a product says about one of the lab's objects, in its own words (status conditions):
 * - istiod on a ServiceEntry that asks for a waypoint: condition istio.io/WaypointBound, True with reason
 *   WaypointAccepted, or False with WaypointIsNotReady, AttachmentDenied or UnsupportedTrafficType (istio/istio
 *   1.30.3 pilot/pkg/model/service.go GetConditions, pilot/pkg/serviceregistry/ambient/status.go);
 * - the Gateway's controller: condition Programmed (Gateway API);
 * - agentgateway's controller on a policy: status.ancestors[], each with Accepted and Attached (agentgateway
 *   v1.4.1 controller/pkg/agentgateway/plugins/traffic_plugin.go, api/v1alpha1/agentgateway/policy_types.go);
 *   on a backend: condition Accepted; on an HTTPRoute, status.parents[], each Gateway with Accepted (False with
 *   NoMatchingParent, NotAllowedByListeners or NoMatchingListenerHostname when no listener takes it) and
 *   ResolvedRefs (False with RefNotPermitted or BackendNotFound) (agentgateway v1.4.1
 *   controller/pkg/agentgateway/translator/route_collections.go, conversion.go).
 */
export const VerdictSchema = z.strictObject({
  object: z.string().describe('Kind namespace/name'),
  ok: z.boolean(),
  says: z.string().describe('the status conditions as the product wrote them'),
});

export const HopSchema = z.strictObject({
  hop: z.enum(HOP_NAMES),
  status: z
    .enum(['ok', 'failed', 'skipped', 'not-reached'])
    .describe('not-reached: a hop before it broke, so the request never got here'),
  evidence: z.string().describe('the log line or response that proves the hop, or what was seen instead'),
  hint: z.string().describe('where to look, when the hop failed').optional(),
  verdicts: z
    .array(VerdictSchema)
    .describe("on the first broken hop: what the products say about the lab's objects behind it")
    .optional(),
});

export const RequestReportSchema = z.strictObject({
  name: z.enum(['allowed', 'denied', 'control']),
  url: z.string(),
  headers: z.array(z.string()),
  status: z.int().describe('HTTP status; 0 when no response came back'),
  attempts: z.int().min(1),
  curlExit: z.int().optional(),
  error: z.string().optional(),
  body: z.string().describe('the first 400 characters of the response body'),
});

/** One check of a scenario pack (its proof, or its negative check). */
export const ScenarioCheckSchema = z.strictObject({
  status: z.enum(['ok', 'failed']),
  evidence: z.string().describe('the log lines and answers that prove it, or what was seen instead'),
  hint: z.string().describe('where to look, when it failed').optional(),
});

/** A scenario pack's outcome: its proof (the behaviour is there) and its negative check (what it stops is stopped). */
export const ScenarioReportSchema = z.strictObject({
  name: z.enum(SCENARIO_NAMES),
  ok: z.boolean(),
  proof: ScenarioCheckSchema,
  negative: ScenarioCheckSchema,
});

/** One seat's outcome in the seats table of `verify` on a seated lab. */
export const SeatRowSchema = z.strictObject({
  seat: z.int().min(1),
  ok: z.boolean(),
  hops: z.array(z.strictObject({ hop: z.enum(HOP_NAMES), status: z.enum(['ok', 'failed', 'skipped', 'not-reached']) })),
  negativeControl: z.enum(['ok', 'failed']),
  firstBroken: z.enum([...HOP_NAMES, 'negative-control', 'scenario']).optional(),
  hint: z.string().optional(),
});

export const VerifyReportSchema = z
  .strictObject({
    lab: z.string(),
    ok: z
      .boolean()
      .describe('true when every hop is ok or skipped, the negative control passed, and every scenario pack passed'),
    profile: z.string(),
    stack: z.enum(['seed', 'enterprise', 'oss']),
    host: z.string().describe('the allowed host the probe requests (http://HOST/headers)'),
    hops: z.array(HopSchema),
    negativeControl: z.strictObject({
      host: z.string(),
      status: z.enum(['ok', 'failed']),
      evidence: z.string(),
      hint: z.string().optional(),
    }),
    requests: z.array(RequestReportSchema),
    firstBroken: z
      .enum([...HOP_NAMES, 'negative-control', 'scenario'])
      .optional()
      .describe('the first hop not proven; scenario: the path holds, and a scenario pack failed'),
    hint: z.string().optional(),
    shownSeat: z
      .int()
      .optional()
      .describe('on a seated lab: the seat whose hops, requests and negative control this report shows'),
    seats: z.array(SeatRowSchema).optional().describe('on a seated lab: one row per seat proven, in seat order'),
    scenarios: z
      .array(ScenarioReportSchema)
      .optional()
      .describe("the lab's scenario packs, each with its proof and negative check, in the profile's order"),
  })
  .meta({
    title: 'egress-lab verify --json',
    description: 'The report of `egress-lab verify --json` (and of the `verify` event of `up --json`).',
  });

export type HopName = (typeof HOP_NAMES)[number];
export type Verdict = z.infer<typeof VerdictSchema>;
export type Hop = z.infer<typeof HopSchema>;
export type RequestReport = z.infer<typeof RequestReportSchema>;
export type ScenarioCheck = z.infer<typeof ScenarioCheckSchema>;
export type ScenarioReport = z.infer<typeof ScenarioReportSchema>;
export type VerifyReport = z.infer<typeof VerifyReportSchema>;

/** The JSON schema of the report, as schemas/verify-report.schema.json holds it (`npm run schemas` writes it). */
export function verifyReportJsonSchema(): string {
  const schema = z.toJSONSchema(VerifyReportSchema, { target: 'draft-07', io: 'output' });
  return `${JSON.stringify(schema, null, 2)}\n`;
}
