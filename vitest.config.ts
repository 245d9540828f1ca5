import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    env: { CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1' },
    // Both cores: a third of the suite's time is waiting (the 20 s reachability check, slowed fake programs),
    // which a second worker fills; vitest's default on 2 cores is one worker.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The JSON report lets .ci/run print one closing line of counts.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
