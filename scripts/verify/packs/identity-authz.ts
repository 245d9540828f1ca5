import { WAYPOINT_NAMESPACE } from '../../profile/layout.ts';
import { scenarioClient } from '../../profile/scenarios.ts';
import { gatewayLine } from '../evidence.ts';
import { describeResult, excerpt } from '../judge.ts';
import { failed, ok, type PackProver } from '../scenario-probe.ts';
import { callerOf, outcomeOf, policiesCommand, sampleIdentity } from './caller.ts';

/** The policy of the pack (templates/scenarios/identity-authz.yaml) and agentgateway's answer to a denied request. */
export const AUTHZ_POLICY = 'egress-lab-identity-authz';
export const AUTHZ_DENIED_BODY = 'authorization failed';

/**
 * identity-authz: the Gateway's AgentgatewayPolicy allows only the listed SPIFFE identities (traffic.authorization,
 * an Allow rule: a request no Allow rule matches is denied with 403 `authorization failed`, reason Authorization;
 * agentgateway v1.4.1 crates/agentgateway/src/http/authorization.rs, proxy/mod.rs). Proof: the sample's identity
 * gets 200. Negative: the pack's other client namespace, with the header ext-authz lets through, gets that 403,
 * and the gateway's line names the reason and the denied identity (the caller-log attribute).
 */
export const proveIdentityAuthz: PackProver = async (p) => {
  const { extAuth, sample } = p.profile.components;
  const other = scenarioClient(p.profile, 'identity-authz') ?? `${sample.namespace}-other`;
  const headers = extAuth.enabled ? ['x-ext-authz: allow'] : [];
  const marks = { allowed: p.mark('iaa'), denied: p.mark('iad') };
  const allowed = await p.curl(sample.namespace, `http://${p.host}/headers?${marks.allowed}`, headers);
  const denied = await p.curl(other, `http://${p.host}/headers?${marks.denied}`, headers);
  const gateway = await p.logs('deploy/egress-gateway', WAYPOINT_NAMESPACE);
  const allowedLine = gatewayLine(gateway.lines, p.host, marks.allowed);
  const deniedLine = gatewayLine(gateway.lines, p.host, marks.denied, 403);
  const policies = policiesCommand(p.kubectl, WAYPOINT_NAMESPACE);
  const ids = { allowed: sampleIdentity(sample.namespace), denied: sampleIdentity(other) };
  const sent = extAuth.enabled ? ' (with x-ext-authz: allow, so ext-authz lets it through)' : '';

  const proof =
    allowed.status === 200
      ? ok(`${ids.allowed} got HTTP 200 through the gateway${allowedLine ? `: ${excerpt(allowedLine.line, 300)}` : ''}`)
      : failed(
          `${ids.allowed} got ${describeResult(allowed)}${allowedLine ? `: ${excerpt(allowedLine.line, 300)}` : ''}`,
          `the AgentgatewayPolicy ${AUTHZ_POLICY} must allow ${ids.allowed} (${policies}); ${p.logsCommand('gateway')}`,
        );

  const caller = callerOf(deniedLine?.line);
  const byAuthz = denied.status === 403 && denied.body.includes(AUTHZ_DENIED_BODY);
  const logged = deniedLine?.reason === 'Authorization' && caller === ids.denied;
  const negative =
    byAuthz && logged
      ? ok(
          `${ids.denied}${sent} got HTTP 403 "${AUTHZ_DENIED_BODY}"; the gateway's line names the reason and the caller: … ${outcomeOf(deniedLine.line)}`,
        )
      : failed(
          [
            `${ids.denied}${sent} got ${describeResult(denied)}${denied.status ? ` "${excerpt(denied.body, 120)}"` : ''}`,
            deniedLine
              ? `the gateway's line: … ${outcomeOf(deniedLine.line)}`
              : 'the gateway logged no 403 line for it',
          ].join('; '),
          byAuthz
            ? `the gateway's line must carry reason=Authorization and caller="${ids.denied}": the caller-log policy egress-lab-caller-log must be the only access-log policy on the Gateway (${policies})`
            : `the AgentgatewayPolicy ${AUTHZ_POLICY} must be attached to the Gateway and allow only the lab's identities (${policies}); ${p.logsCommand('gateway')}`,
        );
  return { proof, negative };
};
