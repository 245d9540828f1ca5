import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

/** A pack a profile cannot hold is bad input: exit 2 with the reason, before anything runs. */
describe('scenario packs refused with a reason (exit 2, nothing run)', () => {
  const render = (...args: string[]) => cli(['render', '--out', '/nonexistent/never-written', ...args]);

  it('on the enterprise and seed stacks: no public documentation of the features at the pinned versions', async () => {
    const enterprise = await render('--profile', 'kind-enterprise', '--scenario', 'rate-limit');
    expect(enterprise.code).toBe(2);
    expect(enterprise.stderr).toMatch(/scenarios: the enterprise stack cannot hold scenario packs: .*v2026\.7\.0/);
    expect(enterprise.stderr).toMatch(/fix: --stack oss/);
    const seed = await render('--profile', 'seed', '--scenario', 'tls-origination');
    expect(seed.code).toBe(2);
    expect(seed.stderr).toMatch(/the seed stack cannot hold scenario packs/);
  });

  it('proxy-auth without an in-cluster Squid', async () => {
    const noSquid = await render('--profile', 'kind', '--scenario', 'proxy-auth');
    expect(noSquid.code).toBe(2);
    expect(noSquid.stderr).toMatch(
      /scenarios\.0: proxy-auth .* needs Squid in the cluster \(components\.squid\.mode is none\)/,
    );
  });

  it('an unknown pack, and one named twice', async () => {
    const unknown = await render('--scenario', 'tls');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/not a scenario pack \(tls-origination, identity-authz/);
    const twice = await render('--profile', 'kind-full', '--scenario', 'no-bypass', '--scenario', 'no-bypass');
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/a pack is named twice/);
  });
});
