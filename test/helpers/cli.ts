import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Finding } from '../../scripts/doctor/finding.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The built entry, as npx runs it (`npm test` builds it first). */
export const entry = join(repoRoot, 'dist', 'egress-lab.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would, with stdin closed (async: the fakes server lives in this process). */
export function cli(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; nodeArgs?: string[] } = {},
): Promise<CliResult> {
  return new Promise((ok) => {
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), entry, ...args], {
      cwd: opts.cwd ?? repoRoot,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    // A guard against a hang, not a time limit: generous, since a loaded machine runs a healthy up slowly.
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      ok({ code, stdout, stderr });
    });
  });
}

/** The findings `egress-lab doctor --json` printed. */
export const doctorFindings = (r: CliResult): Finding[] => (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
