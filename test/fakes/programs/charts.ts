// What the charts and the Gateway API release install, and the kinds the API server serves without a CRD.

import type { K8sObject } from '../types.ts';

// ---- what the charts and the Gateway API release install -------------------------------------------------
const GATEWAY_API_CRDS: [string, string, string][] = [
  ['gatewayclasses', 'gateway.networking.k8s.io', 'GatewayClass'],
  ['gateways', 'gateway.networking.k8s.io', 'Gateway'],
  ['httproutes', 'gateway.networking.k8s.io', 'HTTPRoute'],
  ['grpcroutes', 'gateway.networking.k8s.io', 'GRPCRoute'],
  ['referencegrants', 'gateway.networking.k8s.io', 'ReferenceGrant'],
  ['backendtlspolicies', 'gateway.networking.k8s.io', 'BackendTLSPolicy'],
  ['tcproutes', 'gateway.networking.k8s.io', 'TCPRoute'],
  ['tlsroutes', 'gateway.networking.k8s.io', 'TLSRoute'],
  ['udproutes', 'gateway.networking.k8s.io', 'UDPRoute'],
  ['xbackendtrafficpolicies', 'gateway.networking.x-k8s.io', 'XBackendTrafficPolicy'],
  ['xlistenersets', 'gateway.networking.x-k8s.io', 'XListenerSet'],
  ['xmeshes', 'gateway.networking.x-k8s.io', 'XMesh'],
];
/**
 * What a chart installs: CRDs as [plural, group, kind] (kept on uninstall with keepCrds), workloads as [kind, name,
 * priority class], the Linux capabilities a workload's container adds (by workload name), GatewayClasses by name.
 */
export interface ChartEffects {
  keepCrds?: boolean;
  crds?: [string, string, string][];
  workloads?: ([string, string] | [string, string, string])[];
  capabilities?: Record<string, string[]>;
  classes?: string[];
}
/** The agentgateway.dev API's CRDs, which the open-source and the enterprise CRD charts both install. */
const AGENTGATEWAY_DEV_CRDS: [string, string, string][] = [
  ['agentgatewaypolicies', 'agentgateway.dev', 'AgentgatewayPolicy'],
  ['agentgatewaybackends', 'agentgateway.dev', 'AgentgatewayBackend'],
  ['agentgatewayparameters', 'agentgateway.dev', 'AgentgatewayParameters'],
];

export const CHARTS: Record<string, ChartEffects> = {
  // istio 1.30.3 base: templates/crds.yaml renders files/crd-all.gen.yaml, each CRD with helm.sh/resource-policy: keep.
  base: {
    keepCrds: true,
    crds: [
      ['trafficextensions', 'extensions.istio.io', 'TrafficExtension'],
      ['wasmplugins', 'extensions.istio.io', 'WasmPlugin'],
      ['destinationrules', 'networking.istio.io', 'DestinationRule'],
      ['envoyfilters', 'networking.istio.io', 'EnvoyFilter'],
      ['gateways', 'networking.istio.io', 'Gateway'],
      ['proxyconfigs', 'networking.istio.io', 'ProxyConfig'],
      ['serviceentries', 'networking.istio.io', 'ServiceEntry'],
      ['sidecars', 'networking.istio.io', 'Sidecar'],
      ['virtualservices', 'networking.istio.io', 'VirtualService'],
      ['workloadentries', 'networking.istio.io', 'WorkloadEntry'],
      ['workloadgroups', 'networking.istio.io', 'WorkloadGroup'],
      ['authorizationpolicies', 'security.istio.io', 'AuthorizationPolicy'],
      ['peerauthentications', 'security.istio.io', 'PeerAuthentication'],
      ['requestauthentications', 'security.istio.io', 'RequestAuthentication'],
      ['telemetries', 'telemetry.istio.io', 'Telemetry'],
    ],
  },
  istiod: { workloads: [['Deployment', 'istiod']] },
  // Both DaemonSets run at priority class system-node-critical (istio/istio 1.30.3 templates/daemonset.yaml). The
  // install-cni container drops ALL and adds these (../shared/charts/istio-1.30.3/cni/templates/daemonset.yaml).
  cni: {
    workloads: [['DaemonSet', 'istio-cni-node', 'system-node-critical']],
    capabilities: { 'istio-cni-node': ['NET_ADMIN', 'NET_RAW', 'SYS_PTRACE', 'SYS_ADMIN', 'DAC_OVERRIDE'] },
  },
  ztunnel: { workloads: [['DaemonSet', 'ztunnel', 'system-node-critical']] },
  'agentgateway-crds': { crds: AGENTGATEWAY_DEV_CRDS },
  agentgateway: { workloads: [['Deployment', 'agentgateway']], classes: ['agentgateway'] },
  'enterprise-agentgateway-crds': {
    crds: [
      ['enterpriseagentgatewayparameters', 'enterpriseagentgateway.solo.io', 'EnterpriseAgentgatewayParameters'],
      ['enterpriseagentgatewaypolicies', 'enterpriseagentgateway.solo.io', 'EnterpriseAgentgatewayPolicy'],
      ...AGENTGATEWAY_DEV_CRDS,
    ],
  },
  'enterprise-agentgateway': { workloads: [['Deployment', 'enterprise-agentgateway']] },
  'gloo-gateway-crds': {
    crds: [
      ['gatewayparameters', 'gateway.kgateway.dev', 'GatewayParameters'],
      ['agentgatewaypolicies', 'gateway.kgateway.dev', 'AgentgatewayPolicy'],
    ],
  },
  'gloo-gateway': { workloads: [['Deployment', 'gloo-gateway']] },
};
export const CORE: Record<string, string> = {
  Namespace: 'v1',
  ConfigMap: 'v1',
  Secret: 'v1',
  Service: 'v1',
  ServiceAccount: 'v1',
  ResourceQuota: 'v1',
  Deployment: 'apps/v1',
  DaemonSet: 'apps/v1',
  NetworkPolicy: 'networking.k8s.io/v1',
  Role: 'rbac.authorization.k8s.io/v1',
  RoleBinding: 'rbac.authorization.k8s.io/v1',
};
export const CLUSTER_SCOPED = new Set(['Namespace', 'GatewayClass', 'CustomResourceDefinition']);
/** The Gateway API release file: its CRDs, as that release ships them (bundle-version and channel annotations). */
/** A CRD object as a release file ships it: the kind it serves. */
export type CrdObject = K8sObject & { spec: { group: string; names: { kind: string; plural: string }; scope: string } };

export function gatewayApiCrds(version: string): CrdObject[] {
  return GATEWAY_API_CRDS.map(([plural, group, kind]) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${plural}.${group}`,
      annotations: {
        'gateway.networking.k8s.io/bundle-version': version,
        'gateway.networking.k8s.io/channel': 'experimental',
      },
    },
    spec: { group, names: { kind, plural }, scope: 'Namespaced' },
  }));
}
