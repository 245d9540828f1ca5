import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Document, LineCounter, parseAllDocuments } from 'yaml';
import { packageRoot } from '../../scripts/paths.ts';
import { cachedDocuments, cacheEntry, YAML_CACHE_FILE } from '../../scripts/yaml-cache.ts';

/** Every .yaml file under templates/ and profiles/, relative to the package root. */
function builtinYamlFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.yaml')) out.push(relative(packageRoot, path));
    }
  };
  for (const folder of ['templates', 'profiles']) walk(join(packageRoot, folder));
  return out.sort();
}

/** A node as plain data: its class, every own property the parser set, its children the same way. */
function shape(node: unknown): unknown {
  if (node === null || typeof node !== 'object') return node;
  if (Array.isArray(node)) return node.map(shape);
  const out: Record<string, unknown> = { class: node.constructor.name };
  for (const [key, value] of Object.entries(node)) out[key] = shape(value);
  return out;
}

const docShape = (doc: Document) => ({
  contents: shape(doc.contents),
  commentBefore: doc.commentBefore,
  comment: doc.comment,
  range: doc.range,
  docStart: doc.directives?.docStart,
  docEnd: doc.directives?.docEnd,
  version: doc.directives?.yaml.version,
});

describe('the build parses the built-in YAML once (dist/yaml-cache.json)', () => {
  const files = builtinYamlFiles();
  const cache = JSON.parse(readFileSync(join(packageRoot, 'dist', YAML_CACHE_FILE), 'utf8')) as {
    files: Record<string, unknown>;
  };

  it('holds every template and profile file (npm test builds it first)', () => {
    expect(files.length).toBeGreaterThan(40);
    expect(Object.keys(cache.files).sort()).toEqual(files);
  });

  it.each(files)('%s: the rebuilt Documents are the parser’s, node for node, and print the same', (rel) => {
    const path = join(packageRoot, rel);
    const text = readFileSync(path, 'utf8');
    const lines = new LineCounter();
    const parsed = parseAllDocuments(text, { version: '1.1', lineCounter: lines }) as Document[];
    const cached = cachedDocuments(path, text, { version: '1.1' });
    expect(cached).toBeDefined();
    expect(cached!.docs.map(docShape)).toEqual(parsed.map(docShape));
    expect(cached!.docs.map((d) => d.toString({ lineWidth: 0 }))).toEqual(
      parsed.map((d) => d.toString({ lineWidth: 0 })),
    );
    expect(cached!.docs.map((d) => d.toJS())).toEqual(parsed.map((d) => d.toJS()));
    // Positions in error messages come from the line starts and the ranges compared above.
    expect(cached!.lines.lineStarts).toEqual(lines.lineStarts);
  });

  it('a file whose text is not the cached text is parsed anew (an edited template or profile)', () => {
    const path = join(packageRoot, 'profiles', 'kind.yaml');
    const text = readFileSync(path, 'utf8');
    expect(cachedDocuments(path, text, { version: '1.1' })).toBeDefined();
    expect(cachedDocuments(path, `${text}# edited\n`, { version: '1.1' })).toBeUndefined();
    expect(cachedDocuments(join(packageRoot, 'profiles', 'no-such.yaml'), text, { version: '1.1' })).toBeUndefined();
  });

  it('each rebuild is a fresh Document (render changes the ones it gets)', () => {
    const path = join(packageRoot, 'templates', 'sample', 'sample.yaml');
    const text = readFileSync(path, 'utf8');
    const first = cachedDocuments(path, text, { version: '1.1' })!.docs[0]!;
    first.setIn(['metadata', 'name'], 'changed');
    const second = cachedDocuments(path, text, { version: '1.1' })!.docs[0]!;
    expect(second.getIn(['metadata', 'name'])).not.toBe('changed');
  });

  it.each([
    ['an anchor and an alias', 'a: &x 1\nb: *x\n'],
    ['an explicit tag', 'a: !!binary aGVsbG8=\n'],
    ['a YAML 1.1 timestamp (a Date, which JSON cannot hold)', 'when: 2001-12-14\n'],
    ['a YAML error', 'a: [1\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
  ])('leaves out a file with %s (it is parsed at run time, as before)', (_what, text) => {
    expect(cacheEntry(text)).toBeUndefined();
  });

  it('keeps a plain file with comments, quoting, block scalars and flow collections', () => {
    const text = '# head\na: "q" # tail\nb: |\n  line\nc: {x: 1, y: [2, 3]}\n\nd: 0x1F\n';
    const entry = cacheEntry(text);
    expect(entry?.text).toBe(text);
  });
});
