import type { Model, Row, SchemaInfo } from '../schema/model.js'

/**
 * Row-level access to one database for moving data between backends (migrate, verify, sync) and for dual
 * mode's mirror. Rows are tandem rows (field name → JS value, as the model API returns them), so a row read
 * from one store can be written to the other. Keys are rows holding at least the primary key fields.
 * Implemented by src/postgres/postgres-store.ts and src/cql/scylla-store.ts; nothing here knows a backend.
 */
export interface RowStore {
  readonly kind: 'postgres' | 'scylla'
  readonly schema: SchemaInfo
  /**
   * The next rows after `cursor` (from the start when undefined) in the store's key order (primary key on
   * PostgreSQL, token then clustering order on ScyllaDB), at most `limit`. `next` is undefined at the end.
   * A cursor is JSON-safe text, valid across processes (it is kept in checkpoints).
   */
  scan(model: Model, cursor: string | undefined, limit: number): Promise<ScanPage>
  /** The rows with these primary keys; keys with no row are left out. */
  readByKeys(model: Model, keys: readonly Row[]): Promise<Row[]>
  /**
   * The rows whose update-time field (`updateTimeField`) is later than `since`, paged like `scan` (a page may
   * hold fewer than `limit` rows, even none, before the end: on ScyllaDB the filter runs in the client).
   */
  scanSince(model: Model, since: Date, cursor: string | undefined, limit: number): Promise<ScanPage>
  /** Up to `n` rows picked at random (spread over the key range), for sampled verification. */
  sample(model: Model, n: number): Promise<Row[]>
  /** Writes rows as given (ids, timestamps and all), with every lookup entry on ScyllaDB; see WriteMode. */
  write(model: Model, rows: readonly Row[], mode: WriteMode, options?: WriteOptions): Promise<WriteResult>
  /** Deletes rows (and their lookup entries) by primary key; no referential actions. Returns how many existed. */
  deleteByKeys(model: Model, keys: readonly Row[]): Promise<number>
  /**
   * Removes every row of the model at once (TRUNCATE on ScyllaDB: no tombstones, so rows copied afterwards
   * with their old update times as write timestamps are not hidden; DELETE on PostgreSQL, whose foreign keys
   * cascade as declared).
   */
  truncate(model: Model): Promise<void>
  /** Every row counted (a full scan on ScyllaDB, paged so it never times out). */
  count(model: Model): Promise<number>
  /** The tables the model needs that do not exist in this database (empty when its schema is pushed). */
  missingTables(model: Model): Promise<string[]>
  /** tandem's own small records in this database (migration checkpoints, dual mode's control record). */
  getMeta(key: string): Promise<string | undefined>
  setMeta(key: string, value: string): Promise<void>
  deleteMeta(key: string): Promise<void>
  /** Meta keys starting with `prefix`, with their values. */
  listMeta(prefix: string): Promise<Map<string, string>>
  /** ScyllaDB only: checks that the lookup tables agree with the rows (used by verify). */
  readonly integrity?: LookupIntegrity
}

export interface WriteOptions {
  /** rows written at once (ScyllaDB: rows in flight; PostgreSQL: statements in flight); default 16 */
  readonly concurrency?: number
  /**
   * `copy` only: the target model was empty when this copy began (migrate into an empty or emptied
   * model). ScyllaDB then writes without reading first and relies on the write timestamps alone (the
   * source row's update time, or the oldest one): a row or lookup entry the application writes or deletes
   * meanwhile carries the current time and wins. A row written twice (a page resumed after a kill) gets
   * the same cells at the same timestamp, so nothing doubles. `mirror`: the rows were just created on
   * the active database (dual mode's copy of a create), so the target has no version of them to replace
   * and no lookup entries to move: ScyllaDB writes without reading first. PostgreSQL ignores it (its
   * INSERT … ON CONFLICT compares anyway).
   */
  readonly fresh?: boolean
}

/** A disagreement between a model's rows and its lookup tables (ScyllaDB). */
export interface LookupIssue {
  readonly model: string
  /** the lookup table */
  readonly table: string
  /** the row's primary key (a row problem) or the lookup entry's fields (an entry problem) */
  readonly key: Row
  readonly problem: 'missing-entry' | 'wrong-entry' | 'orphan-entry'
  readonly detail: string
}

/**
 * How verify checks ScyllaDB's lookup tables without knowing them: every unique value of a row resolves
 * through its lookup to that row, every index entry of a row exists, and no lookup entry lacks its row.
 */
export interface LookupIntegrity {
  /** Problems with the entries these rows (full rows of this store) should have. */
  checkRows(model: Model, rows: readonly Row[]): Promise<LookupIssue[]>
  /**
   * Lookup entries whose row is gone or no longer holds the entry's values, scanning every lookup table
   * of the model (or its first `limit` entries each, in token order from a random point when sampling).
   */
  checkEntries(model: Model, limit?: number): Promise<LookupIssue[]>
}

export interface ScanPage {
  readonly rows: Row[]
  readonly next: string | undefined
}

/**
 * - `copy` (migrate, sync): never replaces a newer row. With an update-time column, a row already in the
 *   target is replaced only when the source's update time is later (and on ScyllaDB the cells are written
 *   with that time as their write timestamp, so an application write made meanwhile always wins); without
 *   one, an existing row is left as it is. A unique value that already belongs to another row in the target
 *   is reported in `skipped`, never overwritten.
 * - `mirror` (dual mode): the target's row becomes exactly the given row (the caller read it from the
 *   active backend after the write); unique collisions are still reported, not forced.
 */
export type WriteMode = 'copy' | 'mirror'

export interface SkippedRow {
  /** the primary key fields of the row */
  readonly key: Row
  readonly reason: 'newer' | 'exists' | 'unique' | 'foreign-key'
  readonly detail: string
}

export interface WriteResult {
  readonly written: number
  readonly skipped: readonly SkippedRow[]
}

/**
 * The model's update-time field: a timestamp field with `$onUpdate`, else one named `updatedAt`. It orders
 * versions of a row (last write wins) and finds what changed for `sync --since`.
 */
export function updateTimeField(model: Model): string | undefined {
  for (const f of model.fields.values()) if (f.kind === 'timestamp' && f.onUpdate) return f.name
  const named = model.fields.get('updatedAt')
  return named?.kind === 'timestamp' ? named.name : undefined
}

/** The primary key fields of a row, as a key row. */
export function keyOf(model: Model, row: Row): Row {
  const key: Row = {}
  for (const f of model.primaryKey) key[f] = row[f]
  return key
}

/** A row's primary key as one string (for sets and maps of keys). */
export function keyText(model: Model, row: Row): string {
  return JSON.stringify(model.primaryKey.map((f) => keyPart(row[f])))
}

const keyPart = (v: unknown) => (v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? `${v}n` : v)

/**
 * tandem's meta table in one database (`tandem_meta`), created on the first write only, so that reads
 * (`--check-only`, `tandem status`) change nothing: `ensure` creates it once (again after a failure),
 * `exists` asks the database until it has seen it.
 */
export class MetaTable {
  private ready: Promise<void> | undefined
  private known = false

  constructor(
    private readonly create: () => Promise<void>,
    private readonly probe: () => Promise<boolean>,
  ) {}

  ensure(): Promise<void> {
    this.ready ??= this.create().catch((e: unknown) => {
      this.ready = undefined
      throw e
    })
    return this.ready.then(() => {
      this.known = true
    })
  }

  async exists(): Promise<boolean> {
    if (!this.known) this.known = await this.probe()
    return this.known
  }
}
