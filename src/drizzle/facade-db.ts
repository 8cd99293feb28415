import { createTableRelationsHelpers, extractTablesRelationalConfig } from 'drizzle-orm'
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js'
import type postgres from 'postgres'
import type { TandemDb } from '../create-db.js'
import type { FacadeTarget, ModelClients } from './builder-call.js'
import { FacadeDatabase } from './facade-database.js'
import { FacadeDialect } from './facade-dialect.js'
import { FacadeSession } from './facade-session.js'
import { relationalQueries, type FindClient } from './relational-queries.js'

/** A drizzle database served by tandem: drizzle's API, plus `$tandem` (the tandem client: $push, $disconnect, …). */
export type TandemDrizzle<S extends Record<string, unknown>> = PostgresJsDatabase<S> & {
  /** tandem's client underneath (model API, `$push`, `$disconnect`, `$health`, `$backend`) */
  $tandem: TandemDb<S>
  /** the postgres.js pool on PostgreSQL (as drizzle's `$client`); undefined on ScyllaDB and in dual mode */
  $client: postgres.Sql | undefined
}

/**
 * drizzle's PgDatabase over the facade's dialect and session: its builders, tandem's execution. Any tandem
 * client (PostgreSQL too: the conformance tests compare the facade there with drizzle itself).
 */
export function drizzleFacade<S extends Record<string, unknown>>(schema: S, tandem: TandemDb<S>): TandemDrizzle<S> {
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
  const db = withQuery(new FacadeDatabase(dialect, session, rqSchema as never), target)
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
