import { readFileSync, statSync } from 'node:fs';
import { isScalar, parseDocument, visit } from 'yaml';
import { InputError } from '../errors.ts';
import { LICENCE_VARIABLES } from '../profile/licence-variables.ts';
import { licenseMarker } from '../render/context.ts';

/** Licence values for one run: read from the environment or a --license-file, kept in memory only. */
export type Licences = Map<string, string>;

/** A --license-file holds NAME=value lines (# comments allowed), only for the licence variables. */
export function readLicenceFile(path: string, allowed: readonly string[]): Licences {
  let text: string;
  try {
    if (statSync(path).size > 64 * 1024) throw new InputError('--license-file: larger than 64 KiB', { file: path });
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError('--license-file: cannot read the file', { file: path });
  }
  const out: Licences = new Map();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new InputError('expected NAME=value', { file: path, line: i + 1, col: 1 });
    const [, name = '', value = ''] = m;
    if (!allowed.includes(name))
      throw new InputError(`${name} is not a licence variable (${allowed.join(', ')})`, {
        file: path,
        line: i + 1,
        col: 1,
      });
    out.set(name, value.replace(/^(['"])(.*)\1$/, '$2'));
  });
  return out;
}

/** The file wins over the environment for a variable it names. */
export function collectLicences(env: NodeJS.ProcessEnv, licenceFile?: string): Licences {
  const out: Licences = new Map();
  for (const name of LICENCE_VARIABLES) if (env[name]) out.set(name, env[name]!);
  if (licenceFile) for (const [k, v] of readLicenceFile(licenceFile, LICENCE_VARIABLES)) out.set(k, v);
  return out;
}

/** Values YAML with each `<from VAR>` marker replaced by the licence value, for helm's stdin only. */
export function fillLicences(valuesText: string, licences: Licences): string {
  if (!valuesText.includes('<from ')) return valuesText;
  const doc = parseDocument(valuesText, { version: '1.1' });
  visit(doc, {
    Scalar(_key, node) {
      if (!isScalar(node) || typeof node.value !== 'string') return;
      for (const [name, value] of licences) if (node.value === licenseMarker(name)) node.value = value;
    },
  });
  const text = doc.toString({ lineWidth: 0 });
  const left = /<from ([A-Z0-9_]+)>/.exec(text);
  if (left)
    throw new InputError(
      `the licence ${left[1]} is needed but not set: export ${left[1]}=<key> or pass --license-file`,
    );
  return text;
}
