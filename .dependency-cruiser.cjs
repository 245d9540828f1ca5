// The layering of scripts/ as a check: `npm run arch`. docs/architecture.md explains each rule.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'No import cycle anywhere under scripts/: a cycle means two layers that cannot be read apart.',
      severity: 'error',
      from: { path: '^scripts/' },
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      comment: 'No cycle between the folders under scripts/ either: each folder is a layer with a direction.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^scripts/' },
      to: { circular: true },
    },
    {
      name: 'pure-layers-run-nothing',
      comment: 'profile, render and plan compute; they never run a program (no exec/, no zx).',
      severity: 'error',
      from: { path: '^scripts/(profile|render|plan)/' },
      to: { path: ['^scripts/exec/', '(^|/)node_modules/zx/'] },
    },
    {
      name: 'pure-layers-reach-no-exec',
      comment:
        "Nor through another module: what profile, render and plan import (the platforms' pure parts) never leads to exec/ or zx.",
      severity: 'error',
      from: { path: '^scripts/(profile|render|plan)/' },
      to: { path: ['^scripts/exec/', '(^|/)node_modules/zx/'], reachable: true },
    },
    {
      name: 'no-screen-below-the-verbs',
      comment: 'exec and state know no screen: they never import ui/.',
      severity: 'error',
      from: { path: '^scripts/(exec|state)/' },
      to: { path: '^scripts/ui/' },
    },
    {
      name: 'commands-are-entry-points',
      comment: 'Only program.ts (and the bin, egress-lab.ts) load the verbs in commands/.',
      severity: 'error',
      from: { path: '^scripts/', pathNot: '^scripts/(commands/|program\\.ts$|egress-lab\\.ts$)' },
      to: { path: '^scripts/commands/' },
    },
    {
      name: 'only-ui-prompts',
      comment: 'Only ui/ imports @clack/prompts.',
      severity: 'error',
      from: { path: '^scripts/', pathNot: '^scripts/ui/' },
      to: { path: '(^|/)node_modules/@clack/prompts/' },
    },
    {
      name: 'only-exec-runs-programs',
      comment: 'Only exec/ imports zx.',
      severity: 'error',
      from: { path: '^scripts/', pathNot: '^scripts/exec/' },
      to: { path: '(^|/)node_modules/zx/' },
    },
    {
      name: 'imports-resolve',
      comment: 'Every import under scripts/ resolves (a rule cannot check what it cannot find).',
      severity: 'error',
      from: { path: '^scripts/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // TypeScript 7 has no JavaScript API for dependency-cruiser to parse with; swc parses the .ts sources.
    parser: 'swc',
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^(scripts/|node_modules/)',
    moduleSystems: ['es6'],
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'node', 'default'],
      extensions: ['.ts', '.js', '.mjs', '.json'],
    },
  },
};
