import type { Hop, VerifyReport } from './report-schema.ts';

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

export function formatReport(r: VerifyReport): string {
  const lines = [
    `egress-lab verify: lab ${r.lab} (${r.profile}, stack ${r.stack}), http://${r.host}/headers`,
    '',
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
  lines.push('', r.ok ? 'Every hop is proven.' : `First broken hop: ${r.firstBroken}. ${r.hint ?? ''}`.trim(), '');
  return lines.join('\n');
}
