import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    env: { CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1' },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The JSON report lets .ci/run print one closing line of counts.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
