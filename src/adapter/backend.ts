import type { Model, Row, SchemaInfo } from '../schema/model.js'
import type { Operation } from './query.js'

export type { Operation } from './query.js'

/** A statement as `explain` shows it: the SQL or CQL text and, on ScyllaDB, the table it reads or writes. */
export interface Statement {
  readonly text: string
  readonly table?: string
  readonly note?: string
}

/**
 * What each backend implements. `run` returns rows for findMany, insert (the stored rows), update
 * (the new rows) and delete (the removed rows), and a number for count. Refusals (UNSERVABLE_QUERY,
 * VALIDATION) happen in `plan`, before any I/O.
 */
export interface Backend {
  readonly kind: 'postgres' | 'scylla'
  /**
   * Who assembles related rows (`include`, nested `select`, `_count`): 'compiled' — the backend, from
   * a findMany operation's `include`, in the same statement; 'loader' — the model delegate, one read
   * per relation level (the backend never sees an `include`).
   */
  readonly includes: 'compiled' | 'loader'
  run(model: Model, operation: Operation): Promise<Row[] | number>
  explain(model: Model, operation: Operation): Statement[]
  /** DDL text for everything `push` creates, in order */
  ddl(): string[]
  push(): Promise<void>
  ping(): Promise<void>
  close(): Promise<void>
  /**
   * Runs `fn` so that its writes happen all or not at all: a transaction on PostgreSQL; on ScyllaDB the
   * writes done so far are undone when `fn` fails (see README: not isolated from concurrent writers).
   */
  transaction<T>(fn: (tx: Backend) => Promise<T>): Promise<T>
}
