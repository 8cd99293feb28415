import type { Model, Row, SchemaInfo } from '../schema/model.js'
import type { ReadQuery, UpdateOps } from './query.js'

/** One backend operation: what a model method becomes once its arguments are normalized. */
export type Operation =
  | { readonly op: 'findMany'; readonly query: ReadQuery }
  | { readonly op: 'count'; readonly query: ReadQuery }
  | { readonly op: 'insert'; readonly rows: readonly Row[]; readonly skipDuplicates: boolean }
  | { readonly op: 'update'; readonly query: ReadQuery; readonly set: UpdateOps }
  | { readonly op: 'delete'; readonly query: ReadQuery }

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
  run(model: Model, operation: Operation): Promise<Row[] | number>
  explain(model: Model, operation: Operation): Statement[]
  /** DDL text for everything `push` creates, in order */
  ddl(): string[]
  push(): Promise<void>
  ping(): Promise<void>
  close(): Promise<void>
}

export type BackendFactory = (schema: SchemaInfo) => Backend
