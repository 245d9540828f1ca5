import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { labDir } from './paths.ts';

/** The last verify of a lab (`verify`, or the one `up` ends with), as `list` shows it: when, and how it came out. */
export const lastVerifySchema = z.strictObject({
  at: z.iso.datetime(),
  ok: z.boolean(),
  /** The first hop verify could not prove, when it failed. */
  firstBroken: z.string().optional(),
});
export type LastVerify = z.infer<typeof lastVerifySchema>;

/** What `list` reads of the recorded report; `path` checks the whole report with the verify report's schema. */
const outcomeSchema = z.looseObject({ ok: z.boolean(), firstBroken: z.string().optional() });
type Outcome = z.infer<typeof outcomeSchema>;

/** The record in the lab's folder: when the verify ran, and its whole report (`verify --json`). */
const recordSchema = <S extends z.ZodType>(report: S) => z.strictObject({ at: z.iso.datetime(), report });

/** The lab's last verify record: when, and the report, checked against the schema the reader passes. */
export interface VerifyRecord<R> {
  at: string;
  report: R;
}

/** Where a lab keeps its last verify (a JSON file in its folder). */
export const lastVerifyFile = (lab: string, env: NodeJS.ProcessEnv) => join(labDir(lab, env), 'last-verify.json');

/**
 * Records a verify's whole report in the lab's folder (temp file + rename). A folder that is gone or read-only
 * only loses the record: the verify itself already printed its answer.
 */
export function recordVerify(lab: string, report: Outcome, env: NodeJS.ProcessEnv): void {
  const target = lastVerifyFile(lab, env);
  if (!existsSync(labDir(lab, env))) return;
  const record: VerifyRecord<Outcome> = { at: new Date().toISOString(), report };
  const temp = `${target}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, `${JSON.stringify(record)}\n`, { mode: 0o600 });
    renameSync(temp, target);
  } catch {
    // The record is a convenience for `list` and `path`; verify's own result stands.
  }
}

function readJson(target: string): { json?: unknown; error?: string } {
  try {
    return { json: JSON.parse(readFileSync(target, 'utf8')) };
  } catch (err) {
    return { error: err instanceof SyntaxError ? 'not JSON' : ((err as NodeJS.ErrnoException).code ?? String(err)) };
  }
}

/**
 * The lab's last verify record with its report checked by `reportSchema`; undefined when none was recorded;
 * `{ unreadable }` (why) when the file cannot be read or is not such a record (one of an older egress-lab,
 * which kept only the outcome, is not).
 */
export function readVerifyRecord<S extends z.ZodType>(
  lab: string,
  env: NodeJS.ProcessEnv,
  reportSchema: S,
): VerifyRecord<z.output<S>> | { unreadable: string } | undefined {
  const target = lastVerifyFile(lab, env);
  if (!existsSync(target)) return undefined;
  const { json, error } = readJson(target);
  if (error) return { unreadable: error };
  const parsed = recordSchema(reportSchema).safeParse(json);
  if (parsed.success) return parsed.data as VerifyRecord<z.output<S>>;
  const issue = parsed.error.issues[0]!;
  return { unreadable: `not a verify record (${issue.path.join('.') || 'the record'}: ${issue.message})` };
}

/** The lab's last verify; undefined when none was recorded; 'unreadable' when the file is not such a record. */
export function readLastVerify(lab: string, env: NodeJS.ProcessEnv): LastVerify | 'unreadable' | undefined {
  const target = lastVerifyFile(lab, env);
  if (!existsSync(target)) return undefined;
  const { json } = readJson(target);
  // A record of an older egress-lab holds the outcome itself, without the report.
  const old = lastVerifySchema.safeParse(json);
  if (old.success) return old.data;
  const parsed = recordSchema(outcomeSchema).safeParse(json);
  if (!parsed.success) return 'unreadable';
  const { at, report } = parsed.data;
  return { at, ok: report.ok, ...(report.firstBroken ? { firstBroken: report.firstBroken } : {}) };
}
