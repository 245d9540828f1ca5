import { InputError } from '../errors.ts';
import { DEFAULT_LAB } from '../name-flag.ts';
import { checkDnsLabel } from './names.ts';

/** The lab name from --name (or the default); a name that is not a DNS-1123 label is bad input. */
export function labName(name: string | undefined): string {
  const lab = name ?? DEFAULT_LAB;
  const problem = checkDnsLabel(lab);
  if (problem) throw new InputError(`--name: ${problem}`);
  return lab;
}
