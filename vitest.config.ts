import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['test/failover/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration files start their own servers and PostgreSQL clusters: one file at a time keeps 2 cores honest.
    fileParallelism: false,
    allowOnly: false,
  },
});
