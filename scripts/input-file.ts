import { closeSync, constants, fstatSync, openSync, readSync, type Stats, statSync } from 'node:fs';
import { InputError } from './errors.ts';

export const KiB = 1024;
export const MiB = 1024 * KiB;

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder, not a file';
  if (st.isFIFO()) return 'a named pipe (FIFO), not a regular file';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device, not a regular file';
  if (st.isSocket()) return 'a socket, not a regular file';
  return 'not a regular file';
}

/**
 * Reads a file the user names (a profile, a licence file, a template) as bytes, refusing anything but a regular
 * file no larger than `limit`: a folder, a FIFO (which would block forever) or a device such as /dev/zero (which
 * never ends) is an InputError before it is opened. The file is opened non-blocking and checked again, so one
 * swapped in meanwhile is refused too, and at most `limit` + 1 bytes are read whatever its size says.
 */
export function readInputFile(path: string, limit: number, shownAs = path, what = 'file'): Buffer {
  const fail = (message: string): never => {
    throw new InputError(message, { file: shownAs });
  };
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return fail(code === 'ENOENT' || code === 'ENOTDIR' ? 'no such file' : `cannot read the ${what} (${code})`);
  }
  if (!st.isFile()) fail(`is ${kindOf(st)}`);
  if (st.size > limit) fail(`${what} is ${st.size} bytes; the limit is ${limit}`);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return fail(`cannot read the ${what} (${(err as NodeJS.ErrnoException).code})`);
  }
  try {
    const now = fstatSync(fd);
    if (!now.isFile() || now.ino !== st.ino || now.dev !== st.dev) fail(`the ${what} changed while it was read`);
    const buf = Buffer.alloc(Math.min(limit, st.size) + 1);
    let length = 0;
    while (length < buf.length) {
      const n = readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > st.size) fail(`the ${what} grew while it was read`);
    return buf.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/** The text of a file that must be UTF-8: a byte that is not is an InputError at its line and column. */
export function decodeUtf8(bytes: Buffer, shownAs: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    let line = 1;
    let start = 0;
    for (let i = 0; i <= bytes.length; i++) {
      if (i < bytes.length && bytes[i] !== 0x0a) continue;
      const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(start, i));
      const bad = text.indexOf('\ufffd');
      if (bad >= 0)
        throw new InputError('not UTF-8 text (a byte that is not UTF-8)', { file: shownAs, line, col: bad + 1 });
      line++;
      start = i + 1;
    }
    throw new InputError('not UTF-8 text', { file: shownAs });
  }
}
