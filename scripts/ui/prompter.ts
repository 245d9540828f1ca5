import { InputError } from '../errors.ts';

export interface Choice<T extends string> {
  value: T;
  label: string;
  hint?: string;
  /** Shown, but cannot be picked (the hint says why). */
  disabled?: boolean;
}

/** Every question names the flag that answers it, so a non-interactive run can say which flag is missing. */
export interface Prompter {
  readonly interactive: boolean;
  select<T extends string>(q: { message: string; flag: string; options: Choice<T>[]; initial?: T }): Promise<T>;
  confirm(q: { message: string; flag: string; initial?: boolean }): Promise<boolean>;
  /** Any number of the options, none included; `initial`: those picked when the question opens. */
  multiselect<T extends string>(q: {
    message: string;
    flag: string;
    options: Choice<T>[];
    initial?: T[];
  }): Promise<T[]>;
  text(q: {
    message: string;
    flag: string;
    placeholder?: string;
    /** What Enter answers (shown filled in). */
    initial?: string;
    validate?: (v: string) => string | undefined;
  }): Promise<string>;
  /** Masked input; the answer is never stored or printed. */
  password(q: { message: string; flag: string }): Promise<string>;
  note(title: string, body: string): void;
}

export interface Streams {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Interactive only when stdin and stdout are terminals, CI is unset and --yes is absent (DESIGN.md §2). */
export function isInteractive(
  streams: Streams,
  opts: { yes?: boolean; json?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return Boolean(streams.stdin.isTTY && streams.stdout.isTTY && !env['CI'] && !opts.yes && !opts.json);
}

/** Never blocks: a question that the flags did not answer is an InputError (exit 2) naming the flag. */
export function nonInteractivePrompter(stdout: NodeJS.WritableStream): Prompter {
  const missing = (message: string, flag: string): never => {
    throw new InputError(`"${message}" needs an answer and this run is not interactive: pass ${flag}`);
  };
  return {
    interactive: false,
    select: async (q) => missing(q.message, q.flag),
    confirm: async (q) => missing(q.message, q.flag),
    multiselect: async (q) => missing(q.message, q.flag),
    text: async (q) => missing(q.message, q.flag),
    password: async (q) => missing(q.message, q.flag),
    note: (title, body) => void stdout.write(`${title}\n${body}\n`),
  };
}
