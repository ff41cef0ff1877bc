import { defineConfig } from 'vitest/config';

/**
 * The fault suite (`npm run test:faults`): tests that kill, stop and restart real processes and
 * services. Kept out of `npm test` because each runs for tens of seconds; one file at a time, so
 * the timings they assert are not skewed by each other.
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.faults.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
