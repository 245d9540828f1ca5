import type { Profile } from '../profile/schema.ts';

/**
 * The whole squid.conf for the in-cluster proxy. Every value comes from the validated profile (CIDRs, ports),
 * so nothing here can inject a directive. Logs stay at Squid's default files, which the image streams to
 * the container log; no pid file, since the container runs one Squid in the foreground.
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
  ].join('\n');
}
