import { randomBytes } from 'node:crypto';
import type { Exec } from '../exec/exec.ts';
import { kubeAccess } from '../kube/access.ts';
import { nameFlag } from '../name-flag.ts';
import { controlHost, probeHost, sampleIdentity, seatNamespace, WAYPOINT_NAMESPACE } from '../profile/layout.ts';
import { readLabSecrets } from '../state/lab-secrets.ts';
import type { Ledger, ObjectRef } from '../state/ledger.ts';
import { gatewayLine, probeMark } from './evidence.ts';
import { excerpt, judgeControl, judgeHops, notReachedAfterFirstBreak } from './judge.ts';
import { labValues, type Redaction, redactDeep, type SecretReader, secretReader } from './lab-values.ts';
import { type CurlResult, curlFromPod, logsSince } from './probe.ts';
import type { Hop, HopName, RequestReport, VerifyReport } from './report-schema.ts';
import { proveScenarios } from './scenarios.ts';
import { seatsReport } from './seats.ts';
import { readVerdicts } from './verdicts.ts';

export interface VerifyDeps {
  exec: Exec;
  /** Waits between warm-up retries; injectable so tests need not sleep for real. */
  sleep?: (ms: number) => Promise<void>;
  /** Told what verify is waiting for while it retries (`attempt 3/6`), so a user never watches a blank screen. */
  progress?: (message: string) => void;
  /** Where the lab's folder is (EGRESS_LAB_HOME): the values it keeps are redacted too. */
  env?: NodeJS.ProcessEnv;
}

/** The deps' sleep, or a real one. */
const sleepOf = (deps: VerifyDeps) => deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

/** Retries of the first request while the path warms up (DNS capture, waypoint start): bounded, with backoff. */
export const WARMUP_DELAYS_MS = [1000, 2000, 4000, 8000, 8000];
const RETRYABLE = new Set([0, 502, 503, 504]);

async function request(
  deps: VerifyDeps,
  k: string[],
  ns: string,
  name: RequestReport['name'],
  url: string,
  headers: string[],
  retries: number[],
): Promise<RequestReport> {
  const sleep = sleepOf(deps);
  let result: CurlResult = await curlFromPod(deps.exec, k, ns, url, headers);
  let attempts = 1;
  for (const delay of retries) {
    if (!RETRYABLE.has(result.status)) break;
    deps.progress?.(
      `verify: the ${name} request got ${result.status ? `HTTP ${result.status}` : `no response (${result.error ?? 'no error text'})`} while the path warms up; attempt ${attempts + 1}/${retries.length + 1} in ${delay / 1000} s`,
    );
    await sleep(delay);
    result = await curlFromPod(deps.exec, k, ns, url, headers);
    attempts++;
  }
  return { name, url, headers, attempts, ...result };
}

/** kubectl with the lab's kubeconfig and context, as a user can paste it into a shell. */
function kubectlCommand(k: readonly string[]): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['kubectl', ...k].map(quote).join(' ');
}

/** The lab's objects whose products' verdicts explain a broken hop. */
function verdictRefs(ledger: Ledger, hop: HopName): ObjectRef[] {
  const components: Partial<Record<HopName, string[]>> = {
    ztunnel: ['egress', 'waypoint'],
    gateway: ['egress', 'waypoint'],
    'ext-authz': ['ext-authz'],
    squid: ['egress', 'squid'],
  };
  const wanted = components[hop] ?? [];
  const refs = Object.values(ledger.steps).flatMap((st) => (wanted.includes(st.component) ? (st.objects ?? []) : []));
  if (hop === 'squid') return refs.filter((r) => r.kind !== 'ServiceEntry');
  if (hop === 'ext-authz') return refs;
  return refs.filter((r) => r.kind === 'ServiceEntry' || r.kind === 'Gateway');
}

/** Reads what the products say about the objects behind the broken hop and puts their verdicts in its hint. */
async function addVerdicts(hop: Hop, ledger: Ledger, exec: Exec, k: string[]): Promise<void> {
  const verdicts = await readVerdicts(exec, k, verdictRefs(ledger, hop.hop));
  if (!verdicts.length) return;
  hop.verdicts = verdicts;
  const bad = verdicts.filter((v) => !v.ok);
  if (bad.length) hop.hint = `${bad.map((v) => `${v.object} says ${v.says}`).join('; ')}. ${hop.hint ?? ''}`.trim();
}

