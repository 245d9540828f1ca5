import { nameFlag } from '../name-flag.ts';
import { platformFor } from '../platform/platform.ts';
import { controlHost } from '../profile/layout.ts';
import { PROXY_USER } from '../profile/scenarios.ts';
import type { RenderedLab } from '../render/render.ts';
import { LAB_SECRET_PREFIX, labSecretMarker } from '../render/scenarios.ts';
import { commandLine } from './command-line.ts';
import { labImages } from './images.ts';
import { scenarioCommands } from './scenario-commands.ts';
import { testCommands } from './test-commands.ts';
import type { ClusterTarget, Step } from './types.ts';

/** The registry an image reference pulls from (docker.io when it names none). */
function registryOf(image: string): string {
  const first = image.split('/')[0] ?? '';
  return image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')
    ? first
    : 'docker.io';
}

const hostOf = (ref: string) => ref.replace(/^(oci|https?):\/\//, '').split('/')[0] ?? ref;

/** The internet endpoints a lab needs: from this machine (charts, CRDs, images on kind) and from the cluster. */
export interface LabEndpoints {
  charts: string[];
  gatewayApi: { host: string; url: string };
  registries: string[];
  /** Who pulls the images: the host (kind) or the nodes (GKE). */
  imagesPulledBy: string;
  /** What the lab lets out through the egress gateway (and the proxy). */
  egressHosts: string[];
  /** The host verify tries to reach directly, which must be blocked: never to be allowed. */
  mustStayBlocked: string;
  /** The cloud's own APIs, as the runbook words them. */
  cloud: string[];
}

export function labEndpoints(rendered: RenderedLab): LabEndpoints {
  const { profile, stack } = rendered.loaded;
  const platform = platformFor(profile.platform);
  return {
    charts: [...new Set(rendered.releases.map((r) => hostOf(r.release.repo ?? r.release.chart)))],
    gatewayApi: { host: hostOf(stack.gatewayApi.url), url: stack.gatewayApi.url },
    registries: [
      ...new Set([
        ...labImages(rendered).map(registryOf),
        ...(rendered.kindConfig
          ? [...rendered.kindConfig.text.matchAll(/image: (\S+)/g)].map((m) => registryOf(m[1]!))
          : []),
      ]),
    ].sort(),
    imagesPulledBy: platform.imagesPulledBy,
    egressHosts: profile.egress.hosts,
    mustStayBlocked: controlHost(profile),
    cloud: platform.endpoints.map((e) => e.replace(/^- /, '').replace(/`/g, '')),
  };
}

/** The internet endpoints the lab needs from this machine and from the cluster, as the runbook lists them. */
export function endpointLines(rendered: RenderedLab): string[] {
  const e = labEndpoints(rendered);
  const { squid } = rendered.loaded.profile.components;
  return [
    `- Helm charts: ${e.charts.map((h) => `\`${h}\``).join(', ')}`,
    `- Gateway API CRDs: \`${e.gatewayApi.host}\` (${e.gatewayApi.url})`,
    `- Images: ${e.registries.map((h) => `\`${h}\``).join(', ')} (${e.imagesPulledBy})`,
    `- What the lab lets out, through the egress gateway${squid.mode === 'none' ? '' : ' and the proxy'}: ${e.egressHosts.map((h) => `\`${h}\``).join(', ')} (verify also tries \`${e.mustStayBlocked}\`, which must be blocked)`,
    ...e.cloud.map((c) => `- ${c}`),
  ];
}

/** How to run a licensed helm step by hand: fill the markers on the way to helm's stdin. */
function licenceSection(rendered: RenderedLab, steps: readonly Step[]): string[] {
  const { stack } = rendered.loaded;
  if (stack.licenses.length === 0) return [];
  const example = steps
    .flatMap((s) => s.run)
    .find(
      (c) =>
        c.bin === 'helm' && c.stdin && rendered.releases.some((r) => r.file === c.stdin && r.text.includes('<from ')),
    );
  const fill = stack.licenses.map((v) => `-e "s|<from ${v}>|$${v}|g"`).join(' ');
  return [
    '## Licence keys',
    '',
    `The values files hold markers such as \`<from ${stack.licenses[0]}>\`, never a key. \`up\` fills them from the environment (or \`--license-file\`) and hands the values to helm on stdin. By hand, export ${stack.licenses.join(', ')} and fill the markers on the way to helm instead of \`< FILE\` (a key with \`|\`, \`&\` or \`\\\` needs escaping for sed):`,
    '',
    ...(example
      ? ['```sh', `sed ${fill} ${example.stdin} | ${commandLine({ ...example, stdin: undefined as never })}`, '```', '']
      : []),
  ];
}

/** How to apply a file with the lab's secret markers by hand: make the values, fill them on the way to kubectl. */
function labSecretSection(rendered: RenderedLab, steps: readonly Step[]): string[] {
  const example = steps
    .flatMap((s) => s.run)
    .find(
      (c) =>
        c.bin === 'kubectl' &&
        c.stdin &&
        rendered.manifests.some((m) => m.file === c.stdin && m.text.includes(LAB_SECRET_PREFIX)),
    );
  if (!example) return [];
  const fill = [
    `-e "s|${labSecretMarker('api-key')}|$API_KEY|"`,
    `-e "s|${labSecretMarker('proxy-basic')}|$(printf '${PROXY_USER}:%s' "$PROXY_PASSWORD" | base64)|"`,
    `-e "s|${labSecretMarker('proxy-passwd')}|${PROXY_USER}:$(printf %s "$PROXY_PASSWORD" | md5sum | cut -d' ' -f1)|"`,
  ].join(' ');
  return [
    '## Lab secrets',
    '',
    `The scenario packs' files hold markers such as \`${labSecretMarker('api-key')}\`, never a value. \`up\` makes the values once (kept in the lab's folder, \`secrets.json\`) and fills them on the way to kubectl. By hand, make your own and fill each such file the same way instead of \`< FILE\`:`,
    '',
    '```sh',
    'API_KEY=$(openssl rand -hex 24) PROXY_PASSWORD=$(openssl rand -hex 16)',
    `sed ${fill} ${example.stdin} | ${commandLine({ ...example, stdin: undefined as never })}`,
    '```',
    '',
  ];
}

/** The scenario packs, each with the commands that show it. */
function scenarioSection(rendered: RenderedLab, target: ClusterTarget): string[] {
  const packs = scenarioCommands(rendered.loaded.profile, target);
  if (!packs.length) return [];
  return [
    '## Scenario packs',
    '',
    '```sh',
    ...packs.flatMap((p) => [`# ${p.lines[0]}`, ...p.lines.slice(1).map((l) => l.trim())]),
    '```',
    '',
  ];
}

/** After the steps: prove the path, then take it all down. */
export function runbookSections(rendered: RenderedLab, steps: readonly Step[], target: ClusterTarget): string[] {
  const lab = rendered.lab;
  const name = nameFlag(lab);
  const { profile } = rendered.loaded;
  const platform = platformFor(profile.platform);
  const created = platform.createsCluster(target);
  const cluster = platform.deleteCommand(
    { name: target.cluster, platform: profile.platform, ...profile.gke },
    target.kubeconfig,
  );
  return [
    ...licenceSection(rendered, steps),
    ...labSecretSection(rendered, steps),
    '## Internet endpoints',
    '',
    ...endpointLines(rendered),
    '',
    '## Verify',
    '',
    `\`egress-lab verify${name}\` proves the path hop by hop with log lines as evidence. By hand:`,
    '',
    '```sh',
    ...testCommands(rendered.loaded.profile, target),
    '```',
    '',
    ...scenarioSection(rendered, target),
    '## Tear down',
    '',
    `\`egress-lab down${name}\` removes exactly what \`up\` made, newest first, then the lab's folder.${created ? ' By hand, the cluster and everything in it:' : ' The cluster was not made by egress-lab: down removes only the lab from it.'}`,
    '',
    ...(created ? ['```sh', commandLine(cluster), '```', ''] : []),
  ];
}
