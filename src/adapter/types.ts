import type { InferInsertModel, InferSelectModel } from 'drizzle-orm'
import type { PgTable } from 'drizzle-orm/pg-core'
import type { Statement } from './backend.js'
import type { TandemPromise } from './lazy-call.js'
import type {
  AggregateArgs,
  AggregateResult,
  DistinctInput,
  GroupByArgs,
  GroupByResult,
  UpdateManyAndReturnArgs,
} from './aggregate-types.js'

/** Types of the model API, derived from the Drizzle tables. Runtime checks live in normalize.ts. */

type Scalar<V> = NonNullable<V>
type Comparable<V> =
  Scalar<V> extends string | number | bigint | Date
    ? { lt?: Scalar<V>; lte?: Scalar<V>; gt?: Scalar<V>; gte?: Scalar<V> }
    : {}
type Textual<V> =
  Scalar<V> extends string
    ? { contains?: string; startsWith?: string; endsWith?: string; mode?: 'default' | 'insensitive' }
    : {}

/** an array column's filter (Prisma's ScalarListFilter) */
export type ListFilter<E> = { equals?: E[]; has?: E; hasSome?: E[]; hasEvery?: E[]; isEmpty?: boolean }

export type FieldFilter<V> =
  Scalar<V> extends readonly (infer E)[]
    ? ListFilter<E>
    : {
        equals?: V | null
        not?: V | null | FieldFilter<V>
        in?: Scalar<V>[]
        notIn?: Scalar<V>[]
      } & Comparable<V> &
        Textual<V>

export type WhereInput<T extends PgTable> = {
  [K in keyof InferSelectModel<T>]?: InferSelectModel<T>[K] | FieldFilter<InferSelectModel<T>[K]>
} & {
  AND?: WhereInput<T> | WhereInput<T>[]
  OR?: WhereInput<T>[]
  NOT?: WhereInput<T> | WhereInput<T>[]
  /** compound unique keys: `a_b: { a, b }` */
  [compound: `${string}_${string}`]: unknown
}

export type SelectInput<T extends PgTable> = { [K in keyof InferSelectModel<T>]?: boolean }
export type OrderByInput<T extends PgTable> =
  | { [K in keyof InferSelectModel<T>]?: 'asc' | 'desc' | { sort: 'asc' | 'desc'; nulls?: 'first' | 'last' } }
  | { [K in keyof InferSelectModel<T>]?: 'asc' | 'desc' | { sort: 'asc' | 'desc'; nulls?: 'first' | 'last' } }[]

type NumericOps<V> =
  Scalar<V> extends number | bigint
    ? { increment?: Scalar<V>; decrement?: Scalar<V>; multiply?: Scalar<V>; divide?: Scalar<V> }
    : Scalar<V> extends readonly (infer E)[]
      ? { push?: E | E[] }
      : {}
export type UpdateInput<T extends PgTable> = {
  [K in keyof InferSelectModel<T>]?:
    InferSelectModel<T>[K] | ({ set?: InferSelectModel<T>[K] } & NumericOps<InferSelectModel<T>[K]>)
}

/** The row type after `select` / `omit`. */
export type Selected<T extends PgTable, A> = A extends { select: infer S }
  ? { [K in keyof S & keyof InferSelectModel<T> as S[K] extends true ? K : never]: InferSelectModel<T>[K] }
  : A extends { omit: infer O }
    ? {
        [
          K in keyof InferSelectModel<T> as K extends keyof O ? (O[K] extends true ? never : K) : K
        ]: InferSelectModel<T>[K]
      }
    : InferSelectModel<T>

export interface Projection<T extends PgTable> {
  select?: SelectInput<T>
  omit?: SelectInput<T>
}
export interface FindManyArgs<T extends PgTable> extends Projection<T> {
  where?: WhereInput<T>
  orderBy?: OrderByInput<T>
  take?: number
  skip?: number
  cursor?: WhereInput<T>
  distinct?: DistinctInput<T>
}
export interface UniqueArgs<T extends PgTable> extends Projection<T> {
  where: WhereInput<T>
}

