import { InputError } from './errors.ts';

/** Pairs of flags that say opposite things; commander would keep the last one silently. */
const OPPOSITES: readonly [string, string][] = [
  ['--squid', '--no-squid'],
  ['--ext-auth', '--no-ext-auth'],
  ['--squid', '--squid-external'],
  ['--no-squid', '--squid-external'],
];

/** Flags given once per value (`--scenario a --scenario b`): repeating them adds, never contradicts. */
const REPEATABLE = new Set(['--scenario']);

/**
 * Flags that contradict each other in the arguments as typed (`--squid --no-squid`, `--squid
 * --squid-external`, one value flag given twice with different values): an InputError naming both, before
 * commander keeps the last of them. `takesValue` says which flags read the next argument as their value, so a
 * value is never taken for a flag. Scanning stops at `--`.
 */
export function checkContradictions(args: readonly string[], takesValue: (flag: string) => boolean): void {
  const seen = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') break;
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    let value: string | true = true;
    if (eq > 0) value = arg.slice(eq + 1);
    else if (takesValue(flag) && i + 1 < args.length) value = args[++i]!;
    const before = REPEATABLE.has(flag) ? undefined : seen.get(flag);
    if (before !== undefined && before !== value)
      throw new InputError(`${flag} is given twice with different values ("${before}", "${value}"); give it once`);
    seen.set(flag, value);
    const other = OPPOSITES.find(([a, b]) => (a === flag && seen.has(b)) || (b === flag && seen.has(a)));
    if (other) {
      const first = other[0] === flag ? other[1] : other[0];
      throw new InputError(`${first} and ${flag} contradict each other; give one`);
    }
  }
}
