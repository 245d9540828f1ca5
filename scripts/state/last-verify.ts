import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { labDir } from './paths.ts';

/** The last verify of a lab (`verify`, or the one `up` ends with), for `list`: when, and how it came out. */
export const lastVerifySchema = z.strictObject({
  at: z.iso.datetime(),
  ok: z.boolean(),
  /** The first hop verify could not prove, when it failed. */
  firstBroken: z.string().optional(),
});
export type LastVerify = z.infer<typeof lastVerifySchema>;

const file = (lab: string, env: NodeJS.ProcessEnv) => join(labDir(lab, env), 'last-verify.json');

/**
 * Records a verify's outcome in the lab's folder (temp file + rename). A folder that is gone or read-only only
 * loses the record: the verify itself already printed its answer.
 */
export function recordVerify(
  lab: string,
  report: { ok: boolean; firstBroken?: string | undefined },
  env: NodeJS.ProcessEnv,
): void {
  const target = file(lab, env);
  if (!existsSync(labDir(lab, env))) return;
  const record: LastVerify = {
    at: new Date().toISOString(),
    ok: report.ok,
    ...(report.firstBroken ? { firstBroken: report.firstBroken } : {}),
  };
  const temp = `${target}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, `${JSON.stringify(record)}\n`, { mode: 0o600 });
    renameSync(temp, target);
  } catch {
    // The record is a convenience for `list`; verify's own result stands.
  }
}

/** The lab's last verify; undefined when none was recorded; 'unreadable' when the file is not such a record. */
export function readLastVerify(lab: string, env: NodeJS.ProcessEnv): LastVerify | 'unreadable' | undefined {
  const target = file(lab, env);
  if (!existsSync(target)) return undefined;
  try {
    const parsed = lastVerifySchema.safeParse(JSON.parse(readFileSync(target, 'utf8')));
    return parsed.success ? parsed.data : 'unreadable';
  } catch {
    return 'unreadable';
  }
}