/**
 * Proves the lab's egress path hop by hop from the sample pod, with the log lines as evidence, then (unless
 * `packs` is false) each scenario pack, from the same sample.
 */
async function verifySample(
  ledger: Ledger,
  deps: VerifyDeps,
  packs = true,
  /** The lab's secret values, when the caller read them already (once for every seat). */
  known?: Redaction[],
): Promise<VerifyReport> {
  const { profile } = ledger;
  const { squid, extAuth, sample } = profile.components;
  const k = kubeAccess(ledger);
  const host = probeHost(profile);
  const principal = sampleIdentity(sample.namespace);
  const base = { lab: ledger.lab, profile: ledger.profileName, stack: profile.stack, host };

  try {
    await deps.exec('kubectl', [...k, 'rollout', 'status', 'deploy/sleep', '-n', sample.namespace, '--timeout=60s'], {
      timeoutMs: 90_000,
    });
  } catch (err) {
    const hint = `the sample pod is not ready; look at: ${kubectlCommand(k)} get pods -n ${sample.namespace}`;
    const hops: Hop[] = [{ hop: 'pod', status: 'failed', evidence: (err as Error).message, hint }];
    return {
      ...base,
      ok: false,
      hops,
      negativeControl: {
        host: controlHost(profile),
        status: 'failed',
        evidence: 'not checked: the sample pod is not ready',
      },
      requests: [],
      firstBroken: 'pod',
      hint,
    };
  }

  // Log lines are read from one second before the first request (clock skew), and a probe mark in the query
  // string ties a line to this run's request wherever the log shows the path or URL (evidence.ts).
  const since = new Date(Date.now() - 1000).toISOString();
  // The lab's secrets (an injected API key comes back in the destination's echo) never reach the report.
  const secret = secretReader(deps.exec, k);
  const values = known ?? (await labValues(secret, profile, keptValues(ledger, deps)));
  const id = randomBytes(4).toString('hex');
  const marks = { allowed: probeMark(id, 'a'), denied: probeMark(id, 'd'), control: probeMark(id, 'c') };
  const url = (mark: string) => `http://${host}/headers?${mark}`;
  const allowed = redactDeep(
    await request(
      deps,
      k,
      sample.namespace,
      'allowed',
      url(marks.allowed),
      extAuth.enabled ? ['x-ext-authz: allow'] : [],
      WARMUP_DELAYS_MS,
    ),
    values,
  );
  const denied = extAuth.enabled
    ? redactDeep(await request(deps, k, sample.namespace, 'denied', url(marks.denied), [], []), values)
    : undefined;
  const control = controlHost(profile);
  const controlReq = redactDeep(
    await request(deps, k, sample.namespace, 'control', `http://${control}/?${marks.control}`, [], []),
    values,
  );

  const logs = async (workload: string, ns: string) => await logsSince(deps.exec, k, workload, ns, since);
  const gateway = await logs('deploy/egress-gateway', WAYPOINT_NAMESPACE);
  const squidLogs = squid.mode === 'in-cluster' ? await logs('deploy/squid-proxy', squid.namespace) : undefined;
  const authz = extAuth.enabled ? await logs('deploy/ext-authz', WAYPOINT_NAMESPACE) : undefined;

  const hops = notReachedAfterFirstBreak(
    judgeHops({
      kubectl: kubectlCommand(k),
      logsCommand: (component: string) => `egress-lab logs ${component}${nameFlag(ledger.lab)}`,
      profile,
      host,
      principal,
      marks,
      allowed,
      denied,
      gateway: gateway.lines,
      gatewayError: gateway.error,
      squid: squidLogs,
      authz: authz?.lines ?? [],
    }),
  );
  const negativeControl = judgeControl(
    control,
    controlReq,
    gatewayLine(gateway.lines, control, marks.control)?.line,
    kubectlCommand(k),
    sample.namespace,
  );
  const broken = hops.find((h) => h.status === 'failed');
  if (broken) await addVerdicts(broken, ledger, deps.exec, k);
  const firstBroken = broken?.hop ?? (negativeControl.status === 'failed' ? 'negative-control' : undefined);
  const report: VerifyReport = {
    ...base,
    ok: !firstBroken,
    hops,
    negativeControl,
    requests: [allowed, ...(denied ? [denied] : []), controlReq].map((r) => ({ ...r, body: excerpt(r.body, 400) })),
    ...(firstBroken ? { firstBroken, hint: broken?.hint ?? negativeControl.hint } : {}),
  };
  return redactDeep(packs ? await withScenarios(report, ledger, deps, { k, host, id, secret }) : report, values);
}

