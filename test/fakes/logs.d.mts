// Types for ./logs.mjs, the log lines the fakes print.
export declare const SRC: { ip: string; port: number };
export declare const WAYPOINT_IP: string;
export declare function gatewayLogLine(
  stack: string,
  line: {
    host: string;
    path: string;
    status: number;
    route: string;
    ns: string;
    endpoint?: boolean;
    error?: string;
    reason?: string;
  },
): string;
export declare function extAuthzLogLine(line: {
  decision: 'allowed' | 'denied';
  host: string;
  path: string;
  ns: string;
  headers: [string, string][];
}): string;
export declare function squidLogLine(line: {
  host: string;
  path: string;
  connect: boolean;
  stripQuery: boolean;
  denied?: boolean;
}): string;
export declare function stripsQuery(conf: string | undefined): boolean;
export declare function otherClientLines(host: string): { gateway: string; squid: string[] };
