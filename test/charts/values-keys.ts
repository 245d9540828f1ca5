import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';

/**
 * Which values keys a chart reads. Helm ignores a key no template reads, so a misspelt or misplaced key in
 * the lab's values changes nothing and says nothing. How the charts consume values (read from the sources in
 * ../shared/charts):
 * - Istio 1.30 charts keep their defaults under `_internal_defaults_do_not_set` in values.yaml, and
 *   templates/zzz_profile.yaml merges defaults < `files/profile-<profile>.yaml` (+ platform and compatibility
 *   profiles) < user values into .Values, so a key is set exactly as if the wrapper were absent.
 * - zzz_profile.yaml reads `profile` and `platform` at the top level or under `global`, and `compatibilityVersion`.
 * - Its "flatten globals" merge of `global` onto the top level is switched on (`if true`) only in the ztunnel
 *   chart: there `global.X` sets `X`. In base, istiod and cni it is `if false`, and `global.*` is its own tree.
 * - The profile files set values for every Istio chart at once (istiod's profile-ambient.yaml sets
 *   `cni.ambient.enabled`, which istiod never reads), so a key in a profile file is not, by itself, read.
 * - istiod renders its files/ (injection and gateway templates) with the same values at run time, from the
 *   values it stores in the sidecar injector ConfigMap: `.Values` references there count.
 *
 * So a key path is read when the chart's defaults have it, or a template references it (`.Values.a.b`), or a
 * template consumes a map above it whole (`toYaml .Values.env`, `range … .Values.env`, `mergeOverwrite …
 * .Values.meshConfig`): a reference not followed by a deeper key. The root and `global` are never taken whole.
 */
export interface ChartKeys {
  chart: string;
  defaults: Record<string, unknown>;
  /** Every `.Values.…` path the templates reference, and every prefix of it. */
  referenced: Set<string>;
  /** Paths the templates use as a whole value (no deeper key follows). */
  whole: Set<string>;
  flattensGlobal: boolean;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function templateFiles(chartDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (/\.(ya?ml|tpl|txt)$/.test(e.name) && !/^profile-.*\.yaml$/.test(e.name)) out.push(path);
    }
  };
  for (const sub of ['templates', 'files']) {
    try {
      walk(join(chartDir, sub));
    } catch {
      // a chart without files/
    }
  }
  return out;
}

/** zzz_profile.yaml's switched-off blocks (`{{- if false }} … {{- end }}`) read nothing. */
const dropDeadBlocks = (text: string) => text.replace(/\{\{-?\s*if false\s*-?\}\}[\s\S]*?\{\{-?\s*end\s*-?\}\}/g, '');

export function loadChartKeys(chartDir: string): ChartKeys {
  const values = (parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) ?? {}) as Record<string, unknown>;
  const { _internal_defaults_do_not_set: wrapped, ...rest } = values;
  const defaults = { ...rest, ...(isMap(wrapped) ? wrapped : {}) };
  const referenced = new Set<string>();
  const whole = new Set<string>();
  let flattensGlobal = false;
  for (const file of templateFiles(chartDir)) {
    let text = readFileSync(file, 'utf8');
    if (file.endsWith('zzz_profile.yaml')) {
      flattensGlobal ||=
        /\{\{-?\s*if true\s*\}\}\s*\{\{-?\s*\$a := mustMergeOverwrite \$defaults \(\$profile\.global\)/.test(text);
      text = dropDeadBlocks(text).replace(/mustMergeOverwrite \$defaults \(\$profile\.global\)[^}]*/g, '');
    }
    // ($.Values).profile and ($.Values.global).platform are .Values.profile and .Values.global.platform.
    text = text.replace(/\(\s*\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\)/g, '.Values$1');
    for (const m of text.matchAll(/\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) {
      const path = m[1]!.slice(1);
      const parts = path.split('.');
      for (let i = 1; i <= parts.length; i++) referenced.add(parts.slice(0, i).join('.'));
      if (path !== 'global') whole.add(path);
    }
  }
  return { chart: relative(join(chartDir, '..', '..'), chartDir), defaults, referenced, whole, flattensGlobal };
}

function inDefaults(defaults: Record<string, unknown>, path: string): boolean {
  let node: unknown = defaults;
  for (const step of path.split('.')) {
    if (!isMap(node) || !Object.hasOwn(node, step)) return false;
    node = node[step];
  }
  return true;
}

function isRead(keys: ChartKeys, path: string): boolean {
  if (inDefaults(keys.defaults, path) || keys.referenced.has(path)) return true;
  const parts = path.split('.');
  for (let i = 1; i < parts.length; i++) if (keys.whole.has(parts.slice(0, i).join('.'))) return true;
  if (keys.flattensGlobal && parts[0] === 'global' && parts.length > 1) return isRead(keys, parts.slice(1).join('.'));
  return false;
}

/** Every key path in `values` that the chart does not read (a map is descended into; its leaves are checked). */
export function unreadKeys(values: unknown, keys: ChartKeys, prefix = ''): string[] {
  if (!isMap(values)) return [];
  return Object.entries(values).flatMap(([key, value]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isMap(value) && Object.keys(value).length > 0) {
      const parts = path.split('.');
      const wholeAbove = parts.some((_p, i) => keys.whole.has(parts.slice(0, i + 1).join('.')));
      return wholeAbove ? [] : unreadKeys(value, keys, path);
    }
    return isRead(keys, path) ? [] : [path];
  });
}
