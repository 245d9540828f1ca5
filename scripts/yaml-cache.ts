import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import {
  Document,
  type DocumentOptions,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  Pair,
  type ParseOptions,
  parseAllDocuments,
  Scalar,
  type SchemaOptions,
  YAMLMap,
  YAMLSeq,
} from 'yaml';
import { packageRoot, profilesDir, templatesDir } from './paths.ts';

/**
 * The built-in YAML files (templates/ and profiles/), parsed when `npm run build` runs: dist/yaml-cache.json
 * holds each file's text and its node tree, and a run rebuilds the Documents from the tree instead of running
 * the YAML parser. The parser runs once per process, before V8 has compiled it, which made it the largest part
 * of a cold `render`.
 *
 * A file is taken from the cache only when its text is exactly the cached text (an edited template or profile
 * is parsed anew), and the build leaves out a file holding anything the tree does not carry (an anchor or alias,
 * an explicit tag, a value JSON cannot hold, a node property this module does not know). The rebuilt nodes
 * carry every property the parser set, ranges included, so error positions stay the same
 * (test/unit/yaml-cache.test.ts compares them with the parser's, for every built-in file).
 */
export const YAML_CACHE_FILE = 'yaml-cache.json';
/** A file's key in the cache: its path under the package root, with `/` on every system. */
const cacheKey = (path: string) => relative(packageRoot, path).split(sep).join('/');

type Json = string | number | boolean | null | number[];
/** One node: `s` scalar, `m` mapping (items are key/value pairs), `q` sequence; `p` its own properties. */
type Tree =
  | { k: 's'; p: Record<string, Json> }
  | { k: 'm'; p: Record<string, Json>; i: [Tree, Tree | null][] }
  | { k: 'q'; p: Record<string, Json>; i: (Tree | null)[] };
interface CachedDoc {
  p: Record<string, Json>;
  docStart: boolean;
  docEnd: boolean;
  contents: Tree | null;
}
interface CachedFile {
  text: string;
  lineStarts: number[];
  docs: CachedDoc[];
}

/** The properties a parsed node may have that the cache carries; a node with any other is not cached. */
const SCALAR_PROPS = new Set([
  'value',
  'range',
  'source',
  'type',
  'format',
  'minFractionDigits',
  'commentBefore',
  'comment',
  'spaceBefore',
]);
const COLLECTION_PROPS = new Set(['items', 'range', 'flow', 'commentBefore', 'comment', 'spaceBefore']);
const DOC_PROPS = ['commentBefore', 'comment', 'range'] as const;

/** The tree could not carry this file; the build leaves the file out. */
class NotCacheable extends Error {}

const jsonSafe = (v: unknown): v is Json =>
  v === null ||
  typeof v === 'string' ||
  typeof v === 'boolean' ||
  (typeof v === 'number' && Number.isFinite(v) && !Object.is(v, -0)) ||
  (Array.isArray(v) && v.every((x) => typeof x === 'number'));

function ownProps(node: object, allowed: Set<string>): Record<string, Json> {
  const props: Record<string, Json> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'items' || value === undefined) continue;
    if (!allowed.has(key) || !jsonSafe(value)) throw new NotCacheable(key);
    props[key] = value;
  }
  return props;
}

function toTree(node: unknown): Tree | null {
  if (node === null) return null;
  if (isScalar(node) && Object.getPrototypeOf(node) === Scalar.prototype) {
    const p = ownProps(node, SCALAR_PROPS);
    if (typeof node.source !== 'string') throw new NotCacheable('a scalar without its source');
    // Most scalars' source is their value as written (`80`, `true`, `name`): left out, and put back on rebuild.
    if (node.source === String(node.value)) delete p['source'];
    return { k: 's', p };
  }
  if (isMap(node) && Object.getPrototypeOf(node) === YAMLMap.prototype) {
    const items = node.items.map((pair): [Tree, Tree | null] => {
      if (!isPair(pair) || Object.keys(pair).some((k) => k !== 'key' && k !== 'value')) throw new NotCacheable('pair');
      const key = toTree(pair.key);
      if (key === null) throw new NotCacheable('a pair without a key');
      return [key, toTree(pair.value)];
    });
    return { k: 'm', p: ownProps(node, COLLECTION_PROPS), i: items };
  }
  if (isSeq(node) && Object.getPrototypeOf(node) === YAMLSeq.prototype)
    return { k: 'q', p: ownProps(node, COLLECTION_PROPS), i: node.items.map(toTree) };
  throw new NotCacheable('node');
}

