import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { ActionableError } from '../errors.ts';
import { PROXY_USER } from '../profile/scenarios.ts';
import { labDir } from './paths.ts';
import { firstIssue } from './zod-issue.ts';

/**
 * Values egress-lab makes for a lab's scenario packs (the API key the gateway injects, the password the gateway
 * gives Squid): made once, on the first up that needs them, kept in the lab's folder (0600) so each up applies
 * the same ones, and removed with the lab. Rendered files hold markers (render/scenarios.ts); `up` fills them
 * on the way to kubectl.
 */
const secretsSchema = z.strictObject({
  apiKey: z.string().regex(/^[a-f0-9]{48}$/),
  proxyPassword: z.string().regex(/^[a-f0-9]{32}$/),
});
export type LabSecrets = z.infer<typeof secretsSchema>;

export const labSecretsFile = (lab: string, env: NodeJS.ProcessEnv) => join(labDir(lab, env), 'secrets.json');

/** The lab's secrets as its folder keeps them, when it does (never made here; a damaged file is none). */
export function readLabSecrets(lab: string, env: NodeJS.ProcessEnv): LabSecrets | undefined {
  const file = labSecretsFile(lab, env);
  if (!existsSync(file)) return undefined;
  try {
    const parsed = secretsSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The lab's secrets: read from its folder, or made and written there (temp file + rename, mode 0600). */
export function labSecrets(lab: string, env: NodeJS.ProcessEnv): LabSecrets {
  const file = labSecretsFile(lab, env);
  if (existsSync(file)) {
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw damaged(file, (err as Error).message);
    }
    const parsed = secretsSchema.safeParse(data);
    if (!parsed.success) throw damaged(file, firstIssue(parsed.error, 'not the expected fields'));
    return parsed.data;
  }
  const made: LabSecrets = { apiKey: randomBytes(24).toString('hex'), proxyPassword: randomBytes(16).toString('hex') };
  mkdirSync(labDir(lab, env), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(made, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file);
  return made;
}

const damaged = (file: string, problem: string) =>
  new ActionableError(
    `${file} is damaged (${problem}): delete it and run up again, which makes new values for the lab's API key and proxy password and applies them`,
  );

/**
 * Each form a marker can ask for:
 * - api-key: the key itself;
 * - proxy-basic: base64(user:password), what the Basic scheme carries (RFC 7617);
 * - proxy-passwd: Squid's NCSA passwd line, `user:` and the password's MD5 in hex, one of the forms
 *   basic_ncsa_auth checks (squid-cache/squid SQUID_6_6 src/auth/basic/NCSA/basic_ncsa_auth.cc, crypt_md5.cc
 *   md5sum). The password is 128 random bits, so the unsalted hash guards nothing a guess could find.
 */
export function secretForms(s: LabSecrets): Record<'api-key' | 'proxy-basic' | 'proxy-passwd', string> {
  return {
    'api-key': s.apiKey,
    'proxy-basic': Buffer.from(`${PROXY_USER}:${s.proxyPassword}`).toString('base64'),
    'proxy-passwd': `${PROXY_USER}:${createHash('md5').update(s.proxyPassword).digest('hex')}`,
  };
}
