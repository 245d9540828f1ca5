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

/** Bad usage or bad input: exit 2, nothing was run or written. */
export class InputError extends Error {
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly pos?: SourcePos,
  ) {
    super(pos ? `${formatPos(pos)}: ${message}` : message);
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
