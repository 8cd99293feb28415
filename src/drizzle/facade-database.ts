import { entityKind, type SQL, type TablesRelationalConfig } from 'drizzle-orm'
import { PgDatabase, type PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { TandemError } from '../errors.js'
import { modelOfTable, type FacadeTarget } from './builder-call.js'
import { whereFromDrizzle } from './drizzle-where.js'

/**
 * `db.execute(sql…)` on the facade: a rejected promise (drizzle's own would throw synchronously from its
 * dialect, which `await db.execute(…).catch(…)` does not see). Raw SQL has no CQL meaning tandem can give it.
 */
export function refuseRawExecute(): Promise<never> {
  return Promise.reject(
    new TandemError(
      'UNSERVABLE_QUERY',
      'db.execute: raw SQL cannot be served on ScyllaDB; use the query builders, db.query, or db.$tandem.$cql ' +
        'for CQL. Nothing was run.',
    ),
  )
}

/**
 * `db.$count(table, where?)` served by the model API's count (drizzle's builds a `select count(*)` SQL text).
 * Only a table of the schema as the source; the condition as a query's `where` (so it needs a key on ScyllaDB).
 */
export function countThrough(target: FacadeTarget, source: unknown, filters?: SQL): Promise<number> {
  return Promise.resolve().then(async () => {
    const ctx = 'db.$count'
    const model = modelOfTable(target.info, source, ctx)
    const where = whereFromDrizzle(model, filters, ctx)
    const client = target.clients[model.name]!
    return (await client.count!(where ? { where } : {})) as number
  })
}

/** The session's target, for the database objects over a FacadeSession. */
export function targetOf(db: { _: { session: unknown } }): FacadeTarget {
  return (db._.session as { target: FacadeTarget }).target
}

/** drizzle's PgDatabase for the facade: raw `execute` refused as a rejection, `$count` through tandem's count. */
export class FacadeDatabase extends PgDatabase<PgQueryResultHKT, Record<string, unknown>, TablesRelationalConfig> {
  static override readonly [entityKind]: string = 'TandemFacadeDatabase'
  override execute(): never {
    return refuseRawExecute() as never
  }
  override $count(source: Parameters<PgDatabase<PgQueryResultHKT>['$count']>[0], filters?: SQL): never {
    return countThrough(targetOf(this), source, filters) as never
  }
}
