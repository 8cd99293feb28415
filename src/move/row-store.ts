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
  /** Writes rows as given (ids, timestamps and all), with every lookup entry on ScyllaDB; see WriteMode. */
  write(model: Model, rows: readonly Row[], mode: WriteMode): Promise<WriteResult>
  /** Deletes rows (and their lookup entries) by primary key; no referential actions. Returns how many existed. */
  deleteByKeys(model: Model, keys: readonly Row[]): Promise<number>
  /** Every row counted (a full scan on ScyllaDB, paged so it never times out). */
  count(model: Model): Promise<number>
  /** tandem's own small records in this database (migration checkpoints, dual mode's control record). */
  getMeta(key: string): Promise<string | undefined>
  setMeta(key: string, value: string): Promise<void>
  deleteMeta(key: string): Promise<void>
  /** Meta keys starting with `prefix`, with their values. */
  listMeta(prefix: string): Promise<Map<string, string>>
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
