import { Listr, type ListrTask } from 'listr2';
import type { Step } from '../plan/plan.ts';

export type RendererName = 'default' | 'simple' | 'silent';

export type RunEvent =
  | { type: 'started'; step: string; title: string; at: string }
  | { type: 'output'; step: string; line: string; at: string }
  | { type: 'done'; step: string; at: string; durationMs: number; skipped?: string }
  | { type: 'failed'; step: string; at: string; error: string }
  /** Not started: a step it needs failed, or the run was interrupted. */
  | { type: 'skipped'; step: string; at: string; reason: string };

/** Runs one step; `out` streams its output lines. */
export type StepExecutor = (step: Step, out: (line: string) => void) => Promise<void>;

export interface RunOptions {
  renderer: RendererName;
  onEvent?: (event: RunEvent) => void;
  /** A reason to skip a step that is already done (unchanged since the last run), or undefined to run it. */
  skipReason?: (step: Step) => string | undefined;
  /** Stops starting new steps (Ctrl-C); running ones finish or are ended by their own signal. */
  signal?: AbortSignal;
}

export interface StepOutcome {
  status: 'done' | 'skipped' | 'failed' | 'not-started';
  durationMs: number;
  reason?: string;
}

/** A failed step: re-thrown after the run, naming the step. */
export class StepError extends Error {
  readonly exitCode = 1;
  constructor(
    readonly step: string,
    readonly cause: Error,
  ) {
    super(`step ${step} failed: ${cause.message}`);
    this.name = 'StepError';
  }
}

function deferred() {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/**
 * Runs the plan graph with listr2: every step starts as soon as the steps it needs are done, so
 * independent steps overlap. A failed step fails only what needs it; siblings finish. Failures are
 * collected and re-thrown (listr2's run() resolves even when a concurrent task failed).
 */
export async function runGraph(
  steps: readonly Step[],
  execute: StepExecutor,
  opts: RunOptions,
): Promise<Map<string, StepOutcome>> {
  const now = () => new Date().toISOString();
  const emit = (e: RunEvent) => opts.onEvent?.(e);
  const gates = new Map(steps.map((s) => [s.id, deferred()]));
  const outcomes = new Map<string, StepOutcome>(steps.map((s) => [s.id, { status: 'not-started', durationMs: 0 }]));
  const failures: StepError[] = [];

  const task = (step: Step): ListrTask => ({
    title: step.title,
    task: async (_ctx, t) => {
      const gate = gates.get(step.id)!;
      try {
        if (step.needs.length > 0) t.output = `waiting for ${step.needs.join(', ')}`;
        await Promise.all(step.needs.map((n) => gates.get(n)!.promise));
      } catch (err) {
        gate.reject(err as Error);
        outcomes.set(step.id, { status: 'skipped', durationMs: 0, reason: (err as Error).message });
        emit({ type: 'skipped', step: step.id, at: now(), reason: (err as Error).message });
        t.skip(`${step.title}: not started, ${(err as Error).message}`);
        return;
      }
      if (opts.signal?.aborted) {
        gate.reject(new Error('interrupted'));
        emit({ type: 'skipped', step: step.id, at: now(), reason: 'interrupted' });
        t.skip(`${step.title}: not started, interrupted`);
        return;
      }
      const reason = opts.skipReason?.(step);
      if (reason) {
        outcomes.set(step.id, { status: 'skipped', durationMs: 0, reason });
        emit({ type: 'done', step: step.id, at: now(), durationMs: 0, skipped: reason });
        t.title = `${step.title} (${reason})`;
        gate.resolve();
        return;
      }
      const start = Date.now();
      emit({ type: 'started', step: step.id, title: step.title, at: now() });
      try {
        await execute(step, (line) => {
          // Plain output interleaves concurrent steps: each line says whose it is.
          t.output = opts.renderer === 'simple' ? `${step.id} | ${line}` : line;
          emit({ type: 'output', step: step.id, line, at: now() });
        });
      } catch (err) {
        const failure = new StepError(step.id, err as Error);
        failures.push(failure);
        outcomes.set(step.id, { status: 'failed', durationMs: Date.now() - start });
        emit({ type: 'failed', step: step.id, at: now(), error: (err as Error).message });
        gate.reject(new Error(`${step.id} failed`));
        // The task list marks the step failed; the error itself is printed once, after the run.
        throw new Error('see below');
      }
      const durationMs = Date.now() - start;
      outcomes.set(step.id, { status: 'done', durationMs });
      emit({ type: 'done', step: step.id, at: now(), durationMs });
      t.title = `${step.title} (${(durationMs / 1000).toFixed(1)} s)`;
      gate.resolve();
    },
  });

  const list = new Listr(steps.map(task), {
    concurrent: true,
    exitOnError: false,
    // egress-lab handles Ctrl-C itself (stop new steps, end children, write the ledger, exit 130).
    registerSignalListeners: false,
    collectErrors: 'minimal',
    renderer: opts.renderer,
    rendererOptions: { outputBar: 1, persistentOutput: false, collapseErrors: false } as never,
  });
  await list.run();
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, failures.map((f) => f.message).join('; '));
  return outcomes;
}
