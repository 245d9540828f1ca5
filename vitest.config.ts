import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    env: { CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1' },
    // Both cores: a third of the suite's time is waiting (the 20 s reachability check, slowed fake programs),
    // which a second worker fills; vitest's default on 2 cores is one worker.
    maxWorkers: 2,
    // One worker process runs many files (vitest's forks pool, not a new process per file): each file no longer
    // loads the CLI's modules, zod schemas and yaml again (about 1.5 s a file). Files leave no global state
    // behind: process.env and the working folder are restored, fakes and lab homes live in their own folders,
    // and shared labs (test/helpers/shared-lab.ts) are keyed by file.
    isolate: false,
    // A guard against a hang, not a time limit: a test that builds a lab takes 2 s on an idle machine and 30 s
    // on a busy shared one, and a test that timed out leaves its lab command running into the next test.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The JSON report lets .ci/run print one closing line of counts.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
