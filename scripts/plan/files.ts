import type { RenderedLab } from '../render/render.ts';
import { planMarkdown } from './markdown.ts';

/** Every file of a render, by name: kind config, helm values per release, one manifest per applied unit, plan.md. */
export function renderFiles(rendered: RenderedLab, profileName: string): Map<string, string> {
  const files = new Map<string, string>();
  if (rendered.kindConfig) files.set(rendered.kindConfig.file, rendered.kindConfig.text);
  for (const r of rendered.releases) files.set(r.file, r.text);
  for (const m of rendered.manifests) files.set(m.file, m.text);
  files.set('plan.md', planMarkdown(rendered, profileName));
  return files;
}
