import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Starts (or reuses) local PostgreSQL + Cassandra unless DATABASE_URL and SCYLLA_HOSTS are set.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // 2 cores and shared databases: one test file at a time.
    fileParallelism: false,
  },
})
