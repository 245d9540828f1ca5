import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { $ } from 'zx/core';

export interface ExecOptions {
  /** Written to the child's stdin; without it stdin is closed (a child that reads it gets EOF, never a hang). */
  input?: string;
  cwd?: string;
  /** Added to the environment of this call. */
  env?: Record<string, string>;
  /** Each line the child prints, stdout and stderr, as it arrives. */
  onLine?: (line: string) => void;
  timeoutMs?: number;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
}

export type Exec = (bin: string, args: readonly string[], opts?: ExecOptions) => Promise<ExecResult>;

/** Replaces every secret in a text with ***, whatever its length (longest first, so none shows through another). */
export function redact(text: string, secrets: readonly string[]): string {
  return [...secrets]
    .filter((s) => s.length > 0)
    .sort((a, b) => b.length - a.length)
    .reduce((t, s) => t.split(s).join('***'), text);
}

/**
 * What a program's error output says, on one line: from its last error line (`ERROR:`, `Error:`, `error:`)
 * to the end, so advice after the error ("Please run: $ gcloud auth login …") is kept; else the last line.
 */
export function whatToDo(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  let from = lines.length - 1;
  for (let i = lines.length - 1; i >= 0; i--)
    if (/^(ERROR|Error|error)\b/.test(lines[i]!)) {
      from = i;
      break;
    }
  return lines.slice(Math.max(from, lines.length - 12)).join(' ');
}

/** An external program failed: names the command and what its error output says (secrets redacted). */
export class CommandError extends Error {
  readonly exitCode = 1;
  constructor(
    readonly bin: string,
    readonly args: readonly string[],
    readonly code: number | null,
    readonly stderr: string,
    secrets: readonly string[] = [],
    /** What the program printed before it failed (kubectl apply lists each object it did apply). */
    readonly stdout = '',
  ) {
    const last = whatToDo(stderr) || '(no error output)';
    const status = code === null ? 'was stopped (timeout or signal)' : `failed (exit ${code})`;
    super(redact(`${bin} ${args.join(' ')} ${status}: ${last}`, secrets));
    this.name = 'CommandError';
  }
}

/** A program ran past its time limit and was ended (with its children). */
export class CommandTimeoutError extends Error {
  readonly exitCode = 1;
  constructor(
    readonly bin: string,
    readonly args: readonly string[],
    readonly seconds: number,
    secrets: readonly string[] = [],
  ) {
    super(redact(`${bin} ${args.join(' ')} timed out after ${seconds} s and was ended`, secrets));
    this.name = 'CommandTimeoutError';
  }
}

/** A program is not installed (ENOENT): the fix is to install it, not to read its output. */
export class MissingProgramError extends Error {
  readonly exitCode = 1;
  constructor(readonly bin: string) {
    super(`${bin} is not installed or not on PATH`);
    this.name = 'MissingProgramError';
  }
}

/** The folder a program was to run in is gone. */
export class MissingFolderError extends Error {
  readonly exitCode = 1;
  constructor(
    readonly bin: string,
    readonly cwd: string,
  ) {
    super(`cannot run ${bin}: its working folder ${cwd} is gone (was the lab folder removed during the run?)`);
    this.name = 'MissingFolderError';
  }
}

function lineSplitter(onLine: (line: string) => void) {
  let rest = '';
  return {
    push(chunk: Buffer | string) {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop() ?? '';
      for (const p of parts) if (p.trim()) onLine(p);
    },
    end() {
      if (rest.trim()) onLine(rest);
      rest = '';
    },
  };
}

/**
 * The one way egress-lab runs kind, kubectl, helm, gcloud and docker: arguments as an array (never a
 * shell string), stdin closed unless input is given, gcloud always --quiet, output kept quiet unless
 * streamed through onLine. `secrets` are redacted from every error message.
 */
