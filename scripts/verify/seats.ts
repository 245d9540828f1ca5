import type { VerifyReport } from './report-schema.ts';

/**
 * One report for the seats proven: ok only when every seat's path is; the hops, requests and negative control
 * shown are those of the first broken seat (else the first seat), and `seats` holds one row per seat.
 */
export function seatsReport(seats: number[], reports: VerifyReport[]): VerifyReport {
  const rows = reports.map((r, i) => ({
    seat: seats[i]!,
    ok: r.ok,
    hops: r.hops.map((h) => ({ hop: h.hop, status: h.status })),
    negativeControl: r.negativeControl.status,
    ...(r.firstBroken ? { firstBroken: r.firstBroken } : {}),
    ...(r.hint ? { hint: r.hint } : {}),
  }));
  const shown = Math.max(
    0,
    reports.findIndex((r) => !r.ok),
  );
  const first = reports[shown]!;
  const broken = rows.filter((r) => !r.ok).length;
  return {
    ...first,
    ok: broken === 0,
    shownSeat: seats[shown]!,
    seats: rows,
    ...(first.firstBroken
      ? {
          hint: `${broken} of ${seats.length} seat${seats.length > 1 ? 's' : ''} not proven; seat ${seats[shown]}: ${first.hint ?? first.firstBroken}`,
        }
      : {}),
  };
}