/** One file's cache entry, or undefined when the file has a YAML error or holds what the tree cannot carry. */
export function cacheEntry(text: string): CachedFile | undefined {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { version: '1.1', lineCounter: lines });
  if (!Array.isArray(docs)) return undefined;
  try {
    return {
      text,
      lineStarts: [...lines.lineStarts],
      docs: docs.map((doc) => {
        if (doc.errors.length > 0 || doc.warnings.length > 0) throw new NotCacheable('errors');
        const p: Record<string, Json> = {};
        for (const key of DOC_PROPS) if (doc[key] !== undefined && doc[key] !== null) p[key] = doc[key];
        return {
          p,
          docStart: doc.directives?.docStart === true,
          docEnd: doc.directives?.docEnd === true,
          contents: toTree(doc.contents),
        };
      }),
    };
  } catch (err) {
    if (err instanceof NotCacheable) return undefined;
    throw err;
  }
}

/** The text of dist/yaml-cache.json for the package's built-in files (`npm run build` writes it). */
export function yamlCacheText(): string {
  const files: Record<string, CachedFile> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.yaml')) {
        const entry = cacheEntry(readFileSync(path, 'utf8'));
        if (entry) files[cacheKey(path)] = entry;
      }
    }
  };
  for (const dir of [templatesDir, profilesDir]) walk(dir);
  return JSON.stringify({ files });
}

function fromTree(tree: Tree | null, doc: Document): Node | null {
  if (tree === null) return null;
  let node: Node;
  if (tree.k === 's') node = Object.assign(new Scalar(tree.p['value']), { source: String(tree.p['value']) });
  else if (tree.k === 'm') {
    const map = new YAMLMap(doc.schema);
    map.items = tree.i.map(([key, value]) => new Pair(fromTree(key, doc), fromTree(value, doc)));
    node = map;
  } else {
    const seq = new YAMLSeq(doc.schema);
    seq.items = tree.i.map((item) => fromTree(item, doc));
    node = seq;
  }
  return Object.assign(node, tree.p);
}

let cache: Record<string, CachedFile> | undefined;

/** The cache the build wrote beside the bundle; none (every file parsed) when it is missing or unreadable. */
function loadCache(): Record<string, CachedFile> {
  if (cache) return cache;
  try {
    const data = JSON.parse(readFileSync(join(packageRoot, 'dist', YAML_CACHE_FILE), 'utf8')) as { files?: unknown };
    cache = typeof data.files === 'object' && data.files !== null ? (data.files as Record<string, CachedFile>) : {};
  } catch {
    cache = {};
  }
  return cache;
}

/**
 * The Documents of `file` as the parser would give them for `text` with `options`, rebuilt from the build's
 * tree (fresh objects on every call: callers change them), and the line starts for positions; undefined when
 * the file is not a cached built-in or its text is not the cached text.
 */
export function cachedDocuments(
  file: string,
  text: string,
  // The build parsed with YAML 1.1 (Kubernetes' reading of yes/no/on/off), so its scalars hold 1.1 values.
  options: ParseOptions & DocumentOptions & SchemaOptions & { version: '1.1' },
): { docs: Document[]; lines: LineCounter } | undefined {
  const entry = loadCache()[cacheKey(file)];
  if (entry?.text !== text) return undefined;
  try {
    const lines = new LineCounter();
    for (const start of entry.lineStarts) lines.addNewLine(start);
    const docs = entry.docs.map((cached) => {
      const doc = new Document(undefined, options);
      doc.contents = fromTree(cached.contents, doc);
      Object.assign(doc, cached.p);
      if (cached.docStart) doc.directives!.docStart = true;
      if (cached.docEnd) doc.directives!.docEnd = true;
      return doc;
    });
    return { docs, lines };
  } catch {
    // A damaged cache file: the parser gives the same answer, only slower.
    return undefined;
  }
}
