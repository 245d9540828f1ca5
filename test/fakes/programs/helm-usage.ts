// The fake helm's usage errors: helm checks the number of a command's arguments before it runs it (cobra's Args,
// helm/helm cmd/helm/require/args.go@v3.20.0), prints `Error: ` and the message (cobra), and exits 1
// (cmd/helm/helm.go main). The message ends with a blank line and the command's usage line.

import { Fail } from './common.ts';

/** The helm flags that take a value (`--flag value`): their values are not arguments. */
const VALUE_FLAGS = new Set([
  '--kubeconfig',
  '--kube-context',
  '--namespace',
  '-n',
  '--version',
  '--repo',
  '--values',
  '-f',
  '--set',
  '--timeout',
  '--output',
  '-o',
  '--max',
  '-m',
  '--destination',
  '-d',
  '--history-max',
]);

/** The arguments of `args` (the command's name first): neither flags nor their values. */
export function helmPositionals(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < args.length; i++) {
    const a = args[i] ?? '';
    if (VALUE_FLAGS.has(a)) i++;
    else if (!a.startsWith('-')) out.push(a);
  }
  return out;
}

/** Each command's rule (require.ExactArgs or MinimumNArgs) and its cobra Use line, at v3.20.0 of cmd/helm/NAME.go. */
const RULES: Record<string, { exact?: number; min?: number; use: string }> = {
  pull: { min: 1, use: 'pull [chart URL | repo/chartname] [...]' },
  upgrade: { exact: 2, use: 'upgrade [RELEASE] [CHART]' },
  uninstall: { min: 1, use: 'uninstall RELEASE_NAME [...]' },
  status: { exact: 1, use: 'status RELEASE_NAME' },
  rollback: { min: 1, use: 'rollback <RELEASE> [REVISION]' },
};

const plural = (n: number) => (n === 1 ? 'argument' : 'arguments');

/** Throws helm's own error when the command has too few (or, for an exact rule, other than that many) arguments. */
export function checkHelmArgs(args: string[]): void {
  const command = args[0] ?? '';
  const rule = Object.hasOwn(RULES, command) ? RULES[command] : undefined;
  if (!rule) return;
  const n = helmPositionals(args).length;
  const usage = `\n\nUsage:  helm ${rule.use} [flags]`;
  if (rule.exact !== undefined && n !== rule.exact)
    throw new Fail(`Error: "helm ${command}" requires ${rule.exact} ${plural(rule.exact)}${usage}`);
  if (rule.min !== undefined && n < rule.min)
    throw new Fail(`Error: "helm ${command}" requires at least ${rule.min} ${plural(rule.min)}${usage}`);
}