/** The report with each scenario pack's proof and negative check, run from the report's client namespace. */
async function withScenarios(
  report: VerifyReport,
  ledger: Ledger,
  deps: VerifyDeps,
  at: { k: string[]; host: string; id: string; secret: SecretReader },
): Promise<VerifyReport> {
  const { profile } = ledger;
  if (!profile.scenarios.length) return report;
  const scenarios = await proveScenarios({
    exec: deps.exec,
    k: at.k,
    kubectl: kubectlCommand(at.k),
    logsCommand: (component: string) => `egress-lab logs ${component}${nameFlag(ledger.lab)}`,
    profile,
    host: at.host,
    mark: (tag: string) => probeMark(at.id, tag),
    secret: at.secret,
    sleep: sleepOf(deps),
    ...(deps.progress ? { progress: deps.progress } : {}),
  });
  const brokenPack = scenarios.find((s) => !s.ok);
  if (report.firstBroken || !brokenPack) return { ...report, scenarios };
  const hint = `${brokenPack.name}: ${brokenPack.proof.hint ?? brokenPack.negative.hint ?? ''}`;
  return { ...report, ok: false, firstBroken: 'scenario', hint, scenarios };
}

/** The ledger as seen from one client namespace (a seat's): its sample is that namespace's. */
function fromClient(ledger: Ledger, namespace: string): Ledger {
  const { components } = ledger.profile;
  const profile = { ...ledger.profile, components: { ...components, sample: { ...components.sample, namespace } } };
  return { ...ledger, profile };
}

/** Proves the path from the sample of one client namespace (a seat's), without the scenario packs. */
export function verifyClient(
  ledger: Ledger,
  deps: VerifyDeps,
  namespace: string,
  values?: Redaction[],
): Promise<VerifyReport> {
  return verifySample(fromClient(ledger, namespace), deps, false, values);
}

/** The values the lab's folder keeps for its packs (none without packs). */
const keptValues = (ledger: Ledger, deps: VerifyDeps) =>
  ledger.profile.scenarios.length ? readLabSecrets(ledger.lab, deps.env ?? process.env) : undefined;

/** Seats proven at once: enough to be quick on tens of seats, few enough not to crowd the API server. */
export const SEAT_CONCURRENCY = 4;

/**
 * Proves the lab: its sample's path; on a seated lab every seat's (or only `seat`), at most SEAT_CONCURRENCY at
 * once, summed up in one report whose hops are those of the first broken seat (else the first seat); then the
 * scenario packs, once, from the lab's sample.
 */
export async function verifyLab(ledger: Ledger, deps: VerifyDeps, only?: { seat?: number }): Promise<VerifyReport> {
  const { profile } = ledger;
  if (profile.seats === 0) return verifySample(ledger, deps);
  const seats = only?.seat ? [only.seat] : Array.from({ length: profile.seats }, (_, i) => i + 1);
  const k = kubeAccess(ledger);
  const secret = secretReader(deps.exec, k);
  const values = await labValues(secret, profile, keptValues(ledger, deps));
  const reports = await inBatches(seats, SEAT_CONCURRENCY, (seat) =>
    verifyClient(ledger, deps, seatNamespace(seat), values),
  );
  const report = seatsReport(seats, reports);
  // The packs act on the whole lab: proven once, from the lab's sample (profile/layout.ts packClients).
  const proven = await withScenarios(report, ledger, deps, {
    k,
    host: report.host,
    id: randomBytes(4).toString('hex'),
    secret,
  });
  return redactDeep(proven, values);
}

async function inBatches<T, R>(items: T[], size: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await run(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
  return out;
}
