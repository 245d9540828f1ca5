import { kubeAccess } from '../kube/access.ts';
import { nameFlag } from '../name-flag.ts';
import { probeHost, sampleIdentity, WAYPOINT_NAMESPACE } from '../profile/layout.ts';
import type { Ledger } from '../state/ledger.ts';
import { trafficDiagram } from '../ui/summary.ts';
import type { SeatAccess } from './handout.ts';
import { type HandoutStep, scenarioSteps } from './handout-scenarios.ts';

type Step = HandoutStep;

/** The seat's commands, as the attendee types them in the folder of the handout (the kubeconfig beside it). */
export function seatSteps(ledger: Ledger, seat: SeatAccess): Step[] {
  const { squid, extAuth } = ledger.profile.components;
  const host = probeHost(ledger.profile);
  // The seat's kubeconfig sits beside the page; its context is the seat's namespace (a DNS label: no quoting).
  const access = kubeAccess({ kubeconfig: 'kubeconfig', context: seat.namespace }).join(' ');
  const k = (ns: string) => `kubectl ${access} -n ${ns}`;
  const curl = `${k(seat.namespace)} exec deploy/sleep -- curl -s http://${host}/headers`;
  const principal = sampleIdentity(seat.namespace);
  const steps: Step[] = extAuth.enabled
    ? [
        {
          title: 'A request without the allow header: ext-authz denies it',
          command: `${curl} -o /dev/null -w '%{http_code}\\n'`,
          expect: '403',
        },
        {
          title: 'The same request with the allow header goes out through the gateway',
          command: `${curl} -H 'x-ext-authz: allow'`,
          expect: `"X-Ext-Authz-Check-Result": ["allowed"] among the headers ${host} echoes`,
        },
      ]
    : [
        {
          title: 'A request through the egress gateway',
          command: curl,
          expect: `the headers ${host} echoes (HTTP 200)`,
        },
      ];
  steps.push({
    title: 'What the egress gateway saw',
    command: `${k(WAYPOINT_NAMESPACE)} logs deploy/egress-gateway --tail 50 | grep ${host}`,
    expect: `a line with http.host=${host} and http.status=200 (403 for the denied one)`,
  });
  if (extAuth.enabled)
    steps.push({
      title: "ext-authz's decision, with your seat's identity",
      command: `${k(WAYPOINT_NAMESPACE)} logs deploy/ext-authz --tail 50 | grep ${seat.namespace}`,
      expect: `principal:"${principal}" (other seats' lines carry their own namespace)`,
    });
  if (squid.mode === 'in-cluster')
    steps.push({
      title: 'What Squid saw: the gateway, not your pod, talks to it',
      command: `${k(squid.namespace)} logs deploy/squid-proxy --tail 50 | grep ${host}`,
      expect: `TCP_MISS/200 … GET http://${host}/headers (or TCP_TUNNEL/200 … CONNECT ${host}:443 for HTTPS)`,
    });
  return [...steps, ...scenarioSteps(ledger, seat.namespace, k)];
}

/** The path as the seat sees it: the lab's diagram from the seat's namespace. */
function seatDiagram(ledger: Ledger, seat: SeatAccess): string {
  const { components } = ledger.profile;
  const profile = {
    ...ledger.profile,
    seats: 0,
    components: { ...components, sample: { ...components.sample, namespace: seat.namespace } },
  };
  return trafficDiagram(profile);
}

export function seatReadme(ledger: Ledger, seat: SeatAccess, reach: string): string {
  const steps = seatSteps(ledger, seat).flatMap((s, i) => [
    `## ${i + 1}. ${s.title}`,
    '',
    '```sh',
    s.command,
    '```',
    '',
    `Expect: ${s.expect}`,
    '',
  ]);
  return [
    `# Seat ${seat.seat}: ${seat.namespace} of the lab ${ledger.lab}`,
    '',
    `Your credentials are the file \`kubeconfig\` beside this page (keep it to yourself): they work until ${seat.expires}, ${reach}.`,
    `They let you run the commands below in your namespace ${seat.namespace} and read the shared logs, nothing else.`,
    'Run them from this folder.',
    '',
    ...steps,
    '## The path your requests take',
    '',
    '```',
    seatDiagram(ledger, seat),
    '```',
    '',
  ].join('\n');
}

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Every seat's page in one printable file (one seat per printed page); no credentials in it. */
export function handoutsHtml(ledger: Ledger, seats: readonly SeatAccess[], reach: string): string {
  const page = (seat: SeatAccess) =>
    [
      '<section>',
      `<h1>Seat ${seat.seat}: ${escapeHtml(seat.namespace)} of the lab ${escapeHtml(ledger.lab)}</h1>`,
      `<p>Use the file <code>kubeconfig</code> from your seat's folder (${escapeHtml(seat.namespace)}/kubeconfig); it works until ${escapeHtml(seat.expires)}, ${escapeHtml(reach)}. Run the commands from that folder.</p>`,
      ...seatSteps(ledger, seat).map(
        (s, i) =>
          `<h2>${i + 1}. ${escapeHtml(s.title)}</h2>\n<pre>${escapeHtml(s.command)}</pre>\n<p>Expect: ${escapeHtml(s.expect)}</p>`,
      ),
      `<h2>The path your requests take</h2>\n<pre>${escapeHtml(seatDiagram(ledger, seat))}</pre>`,
      '</section>',
    ].join('\n');
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>egress-lab ${escapeHtml(ledger.lab)}: seat handouts</title>`,
    '<style>body{font-family:sans-serif;margin:2em}pre{background:#f4f4f4;padding:.5em;white-space:pre-wrap}section{page-break-after:always}</style>',
    '</head><body>',
    ...seats.map(page),
    '</body></html>',
    '',
  ].join('\n');
}

/** Commands with their comments lined up. */
const commented = (rows: [string, string][]) => {
  const width = Math.max(...rows.map(([c]) => c.length));
  return rows.map(([c, comment]) => `${c.padEnd(width)}  # ${comment}`);
};

/** The host's sheet: the seats, how to check everyone, new credentials, and teardown. */
export function hostSheet(ledger: Ledger, seats: readonly SeatAccess[], out: string, reach: string): string {
  const name = nameFlag(ledger.lab);
  return [
    `# Host sheet: the lab ${ledger.lab} (${ledger.profileName}, ${ledger.profile.seats} seats)`,
    '',
    `Seat kubeconfigs work ${reach}.`,
    '',
    '| seat | namespace | folder | credentials until |',
    '|---|---|---|---|',
    ...seats.map((s) => `| ${s.seat} | ${s.namespace} | ${s.namespace}/ | ${s.expires} |`),
    '',
    `Hand each attendee their folder (kubeconfig and README.md); \`handouts.html\` prints every seat's page without credentials.`,
    '',
    '## Check everyone',
    '',
    '```sh',
    ...commented([
      [`egress-lab verify${name}`, 'every seat, one table'],
      [`egress-lab verify${name} --seat N`, 'one seat, hop by hop'],
      ['egress-lab list', 'every lab here, with its last verify'],
    ]),
    '```',
    '',
    '## New credentials (they expire; this replaces the folder)',
    '',
    '```sh',
    `egress-lab handout${name} --out ${out} --force`,
    '```',
    '',
    '## Tear down',
    '',
    '```sh',
    `egress-lab down${name}`,
    '```',
    '',
  ].join('\n');
}
