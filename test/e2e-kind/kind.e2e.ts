import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

/**
 * The real thing, opt-in: `npm run test:e2e:kind` creates a kind cluster, installs the oss lab, checks
 * its status and removes it. Needs Docker, kind, kubectl, helm and internet access; skipped (saying so)
 * where Docker or kind is missing.
 */
const works = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore', timeout: 10_000 }).status === 0;
const available = works('docker', ['info']) && works('kind', ['version']) && works('helm', ['version']);
if (!available) console.warn('test:e2e:kind skipped: Docker (running), kind and helm are needed');

const home = mkdtempSync(join(tmpdir(), 'egress-lab-e2e-kind-'));
const env = { EGRESS_LAB_HOME: home, CI: 'true' };
afterAll(async () => {
  if (available) await cli(['down', '--yes', '--name', 'e2e-kind'], { env });
  rmSync(home, { recursive: true, force: true });
});

describe.skipIf(!available)('a real kind lab', () => {
  it(
    'comes up, reports healthy, and goes away',
    async () => {
      const up = await cli(['up', '--profile', 'kind-full', '--name', 'e2e-kind', '--yes'], { env });
      expect(up.code, up.stderr).toBe(0);
      const status = await cli(['status', '--name', 'e2e-kind', '--json'], { env });
      expect(JSON.parse(status.stdout).healthy).toBe(true);
      const down = await cli(['down', '--name', 'e2e-kind', '--yes'], { env });
      expect(down.code, down.stderr).toBe(0);
    },
    30 * 60_000,
  );
});
