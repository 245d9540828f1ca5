/** The environment variables that may carry a licence key (read by up, asked for by the wizard). */
export const LICENCE_VARIABLES = [
  'GLOO_MESH_LICENSE_KEY',
  'GLOO_GATEWAY_LICENSE_KEY',
  'AGENTGATEWAY_LICENSE_KEY',
] as const;
