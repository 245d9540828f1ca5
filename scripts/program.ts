import { Command, CommanderError, Option } from 'commander';
import { checkContradictions } from './cli-args.ts';
import { escapeForTerminal } from './errors.ts';
import { DOWN_HELP, ENV_HELP, LOGS_HELP, PATH_HELP, PROGRAM_HELP, UP_HELP } from './help.ts';

/** Only commander is loaded up front: each command imports its own code when it runs (`--help` stays fast). */

/** One module per verb under commands/, loaded only when that verb runs; each checks its options with zod. */
const VERBS = {
  doctor: () => import('./commands/doctor.ts'),
  up: () => import('./commands/up.ts'),
  status: () => import('./commands/status.ts'),
  verify: () => import('./commands/verify.ts'),
  list: () => import('./commands/list.ts'),
  path: () => import('./commands/path.ts'),
  handout: () => import('./commands/handout.ts'),
  reset: () => import('./commands/reset.ts'),
  logs: () => import('./commands/logs.ts'),
  env: () => import('./commands/env.ts'),
  down: () => import('./commands/down.ts'),
  render: () => import('./commands/render.ts'),
  profiles: () => import('./commands/profiles.ts'),
  endpoints: () => import('./commands/endpoints.ts'),
  bundle: () => import('./commands/bundle.ts'),
} satisfies Record<string, () => Promise<{ run: (raw: unknown, io: Io, args: string[]) => Promise<void> }>>;

/** commander's action for a verb: its arguments, then its options object, then the command itself. */
function runVerb(verb: keyof typeof VERBS, io: Io) {
  return async (...given: unknown[]) => {
    const raw = given.at(-2);
    const args = given.slice(0, -2).flatMap((a) => (a === undefined ? [] : [String(a)]));
    await (await VERBS[verb]()).run(raw, io, args);
  };
}

