import { readFileSync } from 'node:fs';
import { freemem } from 'node:os';
import { CommandError, type Exec, whatToDo } from '../exec/exec.ts';
import { type DoctorProgram, type HostCheck, type PlatformName, platformFor } from '../platform/platform.ts';
import { helmSupports, kubectlSupports, SUPPORT_MATRIX_FILE, supportMatrix, within } from '../profile/support.ts';
import type { Finding, Level } from './finding.ts';
import { gkeFindings } from './gke.ts';

export type { Finding, Level } from './finding.ts';

export interface DoctorInput {
  platform: PlatformName;
  stack: string;
  /** Licence variables the stack needs, and whether each has a value (from the environment or --license-file). */
  licenses: { name: string; present: boolean }[];
  /** The cluster's Kubernetes minor when known before it exists (the kind node image's), e.g. "1.35". */
  kubernetes?: string;
  /** GKE: the project whose Kubernetes Engine API must be enabled. */
  project?: string;
}

/** How the host is read: the real files and memory by default. */
export interface HostReader {
  readText(path: string): string | undefined;
  availableMemoryBytes(): number;
  env: NodeJS.ProcessEnv;
}

export const realHost: HostReader = {
  readText: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  availableMemoryBytes: () => {
    const meminfo = realHost.readText('/proc/meminfo');
    const kb = meminfo && /^MemAvailable:\s+(\d+) kB/m.exec(meminfo)?.[1];
    return kb ? Number(kb) * 1024 : freemem();
  },
  env: process.env,
};

// helm: the oss stack's agentgateway 1.4.x charts support helm 3.12 or newer (docs/upstream-rules.md S4), which
// also covers oci:// charts (3.8, H3); the skew check below asks more when the cluster's Kubernetes is known (kind).
const MIN = { kind: '0.33.0', kubectl: '1.30.0', helm: '3.12.0' };
export const INOTIFY = { watches: 524288, instances: 512 };
const MEMORY_WARN_BYTES = 6 * 1024 ** 3;

