import type { Backend, Operation, PushOptions, PushReport, RawQuery, Statement } from '../adapter/backend.js'
import { andFilters, type Filter, type ReadQuery, type UpdateOps } from '../adapter/query.js'
import type { Model, Row } from '../schema/model.js'

/** The unique read of one row by its primary key. */
export function byPrimaryKey(model: Model, row: Row): ReadQuery {
  const where = andFilters(...model.primaryKey.map((f): Filter => ({ kind: 'cmp', field: f, op: 'eq', value: row[f] })))
  return { where, orderBy: [], take: undefined, skip: undefined, unique: true }
}

/**
 * ScyllaDB has no multi-row transactions, so a nested write runs through this wrapper: every write
 * records its inverse (delete what was inserted, put back what was updated, re-insert what was deleted),
 * and the inverses run, newest first, when the nested write fails. Rows deleted by a cascade are not
 * restored, and concurrent writers may see the intermediate state (README, "Relations").
 */
export class ScyllaUndoLog implements Backend {
  readonly kind = 'scylla' as const
  /** related rows come from the delegate's loader: bounded waves of reads */
  readonly includes = 'loader' as const
  private readonly undo: (() => Promise<unknown>)[] = []

  constructor(
    private readonly inner: Backend,
    private readonly warn: (message: string, error: unknown) => void,
  ) {}

  async run(model: Model, operation: Operation): Promise<Row[] | number> {
    switch (operation.op) {
      case 'insert': {
        const rows = (await this.inner.run(model, operation)) as Row[]
        this.undo.push(() =>
          Promise.all(rows.map((r) => this.inner.run(model, { op: 'delete', query: byPrimaryKey(model, r) }))),
        )
        return rows
      }
      case 'update': {
        const before = (await this.inner.run(model, { op: 'findMany', query: operation.query })) as Row[]
        const after = (await this.inner.run(model, operation)) as Row[]
        this.undo.push(() =>
          Promise.all(
            before.map((old) => {
              const set: UpdateOps = Object.fromEntries(
                Object.keys(operation.set).map((f) => [f, { op: 'set' as const, value: old[f] }]),
              )
              // the row may have moved (a changed key): find it by its primary key as it is now
              const now = after.find((r) => model.primaryKey.every((k) => String(r[k]) === String(old[k]))) ?? old
              return this.inner.run(model, { op: 'update', query: byPrimaryKey(model, now), set })
            }),
          ),
        )
        return after
      }
      case 'delete': {
        const rows = (await this.inner.run(model, operation)) as Row[]
        this.undo.push(() => this.inner.run(model, { op: 'insert', rows, skipDuplicates: true }))
        return rows
      }
      default:
        return this.inner.run(model, operation)
    }
  }

  /** Undoes every recorded write, newest first; a step that fails is logged and the rest still run (the original error wins). */
  async rollback(): Promise<void> {
    for (const step of this.undo.reverse())
      await step().catch((e: unknown) =>
        this.warn('a nested write failed and one of its writes could not be undone', e),
      )
    this.undo.length = 0
  }

  /** nested writes inside a transaction run in it (its undo log), never in a second one */
  transaction<T>(fn: (tx: Backend) => Promise<T>): Promise<T> {
    return fn(this)
  }
  explain(model: Model, operation: Operation): Statement[] {
    return this.inner.explain(model, operation)
  }
  ddl(): string[] {
    return this.inner.ddl()
  }
  push(options?: PushOptions): Promise<PushReport> {
    return this.inner.push(options)
  }
  ping(): Promise<void> {
    return this.inner.ping()
  }
  /** raw statements run as they are: tandem cannot know their inverse, so a rollback does not undo them */
  raw(query: RawQuery): Promise<Record<string, unknown>[] | number> {
    return this.inner.raw(query)
  }
  close(): Promise<void> {
    return this.inner.close()
  }
}