function packageVersion(): string {
  // Not `import … from 'node:fs'`: an ESM import of node:fs builds its facade of every export, which loads Node's
  // streams (about 3 ms of every start, --help's included); the commands that need node:fs import it themselves.
  const { readFileSync } = process.getBuiltinModule('node:fs');
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function addProfileFlags(cmd: Command): Command {
  return cmd
    .option('--profile <name|path>', 'a built-in profile (see `egress-lab profiles`) or a YAML file (default: kind)')
    .option('--platform <kind|gke>', 'where the lab runs')
    .option(
      '--stack <seed|enterprise|oss>',
      'the product generation: seed and enterprise need licence keys, oss does not',
    )
    .addOption(new Option('--squid', 'put an in-cluster Squid behind the gateway'))
    .addOption(new Option('--no-squid', 'no forward proxy'))
    .addOption(new Option('--ext-auth', 'check every request with the ext-authz server'))
    .addOption(new Option('--no-ext-auth', 'no ext-authz check'))
    .option('--gke-project <id>', 'GCP project (GKE)')
    .option('--gke-location <zone>', 'GCP zone or region (GKE)')
    .option('--gke-cluster <name>', 'use this existing GKE cluster instead of creating one')
    .option('--seats <n>', 'workshop seats: N namespaces (seat-01 …) each with its own sample and attendee (oss stack)')
    .option(
      '--scenario <pack>',
      'add a scenario pack, repeatable (tls-origination, identity-authz, credential-injection, proxy-auth, rate-limit, no-bypass; none: no pack)',
      (value: string, previous: string[] = []) => [...previous, value],
    );
}

const NAME_HELP = 'lab name; several labs can live side by side (default: egress-lab)';

interface Io {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
}

/** The lab's lifecycle, in the order a user meets it: doctor, up, status, verify, logs, env, down. */
function addLabCommands(program: Command, io: Io): void {
  addProfileFlags(
    program
      .command('doctor')
      .description('check the host for what up needs: programs, Docker, gcloud login, licence keys, inotify, memory'),
  )
    .option('--license-file <path>', 'licence keys as NAME=value lines')
    .option('--json', 'print JSON')
    .action(runVerb('doctor', io));

  addProfileFlags(
    program.command('up').description('create the cluster and install the lab, or finish or update an existing one'),
  )
    .option('--name <lab>', NAME_HELP)
    .option('--squid-external <host:port>', 'tunnel through a proxy outside the cluster instead of an in-cluster Squid')
    .option('--license-file <path>', 'licence keys as NAME=value lines (instead of the environment)')
    .option('--yes', 'no questions: flags and the profile answer everything')
    .option('--dry-run', 'print the plan and its commands; change nothing')
    .option('--no-verify', 'do not prove the egress path at the end')
    .option('--recreate', 'rebuild the lab (removes the old one first), also when nothing changed')
    .option('--bundle <file>', 'take every image, chart and CRD from this offline bundle (egress-lab bundle; kind)')
    .option('--adopt', 'install into an existing cluster of the lab name that egress-lab did not create')
    .option(
      '--take-over-crds',
      "apply the lab's Gateway API CRDs over older ones egress-lab did not install (down leaves them in place)",
    )
    .option(
      '--step-timeout <seconds>',
      'end any step command that runs longer (default: per kind of command, 5 to 45 min)',
    )
    .option('--verbose', 'show every command')
    .option('--json', 'one JSON event per line instead of the task list')
    .addHelpText('after', UP_HELP)
    .action(runVerb('up', io));

  program
    .command('status')
    .description("the lab's profile, cluster and each component's live health, against what the profile needs")
    .option('--name <lab>', NAME_HELP)
    .option('--seat <n>', "on a seated lab: the shared components and this seat's objects only")
    .option('--all', 'every lab on this machine, one after another')
    .option('--json', 'print JSON')
    .action(runVerb('status', io));

  program
    .command('verify')
    .description('prove the egress path hop by hop from the sample pod, with log lines as evidence')
    .option('--name <lab>', NAME_HELP)
    .option('--seat <n>', 'on a seated lab: prove this seat only (default: every seat, in one table)')
    .option('--all', 'every lab on this machine, one after another')
    .option('--json', 'print the report as JSON')
    .action(runVerb('verify', io));

  program
    .command('list')
    .description(
      "every lab on this machine (platform, cluster, last verify), and clusters with egress-lab's marks that no lab knows",
    )
    .option('--gke-project <id>', 'also look for such clusters in this GCP project')
    .option('--json', 'print JSON')
    .action(runVerb('list', io));

  program
    .command('path')
    .description("the lab's request path, each hop marked with the evidence of its last verify (up's or verify's)")
    .option('--name <lab>', NAME_HELP)
    .option('--json', 'print {at, report}: when that verify ran and its report (as verify --json)')
    .addHelpText('after', PATH_HELP)
    .action(runVerb('path', io));

  program
    .command('reset')
    .description(
      'bring a seat (or every seat, or the sample) back to the state right after up, without rebuilding the cluster',
    )
    .option('--name <lab>', NAME_HELP)
    .option('--seat <n>', 'only this seat')
    .action(runVerb('reset', io));

  program
    .command('handout')
    .description(
      "write each seat's folder (kubeconfig, README.md with its commands), a printable page and a host sheet",
    )
    .requiredOption('--out <dir>', 'folder to write (absent or empty)')
    .option('--name <lab>', NAME_HELP)
    .option('--seat <n>', 'only this seat')
    .option('--duration <d>', "how long the seats' credentials work, 10m to 48h (default 12h)")
    .option('--force', 'replace the handouts in a folder that is not empty')
    .action(runVerb('handout', io));

  program
    .command('logs')
    .description(
      "print a component's log (gateway, squid, ext-authz, sample, ztunnel, istio-cni or istiod), or with --path the path's components merged in time order",
    )
    .argument('[component]', 'gateway | waypoint | squid | ext-authz | sample | ztunnel | istio-cni | istiod')
    .option('--name <lab>', NAME_HELP)
    .option('--path', "the gateway's, ext-authz's and Squid's lines (those the lab has) merged in time order")
    .option('--follow', 'keep streaming (not with --path)')
    .option('--tail <lines>', 'how many recent lines (per pod; with --path per component)', '200')
    .option('--since <duration>', 'only lines newer than this, such as 30s, 5m or 2h')
    .addHelpText('after', LOGS_HELP)
    .action(runVerb('logs', io));

  program
    .command('env')
    .description("print `export KUBECONFIG=…` for the lab's kubeconfig, so kubectl and k9s reach it")
    .option('--name <lab>', NAME_HELP)
    .addHelpText('after', ENV_HELP)
    .action(runVerb('env', io));

  program
    .command('down')
    .description("remove exactly what the lab's ledger lists, then the lab's folder")
    .option('--name <lab>', NAME_HELP)
    .option('--yes', 'no confirmation (GKE asks for one)')
    .option('--keep-cluster', 'remove the lab from the cluster but keep the cluster')
    .option('--seat <n>', "remove only this seat's namespace (up brings it back)")
    .option('--all', 'every lab on this machine, one after another')
    .option('--purge-cache', 'also remove the images egress-lab pulled into Docker for kind (kept by default)')
    .option('--dry-run', 'print what would be removed; change nothing')
    .option('--step-timeout <seconds>', 'end any removal command that runs longer (default: per kind of command)')
    .option('--json', 'print the result as JSON (no task list)')
    .addHelpText('after', DOWN_HELP)
    .action(runVerb('down', io));
}

export function buildProgram(io: Io): Command {
  const program = new Command('egress-lab')
    .description(
      'Stand up, prove, switch and tear down an Istio ambient egress lab: agentgateway egress waypoint, ext-authz, Squid.',
    )
    .version(packageVersion(), '-V, --version', 'print the version (also -v and `egress-lab version`)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(escapeForTerminal(s, true)),
    })
    .addHelpText('after', PROGRAM_HELP);

  addLabCommands(program, io);

  addProfileFlags(
    program
      .command('render')
      .description('write every helm values file, manifest, the kind config and plan.md that up would apply'),
  )
    .requiredOption('--out <dir>', 'folder to write (must be absent or empty)')
    .option('--force', 'write into a folder that is not empty (replacing an earlier render)')
    .option('--name <lab>', NAME_HELP)
    .action(runVerb('render', io));

  addProfileFlags(
    program
      .command('bundle')
      .description(
        'fetch every image, chart and CRD a kind lab of the profile needs into one archive, for up --bundle offline',
      ),
  )
    .requiredOption('--out <file>', 'the archive to write (.tar.gz)')
    .option('--name <lab>', NAME_HELP)
    .action(runVerb('bundle', io));

  addProfileFlags(
    program
      .command('endpoints')
      .description(
        "every internet endpoint the profile's lab needs (charts, CRDs, images, egress hosts), for a firewall",
      ),
  )
    .option('--name <lab>', NAME_HELP)
    .option('--json', 'print JSON')
    .action(runVerb('endpoints', io));

  program
    .command('profiles')
    .description('list the built-in profiles')
    .option('--json', 'print JSON')
    .action(runVerb('profiles', io));

  program
    .command('version')
    .description('print the version')
    .action(() => void io.stdout.write(`${packageVersion()}\n`));

  for (const cmd of [program, ...program.commands]) oneLineUsageErrors(cmd, io);
  return program;
}

