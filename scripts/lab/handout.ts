import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import * as z from 'zod';
import { ActionableError } from '../errors.ts';
import type { Exec } from '../exec/exec.ts';
import { kubeAccess } from '../kube/access.ts';
import { seatNamespace } from '../profile/layout.ts';
import type { Ledger } from '../state/ledger.ts';

/** A seat's credentials, minted for its attendee ServiceAccount, and when they stop working. */
export interface SeatAccess {
  seat: number;
  namespace: string;
  /** The seat kubeconfig (a bearer token: keep it 0600). */
  kubeconfig: string;
  expires: string;
}

const adminKubeconfig = z.object({
  contexts: z.array(z.object({ name: z.string(), context: z.object({ cluster: z.string() }) })),
  clusters: z.array(z.object({ name: z.string(), cluster: z.record(z.string(), z.unknown()) })),
});

/** The cluster entry (server, CA) the lab's own kubeconfig names for its context: the seats reach the same API server. */
function clusterEntry(ledger: Ledger): Record<string, unknown> {
  const parsed = adminKubeconfig.safeParse(parse(readFileSync(ledger.kubeconfig, 'utf8')));
  const ctx = parsed.success ? parsed.data.contexts.find((c) => c.name === ledger.context) : undefined;
  const entry = parsed.success ? parsed.data.clusters.find((c) => c.name === ctx?.context.cluster) : undefined;
  if (!entry)
    throw new ActionableError(
      `the lab kubeconfig ${ledger.kubeconfig} has no cluster for the context ${ledger.context}; egress-lab up --name ${ledger.lab} writes it again`,
    );
  return entry.cluster;
}

const tokenRequest = z.object({ status: z.object({ token: z.string().min(1), expirationTimestamp: z.string() }) });

/**
 * Mints a token for each seat's attendee ServiceAccount (`kubectl create token … --duration`, a TokenRequest:
 * the API server may shorten the duration, so the expiry is read from its answer) and writes the seat's
 * kubeconfig around it: the lab's API server and CA, the token as the user, the seat's namespace as default.
 */
export async function mintSeatAccess(
  exec: Exec,
  ledger: Ledger,
  seats: readonly number[],
  duration: string,
): Promise<SeatAccess[]> {
  const cluster = clusterEntry(ledger);
  return Promise.all(
    seats.map(async (seat) => {
      const namespace = seatNamespace(seat);
      const { stdout } = await exec(
        'kubectl',
        [...kubeAccess(ledger), 'create', 'token', 'attendee', '-n', namespace, '--duration', duration, '-o', 'json'],
        { timeoutMs: 30_000 },
      );
      const { token, expirationTimestamp } = tokenRequest.parse(JSON.parse(stdout)).status;
      const user = `attendee-${namespace}`;
      const kubeconfig = stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: ledger.lab, cluster }],
        users: [{ name: user, user: { token } }],
        contexts: [{ name: namespace, context: { cluster: ledger.lab, user, namespace } }],
        'current-context': namespace,
      });
      return { seat, namespace, kubeconfig, expires: expirationTimestamp };
    }),
  );
}
