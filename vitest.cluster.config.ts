import { defineConfig } from 'vitest/config'

// `npm run test:cluster`: the fault suite on a local 3-node Cassandra cluster (scripts/cluster.mjs), apart from
// `npm test` (which excludes test/cluster): it kills and restarts real nodes, and needs no PostgreSQL.
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    globalSetup: ['test/cluster/cluster-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 900_000,
    pool: 'forks',
    fileParallelism: false,
  },
})
