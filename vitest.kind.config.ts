import { defineConfig } from 'vitest/config';

/** `npm run test:e2e:kind`: the real kind lab, opt-in (not part of npm test). */
export default defineConfig({
  test: {
    include: ['test/e2e-kind/**/*.e2e.ts'],
    env: { CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1' },
    testTimeout: 30 * 60_000,
    hookTimeout: 10 * 60_000,
  },
});
