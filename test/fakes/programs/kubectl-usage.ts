// The fake kubectl's usage errors: what kubectl answers, before it asks the API server anything, when a verb lacks
// the arguments it needs. kubectl prints an error with `error: ` in front and exits 1 (kubernetes/kubectl
// pkg/cmd/util/helpers.go@v0.35.0 checkErr, DefaultErrorExitCode); a usage error adds the line "See 'kubectl VERB
// -h' for help and examples" (helpers.go UsageErrorf).

import { Fail } from './common.ts';

const usage = (command: string, message: string) =>
  new Fail(`error: ${message}\nSee 'kubectl ${command} -h' for help and examples`);
const plain = (message: string) => new Fail(`error: ${message}`);

/** The flags of these verbs that take a value (`--flag value`): their values are not positional arguments. */
const VALUE_FLAGS = new Set([
  '-f',
  '--filename',
  '-l',
  '--selector',
  '-c',
  '--container',
  '--for',
  '--timeout',
  '--since',
  '--since-time',
  '--tail',
  '--max-log-requests',
  '--duration',
  '--audience',
  '--subresource',
  '--field-manager',
  '--raw',
]);

/** The positional arguments among `args` (up to `--`): neither flags nor the values of `valueFlags`. */
function positionals(args: string[], valueFlags = VALUE_FLAGS): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length && args[i] !== '--'; i++) {
    const a = args[i] ?? '';
    if (valueFlags.has(a)) i++;
    else if (!a.startsWith('-')) out.push(a);
  }
  return out;
}
/** Whether one of the flags `names` was given (`--flag value` or `--flag=value`). */
const given = (args: string[], ...names: string[]) =>
  args.some((a) => names.includes(a) || names.some((n) => a.startsWith(`${n}=`)));

/**
 * `kubectl exec` (pkg/cmd/exec/exec.go@v0.35.0 Complete, Validate): the words before `--` name the pod (one only),
 * the words after it are the command.
 */
function execUsage(args: string[]): void {
  const dash = args.indexOf('--');
  const before = positionals(dash === -1 ? args.slice(1) : args.slice(1, dash));
  if (dash === -1 && before.length > 1)
    throw usage('exec', 'exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead');
  if (before.length === 0 && !given(args, '-f', '--filename'))
    throw plain('pod, type/name or --filename must be specified');
  if (dash === -1 || dash === args.length - 1) throw plain('you must specify at least one command for the container');
}

/** kubectl logs' -f is --follow, which takes no value. */
const LOGS_VALUE_FLAGS = new Set([...VALUE_FLAGS].filter((f) => f !== '-f'));

/** `kubectl logs` (pkg/cmd/logs/logs.go@v0.35.0 Complete): a pod or TYPE/NAME, or a selector, not both. */
function logsUsage(args: string[]): void {
  const words = positionals(args.slice(1), LOGS_VALUE_FLAGS);
  const selector = given(args, '-l', '--selector');
  const expected =
    "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command";
  if ((words.length === 0 && !selector) || words.length > 2) throw usage('logs', expected);
  if (words.length === 1 && selector) throw usage('logs', 'only a selector (-l) or a POD name is allowed');
}

/** `kubectl get` (pkg/cmd/get/get.go@v0.35.0 Validate): a resource type, or -f. */
function getUsage(args: string[]): void {
  if (positionals(args.slice(1)).length > 0 || given(args, '-f', '--filename', '--raw')) return;
  throw new Fail(
    `You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of supported resources.\n\nerror: Required resource not specified.\nUse "kubectl explain <resource>" for a detailed description of that resource (e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples`,
  );
}

/**
 * The objects of a delete or a wait (kubernetes/cli-runtime pkg/resource/builder.go@v0.35.0 visitorResult,
 * missingResourceError, visitBySelector, and "resource(s) were provided, but no name was specified"): by -f, by
 * TYPE NAME…, TYPE/NAME, or a type with -l or --all.
 */
function objectsUsage(args: string[]): void {
  const words = positionals(args.slice(1));
  if (given(args, '-f', '--filename')) return;
  if (words.length === 0 && given(args, '-l', '--selector'))
    throw plain('at least one resource must be specified to use a selector');
  if (words.length === 0)
    throw plain(
      "You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'",
    );
  if (words.length === 1 && !words[0]?.includes('/') && !given(args, '-l', '--selector', '--all'))
    throw plain('resource(s) were provided, but no name was specified');
}

/** Each verb's check of its arguments (a verb not listed has none the fakes check). */
const CHECKS: Record<string, (args: string[]) => void> = {
  exec: execUsage,
  logs: logsUsage,
  get: getUsage,
  delete: objectsUsage,
  // apply needs -f or -k (cli-runtime pkg/resource/builder.go@v0.35.0 RequireFilenameOrKustomize, kubectl
  // pkg/cmd/apply/apply.go).
  apply: (args) => {
    if (!given(args, '-f', '--filename', '-k', '--kustomize')) throw plain('must specify one of -f and -k');
  },
  // `kubectl wait`: the condition first (pkg/cmd/wait/wait.go@v0.35.0 ToOptions, conditionFuncFor("")), then its
  // objects (RunWait visits them; its builder has an empty label selector unless -l is given).
  wait: (args) => {
    if (!given(args, '--for')) throw plain('unrecognized condition: ""');
    objectsUsage(args);
  },
  // pkg/cmd/rollout/rollout_restart.go and rollout_status.go@v0.35.0 Validate.
  rollout: (args) => {
    if (
      ['restart', 'status'].includes(args[1] ?? '') &&
      positionals(args.slice(2)).length === 0 &&
      !given(args, '-f', '--filename')
    )
      throw plain('required resource not specified');
  },
  // pkg/cmd/create/create.go@v0.35.0 NameFromCommandArgs, for create token.
  create: (args) => {
    const words = positionals(args.slice(2));
    if (args[1] === 'token' && words.length !== 1)
      throw usage('create token', `exactly one NAME is required, got ${words.length}`);
  },
  // pkg/cmd/auth/cani.go@v0.35.0 Complete: fmt.Errorf, so no "See" line of UsageErrorf, its own instead.
  auth: (args) => {
    if (args[1] === 'can-i' && !given(args, '--list') && positionals(args.slice(2)).length !== 2)
      throw plain(
        "you must specify two arguments: verb resource or verb resource/resourceName.\nSee 'kubectl auth can-i -h' for help and examples.",
      );
  },
};

/** Throws kubectl's own error when the verb lacks an argument it needs (args: the verb first). */
export function checkUsage(args: string[]): void {
  const verb = args[0] ?? '';
  if (Object.hasOwn(CHECKS, verb)) CHECKS[verb]?.(args);
}
