import type { Command } from './types.ts';

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;
export const shellQuote = (arg: string) => (SAFE.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

/** A command as a person would type it from the render folder. */
export function commandLine(cmd: Command): string {
  const env = Object.entries(cmd.env ?? {})
    .map(([k, v]) => `${k}=${shellQuote(v)} `)
    .join('');
  const stdin = cmd.stdin ? ` < ${shellQuote(cmd.stdin)}` : '';
  return `${env}${[cmd.bin, ...cmd.args].map(shellQuote).join(' ')}${stdin}`;
}
