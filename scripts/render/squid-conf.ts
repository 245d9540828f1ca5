import type { Profile } from '../profile/schema.ts';

/**
 * The whole squid.conf for the in-cluster proxy. Every value comes from the validated profile (CIDRs, ports),
 * so nothing here can inject a directive. Logs stay at Squid's default files, which the image streams to
 * the container log; no pid file, since the container runs one Squid in the foreground. strip_query_terms is
 * off because Squid's default (on) cuts the logged URL after its '?' (squid-cache/squid src/cf.data.pre and
 * src/anyp/Uri.cc, SQUID_5_7 and SQUID_6_x), and verify ties Squid's line to its request by a query parameter.
 */
export function renderSquidConf(squid: Profile['components']['squid'], lab: string): string {
  return [
    `# squid.conf rendered by egress-lab for the lab "${lab}"`,
    `http_port ${squid.port}`,
    '',
    '# Clients that may use the proxy (pods and nodes of the cluster)',
    `acl egress_lab_clients src ${squid.allowedClients.join(' ')}`,
    '# Destination ports clients may GET from and CONNECT to',
    `acl egress_lab_ports port ${squid.ports.join(' ')}`,
    '',
    'http_access deny !egress_lab_ports',
    'http_access allow egress_lab_clients',
    'http_access deny all',
    '',
    '# A forward proxy for the lab: nothing is cached',
    'cache deny all',
    'pid_filename none',
    'logfile_rotate 0',
    'shutdown_lifetime 1 seconds',
    '',
    '# Log URLs with their query: egress-lab verify finds its own request by a query parameter',
    "# (Squid's default, strip_query_terms on, logs everything after '?' away)",
    'strip_query_terms off',
    '',
  ].join('\n');
}
