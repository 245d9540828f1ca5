import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where labs keep their state: EGRESS_LAB_HOME, else $XDG_STATE_HOME/egress-lab, else ~/.local/state/egress-lab. */
export function stateRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env['EGRESS_LAB_HOME']) return env['EGRESS_LAB_HOME'];
  if (env['XDG_STATE_HOME']) return join(env['XDG_STATE_HOME'], 'egress-lab');
  return join(homedir(), '.local', 'state', 'egress-lab');
}

export function labDir(lab: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(stateRoot(env), lab);
}

export function labKubeconfig(lab: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(labDir(lab, env), 'kubeconfig');
}
