import type { PgTable } from 'drizzle-orm/pg-core'
import type { AnyColumn } from 'drizzle-orm'

/** The value kinds tandem maps between PostgreSQL, CQL and JavaScript. */
export type FieldKind =
  | 'uuid'
  | 'string'
  | 'int'
  | 'bigint'
  | 'boolean'
  | 'float'
  | 'decimal'
  | 'timestamp'
  | 'date'
  | 'json'
  | 'enum'
  /** bytea (a customType whose SQL type is bytea): Buffer */
  | 'bytes'
  /** time without time zone: 'HH:MM:SS[.ffffff]' */
  | 'time'
  /** inet: its text ('10.0.0.1', '10.0.0.0/8') */
  | 'inet'
  /** cidr: its text ('10.0.0.0/8') */
  | 'cidr'

export type DefaultSpec =
  | { kind: 'now' }
  | { kind: 'uuid' }
  | { kind: 'value'; value: unknown }
  | { kind: 'fn'; fn: () => unknown }
  | { kind: 'sql'; text: string } // a database-side default tandem cannot evaluate itself
  /** serial / identity: PostgreSQL's sequence, a tandem sequence on ScyllaDB (src/cql/scylla-sequence.ts) */
  | { kind: 'autoincrement'; identity: 'always' | 'byDefault' | undefined }

export interface Field {
  /** the column key in the Drizzle table (the field name users write) */
  readonly name: string
  /** the SQL (and CQL) column name */
  readonly column: string
  readonly kind: FieldKind
  /** JS representation for bigint columns ('number' | 'bigint'), date/timestamp columns ('date' | 'string') */
  readonly mode: 'number' | 'bigint' | 'date' | 'string' | undefined
  /** numeric columns: digits after the point, when the column declares them */
  readonly scale: number | undefined
  /** float columns: 32-bit (real) or 64-bit (double precision) */
  readonly single: boolean
  readonly nullable: boolean
  readonly enumValues: readonly string[] | undefined
  readonly defaultValue: DefaultSpec | undefined
  readonly onUpdate: (() => unknown) | undefined
  /** an array column (`text().array()`): `kind` is the element's kind, the value a JS array of them */
  readonly isList: boolean
  readonly drizzle: AnyColumn
}

/** A column of a model whose type tandem does not serve: the model's calls are refused (see column-types.ts). */
export interface UnsupportedColumn {
  readonly field: string
  readonly column: string
  /** the SQL type, as drizzle declares it */
  readonly sqlType: string
  readonly reason: string
}

export interface UniqueKey {
  readonly name: string
  readonly fields: readonly string[]
  readonly primary: boolean
}

export interface IndexKey {
  readonly name: string
  readonly fields: readonly string[]
}

export type ReferentialAction = 'cascade' | 'restrict' | 'no action' | 'set null' | 'set default'

export interface ForeignKey {
  readonly name: string
  readonly fields: readonly string[]
  readonly targetModel: string
  readonly targetFields: readonly string[]
  readonly onDelete: ReferentialAction
}

/**
 * A relation declared with Drizzle `relations()`: `source[fields[i]] = target[references[i]]`.
 * `owner` is true when the foreign key lives on this side (a `one` with fields/references).
 */
export interface RelationInfo {
  readonly name: string
  readonly kind: 'one' | 'many'
  readonly target: string
  readonly fields: readonly string[]
  readonly references: readonly string[]
  readonly owner: boolean
  /** a to-one relation that may be absent (nullable foreign key, or the side without the key) */
  readonly optional: boolean
}

export interface Model {
  /** export name in the schema module: db.<name> */
  readonly name: string
  /** SQL table name */
  readonly table: string
  readonly fields: ReadonlyMap<string, Field>
  readonly primaryKey: readonly string[]
  /** every unique key, the primary key first */
  readonly uniqueKeys: readonly UniqueKey[]
  readonly indexes: readonly IndexKey[]
  readonly foreignKeys: readonly ForeignKey[]
  readonly relations: ReadonlyMap<string, RelationInfo>
  readonly drizzle: PgTable
  /**
   * columns of a type tandem does not serve (empty for most models): not in `fields`; every call of the model
   * is refused with VALIDATION, PostgreSQL's push still creates them, ScyllaDB's push skips the model
   */
  readonly unsupported: readonly UnsupportedColumn[]
}

export interface EnumInfo {
  readonly name: string
  readonly values: readonly string[]
}

export interface SchemaInfo {
  readonly models: ReadonlyMap<string, Model>
  readonly enums: readonly EnumInfo[]
  /** SQL table name → model name */
  readonly byTable: ReadonlyMap<string, string>
}

/** A row as tandem passes it between layers: field name → JS value. */
export type Row = Record<string, unknown>

export function fieldOf(model: Model, name: string): Field {
  const f = model.fields.get(name)
  if (!f) throw new Error(`internal: ${model.name} has no field ${name}`)
  return f
}
