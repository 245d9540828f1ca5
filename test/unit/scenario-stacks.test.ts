import { describe, expect, it } from 'vitest';
import { InputError } from '../../scripts/errors.ts';
import { loadProfile } from '../../scripts/profile/load.ts';
import { SCENARIO_NAMES } from '../../scripts/profile/scenarios.ts';
import { renderLab } from '../../scripts/render/render.ts';

describe('every scenario pack on every stack', () => {
  for (const pack of SCENARIO_NAMES) {
    it(`${pack}: renders its step on the oss stack, and is refused with the reason on enterprise and seed`, () => {
      const rendered = renderLab(loadProfile({ profile: 'kind-full', scenario: [pack] }), 'egress-lab');
      const ids = rendered.manifests.map((m) => m.id);
      // tls-origination changes the hosts' backends (egress step) and adds no object of its own.
      if (pack !== 'tls-origination') expect(ids).toContain(`scenario-${pack}`);
      for (const profile of ['kind-enterprise', 'seed']) {
        let error: unknown;
        try {
          loadProfile({ profile, scenario: [pack] });
        } catch (err) {
          error = err;
        }
        expect(error, profile).toBeInstanceOf(InputError);
        expect((error as Error).message).toMatch(
          /^scenarios: the (enterprise|seed) stack cannot hold scenario packs: .+; fix: --stack oss/,
        );
      }
    });
  }
});
