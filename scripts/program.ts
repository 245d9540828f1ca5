import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { ActionableError, InputError } from './errors.ts';

/** Only commander is loaded up front: each command imports its own code when it runs (`--help` stays fast). */

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function addProfileFlags(cmd: Command): Command {
  return cmd
    .option('--profile <name|path>', 'a built-in profile (see `egress-lab profiles`) or a YAML file', undefined)
    .option('--platform <kind|gke>', 'where the lab runs')
    .option('--stack <seed|enterprise|oss>', 'the product generation: seed and enterprise need licence keys, oss does not')
    .addOption(new Option('--squid', 'put an in-cluster Squid behind the gateway'))
    .addOption(new Option('--no-squid', 'no forward proxy'))
    .addOption(new Option('--ext-auth', 'check every request with the ext-authz server'))
    .addOption(new Option('--no-ext-auth', 'no ext-authz check'))
    .option('--gke-project <id>', 'GCP project (GKE)')
    .option('--gke-location <zone>', 'GCP zone or region (GKE)')
    .option('--gke-cluster <name>', 'use this existing GKE cluster instead of creating one');
}

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export function buildProgram(io: Io): Command {
  const program = new Command('egress-lab')
    .description('Stand up, prove, switch and tear down an Istio ambient egress lab: agentgateway egress waypoint, ext-authz, Squid.')
    .version(packageVersion(), '--version')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  addProfileFlags(program.command('render').description('write every helm values file, manifest, the kind config and plan.md that up would apply'))
    .requiredOption('--out <dir>', 'folder to write (must be absent or empty)')
    .option('--force', 'write into a folder that is not empty (replacing an earlier render)')
    .option('--name <lab>', 'lab name', undefined)
    .action(async (opts) => (await import('./commands/render.ts')).render(opts, io));

  program.command('profiles').description('list the built-in profiles')
    .option('--json', 'print JSON')
    .action(async (opts) => (await import('./commands/profiles.ts')).profiles(opts, io));

  return program;
}

/** The one place that prints an error and decides the exit code (DESIGN.md §2). */
export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  try {
    await buildProgram(io).parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2;
    }
    if (err instanceof InputError) {
      io.stderr.write(`egress-lab: ${err.message}\n`);
      return 2;
    }
    if (err instanceof ActionableError) {
      io.stderr.write(`egress-lab: ${err.message}\n`);
      return 1;
    }
    io.stderr.write(`egress-lab: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}