/** A usage error is one line and where to read more, not the whole help. */
function oneLineUsageErrors(cmd: Command, io: Io): void {
  const where = cmd.parent ? `egress-lab ${cmd.name()} --help` : 'egress-lab --help';
  cmd.configureOutput({
    writeOut: (s) => io.stdout.write(s),
    writeErr: (s) => io.stderr.write(escapeForTerminal(s, true)),
    outputError: (s, write) =>
      write(
        `egress-lab: ${s
          .trim()
          .replace(/^error: /, '')
          .replace(/\s*\n\s*/g, ' ')}\nsee ${where}\n`,
      ),
  });
}

/** Writing to a closed pipe (`egress-lab profiles | head -1`) ends the run quietly. */
function quietOnClosedPipe(io: Io): void {
  for (const stream of [io.stdout, io.stderr])
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
}

/** Contradicting flags of the command being run are refused before commander keeps the last of them. */
function checkTypedFlags(program: Command, args: string[]): void {
  const command = program.commands.find((c) => c.name() === args[0] || c.aliases().includes(args[0] ?? ''));
  if (!command) return;
  const takesValue = (flag: string) => command.options.some((o) => o.long === flag && (o.required || o.optional));
  checkContradictions(args.slice(1), takesValue);
}

/**
 * The process's own streams, stdin read only when a command asks for it: process.stdin, once touched, opens a
 * stream on fd 0, which loads Node's stream modules (about 6 ms of every start, --help's included).
 */
function processIo(): Io {
  return {
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    stderr: process.stderr,
  };
}

/** The one place that prints an error and decides the exit code (DESIGN.md §2). */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  quietOnClosedPipe(io);
  const args = argv.slice(2);
  try {
    const program = buildProgram(io);
    if (args.length === 0) {
      program.outputHelp();
      return 0;
    }
    if (args.length === 1 && args[0] === '-v') {
      io.stdout.write(`${packageVersion()}\n`);
      return 0;
    }
    checkTypedFlags(program, args);
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')
        return 0;
      return 2;
    }
    const errors = err instanceof AggregateError ? err.errors : [err];
    const codes = errors.map((e) => (e as { exitCode?: unknown }).exitCode);
    if (codes.every((c) => c === 1 || c === 2 || c === 129 || c === 130)) {
      for (const e of errors) io.stderr.write(`egress-lab: ${escapeForTerminal((e as Error).message, true)}\n`);
      return Math.max(...(codes as number[]));
    }
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    io.stderr.write(`egress-lab: internal error: ${escapeForTerminal(text, true)}\n`);
    return 1;
  }
}
