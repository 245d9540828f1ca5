import { accessSync, constants, existsSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { InputError } from '../errors.ts';

/** A relative EGRESS_LAB_HOME, resolved against the folder egress-lab started in, the first time it is read. */
const pinned = new Map<string, string>();

/** Where labs keep their state: EGRESS_LAB_HOME, else $XDG_STATE_HOME/egress-lab, else ~/.local/state/egress-lab. */
export function stateRoot(env: NodeJS.ProcessEnv = process.env): string {
  const home = env['EGRESS_LAB_HOME'];
  if (home) {
    if (isAbsolute(home)) return home;
    if (!pinned.has(home)) pinned.set(home, resolve(home));
    return pinned.get(home)!;
  }
  if (env['XDG_STATE_HOME']) return join(env['XDG_STATE_HOME'], 'egress-lab');
  return join(homedir(), '.local', 'state', 'egress-lab');
}

export function labDir(lab: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(stateRoot(env), lab);
}

export function labKubeconfig(lab: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(labDir(lab, env), 'kubeconfig');
}

/** The folder itself when it exists, else its nearest existing parent. */
function nearestExisting(path: string): string {
  let dir = path;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

const underKernelFs = (path: string) =>
  ['/proc', '/sys'].some((root) => {
    const rel = relative(root, path);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  });

/**
 * Checks the state folder before a command that keeps state runs (and pins a relative EGRESS_LAB_HOME): a file,
 * a path under /proc or /sys, or (for `write`) a folder this user cannot write is an InputError (exit 2).
 * Commands that only read a lab's state pass `read`: a read-only folder is fine for them.
 */
export function checkStateRoot(env: NodeJS.ProcessEnv, needs: 'read' | 'write'): string {
  const root = stateRoot(env);
  const named = env['EGRESS_LAB_HOME'] ? `EGRESS_LAB_HOME (${root})` : `the state folder ${root}`;
  const existing = nearestExisting(root);
  const real = join(realpathSync(existing), relative(existing, root));
  if (underKernelFs(root) || underKernelFs(real))
    throw new InputError(`${named} is under /proc or /sys; choose a folder of your own`);
  if (!statSync(existing).isDirectory())
    throw new InputError(
      `${named}: ${existing === root ? 'is a file, not a folder' : `${existing} is a file, not a folder`}; choose a folder`,
    );
  if (needs === 'write') {
    try {
      accessSync(existing, constants.W_OK);
    } catch {
      throw new InputError(`${named}: ${existing} is not writable; choose a folder you can write`);
    }
  }
  return root;
}
