import { type Document, isScalar, isSeq, LineCounter, parseAllDocuments, type Scalar, visit } from 'yaml';
import { formatPos } from '../errors.ts';
import { decodeUtf8, MiB, readInputFile } from '../input-file.ts';
import { templatePath } from '../paths.ts';
import { cachedDocuments } from '../yaml-cache.ts';

/** A context value that removes the key (or list item) whose whole value is its placeholder. */
export const OMIT: unique symbol = Symbol('omit');
export type TemplateContext = { readonly [key: string]: unknown };

/** A template that cannot be rendered: a bug in egress-lab's templates or stack data, named by file:line:col. */
export class TemplateError extends Error {
  constructor(message: string, file: string, lines: LineCounter, offset: number | undefined) {
    const at = offset === undefined ? { line: undefined, col: undefined } : lines.linePos(offset);
    super(`${formatPos({ file, line: at.line, col: at.col })}: ${message}`);
    this.name = 'TemplateError';
  }
}

const WHOLE = /^\$\{([A-Za-z0-9_.-]+)\}$/;
const ANY = /\$\{([^}]*)\}/g;

function lookup(ctx: TemplateContext, path: string): { found: boolean; value?: unknown } {
  let node: unknown = ctx;
  for (const step of path.split('.')) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, step)) return { found: false };
    node = (node as Record<string, unknown>)[step];
  }
  return node === undefined ? { found: false } : { found: true, value: node };
}

const sources = new Map<string, string>();
function readTemplate(relPath: string): string {
  let text = sources.get(relPath);
  if (text === undefined) {
    const file = templatePath(relPath);
    text = decodeUtf8(readInputFile(file, MiB, file, 'template'), file);
    sources.set(relPath, text);
  }
  return text;
}

/**
 * Renders one template file (one or more YAML documents). Placeholders `${a.b}` are replaced at the
 * scalar level: a whole-scalar placeholder takes the context value as it is (a string never becomes
 * structure; a list or mapping from the context becomes a node), OMIT removes its key or item, and a
 * placeholder inside a longer string takes a string or number. An unknown placeholder is a TemplateError.
 */
export function renderTemplate(relPath: string, ctx: TemplateContext): Document[] {
  const file = `templates/${relPath}`;
  const text = readTemplate(relPath);
  const cached = cachedDocuments(templatePath(relPath), text, { version: '1.1' });
  const lines = cached?.lines ?? new LineCounter();
  const docs = cached?.docs ?? parseAllDocuments(text, { lineCounter: lines, version: '1.1' });
  if (!Array.isArray(docs)) throw new TemplateError('not a YAML stream', file, lines, 0);
  for (const doc of docs) {
    const problem = doc.errors[0];
    if (problem) throw new TemplateError(problem.message.split('\n')[0] ?? 'YAML error', file, lines, problem.pos[0]);
    const fail = (message: string, node: Scalar): never => {
      throw new TemplateError(message, file, lines, node.range?.[0]);
    };
    const resolveWhole = (node: Scalar, name: string): unknown => {
      const { found, value } = lookup(ctx, name);
      if (!found) fail(`unknown placeholder \${${name}}`, node);
      return value;
    };
    visit(doc, {
      Pair(_key, pair) {
        const value = pair.value;
        const whole = isScalar(value) && typeof value.value === 'string' ? WHOLE.exec(value.value) : null;
        return whole && resolveWhole(value as Scalar, whole[1]!) === OMIT ? visit.REMOVE : undefined;
      },
      Scalar(key, node, path) {
        if (typeof node.value !== 'string' || !node.value.includes('${')) return undefined;
        if (key === 'key') fail('placeholders are not allowed in keys', node);
        const whole = WHOLE.exec(node.value);
        if (whole) {
          const value = resolveWhole(node, whole[1]!);
          if (value === OMIT)
            return isSeq(path.at(-1))
              ? visit.REMOVE
              : fail(`\${${whole[1]}} is omitted but is not a mapping value or list item`, node);
          if (value !== null && typeof value === 'object') return doc.createNode(value);
          node.value = value;
          return undefined;
        }
        node.value = node.value.replace(ANY, (_m, name: string) => {
          const value = resolveWhole(node, name);
          if (typeof value !== 'string' && typeof value !== 'number')
            fail(`\${${name}} inside a string must be a string or number`, node);
          return String(value);
        });
        return undefined;
      },
    });
  }
  return docs;
}

/** A YAML stream of documents, each separated by one `---` line. */
export function stringifyDocs(docs: readonly Document[]): string {
  return docs.map((doc) => doc.toString({ lineWidth: 0 }).replace(/^---\n/, '')).join('---\n');
}
