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
  /**
   * Runs `fn` so that its writes happen all or not at all: a transaction on PostgreSQL; on ScyllaDB the
   * writes done so far are undone when `fn` fails (see README: not isolated from concurrent writers).
   */
  transaction<T>(fn: (tx: Backend) => Promise<T>): Promise<T>
  /** the credits ledger over the given account/entries models */
  ledger(models: LedgerModels): Ledger
}

/** One change of a credits balance and its ledger row, applied atomically by the backend. */
export interface LedgerChange {
  readonly userId: string
  /** signed: positive for grants, negative for deductions */
  readonly delta: number
  readonly type: string
  readonly reason: string | null
  readonly idempotencyKey: string | null
  /** the id the new ledger row gets */
  readonly transactionId: string
  readonly now: Date
}

export interface LedgerResult {
  readonly balance: number
  /** the account's version after the change (its ledger sequence): orders cached balances */
  readonly version: number
  readonly transactionId: string
  /** true when the idempotency key had been used: this is the first call's result, nothing changed */
  readonly replayed: boolean
}

/** The credits primitive: a guarded balance change plus its ledger row, idempotent by key. */
export interface Ledger {
  /** throws INSUFFICIENT_CREDITS (and changes nothing) when a deduction exceeds the balance */
  apply(change: LedgerChange): Promise<LedgerResult>
  /** makes every applied change visible in the ledger table before it is read (ScyllaDB repair) */
  sync?(userId: string): Promise<void>
}

export interface LedgerModels {
  readonly account: Model
  readonly entries: Model
}

export type BackendFactory = (schema: SchemaInfo) => Backend
