import type { FakeCluster, Fakes } from '../fakes/fakes.ts';
import { gatewayApiCrds } from '../fakes/programs/charts.ts';

/** What a user's own tools record as the field manager of what they made. */
const owned = (manager: string, ...paths: string[][]) => [
  { manager, operation: 'Update', fields: paths.map((p) => JSON.stringify(p)) },
];

/** The Gateway API CRDs as another tool installed them, at `version`: the release's own, with that tool's field manager. */
export function userGatewayApi(version: string, manager: string): FakeCluster['crds'] {
  const annotations = ['metadata', 'annotations'];
  return Object.fromEntries(
    gatewayApiCrds(version).map((crd) => [
      crd.metadata.name,
      {
        group: crd.spec.group,
        kind: crd.spec.names.kind,
        object: {
          ...crd,
          metadata: {
            ...crd.metadata,
            managedFields: owned(
              manager,
              [...annotations, 'gateway.networking.k8s.io/bundle-version'],
              [...annotations, 'gateway.networking.k8s.io/channel'],
              ['spec', 'group'],
              ['spec', 'names', 'kind'],
              ['spec', 'names', 'plural'],
              ['spec', 'scope'],
            ),
          },
        },
      },
    ]),
  );
}

/** The user's own namespaces (ns1 and squid, the names the lab uses too), with their ConfigMaps and an HTTPRoute. */
export function userObjects(): FakeCluster['objects'] {
  const ns = (name: string) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: { team: 'payments' },
      managedFields: owned('kubectl-create', ['metadata', 'labels', 'team']),
    },
  });
  const cm = (namespace: string, name: string) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, managedFields: owned('kubectl-client-side-apply', ['data', 'owner']) },
    data: { owner: 'payments' },
  });
  return {
    'Namespace||ns1': ns('ns1'),
    'Namespace||squid': ns('squid'),
    'ConfigMap|ns1|user-settings': cm('ns1', 'user-settings'),
    'ConfigMap|squid|squid-notes': cm('squid', 'squid-notes'),
    'HTTPRoute|ns1|user-route': {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'user-route', namespace: 'ns1', managedFields: owned('kubectl-client-side-apply', ['spec']) },
    },
  } as FakeCluster['objects'];
}

/** A cluster the user made and filled: namespaces, objects, Gateway API CRDs, and optionally Istio releases. */
export function addUserCluster(
  fakes: Fakes,
  key: string,
  extra: Partial<FakeCluster> & { crds?: FakeCluster['crds'] } = {},
): void {
  fakes.update((s) => {
    s.clusters[key] = {
      platform: 'kind',
      server: 'https://127.0.0.1:39001',
      uid: 'user-cluster-uid',
      crds: userGatewayApi('v1.4.0', 'kubectl-client-side-apply'),
      objects: userObjects(),
      releases: {},
      namespaces: ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'ns1', 'squid'],
      ...extra,
    };
  });
}

/** The user's things in a cluster, to compare before and after: every pre-existing key, byte for byte. */
export function userThings(cluster: FakeCluster, before: FakeCluster) {
  const pick = <T>(all: Record<string, T>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, all[k]]));
  return {
    objects: JSON.stringify(pick(cluster.objects, Object.keys(before.objects))),
    crds: JSON.stringify(pick(cluster.crds, Object.keys(before.crds))),
    releases: JSON.stringify(pick(cluster.releases, Object.keys(before.releases))),
    namespaces: before.namespaces.filter((n) => !cluster.namespaces.includes(n)),
  };
}