function versionAtLeast(found: string, min: string): boolean {
  const a = found.split('.').map(Number);
  const b = min.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

/** The reason a check failed: what the program's error output says, else the error itself (never empty). */
export const lastLine = (err: unknown) =>
  ((err instanceof CommandError ? whatToDo(err.stderr) : '') || (err as Error).message).trim();
/** A Docker Desktop waking from sleep takes seconds to answer; only a Docker that stays silent is down. */
export const DOCKER_INFO_TIMEOUT_MS = 30_000;
const missingProgram = (err: unknown) => (err as Error).name === 'MissingProgramError';

async function programVersion(
  exec: Exec,
  check: string,
  args: string[],
  pattern: RegExp,
  min: string,
  install: string,
  tooOld: Level,
  support?: (version: string) => Finding | undefined,
): Promise<Finding> {
  try {
    const { stdout, stderr } = await exec(check, args, { timeoutMs: 20_000 });
    const version = pattern.exec(stdout + stderr)?.[1];
    if (!version)
      return { check, level: 'warn', message: `${check} answered, but its version could not be read`, fix: install };
    if (!versionAtLeast(version, min))
      return { check, level: tooOld, message: `${check} ${version} is older than ${min}`, fix: install };
    return support?.(version) ?? { check, level: 'ok', message: `${check} ${version}` };
  } catch (err) {
    if (missingProgram(err)) return { check, level: 'blocker', message: `${check} is not installed`, fix: install };
    return { check, level: 'blocker', message: `${check} does not run: ${lastLine(err)}`, fix: install };
  }
}

async function dockerCheck(exec: Exec): Promise<Finding> {
  try {
    const { stdout } = await exec('docker', ['info', '--format', '{{.ServerVersion}}'], {
      timeoutMs: DOCKER_INFO_TIMEOUT_MS,
    });
    return { check: 'docker', level: 'ok', message: `Docker engine ${stdout.trim()} is running` };
  } catch (err) {
    if (missingProgram(err))
      return {
        check: 'docker',
        level: 'blocker',
        message: 'docker is not installed (kind runs its nodes as Docker containers)',
        fix: 'install Docker Engine or Docker Desktop: https://docs.docker.com/get-docker/',
      };
    return {
      check: 'docker',
      level: 'blocker',
      message: `the Docker engine is not reachable: ${lastLine(err)}`,
      fix: 'start Docker (or Docker Desktop) and run again',
    };
  }
}

function inotifyCheck(host: HostReader): Finding {
  const watches = Number(host.readText('/proc/sys/fs/inotify/max_user_watches')?.trim());
  const instances = Number(host.readText('/proc/sys/fs/inotify/max_user_instances')?.trim());
  if (!watches || !instances)
    return { check: 'inotify', level: 'ok', message: 'inotify limits are not readable here (not Linux?); skipped' };
  if (watches >= INOTIFY.watches && instances >= INOTIFY.instances)
    return { check: 'inotify', level: 'ok', message: `inotify limits ${watches} watches, ${instances} instances` };
  return {
    check: 'inotify',
    level: 'warn',
    message: `inotify limits are low (${watches} watches, ${instances} instances): istio-cni and ztunnel often fail on kind with "too many open files"`,
    fix: `sudo sysctl fs.inotify.max_user_watches=${INOTIFY.watches} fs.inotify.max_user_instances=${INOTIFY.instances}`,
  };
}

function memoryCheck(host: HostReader): Finding {
  const gib = host.availableMemoryBytes() / 1024 ** 3;
  if (host.availableMemoryBytes() >= MEMORY_WARN_BYTES)
    return { check: 'memory', level: 'ok', message: `${gib.toFixed(1)} GiB memory available` };
  return {
    check: 'memory',
    level: 'warn',
    message: `only ${gib.toFixed(1)} GiB memory available; a three-node kind cluster with Istio ambient wants about 6 GiB`,
    fix: 'close other programs, or give Docker more memory (Docker Desktop: Settings > Resources)',
  };
}

function proxyCheck(host: HostReader): Finding {
  const set = ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'].filter((v) => host.env[v]);
  if (set.length === 0) return { check: 'host-proxy', level: 'ok', message: 'no HTTP(S)_PROXY on the host' };
  return {
    check: 'host-proxy',
    level: 'warn',
    message: `${set.join(', ')} set on the host: kind copies it into the nodes, so cluster traffic may go to that proxy`,
    fix: 'make NO_PROXY include 10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,.svc,.cluster.local,localhost,127.0.0.1, or unset the proxy for this run',
  };
}

function licenceFindings(input: DoctorInput): Finding[] {
  return input.licenses.map(({ name, present }) =>
    present
      ? { check: `licence ${name}`, level: 'ok' as const, message: `${name} is set` }
      : {
          check: `licence ${name}`,
          level: 'blocker' as const,
          message: `${name} is not set; the ${input.stack} stack needs it`,
          fix: `export ${name}=<key>, or pass --license-file FILE (NAME=value lines), or use --stack oss (no licence)`,
        },
  );
}

/** A client outside its published support range for the cluster's Kubernetes minor is a blocker. */
function skewCheck(
  check: 'helm' | 'kubectl',
  k8s: string | undefined,
  fix: string,
): ((version: string) => Finding | undefined) | undefined {
  if (!k8s) return undefined;
  return (version) => {
    const range = check === 'helm' ? helmSupports(version) : kubectlSupports(version);
    const source = supportMatrix()[check].source;
    if (!range)
      return {
        check,
        level: 'warn',
        message: `${check} ${version}: its supported Kubernetes versions are not known here (${SUPPORT_MATRIX_FILE}), the cluster runs ${k8s}`,
      };
    if (within(k8s, range)) return undefined;
    return {
      check,
      level: 'blocker',
      message: `${check} ${version} supports Kubernetes ${range.oldest} to ${range.newest}, and the cluster runs ${k8s} (source: ${source})`,
      fix,
    };
  };
}

/** The programs only a platform needs (kind: Docker and kind; GKE: gcloud). */
const platformPrograms: Record<DoctorProgram, (exec: Exec) => Promise<Finding>> = {
  docker: dockerCheck,
  kind: (exec) =>
    programVersion(
      exec,
      'kind',
      ['version'],
      /v(\d+\.\d+\.\d+)/,
      MIN.kind,
      `install kind v${MIN.kind} or newer (its node images are pinned to that release): https://kind.sigs.k8s.io/docs/user/quick-start/#installation`,
      'warn',
    ),
  gcloud: (exec) =>
    programVersion(
      exec,
      'gcloud',
      ['--version'],
      /Google Cloud SDK (\d+\.\d+\.\d+)/,
      '0.0.0',
      'install the Google Cloud CLI: https://cloud.google.com/sdk/docs/install',
      'warn',
    ),
};

/** The checks of the host the platform's nodes run on (kind). */
const hostChecks: Record<HostCheck, (host: HostReader) => Finding> = {
  inotify: inotifyCheck,
  memory: memoryCheck,
  proxy: proxyCheck,
};

/** Everything `up` needs from the host, checked before anything is touched. Blockers stop `up` (exit 1). */
export async function runDoctor(exec: Exec, input: DoctorInput, host: HostReader = realHost): Promise<Finding[]> {
  const programs = [
    programVersion(
      exec,
      'kubectl',
      ['version', '--client', '-o', 'json'],
      /"gitVersion":\s*"v(\d+\.\d+\.\d+)/,
      MIN.kubectl,
      'install kubectl: https://kubernetes.io/docs/tasks/tools/',
      'warn',
      skewCheck(
        'kubectl',
        input.kubernetes,
        `install kubectl ${input.kubernetes} (within one minor of the cluster): https://kubernetes.io/docs/tasks/tools/`,
      ),
    ),
    programVersion(
      exec,
      'helm',
      ['version', '--template', '{{.Version}}'],
      /v(\d+\.\d+\.\d+)/,
      MIN.helm,
      'install helm 3.12 or newer (agentgateway 1.4 charts; oci:// charts): https://helm.sh/docs/intro/install/',
      'blocker',
      skewCheck(
        'helm',
        input.kubernetes,
        `install a helm built for Kubernetes ${input.kubernetes} to three minors newer (helm 3.20+ or 4.1+ for 1.35): https://helm.sh/docs/intro/install/`,
      ),
    ),
  ];
  const { doctor } = platformFor(input.platform);
  programs.push(...doctor.programs.map((p) => platformPrograms[p](exec)));
  const host_ = doctor.host.map((c) => hostChecks[c](host));
  const found = await Promise.all(programs);
  const gcloudRuns = found.some((f) => f.check === 'gcloud' && f.level !== 'blocker');
  const gke = doctor.cloud && gcloudRuns ? await gkeFindings(exec, input.project) : [];
  return [...found, ...gke, ...licenceFindings(input), ...host_];
}

export const blockers = (findings: Finding[]) => findings.filter((f) => f.level === 'blocker');

export function formatFindings(findings: Finding[]): string {
  const mark = { ok: '✔', warn: '!', blocker: '✖' } as const;
  return `${findings
    .map((f) => `${mark[f.level]} ${f.message}${f.fix && f.level !== 'ok' ? `\n    fix: ${f.fix}` : ''}`)
    .join('\n')}\n`;
}
