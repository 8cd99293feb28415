import { configDefaults, defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // the fault suite kills nodes of its own 3-node cluster: `npm run test:cluster` (vitest.cluster.config.ts)
    exclude: [...configDefaults.exclude, 'test/cluster/**'],
    // Type tests (test/types/*.test-d.ts): only type-checked (tsc), never run; each test() is counted in the
    // results (and in the JSON report) like a runtime test, and a type error inside it fails it.
    typecheck: {
      enabled: true,
      include: ['test/types/**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
    },
    // Starts (or reuses) local PostgreSQL + Cassandra unless DATABASE_URL and SCYLLA_HOSTS are set.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // 2 cores and shared databases: one test file at a time.
    fileParallelism: false,
  },
})
