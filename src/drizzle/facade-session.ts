import { entityKind, type SQL, type TablesRelationalConfig } from 'drizzle-orm'
import {
  PgPreparedQuery,
  PgSession,
  PgTransaction,
  type PgQueryResultHKT,
  type PgTransactionConfig,
  type PreparedQueryConfig,
} from 'drizzle-orm/pg-core'
import { validationError } from '../errors.js'
import type { SchemaInfo } from '../schema/model.js'
import type { FacadeTarget, ModelClients, TranslatedCall, Translator } from './builder-call.js'
import { countThrough, refuseRawExecute, targetOf } from './facade-database.js'
import type { BuilderCall, BuilderKind, FacadeDialect, FacadeQuery } from './facade-dialect.js'
import { translateSelect } from './select-call.js'
import { translateDelete, translateInsert, translateUpdate } from './write-calls.js'

const TRANSLATORS: Record<BuilderKind, Translator> = {
  select: translateSelect,
  insert: translateInsert,
  update: translateUpdate,
  delete: translateDelete,
}

/** A drizzle builder call translated into tandem's model API (throws before any I/O when it cannot be served). */
export function translate(info: SchemaInfo, call: BuilderCall, placeholders?: Record<string, unknown>): TranslatedCall {
  const table = (call.config.table as { [k: symbol]: unknown } | undefined) ?? {}
  const name = String(table[Symbol.for('drizzle:Name')] ?? '?')
  return TRANSLATORS[call.kind](info, call, `db.${call.kind}(${name})`, placeholders)
}

/** A prepared drizzle query on the facade: translated when executed (placeholders are known then). */
class FacadePreparedQuery extends PgPreparedQuery<PreparedQueryConfig> {
  static override readonly [entityKind]: string = 'TandemFacadePreparedQuery'
  constructor(
    query: FacadeQuery,
    private readonly target: FacadeTarget,
  ) {
    super(query, undefined, undefined)
  }
  override execute(placeholderValues: Record<string, unknown> = {}): Promise<unknown> {
    const { call } = this.query as FacadeQuery
    // a refusal is a rejection of the awaited call, as drizzle's errors are, never a synchronous throw
    try {
      return translate(this.target.info, call, placeholderValues).run(this.target.clients, placeholderValues, (fn) =>
        this.target.transaction(fn),
      )
    } catch (e) {
      return Promise.reject(e)
    }
  }
}

/**
 * drizzle's session for the facade: every prepared query runs through tandem's model clients; `transaction`
 * becomes tandem's interactive `$transaction` (on ScyllaDB undo-based, not isolated, as documented there).
 */
export class FacadeSession extends PgSession<PgQueryResultHKT, Record<string, unknown>, TablesRelationalConfig> {
  static override readonly [entityKind]: string = 'TandemFacadeSession'
  constructor(
    readonly facadeDialect: FacadeDialect,
    readonly target: FacadeTarget,
    private readonly schema: ConstructorParameters<typeof PgTransaction>[2],
    /** gives a database object its `query` (relational queries) over a target's clients */
    private readonly withQuery: <D extends object>(db: D, target: FacadeTarget) => D,
  ) {
    super(facadeDialect)
  }
  override prepareQuery<T extends PreparedQueryConfig = PreparedQueryConfig>(query: {
    sql: string
    params: unknown[]
  }): PgPreparedQuery<T> {
    return new FacadePreparedQuery(query as FacadeQuery, this.target) as unknown as PgPreparedQuery<T>
  }
  override transaction<T>(
    fn: (tx: PgTransaction<PgQueryResultHKT, Record<string, unknown>, TablesRelationalConfig>) => Promise<T>,
    config?: PgTransactionConfig,
  ): Promise<T> {
    if (config && Object.keys(config).length)
      return Promise.reject(
        validationError('db.transaction', 'isolationLevel/accessMode/deferrable are not served by the facade'),
      )
    return this.target.transaction((clients) => {
      // inside the transaction a call needing one runs in it (tandem refuses nested transactions)
      const target: FacadeTarget = { ...this.target, clients, transaction: (inner) => inner(clients) }
      const session = new FacadeSession(this.facadeDialect, target, this.schema, this.withQuery)
      return fn(this.withQuery(new FacadeTransaction(this.facadeDialect, session, this.schema), target))
    })
  }
}

/**
 * drizzle's transaction object over the facade's session (nested `tx.transaction` is refused by tandem); raw
 * `execute` and `$count` as on the facade's database (facade-database.ts).
 */
class FacadeTransaction extends PgTransaction<PgQueryResultHKT, Record<string, unknown>, TablesRelationalConfig> {
  static override readonly [entityKind]: string = 'TandemFacadeTransaction'
  override execute(): never {
    return refuseRawExecute() as never
  }
  override $count(source: Parameters<PgTransaction<PgQueryResultHKT>['$count']>[0], filters?: SQL): never {
    return countThrough(targetOf(this), source, filters) as never
  }
  override transaction<T>(): Promise<T> {
    return Promise.reject(
      validationError('tx.transaction', 'nested transactions (savepoints) are not served by the facade'),
    )
  }
}
