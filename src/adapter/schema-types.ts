import type { ExtractTableRelationsFromSchema, InferInsertModel, InferSelectModel, Many, One } from 'drizzle-orm'
import type { PgTable } from 'drizzle-orm/pg-core'

/**
 * How the model types (types.ts) read a Drizzle schema module: the tables, their `relations()` (through
 * Drizzle's own type-level extraction) and the keys tandem's runtime derives from the extra-config callback
 * (composite primary keys, `unique().on(…)`, unique indexes) and from `.unique()`, which Drizzle's table
 * types do not carry. Those come from a declaration `tandem types` generates (TandemSchemaTypes below).
 */

/** A Drizzle schema module (`import * as schema from './schema'`): tables, relations(), enums and the rest. */
export type SchemaModule = Record<string, unknown>

/**
 * What `tandem types` declares per SQL table name, by module augmentation (keys Drizzle's types cannot show):
 * - `unique`: every unique key as a tuple of field names (primary key, `.unique()` columns, `unique().on(…)`,
 *   unique indexes), exactly the keys normalizeUniqueWhere accepts;
 * - `owns`: for each relation whose foreign key lives on this table, its key fields;
 * - `fills`: for each relation whose foreign key lives on the other table, the fields a nested create sets.
 * Without an entry, the types fall back to what Drizzle's types show (see README, "Types").
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface TandemSchemaTypes {}

/** One table's entry in TandemSchemaTypes. */
export interface TableKeys {
  unique: readonly string[]
  owns: Record<string, readonly string[]>
  fills: Record<string, readonly string[]>
}

export type Row<T extends PgTable> = InferSelectModel<T>
export type Insert<T extends PgTable> = InferInsertModel<T>
export type Fields<T extends PgTable> = keyof Row<T> & string
export type Simplify<O> = { [K in keyof O]: O[K] } & {}

/** The declared entry of T, when its fields are T's (a table of another schema with the same name falls back). */
export type DeclaredKeys<T extends PgTable> = T['_']['name'] extends keyof TandemSchemaTypes
  ? TandemSchemaTypes[T['_']['name']] extends infer D extends TableKeys
    ? [Exclude<D['unique'][number], Fields<T>>] extends [never]
      ? D
      : undefined
    : undefined
  : undefined

/** `relations()` of table T in S: `{ name: One | Many }`, as Drizzle's relational queries read them. */
export type RelationsOf<T extends PgTable, S extends SchemaModule> = [
  ExtractTableRelationsFromSchema<S, T['_']['name']>,
] extends [never]
  ? {}
  : ExtractTableRelationsFromSchema<S, T['_']['name']>

type TableNamed<S, N> = {
  [K in keyof S]: S[K] extends PgTable ? (S[K]['_']['name'] extends N ? S[K] : never) : never
}[keyof S]

/** The table a relation points at. */
export type TargetOf<S extends SchemaModule, R> = R extends { referencedTableName: infer N }
  ? Extract<TableNamed<S, N>, PgTable>
  : never

/** names of T's list relations */
export type ListRelations<T extends PgTable, S extends SchemaModule> = {
  [K in keyof RelationsOf<T, S>]: RelationsOf<T, S>[K] extends Many<string> ? K : never
}[keyof RelationsOf<T, S>] &
  string

/**
 * A to-one relation that always has a row: Drizzle's `One<_, true>` (its key fields are all not null). The
 * other side of a one-to-one and a nullable key are `One<_, false>`: optional (`T | null`).
 */
export type RequiredOne<R> = R extends One<string, true> ? true : false

/** the column metadata Drizzle's table type keeps for field F */
export type ColumnOf<T extends PgTable, F> = F extends keyof T['_']['columns'] ? T['_']['columns'][F]['_'] : never

/** Omit that keeps optional keys optional over Drizzle's insert model (Omit on it drops them in generic code) */
export type Without<O, X> = { [K in keyof O as K extends X ? never : K]: O[K] }
