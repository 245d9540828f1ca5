/** Namespace of the egress gateway, ext-authz and (in the seed) Squid: fixed by the pattern. */
export const WAYPOINT_NAMESPACE = 'common-infrastructure';
