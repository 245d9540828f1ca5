// The fake curl on the host.

import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import type { FakeState } from '../types.ts';
import { gatewayApiCrds } from './charts.ts';
import { type Ctx, Fail, take } from './common.ts';

/**
 * `curl -fsSL -o FILE URL` on the host (egress-lab bundle fetches the Gateway API CRDs with it): only the
 * Gateway API release file is served; offline, curl cannot resolve the host (exit 6).
 */
export function curl(state: FakeState, args: string[], ctx: Ctx): string {
  const out = take(args, '-o');
  const url = args.find((a) => a.startsWith('https://'));
  if (!out || !url) throw new Fail(`fake curl: unsupported ${args.join(' ')}`);
  if (state.offline) throw new Fail(`curl: (6) Could not resolve host: ${new URL(url).hostname}`, 6);
  const release = url.match(
    /^https:\/\/github\.com\/kubernetes-sigs\/gateway-api\/releases\/download\/(v[\d.]+)\/experimental-install\.yaml$/,
  );
  if (!release) throw new Fail(`curl: (22) The requested URL returned error: 404`, 22);
  writeFileSync(
    resolve(ctx.cwd ?? '.', out),
    gatewayApiCrds(release[1] ?? '')
      .map((d) => stringify(d))
      .join('---\n'),
  );
  return '';
}