/** `select` of count: `_all` (every row) and fields (their non-null values). */
export type CountSelectInput<T extends PgTable> = { _all?: boolean } & SelectInput<T>
export interface CountArgs<T extends PgTable> {
  where?: WhereInput<T>
  orderBy?: OrderByInput<T>
  take?: number
  skip?: number
  cursor?: WhereInput<T>
  select?: CountSelectInput<T>
}
/**
 * What count resolves to: a number, or with `select` one number per key selected with `true`
 * (`count({ select: { _all: true, email: true } })` → `{ _all: number; email: number }`, as Prisma types it).
 */
export type CountResult<A> = A extends { select: infer S }
  ? { [K in keyof S as S[K] extends true ? K : never]: number }
  : number

export interface CreateArgs<T extends PgTable> extends Projection<T> {
  data: InferInsertModel<T>
}
export interface CreateManyArgs<T extends PgTable> {
  data: InferInsertModel<T> | InferInsertModel<T>[]
  skipDuplicates?: boolean
}
export interface CreateManyAndReturnArgs<T extends PgTable> extends Projection<T>, CreateManyArgs<T> {}
export interface UpdateArgs<T extends PgTable> extends UniqueArgs<T> {
  data: UpdateInput<T>
}
export interface UpdateManyArgs<T extends PgTable> {
  where?: WhereInput<T>
  data: UpdateInput<T>
}
export interface UpsertArgs<T extends PgTable> extends UniqueArgs<T> {
  create: InferInsertModel<T>
  update: UpdateInput<T>
}
export interface DeleteManyArgs<T extends PgTable> {
  where?: WhereInput<T>
}

/** `db.<model>`: the methods of one model. ModelDelegate (model-delegate.ts) implements it. */
export interface ModelClient<T extends PgTable> {
  findUnique<A extends UniqueArgs<T>>(args: A): TandemPromise<Selected<T, A> | null>
  findUniqueOrThrow<A extends UniqueArgs<T>>(args: A): TandemPromise<Selected<T, A>>
  findFirst<A extends FindManyArgs<T>>(args?: A): TandemPromise<Selected<T, A> | null>
  findFirstOrThrow<A extends FindManyArgs<T>>(args?: A): TandemPromise<Selected<T, A>>
  findMany<A extends FindManyArgs<T>>(args?: A): TandemPromise<Selected<T, A>[]>
  create<A extends CreateArgs<T>>(args: A): TandemPromise<Selected<T, A>>
  createMany(args: CreateManyArgs<T>): TandemPromise<{ count: number }>
  createManyAndReturn<A extends CreateManyAndReturnArgs<T>>(args: A): TandemPromise<Selected<T, A>[]>
  update<A extends UpdateArgs<T>>(args: A): TandemPromise<Selected<T, A>>
  updateMany(args: UpdateManyArgs<T>): TandemPromise<{ count: number }>
  upsert<A extends UpsertArgs<T>>(args: A): TandemPromise<Selected<T, A>>
  delete<A extends UniqueArgs<T>>(args: A): TandemPromise<Selected<T, A>>
  deleteMany(args?: DeleteManyArgs<T>): TandemPromise<{ count: number }>
  count<A extends CountArgs<T>>(args?: A): TandemPromise<CountResult<A>>
  aggregate<A extends AggregateArgs<T, WhereInput<T>, OrderByInput<T>>>(args: A): TandemPromise<AggregateResult<T, A>>
  groupBy<A extends GroupByArgs<T, WhereInput<T>>>(args: A): TandemPromise<GroupByResult<T, A>[]>
  updateManyAndReturn<A extends UpdateManyAndReturnArgs<T, WhereInput<T>, UpdateInput<T>>>(
    args: A,
  ): TandemPromise<Selected<T, A>[]>
  explain(method: ModelMethod, args?: unknown): Promise<{ backend: 'postgres' | 'scylla'; statements: Statement[] }>
}

/** The model methods, as `explain` names them. */
export type ModelMethod =
  | 'findUnique'
  | 'findUniqueOrThrow'
  | 'findFirst'
  | 'findFirstOrThrow'
  | 'findMany'
  | 'create'
  | 'createMany'
  | 'createManyAndReturn'
  | 'update'
  | 'updateMany'
  | 'upsert'
  | 'delete'
  | 'deleteMany'
  | 'count'
  | 'aggregate'
  | 'groupBy'
  | 'updateManyAndReturn'

/** `db.<exportName>` for every pgTable export of the schema module. */
export type ModelClients<S> = {
  [K in keyof S as S[K] extends PgTable ? K : never]: S[K] extends PgTable ? ModelClient<S[K]> : never
}
