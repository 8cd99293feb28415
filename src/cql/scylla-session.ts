import type { Model, Row } from '../schema/model.js'
import type { CqlTable, ModelTables } from '../schema/scylla-layout.js'
import type { CqlExecutor, CqlStatement } from './cql-executor.js'
import { TableStatements } from './cql-statements.js'
import { rowFromCql, toCql } from './scylla-values.js'

/**
 * What the parts of the ScyllaDB backend share, and what tandem's own modules (the credits ledger) are
 * given instead of the backend's internals: the executor, the keyspace, each model's tables, their
 * fixed statements, and how rows are bound and read back.
 */
export class ScyllaSession {
  private readonly statementsOf = new Map<CqlTable, TableStatements>()

  constructor(
    private readonly executor: () => CqlExecutor,
    readonly keyspace: string,
    private readonly tables: ReadonlyMap<string, ModelTables>,
    /** a failure tandem recovered from (the caller sees the original error or none): logged, never swallowed */
    readonly warn: (message: string, error: unknown) => void,
    /** how long after sending a timed-out LWT it may still apply on the server (settle-outcome.ts) */
    readonly lwtSettleMs: number,
  ) {
    for (const t of tables.values())
      for (const table of [t.base, ...t.uniques, ...t.indexes])
        this.statementsOf.set(table, new TableStatements(keyspace, t.model, table))
  }

  /** the executor (connects on first use) */
  get exec(): CqlExecutor {
    return this.executor()
  }

  tablesOf(model: Model | string): ModelTables {
    return this.tables.get(typeof model === 'string' ? model : model.name)!
  }

  allTables(): Iterable<ModelTables> {
    return this.tables.values()
  }

  statements(table: CqlTable): TableStatements {
    return this.statementsOf.get(table)!
  }

  bind(model: Model, fields: readonly string[], row: Row): unknown[] {
    return fields.map((f) => toCql(model.fields.get(f)!, row[f]))
  }

  insert(t: ModelTables, table: CqlTable, row: Row, ifNotExists = false): CqlStatement {
    const s = this.statements(table)
    return { query: ifNotExists ? s.insertIfNotExists : s.insert, params: this.bind(t.model, table.fields, row) }
  }

  /** DELETE by key; `ifOwned`: only while the row's other columns still hold `row`'s values */
  delete(t: ModelTables, table: CqlTable, row: Row, mode: 'plain' | 'ifExists' | 'ifOwned' = 'plain'): CqlStatement {
    const s = this.statements(table)
    const key = this.bind(t.model, s.key, row)
    if (mode === 'ifOwned') return { query: s.deleteIfOwned, params: [...key, ...this.bind(t.model, s.ownedBy, row)] }
    return { query: mode === 'ifExists' ? s.deleteIfExists : s.delete, params: key }
  }

  /** Point reads of base rows by full base key (duplicates read once), issued together. */
  async readByBaseKeys(t: ModelTables, keys: readonly Row[]): Promise<Row[]> {
    const text = this.statements(t.base).selectByKey
    const exec = this.exec
    // one key (a unique lookup): no de-duplication, no queue
    if (keys.length === 1)
      return (await exec.select(text, this.bind(t.model, t.baseKey, keys[0]!))).map((r) => rowFromCql(t.model, r))
    const seen = new Set<string>()
    const unique = keys.filter((k) => {
      const sig = JSON.stringify(t.baseKey.map((f) => String(k[f])))
      if (seen.has(sig)) return false
      seen.add(sig)
      return true
    })
    const found = await mapLimit(unique, 64, (k) => exec.select(text, this.bind(t.model, t.baseKey, k)))
    return found.flat().map((r) => rowFromCql(t.model, r))
  }
}

/** Runs `fn` over the items, at most `limit` at once, keeping their order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}
