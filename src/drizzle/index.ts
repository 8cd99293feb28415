// tandem-orm/drizzle: a drizzle `db` whose data lives where tandem's does. On PostgreSQL it is drizzle itself over
// tandem's postgres.js pool; on ScyllaDB (and in dual mode) drizzle's own builders in front of tandem's planner.
import { createTableRelationsHelpers, extractTablesRelationalConfig, is, SQL } from 'drizzle-orm'
import { PgDatabase } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePostgres, type PostgresJsDatabase } from 'drizzle-orm/postgres-js'
import type postgres from 'postgres'
import { backendOf, createDb, type CreateDbOptions, type TandemDb } from '../create-db.js'
import { validationError } from '../errors.js'
import type { Statement } from '../adapter/backend.js'
import type { PostgresBackend } from '../postgres/postgres-backend.js'
import type { ModelClients } from './builder-call.js'
import { BuilderCall, FacadeDialect } from './facade-dialect.js'
import { FacadeSession, translate, type FacadeTarget } from './facade-session.js'
import { relationalQueries, type FindClient } from './relational-queries.js'

/** A drizzle database served by tandem: drizzle's API, plus `$tandem` (the tandem client: $push, $disconnect, …). */
export type TandemDrizzle<S extends Record<string, unknown>> = PostgresJsDatabase<S> & {
  /** tandem's client underneath (model API, `$push`, `$disconnect`, `$health`, `$backend`) */
  $tandem: TandemDb<S>
  /** the postgres.js pool on PostgreSQL (as drizzle's `$client`); undefined on ScyllaDB and in dual mode */
  $client: postgres.Sql | undefined
}

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
  return facade(schema, tandem)
}

/** drizzle's PgDatabase over the facade's dialect and session: its builders, tandem's execution. */
function facade<S extends Record<string, unknown>>(schema: S, tandem: TandemDb<S>): TandemDrizzle<S> {
  const tables = extractTablesRelationalConfig(schema, createTableRelationsHelpers)
  const rqSchema = { fullSchema: schema, schema: tables.tables, tableNamesMap: tables.tableNamesMap }
  const dialect = new FacadeDialect()
  const target: FacadeTarget = {
    info: tandem.$schema,
    clients: clientsOf(tandem),
    transaction: (fn) =>
      (tandem.$transaction as (f: (tx: unknown) => Promise<unknown>) => Promise<unknown>)((tx) =>
        fn(clientsOf(tx)),
      ) as never,
  }
  const session = new FacadeSession(dialect, target, rqSchema as never, withQuery)
  const db = withQuery(new PgDatabase(dialect, session, rqSchema as never), target)
  return Object.assign(db, { $tandem: tandem, $client: undefined }) as unknown as TandemDrizzle<S>
}

/** `db.query` (drizzle's relational queries) over the target's model clients; drizzle's own would render SQL. */
function withQuery<D extends object>(db: D, target: FacadeTarget): D {
  const clients = new Map(Object.entries(target.clients) as unknown as [string, FindClient][])
  ;(db as { query: unknown }).query = relationalQueries(target.info, clients)
  return db
}

/** a tandem client's (or transaction client's) model delegates by model name */
function clientsOf(tandem: unknown): ModelClients {
  const t = tandem as { $schema?: { models: Map<string, unknown> } } & Record<string, unknown>
  const names = [...(t.$schema?.models.keys() ?? [])]
  return Object.fromEntries(names.map((n) => [n, t[n]])) as ModelClients
}

/**
 * What a drizzle query does, without running it: on ScyllaDB (and dual) the statements tandem's planner chose
 * for the model-API calls the query becomes; on PostgreSQL drizzle's SQL.
 * @example await explain(db, db.select().from(messages).where(eq(messages.channelId, id)).limit(50))
 */
export async function explain(
  db: TandemDrizzle<Record<string, unknown>>,
  query: { getSQL(): SQL },
): Promise<{ backend: 'postgres' | 'scylla'; statements: Statement[] }> {
  const built = query.getSQL()
  const call = built.queryChunks.length === 1 ? built.queryChunks[0] : undefined
  if (!(call instanceof BuilderCall)) {
    if (!is(built, SQL)) throw validationError('explain', 'pass a drizzle query builder')
    return {
      backend: 'postgres',
      statements: [{ text: (query as unknown as { toSQL(): { sql: string } }).toSQL().sql }],
    }
  }
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
