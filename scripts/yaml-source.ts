import { type Document, isMap, isNode, isScalar, LineCounter, type Node, parseDocument, visit } from 'yaml';
import { InputError, type SourcePos } from './errors.ts';
import { decodeUtf8, readInputFile } from './input-file.ts';
import { cachedDocuments } from './yaml-cache.ts';

/** A parsed YAML file that remembers where every node came from. */
export interface YamlSource {
  file: string;
  doc: Document;
  lines: LineCounter;
}

export const MAX_INPUT_BYTES = 256 * 1024;
export const MAX_ALIASES = 50;

/**
 * Reads one YAML document with Kubernetes' YAML 1.1 reading of yes/no/on/off: a regular UTF-8 file of at most
 * MAX_INPUT_BYTES; bad syntax is an InputError at its line and column.
 */
export function readYamlFile(file: string, shownAs = file): YamlSource {
  const text = decodeUtf8(readInputFile(file, MAX_INPUT_BYTES, shownAs), shownAs);
  const key = `${file}\n${shownAs}`;
  const seen = parsedFiles.get(key);
  if (seen?.text === text) return seen.source;
  const source = fromCache(file, text, shownAs) ?? parseYamlText(text, shownAs);
  parsedFiles.set(key, { text, source });
  return source;
}

/**
 * The files this process has parsed, with the text each was parsed from: a file read again with the same text
 * (every built-in profile lays `_defaults.yaml` and a stack under it) is not parsed again. The file is still
 * read each time, so a changed file is parsed anew; callers get fresh data from `toData` either way.
 */
const parsedFiles = new Map<string, { text: string; source: YamlSource }>();

/** Tags that only name the plain types of the core schema; any other (`!foo`, `!!binary`, `!!set`) is refused. */
const PLAIN_TAGS = new Set([
  'tag:yaml.org,2002:str',
  'tag:yaml.org,2002:int',
  'tag:yaml.org,2002:float',
  'tag:yaml.org,2002:bool',
  'tag:yaml.org,2002:null',
  'tag:yaml.org,2002:map',
  'tag:yaml.org,2002:seq',
]);
/** Keys that reach an object's prototype when data is merged or copied. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Explicit tags other than the plain ones, and prototype keys, at any depth: an InputError at the first one. */
function checkNodes(source: YamlSource): void {
  visit(source.doc, {
    Node(_key, node) {
      if (node.tag !== undefined && !PLAIN_TAGS.has(node.tag)) {
        throw new InputError(
          `the YAML tag ${node.tag.replace(/^tag:yaml\.org,2002:/, '!!')} is not allowed (plain values only)`,
          where(source, node),
        );
      }
      return undefined;
    },
    Pair(_key, pair) {
      if (isScalar(pair.key) && PROTOTYPE_KEYS.has(String(pair.key.value)))
        throw new InputError(`the key "${String(pair.key.value)}" is not allowed`, where(source, pair.key));
      return undefined;
    },
  });
}

const PARSE_OPTIONS = { version: '1.1', prettyErrors: true, uniqueKeys: true } as const;

/** A built-in profile file as the build parsed it (yaml-cache.ts), checked as a parsed one is. */
function fromCache(path: string, text: string, file: string): YamlSource | undefined {
  const cached = cachedDocuments(path, text, PARSE_OPTIONS);
  if (cached?.docs.length !== 1) return undefined;
  const source = { file, doc: cached.docs[0]!, lines: cached.lines };
  checkNodes(source);
  return source;
}

export function parseYamlText(text: string, file: string): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { ...PARSE_OPTIONS, lineCounter: lines });
  const problem = doc.errors[0];
  if (problem) {
    const at = problem.linePos?.[0];
    throw new InputError(`YAML syntax error: ${firstLine(problem.message)}`, { file, line: at?.line, col: at?.col });
  }
  const source = { file, doc, lines };
  checkNodes(source);
  return source;
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

function where(source: YamlSource, node: Node): SourcePos {
  const offset = node.range?.[0];
  if (offset === undefined) return { file: source.file };
  const { line, col } = source.lines.linePos(offset);
  return { file: source.file, line, col };
}
