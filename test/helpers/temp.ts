import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A scratch folder removed after the test; `write` puts a file in it and returns its path. */
export function scratch() {
  const dir = mkdtempSync(join(tmpdir(), 'egress-lab-test-'));
  return {
    dir,
    write(name: string, text: string): string {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    writeBytes(name: string, bytes: Uint8Array): string {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
