import { afterAll, describe, expect, it } from 'vitest';
import { labEndpoints } from '../../scripts/plan/runbook.ts';
import { controlHost } from '../../scripts/profile/layout.ts';
import { loadProfile } from '../../scripts/profile/load.ts';
import { renderLab } from '../../scripts/render/render.ts';
import { spareHost } from '../../scripts/render/scenarios.ts';
import { scratch } from '../helpers/temp.ts';

describe("the hosts verify expects to stay blocked: never one the lab allows, and the same wherever they're named", () => {
  const tmp = scratch();
  afterAll(() => tmp.cleanup());
  it('a lab that allows example.com: the control, the endpoints list and no-bypass all take other hosts', () => {
    const file = tmp.write('p.yaml', 'extends: kind-full\negress:\n  hosts: [httpbingo.org, example.com]\n');
    const loaded = loadProfile({ profile: file, scenario: ['no-bypass'] });
    const control = controlHost(loaded.profile);
    expect(control).toBe('example.org');
    expect(labEndpoints(renderLab(loaded, 'egress-lab')).mustStayBlocked).toBe(control);
    const attempts = [spareHost(loaded.profile), spareHost(loaded.profile, 1)];
    expect(attempts).toEqual(['example.net', 'example.edu']);
  });

  it('by default: example.com for the control, example.org and example.net for no-bypass', () => {
    const { profile } = loadProfile({ profile: 'kind-full' });
    expect([controlHost(profile), spareHost(profile), spareHost(profile, 1)]).toEqual([
      'example.com',
      'example.org',
      'example.net',
    ]);
  });
});
