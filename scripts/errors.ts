/** Where in a file an input error sits (1-based line and column). */
export interface SourcePos {
  file: string;
  line?: number;
  col?: number;
}

export function formatPos(pos: SourcePos): string {
  if (pos.line === undefined) return pos.file;
  return `${pos.file}:${pos.line}:${pos.col ?? 1}`;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it finds
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text safe to print on a terminal: control characters (C0, DEL, C1, so no ANSI escape), line and paragraph
 * separators and bidirectional overrides are shown as `\n`, `\t`, `\x1b` or `\u202e`. With `keepNewlines`
 * a newline stays a newline (multi-line messages of egress-lab's own). Printable text, backslashes included,
 * is left as it is, so escaping twice changes nothing.
 */
export function escapeForTerminal(text: string, keepNewlines = false): string {
  return text.replace(UNSAFE, (c) => {
    if (c === '\n') return keepNewlines ? c : '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Bad usage or bad input: exit 2, nothing was run or written. One line: hostile values it echoes are escaped. */
export class InputError extends Error {
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly pos?: SourcePos,
  ) {
    super(escapeForTerminal(pos ? `${formatPos(pos)}: ${message}` : message));
    this.name = 'InputError';
  }
}

/** A step or check failed in a way the user can act on: exit 1, one line. */
export class ActionableError extends Error {
  readonly exitCode = 1;
  constructor(message: string) {
    super(message);
    this.name = 'ActionableError';
  }
}

/** The user cancelled a question or pressed Ctrl-C: exit 130 (129 when the terminal closed: SIGHUP). */
export class CancelledError extends Error {
  constructor(
    message = 'cancelled',
    readonly exitCode: 129 | 130 = 130,
  ) {
    super(message);
    this.name = 'CancelledError';
  }
}
