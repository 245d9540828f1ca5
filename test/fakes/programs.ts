// The behaviour of the fake kind, kubectl, helm, gcloud and docker (test/fakes/fakes.ts serves it; the
// programs on PATH are small bash clients). State (clusters, CRDs, objects, releases) lives in the server's
// memory as one JSON text (store.json); every call is appended to store.calls with argv, stdin, start and end
// times. Faults and delays come from the state too.
// It behaves like the real programs where egress-lab depends on it: kubectl refuses a kind whose CRD is
// not installed and an object whose namespace does not exist; every kube call needs --kubeconfig and a
// context that the kubeconfig file holds.

import { rmSync } from 'node:fs';
import { reconcileIstio } from './istio.ts';
import { type Ctx, Fail } from './programs/common.ts';
import { curl } from './programs/curl.ts';
import { docker } from './programs/docker.ts';
import { gcloud, gkeAuthPlugin } from './programs/gcloud.ts';
import { helm } from './programs/helm.ts';
import { kind } from './programs/kind.ts';
import { kubectl } from './programs/kubectl.ts';
import type { CallAnswer, CallRequest, FakeState, Fault, Store } from './types.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Read, change, write: the server runs one handler at a time between awaits, so no lock is needed. The state
 * is kept as JSON text, so each call works on its own copy, as a program reading and writing a file would.
 */
function withState<T>(store: Store, fn: (state: FakeState) => T): T {
  // What a call changed before it failed stays changed, as with the real programs (a partly applied file).
  const state = JSON.parse(store.json) as FakeState;
  try {
    return fn(state);
  } finally {
    store.json = JSON.stringify(state);
  }
}

/** The folders to remove while a call matching `removes[].match` runs (each once). */
function removesDuring(store: Store, line: string): string[] {
  return withState(store, (state) => {
    const due = (state.removes ?? []).filter((r) => !r.done && new RegExp(r.match).test(line));
    for (const r of due) r.done = true;
    return due.map((r) => r.path);
  });
}

/** The delay and the fault the state holds for a call (each fault counts the calls it matches). */
function faultFor(store: Store, line: string): { delayMs: number; fault: Fault | undefined } {
  return withState(store, (state) => {
    const delayMs = (state.delays ?? []).filter((d) => new RegExp(d.match).test(line)).reduce((a, d) => a + d.ms, 0);
    let fault: Fault | undefined;
    for (const f of state.faults ?? []) {
      if (!new RegExp(f.match).test(line)) continue;
      f.seen = (f.seen ?? 0) + 1;
      if (f.nth === undefined || f.nth === f.seen) {
        fault = f;
        break;
      }
    }
    return { delayMs, fault };
  });
}

/** helm killed in the middle of an install or upgrade: the release stays pending-install or pending-upgrade. */
function leavePending(store: Store, argv: string[], fault: Fault): never {
  withState(store, (state) => {
    for (const c of Object.values(state.clusters))
      for (const r of Object.values(c.releases))
        if (r.name === argv[2]) r.status = (r.revision ?? 0) > 1 ? 'pending-upgrade' : 'pending-install';
  });
  throw new Fail(fault.stderr ?? 'Killed', fault.exitCode ?? 143);
}

// ---- one call --------------------------------------------------------------------------------------------
const PROGRAMS: Record<string, (state: FakeState, args: string[], ctx: Ctx) => string> = {
  docker,
  kind,
  gcloud,
  helm,
  kubectl,
  curl,
  'gke-gcloud-auth-plugin': gkeAuthPlugin,
};

/**
 * Runs one call of a fake program: { bin, argv, stdin, cwd, kubeconfigEnv, home } in, { stdout, stderr, code }
 * out. `store`: { json, calls } (fakes.ts), the state as JSON text and the calls so far, one JSON line each.
 */
export async function handle(store: Store, req: CallRequest): Promise<CallAnswer> {
  const { bin, argv } = req;
  const start = Date.now();
  const line = [bin, ...argv].join(' ');
  let code = 0;
  let stdout = '';
  let stderr = '';
  try {
    const { delayMs, fault } = faultFor(store, line);
    if (delayMs) await sleep(delayMs);
    // Something outside egress-lab (a user, a cleanup job) removes a folder while this call runs.
    for (const path of removesDuring(store, line)) rmSync(path, { recursive: true, force: true });
    if (req.killed?.()) throw new Fail('killed before it acted', 143);
    // A hung program answers nothing until it is killed (its client's connection closes).
    if (fault?.hang) while (!req.killed?.()) await sleep(50);
    if (fault?.hang) throw new Fail('killed while it hung', 143);
    if (fault && fault.afterObjects === undefined && !fault.leavePending)
      throw new Fail(fault.stderr ?? `fake ${bin}: injected failure`, fault.exitCode ?? 1);
    const cut = fault?.afterObjects !== undefined ? { after: fault.afterObjects, stderr: fault.stderr } : undefined;
    stdout = withState(store, (state) => {
      try {
        return PROGRAMS[bin]!(state, [...argv], { ...req, cut });
      } finally {
        // istiod writes status after every change it sees.
        for (const cluster of Object.values(state.clusters)) reconcileIstio(cluster);
      }
    });
    if (fault?.leavePending) leavePending(store, argv, fault);
  } catch (e) {
    code = e instanceof Fail ? e.code : 1;
    stdout = e instanceof Fail ? e.stdout : '';
    stderr = `${e instanceof Fail ? e.message : String((e instanceof Error ? e.stack : undefined) ?? e)}\n`;
  }
  store.calls.push(
    JSON.stringify({
      bin,
      argv,
      stdin: req.stdin,
      cwd: req.cwd,
      env: { KUBECONFIG: req.kubeconfigEnv },
      start,
      end: Date.now(),
      exitCode: code,
    }),
  );
  return { stdout, stderr, code };
}
