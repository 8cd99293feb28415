import type { InferSelectModel } from 'drizzle-orm'
import type { PgTable } from 'drizzle-orm/pg-core'

/**
 * Static types of `aggregate`, `groupBy`, `updateManyAndReturn` and `distinct` (runtime checks: aggregate-args.ts,
 * distinct.ts). `W`, `O` and `U` are the model's where, orderBy and update-data types (types.ts passes them in,
 * so this file does not import it).
 */

type Fields<T extends PgTable> = InferSelectModel<T>
type FieldFlags<T extends PgTable> = { [K in keyof Fields<T>]?: boolean }
type Dir = 'asc' | 'desc' | { sort: 'asc' | 'desc'; nulls?: 'first' | 'last' }

/** `distinct: 'field'` or a list of fields. */
export type DistinctInput<T extends PgTable> = keyof Fields<T> | (keyof Fields<T>)[]

/** The aggregates asked for: `_count: true | { _all, field }`, `_sum/_avg/_min/_max: { field: true }`. */
export interface AggregateSelection<T extends PgTable> {
  _count?: true | ({ _all?: boolean } & FieldFlags<T>)
  _sum?: FieldFlags<T>
  _avg?: FieldFlags<T>
  _min?: FieldFlags<T>
  _max?: FieldFlags<T>
}

export interface AggregateArgs<T extends PgTable, W = unknown, O = unknown> extends AggregateSelection<T> {
  where?: W
  orderBy?: O
  cursor?: W
  take?: number
  skip?: number
}

type AggregateOrder<T extends PgTable> = { [K in keyof Fields<T>]?: Dir }
/** groupBy's orderBy: `by` fields, or aggregates of fields (`{ _count: { id: 'desc' } }`). */
export type GroupByOrderBy<T extends PgTable> = {
  [K in keyof Fields<T>]?: Dir
} & {
  _count?: AggregateOrder<T>
  _sum?: AggregateOrder<T>
  _avg?: AggregateOrder<T>
  _min?: AggregateOrder<T>
  _max?: AggregateOrder<T>
}

type AggregateFilter = {
  equals?: number | bigint | string | null
  not?: number | bigint | string | null | AggregateFilter
  in?: (number | bigint | string)[]
  notIn?: (number | bigint | string)[]
  lt?: number | bigint | string
  lte?: number | bigint | string
  gt?: number | bigint | string
  gte?: number | bigint | string
}
/** groupBy's having: per field a value filter (fields in `by`) and aggregate filters (`{ _avg: { gt: 1 } }`). */
export type HavingInput<T extends PgTable> = {
  [K in keyof Fields<T>]?:
    | Fields<T>[K]
    | ({
        _count?: AggregateFilter
        _sum?: AggregateFilter
        _avg?: AggregateFilter
        _min?: AggregateFilter
        _max?: AggregateFilter
      } & Record<string, unknown>)
} & { AND?: HavingInput<T> | HavingInput<T>[]; OR?: HavingInput<T>[]; NOT?: HavingInput<T> | HavingInput<T>[] }

export interface GroupByArgs<T extends PgTable, W = unknown> extends AggregateSelection<T> {
  by: keyof Fields<T> | readonly (keyof Fields<T>)[]
  where?: W
  having?: HavingInput<T>
  orderBy?: GroupByOrderBy<T> | GroupByOrderBy<T>[]
  take?: number
  skip?: number
}

export interface UpdateManyAndReturnArgs<T extends PgTable, W = unknown, U = unknown> {
  where?: W
  data: U
  select?: FieldFlags<T>
  omit?: FieldFlags<T>
}

type Picked<S, F> = { [K in keyof S & keyof F as S[K] extends true ? K : never]: F[K] }
type SumOf<V> = [NonNullable<V>] extends [bigint]
  ? bigint | null
  : [NonNullable<V>] extends [number]
    ? number | null
    : string | null
type AvgOf<V> = [NonNullable<V>] extends [string] ? string | null : number | null

/**
 * What aggregate resolves to: one key per aggregate argument given. `_count: true` is a number; sums keep the
 * field's type (decimals are strings), averages are numbers (decimal columns: strings); NULL with no rows.
 */
export type AggregateResult<T extends PgTable, A> = (A extends { _count: infer C }
  ? { _count: C extends true ? number : { [K in keyof C as C[K] extends true ? K : never]: number } }
  : {}) &
  (A extends { _sum: infer S }
    ? { _sum: { [K in keyof Picked<S, Fields<T>>]: SumOf<Fields<T>[K & keyof Fields<T>]> } }
    : {}) &
  (A extends { _avg: infer S }
    ? { _avg: { [K in keyof Picked<S, Fields<T>>]: AvgOf<Fields<T>[K & keyof Fields<T>]> } }
    : {}) &
  (A extends { _min: infer S }
    ? { _min: { [K in keyof Picked<S, Fields<T>>]: Fields<T>[K & keyof Fields<T>] | null } }
    : {}) &
  (A extends { _max: infer S }
    ? { _max: { [K in keyof Picked<S, Fields<T>>]: Fields<T>[K & keyof Fields<T>] | null } }
    : {})

type ByOf<A> = A extends { by: infer B } ? (B extends readonly (infer E)[] ? E : B) : never

/** One group of groupBy: its `by` fields and the aggregates asked for. */
export type GroupByResult<T extends PgTable, A> = { [K in ByOf<A> & keyof Fields<T>]: Fields<T>[K] } & AggregateResult<
  T,
  A
>
