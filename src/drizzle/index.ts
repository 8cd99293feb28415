// tandem-orm/drizzle: a drizzle `db` whose data lives where tandem's does. On PostgreSQL it is drizzle itself over
// tandem's postgres.js pool; on ScyllaDB (and in dual mode) drizzle's own builders in front of tandem's planner.
import { is, SQL } from 'drizzle-orm'
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import { backendOf, createDb, type CreateDbOptions, type TandemDb } from '../create-db.js'
import { validationError } from '../errors.js'
import type { Statement } from '../adapter/backend.js'
import type { SchemaInfo } from '../schema/model.js'
import type { PostgresBackend } from '../postgres/postgres-backend.js'
import { BuilderCall } from './facade-dialect.js'
import { translate } from './facade-session.js'
import { drizzleFacade, type TandemDrizzle } from './facade-db.js'
import { FacadeRelationalQuery } from './relational-queries.js'

export type { TandemDrizzle }

/** `drizzle(…)`'s config: createDb's options (tandem makes the client), or `client` for one made already. */
export type TandemDrizzleConfig<S extends Record<string, unknown>> =
  CreateDbOptions<S> | { schema: S; client: TandemDb<S> }

/**
 * A drizzle `db` for `schema` on the backend tandem runs on (`backend`, or USE_SCYLLA). PostgreSQL: drizzle
 * itself over tandem's pool, every drizzle feature, nothing in between. ScyllaDB and dual mode: drizzle's
 * query builders and `db.query` served by tandem's planner, layout, lookups and errors; what cannot be served is
 * refused with UNSERVABLE_QUERY before any I/O.
 * @example const db = drizzle({ schema }); await db.select().from(users).where(eq(users.email, e))
 */
export function drizzle<S extends Record<string, unknown>>(config: TandemDrizzleConfig<S>): TandemDrizzle<S> {
  if (!config || typeof config !== 'object' || !config.schema)
    throw validationError('drizzle', 'pass { schema } (the Drizzle schema module), and createDb options or { client }')
  const { schema } = config
  const tandem = 'client' in config ? config.client : createDb(config)
  if (tandem.$backend === 'postgres') {
    const pool = (backendOf(tandem) as PostgresBackend).sql.client
    return Object.assign(drizzlePostgres(pool, { schema }), { $tandem: tandem, $client: pool })
  }
  return drizzleFacade(schema, tandem)
}

/**
 * What a drizzle query does, without running it: on ScyllaDB (and dual) the statements tandem's planner chose
 * for the model-API calls the query becomes; on PostgreSQL drizzle's SQL. A builder or a relational query
 * (`db.query.<t>.findMany(…)`, which is lazy: nothing runs until it is awaited).
 * @example await explain(db, db.select().from(messages).where(eq(messages.channelId, id)).limit(50))
 */
export async function explain(
  db: { $tandem: { $schema: SchemaInfo } },
  query: { toSQL(): { sql: string } } | FacadeRelationalQuery<unknown>,
): Promise<{ backend: 'postgres' | 'scylla'; statements: Statement[] }> {
  if (is(query, FacadeRelationalQuery)) return query.explain()
  // every drizzle query has getSQL (not in the relational query's declared type); only the facade's holds a call
  const built = (query as { getSQL?(): unknown }).getSQL?.()
  if (!is(built, SQL)) throw validationError('explain', 'pass a drizzle query builder or relational query')
  const call = built.queryChunks.length === 1 ? built.queryChunks[0] : undefined
  if (!(call instanceof BuilderCall)) return { backend: 'postgres', statements: [{ text: query.toSQL().sql }] }
  const translated = translate(db.$tandem.$schema, call)
  const delegate = (db.$tandem as unknown as Record<string, { explain: Function }>)[translated.model.name]!
  const statements: Statement[] = []
  let backend: 'postgres' | 'scylla' = 'scylla'
  for (const c of translated.calls) {
    const plan = (await delegate.explain(c.method, c.args)) as {
      backend: 'postgres' | 'scylla'
      statements: Statement[]
    }
    backend = plan.backend
    statements.push(...plan.statements)
  }
  return { backend, statements }
}

export { TandemError } from '../errors.js'
