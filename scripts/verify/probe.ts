import type { Exec } from '../exec/exec.ts';

export interface CurlResult {
  /** HTTP status, 0 when no response came back. */
  status: number;
  body: string;
  /** curl's own exit code (6 DNS, 7 connect refused, 28 timeout, 35 TLS…); undefined when kubectl exec itself failed. */
  curlExit?: number;
  /** Why there is no response, in curl's or kubectl's words. */
  error?: string;
}

const MARK = '__egress_lab_status__';

/** curl from the sample pod, through `kubectl exec`; the status is read from a marker line curl writes last. */
export async function curlFromPod(
  exec: Exec,
  k: readonly string[],
  namespace: string,
  url: string,
  headers: string[] = [],
  timeoutS = 10,
): Promise<CurlResult> {
  const args = [
    ...k,
    'exec',
    'deploy/sleep',
    '-n',
    namespace,
    '--',
    'curl',
    '-sS',
    '-m',
    String(timeoutS),
    '-w',
    `\n${MARK}%{http_code}`,
    ...headers.flatMap((h) => ['-H', h]),
    url,
  ];
  try {
    const { stdout } = await exec('kubectl', args, { timeoutMs: (timeoutS + 20) * 1000 });
    return parseCurl(stdout);
  } catch (err) {
    const e = err as Error & { stderr?: string; code?: number | null };
    const stderr = e.stderr ?? '';
    const curlExit = /command terminated with exit code (\d+)/.exec(stderr)?.[1];
    const curlMessage = /curl: \(\d+\) (.*)/.exec(stderr)?.[1];
    return {
      status: 0,
      body: '',
      ...(curlExit ? { curlExit: Number(curlExit) } : {}),
      error: curlMessage ?? stderr.trim().split('\n').at(-1) ?? e.message,
    };
  }
}

function parseCurl(stdout: string): CurlResult {
  const at = stdout.lastIndexOf(`\n${MARK}`);
  if (at < 0) return { status: 0, body: stdout, error: 'no status from curl' };
  return { status: Number(stdout.slice(at + MARK.length + 1).trim()) || 0, body: stdout.slice(0, at), curlExit: 0 };
}

/** The log lines of a workload since a moment (RFC 3339), or the error that kept them away. */
export async function logsSince(
  exec: Exec,
  k: readonly string[],
  workload: string,
  namespace: string,
  since: string,
): Promise<{ lines: string[]; error?: string }> {
  try {
    const { stdout } = await exec(
      'kubectl',
      [...k, 'logs', workload, '-n', namespace, `--since-time=${since}`, '--tail=2000'],
      { timeoutMs: 30_000 },
    );
    return { lines: stdout.split('\n').filter((l) => l.trim()) };
  } catch (err) {
    return { lines: [], error: (err as Error).message.split(': ').at(-1) ?? 'no logs' };
  }
}
