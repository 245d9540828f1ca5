export type Level = 'ok' | 'warn' | 'blocker';

/** One result of a doctor check. */
export interface Finding {
  check: string;
  level: Level;
  message: string;
  fix?: string;
}
