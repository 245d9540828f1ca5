import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkContradictions } from '../../scripts/cli-args.ts';
import { escapeForTerminal, InputError } from '../../scripts/errors.ts';
import { CommandError, redact } from '../../scripts/exec/exec.ts';
import { readLicenceFile } from '../../scripts/lab/licences.ts';
import { buildPlan } from '../../scripts/plan/plan.ts';
import { LICENCE_VARIABLES } from '../../scripts/profile/licence-variables.ts';
import { loadProfile } from '../../scripts/profile/load.ts';
import { NON_RELEASE_STEP_IDS } from '../../scripts/profile/stack-files.ts';
import { renderLab } from '../../scripts/render/render.ts';
import { stateRoot } from '../../scripts/state/paths.ts';

const dir = mkdtempSync(join(tmpdir(), 'egress-lab-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('escapeForTerminal: the one escaping of what egress-lab prints about bad input', () => {
  it('shows newlines, ESC, C0, DEL, C1, line separators and bidi overrides as escapes', () => {
    expect(escapeForTerminal('a\nb\r\tc\u001b[31md\u0000\u007f\u009b\u2028\u202e')).toBe(
      'a\\nb\\r\\tc\\x1b[31md\\x00\\x7f\\x9b\\u2028\\u202e',
    );
  });
  it('keeps printable text (backslashes, quotes, non-ASCII) and is idempotent', () => {
    const text = 'C:\\x "é" ✓ $HOME';
    expect(escapeForTerminal(text)).toBe(text);
    const hostile = 'x\n\u001b]0;t\u0007';
    expect(escapeForTerminal(escapeForTerminal(hostile))).toBe(escapeForTerminal(hostile));
  });
  it('may keep newlines of multi-line messages, never an escape', () => {
    expect(escapeForTerminal('one\ntwo\u001b[2J', true)).toBe('one\ntwo\\x1b[2J');
  });
  it('every InputError message is one escaped line, its position included', () => {
    const err = new InputError('bad "\u001b[31m"\nvalue', { file: 'evil\n.yaml', line: 1, col: 2 });
    expect(err.message).toBe('evil\\n.yaml:1:2: bad "\\x1b[31m"\\nvalue');
  });
});

describe('checkContradictions: a pure scan of the arguments as typed', () => {
  const values = new Set(['--name', '--profile', '--squid-external', '--platform', '--out']);
  const takesValue = (f: string) => values.has(f);
  const check = (args: string[]) => () => checkContradictions(args, takesValue);
  it('refuses both sides of a negatable flag, in either order', () => {
    expect(check(['--squid', '--no-squid'])).toThrow(/^--squid and --no-squid contradict each other; give one$/);
    expect(check(['--no-ext-auth', '--ext-auth'])).toThrow(/--no-ext-auth and --ext-auth contradict/);
  });
  it('refuses --squid or --no-squid with --squid-external, with a value or =value', () => {
    expect(check(['--squid-external', 'p:3128', '--squid'])).toThrow(/--squid-external and --squid contradict/);
    expect(check(['--no-squid', '--squid-external=p:3128'])).toThrow(/--no-squid and --squid-external contradict/);
  });
  it('refuses one value flag given twice with different values, accepts it repeated as is', () => {
    expect(check(['--platform', 'kind', '--platform=gke'])).toThrow(/--platform is given twice/);
    expect(check(['--platform', 'kind', '--platform', 'kind'])).not.toThrow();
  });
  it('does not read a value as a flag, and stops at --', () => {
    expect(check(['--name', '--squid', '--no-squid'])).not.toThrow();
    expect(check(['--squid', '--', '--no-squid'])).not.toThrow();
    expect(check(['--squid', '--ext-auth', '--out', 'x'])).not.toThrow();
  });
  it('a repeated flag with hostile values is escaped in the message', () => {
    expect(check(['--name', 'a\u001b', '--name', 'b'])).toThrow(/"a\\x1b", "b"/);
  });
});

