import { columns } from '../columns.ts';
import { seatNamespace } from '../profile/layout.ts';
import { HOP_NAMES, type Hop, type VerifyReport } from './report-schema.ts';

const MARK = { ok: '✓', failed: '✗', skipped: '·', 'not-reached': '–' } as const;
const LABEL: Record<Hop['hop'], string> = {
  pod: 'pod',
  ztunnel: 'ztunnel',
  gateway: 'egress-gateway',
  'ext-authz': 'ext-authz',
  squid: 'squid',
  destination: 'destination',
};

/** The path as a chain of hops, each marked ✓ ✗ – (not reached) or · (not visible to egress-lab). */
export function pathDiagram(report: VerifyReport): string {
  const chain = report.hops.map((h) => `${h.hop === 'destination' ? report.host : LABEL[h.hop]} ${MARK[h.status]}`);
  return `  ${chain.join(' ──▶ ')}`;
}

/** The seats table: one row per seat, each hop's mark, the never-direct check, and the first broken hop. */
export function seatsTable(r: VerifyReport): string[] {
  const seats = r.seats ?? [];
  // A seat that broke early has fewer hops: the columns are every hop any seat reached, in path order.
  const hops = HOP_NAMES.filter((hop) => seats.some((s) => s.hops.some((h) => h.hop === hop)));
  const head = [
    'SEAT',
    ...hops.map((h) => (h === 'destination' ? 'DEST' : h.toUpperCase())),
    'NEVER-DIRECT',
    'FIRST BROKEN',
  ];
  const rows = seats.map((s) => [
    seatNamespace(s.seat),
    ...hops.map((hop) => MARK[s.hops.find((h) => h.hop === hop)?.status ?? 'not-reached']),
    s.negativeControl === 'ok' ? '✓' : '✗',
    s.firstBroken ?? '-',
  ]);
  return columns([head, ...rows]);
}

export function formatReport(r: VerifyReport): string {
  const seated = r.seats
    ? [
        ...seatsTable(r),
        '',
        r.ok
          ? `Every seat's path is proven (${r.seats.length} seat${r.seats.length > 1 ? 's' : ''}).`
          : `Seat ${r.shownSeat} in detail:`,
        '',
      ]
    : [];
  if (r.seats && r.ok)
    return `${[`egress-lab verify: lab ${r.lab} (${r.profile}, stack ${r.stack}), http://${r.host}/headers`, '', ...seated].join('\n')}`;
  const lines = [
    `egress-lab verify: lab ${r.lab} (${r.profile}, stack ${r.stack}), http://${r.host}/headers`,
    '',
    ...seated,
    pathDiagram(r),
    '',
  ];
  for (const h of r.hops) {
    lines.push(`${MARK[h.status]} ${LABEL[h.hop].padEnd(15)} ${h.evidence}`);
    if (h.status === 'failed' && h.hint) lines.push(`  ${''.padEnd(15)} hint: ${h.hint}`);
  }
  const c = r.negativeControl;
  lines.push(`${c.status === 'ok' ? '✓' : '✗'} ${'never direct'.padEnd(15)} http://${c.host}/ ${c.evidence}`);
  if (c.status === 'failed' && c.hint) lines.push(`  ${''.padEnd(15)} hint: ${c.hint}`);
  lines.push(...scenarioLines(r));
  lines.push('', r.ok ? outcome(r) : broken(r), '');
  return lines.join('\n');
}

const outcome = (r: VerifyReport) =>
  r.scenarios?.length ? `Every hop and every scenario pack (${r.scenarios.length}) is proven.` : 'Every hop is proven.';
const broken = (r: VerifyReport) =>
  r.firstBroken === 'scenario'
    ? `Every hop is proven; a scenario pack is not. ${r.hint ?? ''}`.trim()
    : `First broken hop: ${r.firstBroken}. ${r.hint ?? ''}`.trim();

/** Each scenario pack: its proof and its negative check, with the evidence, and a hint where one failed. */
function scenarioLines(r: VerifyReport): string[] {
  if (!r.scenarios?.length) return [];
  const lines = ['', 'Scenario packs:'];
  for (const s of r.scenarios) {
    lines.push(`${s.ok ? '✓' : '✗'} ${s.name}`);
    for (const [label, c] of [
      ['proof', s.proof],
      ['negative', s.negative],
    ] as const) {
      lines.push(`  ${c.status === 'ok' ? '✓' : '✗'} ${label.padEnd(9)} ${c.evidence}`);
      if (c.status === 'failed' && c.hint) lines.push(`    ${''.padEnd(9)} hint: ${c.hint}`);
    }
  }
  return lines;
}
