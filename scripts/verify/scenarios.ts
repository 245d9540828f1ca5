import type { ScenarioName } from '../profile/scenarios.ts';
import { proveCredentialInjection } from './packs/credential-injection.ts';
import { proveIdentityAuthz } from './packs/identity-authz.ts';
import { proveNoBypass } from './packs/no-bypass.ts';
import { proveProxyAuth } from './packs/proxy-auth.ts';
import { proveRateLimit } from './packs/rate-limit.ts';
import { proveTlsOrigination } from './packs/tls-origination.ts';
import { curlFromPod, logsSince } from './probe.ts';
import type { ScenarioReport } from './report-schema.ts';
import type { PackProver, ScenarioProbe } from './scenario-probe.ts';

/** Each pack's proof and negative check (verify/packs/), run one pack at a time: their requests share the gateway. */
const PROVERS: Record<ScenarioName, PackProver> = {
  'tls-origination': proveTlsOrigination,
  'no-bypass': proveNoBypass,
  'credential-injection': proveCredentialInjection,
  'identity-authz': proveIdentityAuthz,
  'rate-limit': proveRateLimit,
  'proxy-auth': proveProxyAuth,
};

type ProbeBase = Omit<ScenarioProbe, 'curl' | 'logs'>;

/** Proves the lab's scenario packs, in the profile's order. */
export async function proveScenarios(base: ProbeBase): Promise<ScenarioReport[]> {
  const out: ScenarioReport[] = [];
  for (const name of base.profile.scenarios) {
    const prove = PROVERS[name];
    // Log lines are read from one second before the pack's first request (clock skew).
    const since = new Date(Date.now() - 1000).toISOString();
    const probe: ScenarioProbe = {
      ...base,
      curl: (namespace, url, headers = [], timeoutS = 10) =>
        curlFromPod(base.exec, base.k, namespace, url, headers, timeoutS),
      logs: (workload, namespace) => logsSince(base.exec, base.k, workload, namespace, since),
    };
    const { proof, negative } = await prove(probe);
    out.push({ name, ok: proof.status === 'ok' && negative.status === 'ok', proof, negative });
  }
  return out;
}
