/** Deep merge for layered profile data: mappings merge key by key; lists and scalars from the higher layer replace. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function deepMerge(low: unknown, high: unknown): unknown {
  if (!isPlainObject(low) || !isPlainObject(high)) return high === undefined ? low : high;
  const out: Record<string, unknown> = { ...low };
  for (const [key, value] of Object.entries(high)) out[key] = deepMerge(low[key], value);
  return out;
}

export function hasPath(data: unknown, path: readonly PropertyKey[]): boolean {
  let node: unknown = data;
  for (const step of path) {
    if (typeof node !== 'object' || node === null || !(String(step) in node)) return false;
    node = (node as Record<string, unknown>)[String(step)];
  }
  return true;
}

export function setPath(data: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = data;
  for (const step of path.slice(0, -1)) {
    if (!isPlainObject(node[step])) node[step] = {};
    node = node[step] as Record<string, unknown>;
  }
  node[path.at(-1) as string] = value;
}
