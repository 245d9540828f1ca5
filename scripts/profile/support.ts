import { join } from 'node:path';
import { profilesDir } from '../paths.ts';
import { readYamlFile, toData } from '../yaml-source.ts';

/** profiles/_support-matrix.yaml: each pinned release's published support range, with its source. */
export interface SupportMatrix {
  istio: { release: string; kubernetes: { min: string }; source: string }[];
  gatewayApi: { release: string; kubernetes: { min: string }; source: string }[];
  helm: { olderMinors: number; source: string; clients: Record<string, string> };
  kubectl: { skew: number; source: string };
}

export const SUPPORT_MATRIX_FILE = 'profiles/_support-matrix.yaml';
let cached: SupportMatrix | undefined;
export function supportMatrix(): SupportMatrix {
  cached ??= toData(readYamlFile(join(profilesDir, '_support-matrix.yaml'), SUPPORT_MATRIX_FILE)) as SupportMatrix;
  return cached;
}

/** "v1.35.8", "1.30.5-solo", "kindest/node:v1.35.8@sha256:…" → "1.35". */
export function minorOf(version: string): string | undefined {
  const m = /(?:^|[:v])(\d+)\.(\d+)(?:\.\d+)?/.exec(version);
  return m ? `${m[1]}.${m[2]}` : undefined;
}

/** Compares two "major.minor" versions. */
export function compareMinor(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am - bm || an - bn;
}
const addMinor = (v: string, n: number) => {
  const [major = 1, minor = 0] = v.split('.').map(Number);
  return `${major}.${minor + n}`;
};

/** The Kubernetes minor a kind node image runs (kindest/node:vX.Y.Z tags name it). */
export const kindNodeKubernetes = (nodeImage: string) => minorOf(nodeImage.split('/').at(-1) ?? nodeImage);

export interface SupportProblem {
  /** What breaks the range, with the range. */
  message: string;
  source: string;
}

/** Istio and Gateway API releases against the cluster's Kubernetes minor. */
export function clusterSupport(k8s: string, istioVersion: string, gatewayApiUrl: string): SupportProblem[] {
  const m = supportMatrix();
  const problems: SupportProblem[] = [];
  const istio = m.istio.find((e) => e.release === minorOf(istioVersion));
  if (istio && compareMinor(k8s, istio.kubernetes.min) < 0)
    problems.push({
      message: `Istio ${istioVersion} needs Kubernetes ${istio.kubernetes.min} or newer, and the node image runs ${k8s}`,
      source: istio.source,
    });
  const gw = m.gatewayApi.find((e) => gatewayApiUrl.includes(`/${e.release}/`));
  if (gw && compareMinor(k8s, gw.kubernetes.min) < 0)
    problems.push({
      message: `Gateway API ${gw.release} supports Kubernetes ${gw.kubernetes.min} or newer, and the node image runs ${k8s}`,
      source: gw.source,
    });
  return problems;
}

/** helm's supported Kubernetes minors: its client's minor and the ones before it; undefined when unknown. */
export function helmSupports(helmVersion: string): { oldest: string; newest: string } | undefined {
  const { clients, olderMinors } = supportMatrix().helm;
  const client = clients[minorOf(helmVersion) ?? ''];
  return client ? { oldest: addMinor(client, -olderMinors), newest: client } : undefined;
}

/** kubectl's supported Kubernetes minors: within the skew of its own minor. */
export function kubectlSupports(kubectlVersion: string): { oldest: string; newest: string } | undefined {
  const minor = minorOf(kubectlVersion);
  const { skew } = supportMatrix().kubectl;
  return minor ? { oldest: addMinor(minor, -skew), newest: addMinor(minor, skew) } : undefined;
}

export const within = (k8s: string, range: { oldest: string; newest: string }) =>
  compareMinor(k8s, range.oldest) >= 0 && compareMinor(k8s, range.newest) <= 0;