describe('licence values: redacted at any length', () => {
  it('redacts one- to three-character values too, longest first', () => {
    expect(redact('key k9 and k9Z-long', ['k9', 'k9Z-long'])).toBe('key *** and ***');
    expect(redact('x=Q', ['Q'])).toBe('x=***');
    expect(redact('nothing', [''])).toBe('nothing');
  });
  it('a failed command never shows a short licence value', () => {
    const err = new CommandError('helm', ['upgrade'], 1, 'Error: invalid licence "zQ7"', ['zQ7']);
    expect(err.message).not.toContain('zQ7');
  });
});

describe('licence files: what is accepted', () => {
  it('reads NAME=value, export NAME=value and one pair of matching quotes', () => {
    const file = join(dir, 'ok.env');
    writeFileSync(
      file,
      '# trial keys\r\nGLOO_MESH_LICENSE_KEY=abc.def-123\nexport GLOO_GATEWAY_LICENSE_KEY="eyJ#x"\nAGENTGATEWAY_LICENSE_KEY=\'q\'\n',
    );
    expect([...readLicenceFile(file, LICENCE_VARIABLES)]).toEqual([
      ['GLOO_MESH_LICENSE_KEY', 'abc.def-123'],
      ['GLOO_GATEWAY_LICENSE_KEY', 'eyJ#x'],
      ['AGENTGATEWAY_LICENSE_KEY', 'q'],
    ]);
  });
  it('refuses a space inside the value', () => {
    const file = join(dir, 'space.env');
    writeFileSync(file, 'GLOO_MESH_LICENSE_KEY=abc def\n');
    expect(() => readLicenceFile(file, LICENCE_VARIABLES)).toThrow(
      /space\.env:1:23: GLOO_MESH_LICENSE_KEY: .* a space/,
    );
  });
});

describe('EGRESS_LAB_HOME: a relative value is resolved once', () => {
  it('keeps naming the folder it named when egress-lab started, after the working folder changes', () => {
    const start = process.cwd();
    const env = { EGRESS_LAB_HOME: `rel-${process.pid}` };
    try {
      process.chdir(dir);
      const first = stateRoot(env);
      expect(first).toBe(join(realpathSync(dir), env.EGRESS_LAB_HOME));
      process.chdir(tmpdir());
      expect(stateRoot(env)).toBe(first);
    } finally {
      process.chdir(start);
    }
  });
});

describe('release names and step names', () => {
  it('NON_RELEASE_STEP_IDS lists every step of every built-in profile that is not a release', () => {
    for (const profile of ['kind-full', 'gke-full', 'seed', 'kind-enterprise']) {
      const rendered = renderLab(loadProfile({ profile }), 'egress-lab');
      const releases = new Set(rendered.releases.map((r) => r.name));
      const steps = buildPlan(rendered, { EGRESS_LAB_HOME: dir }).map((s) => s.id);
      for (const id of steps.filter((s) => !releases.has(s))) expect(NON_RELEASE_STEP_IDS).toContain(id);
    }
  });
});

describe('templates a profile names', () => {
  it("a template in the profile file's own folder is accepted (by absolute path)", () => {
    const own = join(dir, 'own');
    const text = 'description: x\nstackOverrides:\n  templates:\n    egressGuard: EGUARD\n';
    const guard = join(dir, 'guard.yaml');
    writeFileSync(guard, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: g\n  namespace: ${sample.namespace}\n');
    writeFileSync(`${own}.yaml`, text.replace('EGUARD', guard));
    const loaded = loadProfile({ profile: `${own}.yaml` });
    expect(loaded.stack.templates.egressGuard).toBe(guard);
    const egress = renderLab(loaded, 'egress-lab').manifests.find((m) => m.id === 'egress');
    expect(egress?.objects.some((o) => o.kind === 'ConfigMap' && o.metadata.name === 'g')).toBe(true);
  });
});
