import { ActionableError } from '../errors.ts';
import { nameFlag } from '../name-flag.ts';
import { scenarioCommands } from '../plan/scenario-commands.ts';
import { testCommands } from '../plan/test-commands.ts';
import { recordVerify } from '../state/last-verify.ts';
import type { Ledger } from '../state/ledger.ts';
import { exportKubeconfig, trafficDiagram } from '../ui/summary.ts';
import { formatReport } from '../verify/report.ts';
import type { VerifyReport } from '../verify/report-schema.ts';
import { verifyLab } from '../verify/verify.ts';
import type { UpContext } from './up-context.ts';

type Finish = Pick<UpContext, 'opts' | 'deps' | 'loaded' | 'target'>;

/** The path proven hop by hop (unless --no-verify); verify's waits show as lines (JSON output events with --json). */
async function verifyPhase({ opts, deps }: Finish, ledger: Ledger): Promise<VerifyReport | undefined> {
  if (opts.verify === false) return undefined;
  const progress = (line: string) =>
    deps.stdout.write(
      opts.json
        ? `${JSON.stringify({ type: 'output', step: 'verify', line, at: new Date().toISOString() })}\n`
        : `${line}\n`,
    );
  const report = await verifyLab(ledger, { ...deps, progress });
  recordVerify(ledger.lab, report, deps.env);
  return report;
}

/** up ends by proving the path and summing up; a broken hop fails up with verify's hint. */
export async function finish(ctx: Finish, ledger: Ledger): Promise<void> {
  const report = await verifyPhase(ctx, ledger);
  printSummary(ctx, ledger, report);
  if (report && !report.ok)
    throw Object.assign(
      new ActionableError(
        `the lab is up, but verify could not prove the ${report.firstBroken} hop${report.hint ? `: ${report.hint}` : ''}`,
      ),
      { resultWritten: Boolean(ctx.opts.json) },
    );
}

/** The lab's scenario packs, each with what it shows and the commands that show it. */
function scenarioSection(profile: Finish['loaded']['profile'], target: Finish['target']): string[] {
  const packs = scenarioCommands(profile, target);
  if (!packs.length) return [];
  return ['Scenario packs (egress-lab verify proves each):', ...packs.flatMap((p) => p.lines.map((l) => `  ${l}`)), ''];
}

function printSummary({ opts, deps, loaded, target }: Finish, ledger: Ledger, report: VerifyReport | undefined): void {
  if (opts.json) {
    if (report) deps.stdout.write(`${JSON.stringify({ type: 'verify', report })}\n`);
    deps.stdout.write(
      `${JSON.stringify({ type: 'result', ok: report?.ok ?? true, verified: report ? report.ok : null, lab: ledger.lab, profile: loaded.name, kubeconfig: target.kubeconfig, context: target.context, steps: Object.fromEntries(Object.entries(ledger.steps).map(([id, s]) => [id, { durationMs: s.durationMs }])) })}\n`,
    );
    return;
  }
  const durations = Object.entries(ledger.steps).map(
    ([id, s]) => `  ${id.padEnd(30)} ${(s.durationMs / 1000).toFixed(1).padStart(6)} s`,
  );
  deps.stdout.write(
    [
      '',
      `The lab "${ledger.lab}" is up: ${loaded.profile.platform} cluster "${ledger.cluster.name}", stack ${loaded.profile.stack}.`,
      `kubeconfig: ${target.kubeconfig} (context ${target.context})`,
      `For kubectl, helm and k9s in this shell:`,
      `  ${exportKubeconfig(target.kubeconfig)}`,
      `  (later: eval "$(egress-lab env${nameFlag(ledger.lab)})")`,
      '',
      'Steps:',
      ...durations,
      '',
      'Traffic path:',
      trafficDiagram(loaded.profile),
      '',
      'Try it:',
      ...testCommands(loaded.profile, target).map((l) => `  ${l}`),
      '',
      ...scenarioSection(loaded.profile, target),
      `Remove it all: egress-lab down${nameFlag(ledger.lab)}`,
      '',
      ...(report ? [formatReport(report)] : ['(verify skipped: egress-lab verify proves the path hop by hop)', '']),
    ].join('\n'),
  );
}
