import { readFileSync, statSync } from 'node:fs';
import { type Document, isMap, isNode, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import { InputError, type SourcePos } from './errors.ts';

/** A parsed YAML file that remembers where every node came from. */
export interface YamlSource {
  file: string;
  doc: Document;
  lines: LineCounter;
}

export const MAX_INPUT_BYTES = 256 * 1024;
export const MAX_ALIASES = 50;

/** Reads one YAML document with Kubernetes' YAML 1.1 reading of yes/no/on/off; bad syntax is an InputError at its line and column. */
export function readYamlFile(file: string, shownAs = file): YamlSource {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new InputError('no such file', { file: shownAs });
  }
  if (size > MAX_INPUT_BYTES)
    throw new InputError(`file is ${size} bytes; the limit is ${MAX_INPUT_BYTES}`, { file: shownAs });
  return parseYamlText(readFileSync(file, 'utf8'), shownAs);
}

export function parseYamlText(text: string, file: string): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, version: '1.1', prettyErrors: true, uniqueKeys: true });
  const problem = doc.errors[0];
  if (problem) {
    const at = problem.linePos?.[0];
    throw new InputError(`YAML syntax error: ${firstLine(problem.message)}`, { file, line: at?.line, col: at?.col });
  }
  return { file, doc, lines };
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

/** The plain data of a source, with alias expansion bounded (a "billion laughs" file is an InputError). */
export function toData(source: YamlSource): unknown {
  try {
    return source.doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    throw new InputError(`cannot read the YAML: ${(err as Error).message}`, { file: source.file });
  }
}

/** Where `path` sits in the source: the node itself, or the key `key` under it, or else the deepest node that exists on the way. */
export function positionOf(source: YamlSource, path: readonly PropertyKey[], key?: string): SourcePos | undefined {
  const nodeAt = (p: readonly PropertyKey[]): unknown =>
    p.length === 0 ? source.doc.contents : source.doc.getIn(p as unknown[], true);
  if (key !== undefined) {
    const parent = nodeAt(path);
    const pair = isMap(parent)
      ? parent.items.find((item) => isScalar(item.key) && String(item.key.value) === key)
      : undefined;
    if (pair && isNode(pair.key)) return where(source, pair.key);
  }
  for (let n = path.length; n >= 0; n--) {
    const node = nodeAt(path.slice(0, n));
    if (isNode(node)) return where(source, node);
  }
  return undefined;
}

function where(source: YamlSource, node: Node): SourcePos | undefined {
  const offset = node.range?.[0];
  if (offset === undefined) return undefined;
  const { line, col } = source.lines.linePos(offset);
  return { file: source.file, line, col };
}
