// Run options: defaults of a full and a quick run, the workload and backend names. Imports nothing of tandem,
// so the CLI can parse its flags before dist/ is (re)built.
import type { BackendName, RunOptions } from './types.js'

export const ALL_BACKENDS: readonly BackendName[] = ['postgres', 'scylla', 'memory']
/** in the order they run (suite.ts checks this list against the workload modules) */
export const WORKLOAD_NAMES: readonly string[] = [
  'find-unique-pk',
  'find-unique-key',
  'find-many-page',
  'create',
  'update-pk',
  'include-page',
  'credits-balance-cached',
  'credits-deduct',
  'hot-row-increment',
  'aggregate',
  'group-by',
  'drizzle-point',
  'drizzle-page',
]

/** Defaults of a full run; `quick` shortens rounds and the scale series. */
export function defaultOptions(quick: boolean, log: (line: string) => void = () => {}): RunOptions {
  return {
    workloads: [...WORKLOAD_NAMES],
    backends: [...ALL_BACKENDS],
    concurrency: [1, 32],
    impls: [],
    durationMs: quick ? 250 : 1000,
    maxOps: undefined,
    warmupMs: quick ? 150 : 500,
    warmupOps: undefined,
    roundWarmupMs: quick ? 100 : 250,
    rounds: quick ? 3 : 5,
    scaleRounds: 3,
    scale: quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000],
    scaleImpls: ['tandem', 'postgres.js', 'cassandra-driver'],
    planning: true,
    migrate: true,
    migrateRounds: quick ? 1 : 3,
    migrateConcurrency: 32,
    planningCalls: quick ? 5_000 : 20_000,
    profiles: 20_000,
    members: 1_000,
    creditUsers: 1_000,
    messagesPerChannel: 500,
    messages: 10_000,
    database: 'tandem_bench',
    keyspace: 'tandem_bench',
    poolSize: 10,
    quick,
    log,
  }
}
