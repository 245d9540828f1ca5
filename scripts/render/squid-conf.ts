import type { Profile } from '../profile/schema.ts';

/**
 * The whole squid.conf for the in-cluster proxy. Every value comes from the validated profile (CIDRs, ports),
 * so nothing here can inject a directive. Logs stay at Squid's default files, which the image streams to
 * the container log; no pid file, since the container runs one Squid in the foreground. strip_query_terms is
 * off because Squid's default (on) cuts the logged URL after its '?' (squid-cache/squid src/cf.data.pre and
 * src/anyp/Uri.cc, SQUID_5_7 and SQUID_6_x), and verify ties Squid's line to its request by a query parameter.
 */
export function renderSquidConf(
  squid: Profile['components']['squid'],
  lab: string,
  /** proxy-auth: every client must also log in with basic authentication, checked against this passwd file. */
  auth?: { passwdFile: string },
): string {
  return [
    `# squid.conf rendered by egress-lab for the lab "${lab}"`,
    `http_port ${squid.port}`,
    '',
    '# Clients that may use the proxy (pods and nodes of the cluster)',
    `acl egress_lab_clients src ${squid.allowedClients.join(' ')}`,
    '# Destination ports clients may GET from and CONNECT to',
    `acl egress_lab_ports port ${squid.ports.join(' ')}`,
    '',
    ...(auth ? authLines(auth.passwdFile) : []),
    'http_access deny !egress_lab_ports',
    auth ? 'http_access allow egress_lab_clients egress_lab_users' : 'http_access allow egress_lab_clients',
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

/**
 * Basic authentication against an NCSA passwd file (squid-cache/squid SQUID_6_6 src/cf.data.pre auth_param,
 * src/auth/basic/NCSA/basic_ncsa_auth.cc). With proxy_auth last on the allow line, a client without a good
 * credential gets 407 Proxy Authentication Required (src/client_side_request.cc), and the log's user field shows
 * who logged in.
 */
function authLines(passwdFile: string): string[] {
  return [
    '# proxy-auth: clients log in (basic authentication) with a user of this file',
    `auth_param basic program /usr/lib/squid/basic_ncsa_auth ${passwdFile}`,
    'auth_param basic realm egress-lab proxy',
    'acl egress_lab_users proxy_auth REQUIRED',
    '',
  ];
}
