// The fake docker: the host's images.

import { writeFileSync } from 'node:fs';
import type { FakeState } from '../types.ts';
import { archiveImages, Fail, offlineCheck, take } from './common.ts';

/**
 * docker load -i ARCHIVE: the images of a docker save archive (here its list of references) are in Docker.
 * A loaded image is registered by name and tag only: its registry digest is lost (moby/moby#22011).
 * Without -i docker load reads the archive from stdin (docker/cli cli/command/image/load.go runLoad), which the
 * fakes' client forwards only for `-`: not emulated.
 */
function load(state: FakeState, args: string[]): string {
  const input = take(args, '-i', '--input');
  if (input === undefined) throw new Fail('fake docker: load from stdin is not emulated (egress-lab passes -i)');
  const images = archiveImages(input).map((i) => i.replace(/@sha256:[0-9a-f]{64}$/, ''));
  state.images = [...new Set([...(state.images ?? []), ...images])];
  return images.map((i) => `Loaded image: ${i}\n`).join('');
}

/**
 * docker save --platform P [-o FILE] IMAGE…: the archive (here its list of references). Without -o it goes to
 * stdout, which here is a pipe (docker/cli cli/command/image/save.go runSave refuses only a terminal).
 */
function save(have: string[], args: string[]): string {
  if (!take(args, '--platform'))
    throw new Fail('fake docker: save without --platform (kind load would hit the containerd image store problem)');
  const out = take(args, '-o', '--output');
  const images = args.slice(1);
  for (const image of images)
    if (!have.includes(image)) throw new Fail(`Error response from daemon: reference does not exist: ${image}`);
  if (out === undefined) return JSON.stringify(images);
  writeFileSync(out, JSON.stringify(images));
  return '';
}

// ---- programs --------------------------------------------------------------------------------------------
export function docker(state: FakeState, args: string[]): string {
  if (!state.docker)
    throw new Fail('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?');
  state.images ??= [];
  const have = state.images;
  if (args[0] === 'info') return '28.2.2\n';
  if (args[0] === 'image' && args[1] === 'inspect') {
    take(args, '--format');
    const images = args.slice(2);
    const missing = images.find((i) => !have.includes(i));
    if (missing) throw new Fail(`Error response from daemon: No such image: ${missing}`);
    return images.map((i) => `sha256:${Buffer.from(i).toString('hex').slice(0, 24)}\n`).join('');
  }
  if (args[0] === 'load') return load(state, args);
  if (args[0] === 'pull') {
    const image = args.at(-1) ?? '';
    if (!take(args, '--platform')) throw new Fail('fake docker: pull without --platform');
    offlineCheck(state, `Error response from daemon: Get "https://${image.split('/')[0]}/v2/"`);
    if ((state.unpullable ?? []).includes(image))
      throw new Fail(`Error response from daemon: manifest for ${image} not found: manifest unknown`);
    have.push(image);
    state.pulled = [...(state.pulled ?? []), image];
    return `${image.split(':').at(-1)}: Pulling from ${image}\nStatus: Downloaded newer image for ${image}\n`;
  }
  if (args[0] === 'save') return save(have, args);
  if (args[0] === 'image' && args[1] === 'rm') {
    state.images = have.filter((i) => i !== args[2]);
    return `Untagged: ${args[2]}\n`;
  }
  throw new Fail(`fake docker: unsupported ${args.join(' ')}`);
}
