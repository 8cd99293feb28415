import { entityKind, SQL } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import { TandemError } from '../errors.js'

/** Which builder a drizzle call came from. */
export type BuilderKind = 'select' | 'insert' | 'update' | 'delete'

/**
 * A drizzle builder's whole config (table, fields, where, orderBy, limit, values, set, returning, …) carried as
 * the only chunk of the "SQL" the facade's dialect builds: the session reads it back and runs it through tandem
 * instead of rendering SQL text.
 */
export class BuilderCall {
  constructor(
    readonly kind: BuilderKind,
    readonly config: Record<string, unknown>,
  ) {}
}

/**
 * An `onConflictDoUpdate` set (field key → drizzle's Param / SQL / Column) kept as it was given: drizzle renders
 * onConflict into SQL at once, so the facade's `buildUpdateSet` leaves this in that SQL for the insert to read.
 */
export class UpdateSet {
  constructor(readonly set: Record<string, unknown>) {}
}

/** What the facade's `sqlToQuery` gives: drizzle's Query shape plus the builder call it stands for. */
export interface FacadeQuery {
  sql: string
  params: unknown[]
  call: BuilderCall
}

/**
 * drizzle's PostgreSQL dialect with the four statement builders replaced: instead of SQL text each returns the
 * builder's config, so drizzle's own query builders (their chaining, typing and checks) stay in front and tandem
 * serves the call. Anything that reaches `sqlToQuery` without a builder call is raw SQL (`db.execute`,
 * `$count`'s subquery, a relational query drizzle would render): refused before any I/O.
 */
export class FacadeDialect extends PgDialect {
  static override readonly [entityKind]: string = 'TandemFacadeDialect'

  override buildSelectQuery(config: Parameters<PgDialect['buildSelectQuery']>[0]): SQL {
    return new SQL([new BuilderCall('select', config as unknown as Record<string, unknown>) as never])
  }
  override buildInsertQuery(config: Parameters<PgDialect['buildInsertQuery']>[0]): SQL {
    return new SQL([new BuilderCall('insert', config as unknown as Record<string, unknown>) as never])
  }
  override buildUpdateQuery(config: Parameters<PgDialect['buildUpdateQuery']>[0]): SQL {
    return new SQL([new BuilderCall('update', config as unknown as Record<string, unknown>) as never])
  }
  override buildDeleteQuery(config: Parameters<PgDialect['buildDeleteQuery']>[0]): SQL {
    return new SQL([new BuilderCall('delete', config as unknown as Record<string, unknown>) as never])
  }

  override buildUpdateSet(_table: unknown, set: Record<string, unknown>): SQL {
    return new SQL([new UpdateSet(set) as never])
  }

  override sqlToQuery(sql: SQL): FacadeQuery & { typings?: never } {
    const call = sql.queryChunks.length === 1 ? sql.queryChunks[0] : undefined
    if (!(call instanceof BuilderCall))
      throw new TandemError(
        'UNSERVABLE_QUERY',
        'raw SQL (db.execute, a subquery, a sql`` fragment in place of a query) cannot be served on ScyllaDB; ' +
          'use db.$tandem.$cql for CQL. Nothing was run.',
      )
    return { sql: `tandem ${call.kind} (see explain)`, params: [], call }
  }
}
