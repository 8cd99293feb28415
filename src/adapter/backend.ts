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
 * One thing `$push` changes, or with `dryRun` would change (`kept`: in the database but not in the schema, left as
 * it is; `refused`: a change push cannot make in place, see SCHEMA_CHANGE_REFUSED; `skipped`: a model tandem does
 * not serve, a column type it cannot store on ScyllaDB, whose tables push does not create — the push goes on).
 */
export interface SchemaChange {
  readonly kind:
    'create-keyspace' | 'create-table' | 'add-column' | 'fill-lookup' | 'statement' | 'kept' | 'refused' | 'skipped'
  /** the table (CQL) it concerns, if one */
  readonly table?: string
  /** one line for a person */
  readonly description: string
  /** the DDL it runs, when it is one statement */
  readonly statement?: string
}

/** Progress of filling one new lookup table from the rows already in its base table. */
export interface PushProgress {
  readonly model: string
  readonly table: string
  /** base rows read so far (counted from the start of the fill, across resumed runs) */
  readonly rows: number
  readonly done: boolean
}

export interface PushOptions {
  /** read the database and report what would change, changing nothing (the refusals are listed, not thrown) */
  dryRun?: boolean
  /** fill new lookup tables from existing rows (default true); false leaves them pending for the next push */
  backfill?: boolean
  /** base rows read per page of a fill (default 500); a resumed fill must use the same size */
  pageSize?: number
  onProgress?: (progress: PushProgress) => void
}

/** What `$push` did (or, with `dryRun`, would do). */
export interface PushReport {
  readonly changes: readonly SchemaChange[]
  /** lookup tables filled by this push, with the base rows read */
  readonly filled: readonly { readonly table: string; readonly rows: number }[]
  /** lookup tables still waiting for their fill (`backfill: false`, or a fill that found duplicates) */
  readonly pending: readonly string[]
}

/**
 * A raw statement (`$queryRaw`/`$executeRaw` and their Unsafe forms: `sql`, PostgreSQL; `$cql`: `cql`, ScyllaDB),
 * its values bound as parameters. A backend refuses the other language with VALIDATION before any I/O.
 */
export interface RawQuery {
  readonly language: 'sql' | 'cql'
  /** placeholders `$1, $2, …` (sql) or `?` (cql) */
  readonly text: string
  readonly values: readonly unknown[]
  /** `rows`: resolve to the rows as plain objects; `count`: to the number of rows affected (sql only) */
  readonly result: 'rows' | 'count'
  /** the client method, named in errors (`$queryRaw`, `$cql`, …) */
  readonly method: string
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
  /** creates what is missing; on ScyllaDB also evolves live tables (new columns, new lookups filled) */
  push(options?: PushOptions): Promise<PushReport>
  ping(): Promise<void>
  close(): Promise<void>
  /**
   * Runs `fn` so that its writes happen all or not at all: a transaction on PostgreSQL; on ScyllaDB the
   * writes done so far are undone when `fn` fails (see README: not isolated from concurrent writers).
   * `options.isolationLevel` is PostgreSQL's; ScyllaDB refuses it (VALIDATION) before running anything.
   */
  transaction<T>(fn: (tx: Backend) => Promise<T>, options?: BackendTransactionOptions): Promise<T>
  /** Runs a raw statement (inside a transaction: on its connection); see RawQuery. */
  raw(query: RawQuery): Promise<Record<string, unknown>[] | number>
}

/** Prisma's isolation level names (`$transaction(…, { isolationLevel })`). */
export type IsolationLevel = 'ReadUncommitted' | 'ReadCommitted' | 'RepeatableRead' | 'Serializable'

/** What a backend's transaction takes: PostgreSQL sets the isolation level; ScyllaDB refuses one (VALIDATION). */
export interface BackendTransactionOptions {
  readonly isolationLevel?: IsolationLevel
}
