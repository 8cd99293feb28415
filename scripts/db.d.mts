// Types for scripts/db.mjs (local PostgreSQL + Cassandra for tests and benchmarks).
export interface DbEnv {
  /** postgres://tandem:tandem@127.0.0.1:55432/tandem unless DATABASE_URL was already set */
  DATABASE_URL: string
  /** 127.0.0.1:9042 unless SCYLLA_HOSTS / SCYLLA_HOST was already set */
  SCYLLA_HOSTS: string
  /** SCYLLA_DATACENTER from the environment, else 'datacenter1' */
  SCYLLA_DATACENTER: string
}
/** The values up() returns for the servers it manages itself (127.0.0.1:55432 and 127.0.0.1:9042). */
export const localEnv: Readonly<DbEnv>
/** Starts (or reuses) the local databases; progress goes to stderr. Rejects with an actionable message. */
export function up(): Promise<DbEnv>
/** Stops what up() started. Idempotent. */
export function down(): Promise<void>
