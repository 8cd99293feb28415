// What a workload is: a name, what it does, and its implementations per backend, all doing the same logical work.
import type { PgClients, ScyllaClients } from '../clients.js'
import type { SeedData } from '../seed.js'
import type { BackendName, Impl, OpContext } from '../types.js'

export interface WorkloadEnv {
  pg: PgClients | undefined
  scylla: ScyllaClients | undefined
  data: SeedData
  /** a tag unique to this run, for keys that must not collide with earlier runs' rows */
  runTag: string
}

export interface Workload {
  readonly name: string
  /** one line for the report */
  readonly description: string
  readonly backends: readonly BackendName[]
  /** the concurrencies the workload is defined at (the run's --concurrency when absent) */
  readonly concurrency?: readonly number[]
  impls(backend: BackendName, env: WorkloadEnv): Impl[]
  /**
   * Reads only: what a result must agree on across implementations (ids, in order). Before measuring, every
   * implementation runs once on the same key; one whose digest differs from the first's is an error row.
   */
  digest?(result: unknown): string
  /**
   * The implementation the report's ratio column divides an implementation's ops/s by, when it is not the backend's
   * raw driver (e.g. tandem's drizzle() by plain drizzle); undefined keeps the raw driver.
   */
  ratioBase?(backend: BackendName, impl: string): string | undefined
}

type Loose = Record<string, unknown> | null | undefined
const idOf = (r: Loose) => (r ? String(r['id']) : 'null')
/** the ids of a row or a list of rows, in order */
export const idsDigest = (result: unknown): string =>
  Array.isArray(result) ? (result as Loose[]).map(idOf).join(',') : idOf(result as Loose)
/** message ids with their author's and the author's profile's ids */
export const includeDigest = (result: unknown): string =>
  (result as Loose[])
    .map((m) => {
      const author = m?.['author'] as Loose
      return `${idOf(m)}<${idOf(author)}<${idOf(author?.['profile'] as Loose)}`
    })
    .join(',')

/** A uniformly random element. */
export const pick = <T>(list: readonly T[], c: OpContext): T => list[c.rand(list.length)]!

/** The loosely typed view of a tandem model used for arguments its types do not describe yet (include). */
export interface LooseDelegate {
  findMany(args: Record<string, unknown>): Promise<unknown[]>
}

/** tandem's answer while relations are pending: VALIDATION "… is not supported yet …" */
export function notSupportedYet(e: unknown): string | undefined {
  const err = e as { code?: string; message?: string }
  if (err?.code === 'VALIDATION' && /not supported yet/i.test(err.message ?? '')) return `tandem: ${err.message}`
  return undefined
}

export function needPg(env: WorkloadEnv): PgClients {
  if (!env.pg) throw new Error('internal: PostgreSQL clients are not open')
  return env.pg
}

export function needScylla(env: WorkloadEnv): ScyllaClients {
  if (!env.scylla) throw new Error('internal: ScyllaDB clients are not open')
  return env.scylla
}

/** cassandra-driver options for an idempotent read or write, as tandem sends them. */
export const IDEMPOTENT = { prepare: true, isIdempotent: true } as const
/** LWTs are never idempotent. */
export const LWT = { prepare: true, isIdempotent: false } as const

export const ks = (keyspace: string, table: string) => `"${keyspace}"."${table}"`

export const PROFILE_CQL_COLUMNS = 'id, user_id, name, email, created_at, updated_at'
export const MESSAGE_CQL_COLUMNS = 'channel_id, created_at, id, author_id, content'
export const MEMBER_CQL_COLUMNS = 'id, profile_id, role, created_at'
