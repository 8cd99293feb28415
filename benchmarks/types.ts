// Shared types of the benchmark harness: result rows, implementations, workloads and run options.

export type BackendName = 'postgres' | 'scylla' | 'memory'

/** One measured (or skipped) combination: a workload on one backend, one implementation, one concurrency. */
export interface ResultRow {
  workload: string
  backend: BackendName
  impl: string
  concurrency: number
  /** operations completed in the reported round */
  ops: number
  opsPerSec: number
  /** latency percentiles of the reported round, in milliseconds, from an HDR histogram; null when skipped */
  p50Ms: number | null
  p95Ms: number | null
  p99Ms: number | null
  /** ops/s of every round, in the order they ran (the reported one is the best) */
  roundsOpsPerSec?: number[]
  /** set when the row was not measured, with the reason */
  skipped?: string
  /** true when `skipped` comes from an unexpected failure (the CLI then exits non-zero) */
  error?: boolean
  /** scale series only: messages in the database when the row was measured */
  messages?: number
}

/** Per-call CPU of tandem's own layers, measured without I/O. */
export interface PlanningRow {
  backend: 'postgres' | 'scylla'
  call: string
  /** 'explain': the public explain(); 'stubbed-io': the real call with the driver replaced by a stub */
  mode: 'explain' | 'stubbed-io' | 'plan-miss' | 'plan-hit'
  calls: number
  meanUs: number
  p50Us: number
  p99Us: number
}

/** What one operation of one implementation gets: which worker runs it and a per-worker random source. */
export interface OpContext {
  readonly worker: number
  /** uniform integer in [0, n) */
  readonly rand: (n: number) => number
  /** a number unique to this operation in the whole run (for fresh keys) */
  readonly seq: () => number
}

export interface Impl {
  /**
   * the name in the results: tandem, postgres.js, drizzle-prepared, drizzle, prisma, cassandra-driver, cassandra-mapper,
   * express-cassandra, uncached; tandem-drizzle, tandem-drizzle-query (tandem's drizzle()), drizzle-query
   */
  readonly impl: string
  readonly backend: BackendName
  readonly op: (ctx: OpContext) => Promise<unknown>
  /**
   * Called once before the warm-up: returns a reason to skip this implementation (e.g. tandem's include while
   * relations are pending), or undefined to measure it. Throwing marks the row as an error.
   */
  readonly probe?: (ctx: OpContext) => Promise<string | undefined>
}

export interface RunOptions {
  workloads: string[]
  backends: BackendName[]
  concurrency: number[]
  /** implementations to keep (all when empty) */
  impls: string[]
  /** measured time per round per implementation, ms */
  durationMs: number
  /** at most this many operations per round (the smoke test bounds rounds by count) */
  maxOps: number | undefined
  warmupMs: number
  warmupOps: number | undefined
  /** warm-up of a fresh PostgreSQL client before each of its rounds (connections, prepared statements), ms */
  roundWarmupMs: number
  rounds: number
  /** rounds of the scale series */
  scaleRounds: number
  /** total message counts of the scale series (empty: no scale series) */
  scale: number[]
  /** implementations measured in the scale series */
  scaleImpls: string[]
  planning: boolean
  /** the migrate benchmark (needs both postgres and scylla among the backends) */
  migrate: boolean
  /** runs of each migrate implementation on the main seed */
  migrateRounds: number
  /** rows in flight in both migrate implementations */
  migrateConcurrency: number
  /** calls per planning measurement */
  planningCalls: number
  /** seed sizes */
  profiles: number
  members: number
  creditUsers: number
  /** messages per channel (channels = messages / this) */
  messagesPerChannel: number
  /** messages seeded for the main workloads (the first scale step when a scale series runs) */
  messages: number
  /** PostgreSQL database and Cassandra keyspace the benchmark owns (dropped and re-created) */
  database: string
  keyspace: string
  /** pool size of every PostgreSQL client (tandem's default is 10) */
  poolSize: number
  quick: boolean
  /** stderr progress lines */
  log: (line: string) => void
}

export interface MachineInfo {
  cores: number
  cpuModel: string
  memoryGiB: number
  os: string
  node: string
  postgres: string | null
  cassandra: string | null
  drizzle: string
  prisma: string
  postgresJs: string
  cassandraDriver: string
  expressCassandra: string
}

export interface BenchResult {
  generatedAt: string
  command: string
  quick: boolean
  machine: MachineInfo
  method: {
    throughput: string
    latency: string
    warmup: string
    rounds: number
    durationMsPerRound: number
    maxOpsPerRound: number | null
    poolSize: number
  }
  seed: {
    profiles: number
    members: number
    channels: number
    messages: number
    creditUsers: number
    seconds: Record<string, number>
  }
  rows: ResultRow[]
  scale: ResultRow[]
  planning: PlanningRow[]
  /** the migrate benchmark (migrate/migrate-bench.ts): one row per run */
  migrate: MigrateRow[]
  targets: TargetCheck[]
  elapsedSeconds: number
}

export interface TargetCheck {
  target: string
  workload: string
  backend: BackendName
  concurrency: number
  /** measured ratio (or ops/s for absolute targets) */
  measured: number | null
  required: number
  met: boolean | null
  note?: string
}

/** One run of the migrate benchmark: PostgreSQL → Cassandra, the chat tables with their lookup entries. */
export interface MigrateRow {
  /** which data: 'seed' (the main seed) or the scale series' largest size */
  label: string
  impl: string
  round: number
  concurrency: number
  rows: number
  seconds: number
  rowsPerSec: number
  peakRssMiB: number
}
