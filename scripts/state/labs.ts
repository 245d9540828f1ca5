import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ActionableError } from '../errors.ts';
import { labName } from '../profile/lab-name.ts';
import { type Ledger, readLedger } from './ledger.ts';
import { stateRoot } from './paths.ts';

/** The labs kept on this machine (folders of the state root with a ledger), sorted. */
export function labNames(env: NodeJS.ProcessEnv = process.env): string[] {
  const root = stateRoot(env);
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(root, e.name, 'state.json')))
    .map((e) => e.name)
    .sort();
}

/** "no lab X" with the labs that do exist and how to pick one, or how to make one. */
export function noLabMessage(lab: string, env: NodeJS.ProcessEnv = process.env): string {
  const labs = labNames(env);
  if (labs.length === 0) return `no lab "${lab}" in ${stateRoot(env)}; egress-lab up creates one`;
  const pick = labs.length === 1 ? `--name ${labs[0]}` : '--name LAB';
  return `no lab is named "${lab}"; the labs here: ${labs.join(', ')} (pick one with ${pick})`;
}

/** The ledger of the lab `--name` (default egress-lab) names; an ActionableError listing the labs when there is none. */
export function requireLedger(name: string | undefined, env: NodeJS.ProcessEnv = process.env): Ledger {
  const lab = labName(name);
  const ledger = readLedger(lab, env);
  if (!ledger) throw new ActionableError(noLabMessage(lab, env));
  return ledger;
}
