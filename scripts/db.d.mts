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
/** What `up({ secure: true })` adds: the secured node's credentials and CA (SCYLLA_HOSTS is 127.0.0.5:9042). */
export interface SecureDbEnv extends DbEnv {
  SCYLLA_USERNAME: string
  SCYLLA_PASSWORD: string
  /** absolute path of the generated CA certificate (PEM) */
  SCYLLA_TLS_CA: string
}
/**
 * Starts (or reuses) the local databases; progress goes to stderr. Rejects with an actionable message.
 * `secure`: PostgreSQL and the secured Cassandra node (password authentication, client TLS) instead of the plain one.
 */
export function up(options: { secure: true }): Promise<SecureDbEnv>
export function up(options?: { secure?: boolean }): Promise<DbEnv>
/** Stops what up() started. Idempotent. */
export function down(): Promise<void>
/** Runs a command (as `user` through runuser when given); output copied to stderr unless quiet. */
export function run(
  cmd: string,
  args: string[],
  options?: { user?: string | null; env?: Record<string, string>; input?: string; quiet?: boolean; cwd?: string },
): Promise<{ code: number; out: string }>
/** The directory holding initdb, pg_ctl, postgres and psql, or null. */
export function findPgBin(): string | null
/** When root: the unprivileged OS user PostgreSQL runs as (created if missing); else null. */
export function pgOsUser(): Promise<string | null>
export function osIds(user: string): Promise<{ uid: number; gid: number }>
/** Makes every ancestor of `dir` traversable (o+x) for the postgres user. */
export function ensureTraversable(dir: string): void
/** Whether a process runs (zombies count as gone). */
export function pidAlive(pid: number): boolean
/** The first integer in a pid file, or NaN. */
export function readPid(file: string): number
