import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'src/**/*.test.ts', 'test/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration files start their own servers, PostgreSQL clusters and containers: one file at a time keeps 2 cores honest.
    fileParallelism: false,
    allowOnly: false,
    globalSetup: ['test/failover/globalSetup.ts'],
    env: {
      // No Ryuk image can be pulled here; the suite's own teardown removes every container.
      TESTCONTAINERS_RYUK_DISABLED: process.env.TESTCONTAINERS_RYUK_DISABLED ?? 'true',
      TESTCONTAINERS_HOST_OVERRIDE: process.env.TESTCONTAINERS_HOST_OVERRIDE ?? '127.0.0.1',
    },
  },
});