export function createExec(
  base: { env?: NodeJS.ProcessEnv; secrets?: () => readonly string[]; signal?: AbortSignal } = {},
): Exec {
  const secrets = base.secrets ?? (() => []);
  // Node warns when more than ten abort listeners sit on one signal, and a kind lab runs more commands than
  // that at once. So the run's signal gets one listener, which aborts each running command's own signal.
  const running = new Set<AbortController>();
  base.signal?.addEventListener('abort', () => {
    for (const c of running) c.abort();
  });
  return async (bin, args, opts = {}) => {
    const argv = bin === 'gcloud' && !args.includes('--quiet') ? [...args, '--quiet'] : [...args];
    // A working folder that is gone (the lab folder removed during a run) would fail as an unexplained exit -2.
    if (opts.cwd !== undefined && !existsSync(opts.cwd)) throw new MissingFolderError(bin, opts.cwd);
    if (!base.signal) return run(bin, argv, opts, undefined);
    const own = new AbortController();
    if (base.signal.aborted) own.abort();
    running.add(own);
    try {
      return await run(bin, argv, opts, own.signal);
    } finally {
      running.delete(own);
    }
  };

  async function run(bin: string, argv: string[], opts: ExecOptions, signal: AbortSignal | undefined) {
    const env = { ...(base.env ?? process.env), ...opts.env };
    const proc = $({
      env: { ...env, PATH: expandTildes(env['PATH'], env['HOME']) },
      cwd: opts.cwd,
      quiet: true,
      verbose: false,
      nothrow: true,
      // The timeout is egress-lab's own (endAfter below): it tells a timed-out program from a failed one.
      ...(signal ? { signal } : {}),
      input: opts.input,
      stdio: opts.input === undefined ? ['ignore', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'],
      // The program itself, not zx's `bash -c`: no shell parses the arguments, and no user's ~/.bashrc runs. bash
      // reads ~/.bashrc for `-c` when its stdin is a socket (its rshd rule), which Node's stdin pipe is, whenever
      // SHLVL is unset or 0 (cron, IDE tasks, some CI runners): every kubectl apply and helm --values - then ran
      // the user's shell set-up (pyenv, nvm, conda), slowly, and a set-up that prints would have corrupted stdout.
      spawn: ((_cmd: string, _args: readonly string[], o: Parameters<typeof spawn>[2]) =>
        spawn(bin, argv, { ...o, shell: false })) as typeof spawn,
    })`${bin} ${argv}`;
    if (opts.onLine) {
      const onLine = (line: string) => opts.onLine!(redact(line, secrets()));
      const out = lineSplitter(onLine);
      const err = lineSplitter(onLine);
      proc.stdout.on('data', (c: Buffer) => out.push(c));
      proc.stderr.on('data', (c: Buffer) => err.push(c));
      proc.stdout.on('end', () => out.end());
      proc.stderr.on('end', () => err.end());
    }
    const limit = opts.timeoutMs ? endAfter(proc, opts.timeoutMs) : undefined;
    const result = await proc.finally(() => limit?.clear());
    if (limit?.fired()) throw new CommandTimeoutError(bin, argv, Math.round(opts.timeoutMs! / 1000), secrets());
    if ((result.cause as NodeJS.ErrnoException | null)?.code === 'ENOENT') throw new MissingProgramError(bin);
    if (result.exitCode !== 0)
      throw new CommandError(bin, argv, result.exitCode, result.stderr, secrets(), result.stdout);
    return { stdout: result.stdout, stderr: result.stderr };
  }
}

/**
 * PATH with `~` and `~/…` entries expanded against HOME, as bash does when it looks a command up: a PATH set
 * with the tilde quoted (`export PATH="~/bin:$PATH"`) works in the user's shell, so kind or helm found there
 * must be found here too, now that programs start without a shell.
 */
export function expandTildes(path: string | undefined, home: string | undefined): string | undefined {
  if (path === undefined || !home) return path;
  return path
    .split(':')
    .map((dir) => (dir === '~' || dir.startsWith('~/') ? home + dir.slice(1) : dir))
    .join(':');
}

/** Ends a program (and its children) that runs longer than `ms`: SIGTERM, then SIGKILL 5 s later. */
function endAfter(proc: { kill: (signal?: NodeJS.Signals) => Promise<void> }, ms: number) {
  let fired = false;
  let hard: NodeJS.Timeout | undefined;
  const stop = (signal: NodeJS.Signals) => {
    try {
      proc.kill(signal).catch(() => undefined);
    } catch {
      // it ended on its own meanwhile
    }
  };
  const soft = setTimeout(() => {
    fired = true;
    stop('SIGTERM');
    hard = setTimeout(() => stop('SIGKILL'), 5_000);
  }, ms);
  return {
    fired: () => fired,
    clear: () => {
      clearTimeout(soft);
      if (hard) clearTimeout(hard);
    },
  };
}
