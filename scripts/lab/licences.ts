import { isScalar, parseDocument, visit } from 'yaml';
import { InputError, type SourcePos } from '../errors.ts';
import { decodeUtf8, KiB, readInputFile } from '../input-file.ts';
import { LICENCE_VARIABLES } from '../profile/licence-variables.ts';
import { licenseMarker } from '../render/context.ts';

/** Licence values for one run: read from the environment or a --license-file, kept in memory only. */
export type Licences = Map<string, string>;

/** A --license-file holds NAME=value lines (# comments on their own lines), only for the licence variables. */
export function readLicenceFile(path: string, allowed: readonly string[]): Licences {
  let text: string;
  try {
    text = decodeUtf8(readInputFile(path, 64 * KiB, path, 'licence file'), path);
  } catch (err) {
    if (err instanceof InputError && !/no such file|cannot read/.test(err.message))
      throw new InputError(`--license-file: ${err.message}`);
    throw new InputError('--license-file: cannot read the file', { file: path });
  }
  const out: Licences = new Map();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const at = (col: number) => ({ file: path, line: i + 1, col });
    const m = /^(?:export\s+)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new InputError('expected NAME=value', at(1));
    const [, name = '', value = ''] = m;
    if (!allowed.includes(name))
      throw new InputError(`${name} is not a licence variable (${allowed.join(', ')})`, at(1));
    out.set(name, licenceValue(name, value, at(line.length - value.length + 1)));
  });
  return out;
}

/**
 * The value of one NAME=value line: as it is, or inside one pair of matching quotes. An empty value, a comment
 * after the value, a stray quote or a space inside it is an InputError: each would otherwise become part of the
 * key helm installs, or no key at all.
 */
function licenceValue(name: string, raw: string, pos: SourcePos): string {
  const fail = (problem: string): never => {
    throw new InputError(`${name}: ${problem}`, pos);
  };
  if (/(^|\s)#/.test(raw)) fail('a comment after the value; put comments on lines of their own');
  let value = raw;
  const quote = raw[0];
  if (quote === '"' || quote === "'") {
    if (raw.length < 2 || !raw.endsWith(quote)) fail(`the ${quote} quote is not closed at the end of the value`);
    value = raw.slice(1, -1);
  }
  if (/['"]/.test(value)) fail('a stray quote in the value; quote the whole value with one pair of quotes, or none');
  if (value === '') fail('the value is empty');
  if (/\s/.test(value)) fail('the value has a space in it; a licence key has none');
  return value;
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
