import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Integration tests share real services; isolation is by namespace, so files may run in parallel.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
