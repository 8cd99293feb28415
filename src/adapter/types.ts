import type { Many } from 'drizzle-orm'
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
import type {
  ColumnOf,
  DeclaredKeys,
  Fields,
  Insert,
  ListRelations,
  RelationsOf,
  RequiredOne,
  Row,
  SchemaModule,
  Simplify,
  Without,
  TargetOf,
} from './schema-types.js'

/**
 * Types of the model API, derived from the Drizzle tables and their `relations()` (S, the schema module;
 * with S left out, a table's scalar fields only). Runtime checks live in normalize.ts and projection.ts.
 */

export type { SchemaModule, TandemSchemaTypes, TableKeys } from './schema-types.js'

type Scalar<V> = NonNullable<V>
type OneOrMany<X> = X | X[]

// ---- where ------------------------------------------------------------------------------------

/** which operations a field filter offers: text (string ops, mode), ordered (lt…gte), plain (booleans, enums) */
export type FilterKind = 'text' | 'ordered' | 'plain'
type DefaultKind<V> = Scalar<V> extends string ? 'text' : Scalar<V> extends boolean ? 'plain' : 'ordered'
type KindOf<C> = C extends { columnType: 'PgText' | 'PgVarchar' | 'PgChar' }
  ? 'text'
  : C extends { columnType: 'PgEnumColumn' | 'PgEnumObjectColumn' } | { dataType: 'boolean' }
    ? 'plain'
    : 'ordered'
// `unknown`, not `{}`, for "nothing more": an intersection with `{}` stops being a weak type, and TypeScript
// then stops rejecting values that share no key with it (an array given where one where object is expected)
type Ordered<V, K> = K extends 'text' | 'ordered'
  ? { lt?: Scalar<V>; lte?: Scalar<V>; gt?: Scalar<V>; gte?: Scalar<V> }
  : unknown
type Textual<K> = K extends 'text'
  ? { contains?: string; startsWith?: string; endsWith?: string; mode?: 'default' | 'insensitive' }
  : unknown
/** X, or `unknown` when X has no keys (see Ordered) */
type Keyed<X> = [keyof X] extends [never] ? unknown : X

/** The filter of a scalar field; `equals: null` and `not: null` test for null. */
export type FieldFilter<V, K extends FilterKind = DefaultKind<V>> = {
  equals?: V | null
  not?: V | null | FieldFilter<V, K>
  in?: Scalar<V>[]
  notIn?: Scalar<V>[]
} & Ordered<V, K> &
  Textual<K>

/** A JSON value, as json/jsonb filters take it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

/** The filter of a json/jsonb field (Prisma's JsonFilter): `path` picks the value the other operators test. */
export interface JsonFilter<D = unknown> {
  equals?: D | null
  not?: D | null
  path?: string[]
  string_contains?: string
  string_starts_with?: string
  string_ends_with?: string
  array_contains?: JsonValue
  array_starts_with?: JsonValue
  array_ends_with?: JsonValue
  /** compare the value at `path` (a number with a number, a string with a string) */
  gt?: number | string
  gte?: number | string
  lt?: number | string
  lte?: number | string
}

/** The filter of an array (scalar list) field. */
export interface ListFilter<E> {
  equals?: E[] | null
  has?: E | null
  hasEvery?: E[]
  hasSome?: E[]
  isEmpty?: boolean
}

type Element<V> = Scalar<V> extends (infer E)[] ? E : never
type FieldWhere<C, V> = C extends { dataType: 'json' }
  ? JsonFilter<V> | (C extends { notNull: true } ? never : null)
  : C extends { dataType: 'array' }
    ? ListFilter<Element<V>>
    : V | FieldFilter<V, KindOf<C>>

type RelationFilter<R, S extends SchemaModule> =
  R extends Many<string>
    ? {
        some?: WhereInput<TargetOf<S, R>, S>
        every?: WhereInput<TargetOf<S, R>, S>
        none?: WhereInput<TargetOf<S, R>, S>
      }
    : RequiredOne<R> extends true
      ? WhereInput<TargetOf<S, R>, S> | { is?: WhereInput<TargetOf<S, R>, S>; isNot?: WhereInput<TargetOf<S, R>, S> }
      : | WhereInput<TargetOf<S, R>, S>
        | { is?: WhereInput<TargetOf<S, R>, S> | null; isNot?: WhereInput<TargetOf<S, R>, S> | null }
        | null

/**
 * `where` of model T: its fields (value or filter), its relations (`some`/`every`/`none` on lists, `is`/`isNot`
 * or a where on to-one relations), AND/OR/NOT. No other key.
 */
export type WhereInput<T extends PgTable, S extends SchemaModule = {}> = {
  [F in keyof Row<T>]?: FieldWhere<ColumnOf<T, F>, Row<T>[F]>
} & Keyed<{
  [R in keyof RelationsOf<T, S>]?: RelationFilter<RelationsOf<T, S>[R], S>
}> &
  DeclaredCompoundKeys<T> & {
    AND?: WhereInput<T, S> | WhereInput<T, S>[]
    OR?: WhereInput<T, S>[]
    NOT?: WhereInput<T, S> | WhereInput<T, S>[]
  }

/** compound unique keys are named by their fields joined with `_` (normalize.ts's compoundKeyName) */
type KeyName<K> = K extends readonly [infer A extends string]
  ? A
  : K extends readonly [infer A extends string, ...infer Rest]
    ? `${A}_${KeyName<Rest>}`
    : never
/** without a declaration: any one field, or any two (a compound key `a_b`), by value */
type FallbackKeys<T extends PgTable> = {
  [A in Fields<T>]: [A] | { [B in Exclude<Fields<T>, A>]: [A, B] }[Exclude<Fields<T>, A>]
}[Fields<T>]
type UniqueKeysOf<T extends PgTable> =
  DeclaredKeys<T> extends { unique: infer U extends readonly string[] } ? U : FallbackKeys<T>
type KeyValue<T extends PgTable, K extends readonly string[]> = { [F in K[number] & Fields<T>]: Scalar<Row<T>[F]> }
/** one unique key given by value (distributes over the keys: "at least one") */
type UniqueSelector<T extends PgTable, K> = K extends readonly [infer F extends Fields<T>]
  ? { [P in F]: Scalar<Row<T>[P]> }
  : K extends readonly string[]
    ? { [P in KeyName<K>]: KeyValue<T, K> }
    : never
type CompoundKeys<T extends PgTable, Keys> = {
  [K in Keys as K extends readonly [string, string, ...string[]] ? KeyName<K> : never]?: K extends readonly string[]
    ? KeyValue<T, K>
    : never
}

/** compound unique keys in any where (an equality on each field), when TandemSchemaTypes declares them */
type DeclaredCompoundKeys<T extends PgTable> =
  DeclaredKeys<T> extends { unique: infer U extends readonly string[] } ? Keyed<CompoundKeys<T, U>> : unknown

/**
 * The `where` of findUnique, update, delete, upsert, connect and `cursor`: at least one unique key by value
 * (a unique field, or a compound key `a_b: { a, b }`), plus any other filters.
 */
export type WhereUniqueInput<T extends PgTable, S extends SchemaModule = {}> = WhereInput<T, S> &
  (DeclaredKeys<T> extends undefined ? CompoundKeys<T, FallbackKeys<T>> : unknown) &
  UniqueSelector<T, UniqueKeysOf<T>>

// ---- orderBy ----------------------------------------------------------------------------------

export type SortOrder = 'asc' | 'desc'
export type SortSpec = SortOrder | { sort: SortOrder; nulls?: 'first' | 'last' }
type OrderByItem<T extends PgTable, S extends SchemaModule> = { [F in keyof Row<T>]?: SortSpec } & Keyed<{
  [R in keyof RelationsOf<T, S>]?: RelationsOf<T, S>[R] extends Many<string>
    ? { _count?: SortOrder }
    : OrderByItem<TargetOf<S, RelationsOf<T, S>[R]>, S>
}>
/** fields (`asc` | `desc` | `{ sort, nulls }`), to-one relations' fields, list relations' `_count`; or a list */
export type OrderByInput<T extends PgTable, S extends SchemaModule = {}> = OrderByItem<T, S> | OrderByItem<T, S>[]

// ---- select / include / omit ------------------------------------------------------------------

export type ScalarSelect<T extends PgTable> = { [K in keyof Row<T>]?: boolean }
export type OmitInput<T extends PgTable> = ScalarSelect<T>

/** `_count`: true (every list relation) or `{ select: { <list relation>: true | { where } } }` */
export type CountInclude<T extends PgTable, S extends SchemaModule = {}> =
  | boolean
  | {
      select: {
        [R in ListRelations<T, S>]?: boolean | { where?: WhereInput<TargetOf<S, RelationsOf<T, S>[R]>, S> }
      }
    }

/** What a relation takes in select / include: true, or the related model's arguments. */
export type RelationArgs<R, S extends SchemaModule> =
  R extends Many<string> ? NestedListArgs<TargetOf<S, R>, S> : Projection<TargetOf<S, R>, S>

export interface NestedListArgs<T extends PgTable, S extends SchemaModule = {}> extends Projection<T, S> {
  where?: WhereInput<T, S>
  orderBy?: OrderByInput<T, S>
  take?: number
  skip?: number
  cursor?: WhereUniqueInput<T, S>
}

type RelationPicks<T extends PgTable, S extends SchemaModule> = {
  [R in keyof RelationsOf<T, S>]?: boolean | RelationArgs<RelationsOf<T, S>[R], S>
} & { _count?: CountInclude<T, S> }

export type SelectInput<T extends PgTable, S extends SchemaModule = {}> = ScalarSelect<T> & RelationPicks<T, S>
export type IncludeInput<T extends PgTable, S extends SchemaModule = {}> = RelationPicks<T, S>

export interface Projection<T extends PgTable, S extends SchemaModule = {}> {
  select?: SelectInput<T, S>
  include?: IncludeInput<T, S>
  omit?: OmitInput<T>
}

type Picked<V> = V extends true ? true : V extends false | undefined | null ? false : V extends object ? true : false

type CountPayload<T extends PgTable, S extends SchemaModule, C> = C extends true
  ? { [R in ListRelations<T, S>]: number }
  : Arg<C, 'select'> extends infer X extends object
    ? { [R in keyof X & ListRelations<T, S> as Picked<X[R]> extends true ? R : never]: number }
    : never

type RelationPayload<R, S extends SchemaModule, Arg> =
  R extends Many<string>
    ? Selected<TargetOf<S, R>, Arg extends object ? Arg : {}, S>[]
    : RequiredOne<R> extends true
      ? Selected<TargetOf<S, R>, Arg extends object ? Arg : {}, S>
      : Selected<TargetOf<S, R>, Arg extends object ? Arg : {}, S> | null

type RelationsPayload<T extends PgTable, S extends SchemaModule, P> = {
  [K in keyof P & (keyof RelationsOf<T, S> | '_count') as Picked<P[K]> extends true ? K : never]: K extends '_count'
    ? Simplify<CountPayload<T, S, P[K]>>
    : RelationPayload<RelationsOf<T, S>[K & keyof RelationsOf<T, S>], S, P[K]>
}

type OmitRow<T extends PgTable, O> = {
  [K in keyof Row<T> as K extends keyof O ? (O[K] extends true ? never : K) : K]: Row<T>[K]
}

/** The row type after `select` / `include` / `omit` (relations and `_count` to any depth). */
export type Selected<T extends PgTable, A, S extends SchemaModule = {}> = Simplify<
  Arg<A, 'select'> extends infer P extends object
    ? { [K in keyof P & keyof Row<T> as P[K] extends true ? K : never]: Row<T>[K] } & RelationsPayload<T, S, P>
    : (Arg<A, 'omit'> extends infer O extends object ? OmitRow<T, O> : Row<T>) &
        (Arg<A, 'include'> extends infer I extends object ? RelationsPayload<T, S, I> : {})
>
/**
 * argument N of A when given as an object; by indexed access: `A extends { select: infer P }` misses the
 * nested arguments TypeScript infers through Subset (reverse mapped types)
 */
type Arg<A, N extends string> = N extends keyof A
  ? NonNullable<A[N]> extends infer P extends object
    ? P
    : undefined
  : undefined

/**
 * The arguments as written, with unknown top-level keys rejected (as Prisma's SelectSubset): generic methods
 * infer A from the literal, and this keeps `where`, `data` and the rest checked for unknown keys too.
 */
export type Subset<A, W> = { [K in keyof A]: K extends keyof W ? A[K] : never }

// ---- reads ------------------------------------------------------------------------------------

export interface FindManyArgs<T extends PgTable, S extends SchemaModule = {}> extends Projection<T, S> {
  where?: WhereInput<T, S>
  orderBy?: OrderByInput<T, S>
  take?: number
  skip?: number
  cursor?: WhereUniqueInput<T, S>
  distinct?: DistinctInput<T>
}
export interface UniqueArgs<T extends PgTable, S extends SchemaModule = {}> extends Projection<T, S> {
  where: WhereUniqueInput<T, S>
}

/** `select` of count: `_all` (every row) and fields (their non-null values). */
export type CountSelectInput<T extends PgTable> = { _all?: boolean } & ScalarSelect<T>
export interface CountArgs<T extends PgTable, S extends SchemaModule = {}> {
  where?: WhereInput<T, S>
  orderBy?: OrderByInput<T, S>
  take?: number
  skip?: number
  cursor?: WhereUniqueInput<T, S>
  select?: CountSelectInput<T>
}
/**
 * What count resolves to: a number, or with `select` one number per key selected with `true`
 * (`count({ select: { _all: true, email: true } })` → `{ _all: number; email: number }`, as Prisma types it).
 */
export type CountResult<A> = A extends { select: infer S }
  ? { [K in keyof S as S[K] extends true ? K : never]: number }
  : number

// ---- writes -----------------------------------------------------------------------------------

type NumericOps<V> =
  Scalar<V> extends number | bigint
    ? { increment?: Scalar<V>; decrement?: Scalar<V>; multiply?: Scalar<V>; divide?: Scalar<V> }
    : unknown
type FieldUpdate<C, V> = C extends { dataType: 'json' }
  ? V
  : C extends { dataType: 'array' }
    ? V | { set?: V; push?: Element<V> | Element<V>[] }
    : V | ({ set?: V } & NumericOps<V>)

/** Scalar update data: a value, `{ set }`, arithmetic on numeric fields, `{ push }` on array fields. */
export type ScalarUpdate<T extends PgTable> = {
  [K in keyof Row<T>]?: FieldUpdate<ColumnOf<T, K>, Row<T>[K]>
}

type Declared<T extends PgTable, M extends 'owns' | 'fills'> =
  DeclaredKeys<T> extends infer D extends { owns: unknown; fills: unknown } ? D[M] : undefined
/** the fields a parent's nested create sets on T through relation R of the parent P (its `fills`) */
type FilledBy<P extends PgTable, R> =
  Declared<P, 'fills'> extends infer F extends Record<string, readonly string[]>
    ? R extends keyof F
      ? F[R][number]
      : never
    : never

/**
 * Create data of T: the insert model, and nested writes on relations. With TandemSchemaTypes declared, a
 * to-one relation whose key is on T may replace its key fields (Prisma's checked input); without, key fields
 * stay required. `Fixed`: fields a parent sets (omitted); `Loose`: unknown fixed fields, so all optional.
 */
export type CreateInput<T extends PgTable, S extends SchemaModule = {}, Fixed extends string = never> =
  (Without<Insert<T>, Fixed> & RelationCreates<T, S>) | CheckedCreate<T, S, Fixed>
type CheckedCreate<T extends PgTable, S extends SchemaModule, Fixed extends string> =
  Declared<T, 'owns'> extends infer O extends Record<string, readonly string[]>
    ? [keyof O] extends [never]
      ? never
      : Without<Insert<T>, Fixed | O[keyof O][number]> & {
          [
            R in keyof O & keyof RelationsOf<T, S> as RequiredOne<RelationsOf<T, S>[R]> extends true ? R : never
          ]: NestedCreateOne<T, RelationsOf<T, S>[R], S, R>
        } & RelationCreates<T, S>
    : never
type RelationCreates<T extends PgTable, S extends SchemaModule> = Keyed<{
  [R in keyof RelationsOf<T, S>]?: RelationsOf<T, S>[R] extends Many<string>
    ? NestedCreateMany<T, RelationsOf<T, S>[R], S, R>
    : NestedCreateOne<T, RelationsOf<T, S>[R], S, R>
}>
/** create data of a related row made through relation R of P: its fixed fields from `fills`, else all optional */
type RelatedCreate<P extends PgTable, R, S extends SchemaModule, Name> =
  RequiredOne<R> extends true
    ? CreateInput<TargetOf<S, R>, S>
    : Declared<P, 'fills'> extends Record<string, readonly string[]>
      ? Name extends keyof Declared<P, 'owns'>
        ? CreateInput<TargetOf<S, R>, S>
        : CreateInput<TargetOf<S, R>, S, FilledBy<P, Name> & string>
      : Partial<Insert<TargetOf<S, R>>> & RelationCreates<TargetOf<S, R>, S>
type RelatedScalars<P extends PgTable, R, S extends SchemaModule, Name> =
  Declared<P, 'fills'> extends Record<string, readonly string[]>
    ? Without<Insert<TargetOf<S, R>>, FilledBy<P, Name> & string>
    : Partial<Insert<TargetOf<S, R>>>

/** nested writes of a to-one relation inside create */
export interface NestedCreateOne<P extends PgTable, R, S extends SchemaModule, Name = string> {
  create?: RelatedCreate<P, R, S, Name>
  connect?: WhereUniqueInput<TargetOf<S, R>, S>
  connectOrCreate?: { where: WhereUniqueInput<TargetOf<S, R>, S>; create: RelatedCreate<P, R, S, Name> }
}
/** nested writes of a list relation inside create */
export interface NestedCreateMany<P extends PgTable, R, S extends SchemaModule, Name = string> {
  create?: OneOrMany<RelatedCreate<P, R, S, Name>>
  createMany?: { data: OneOrMany<RelatedScalars<P, R, S, Name>>; skipDuplicates?: boolean }
  connect?: OneOrMany<WhereUniqueInput<TargetOf<S, R>, S>>
  connectOrCreate?: OneOrMany<{
    where: WhereUniqueInput<TargetOf<S, R>, S>
    create: RelatedCreate<P, R, S, Name>
  }>
}
/** nested writes of a to-one relation inside update; disconnect / delete only where the relation is optional */
export type NestedUpdateOne<P extends PgTable, R, S extends SchemaModule, Name = string> = NestedCreateOne<
  P,
  R,
  S,
  Name
> & {
  update?: UpdateInput<TargetOf<S, R>, S>
  upsert?: { create: RelatedCreate<P, R, S, Name>; update: UpdateInput<TargetOf<S, R>, S> }
} & (RequiredOne<R> extends true ? {} : { disconnect?: boolean; delete?: boolean })
/** nested writes of a list relation inside update */
export interface NestedUpdateMany<P extends PgTable, R, S extends SchemaModule, Name = string> extends NestedCreateMany<
  P,
  R,
  S,
  Name
> {
  set?: OneOrMany<WhereUniqueInput<TargetOf<S, R>, S>>
  disconnect?: OneOrMany<WhereUniqueInput<TargetOf<S, R>, S>>
  delete?: OneOrMany<WhereUniqueInput<TargetOf<S, R>, S>>
  update?: OneOrMany<{ where: WhereUniqueInput<TargetOf<S, R>, S>; data: UpdateInput<TargetOf<S, R>, S> }>
  updateMany?: OneOrMany<{ where?: WhereInput<TargetOf<S, R>, S>; data: ScalarUpdate<TargetOf<S, R>> }>
  upsert?: OneOrMany<{
    where: WhereUniqueInput<TargetOf<S, R>, S>
    create: RelatedCreate<P, R, S, Name>
    update: UpdateInput<TargetOf<S, R>, S>
  }>
  deleteMany?: OneOrMany<WhereInput<TargetOf<S, R>, S>>
}

/** Update data of T: scalar updates and nested writes on relations. */
export type UpdateInput<T extends PgTable, S extends SchemaModule = {}> = ScalarUpdate<T> &
  Keyed<{
    [R in keyof RelationsOf<T, S>]?: RelationsOf<T, S>[R] extends Many<string>
      ? NestedUpdateMany<T, RelationsOf<T, S>[R], S, R>
      : NestedUpdateOne<T, RelationsOf<T, S>[R], S, R>
  }>

export interface CreateArgs<T extends PgTable, S extends SchemaModule = {}> extends Projection<T, S> {
  data: CreateInput<T, S>
}
export interface CreateManyArgs<T extends PgTable> {
  data: Insert<T> | Insert<T>[]
  skipDuplicates?: boolean
}
export interface CreateManyAndReturnArgs<T extends PgTable, S extends SchemaModule = {}>
  extends Projection<T, S>, CreateManyArgs<T> {}
export interface UpdateArgs<T extends PgTable, S extends SchemaModule = {}> extends UniqueArgs<T, S> {
  data: UpdateInput<T, S>
}
export interface UpdateManyArgs<T extends PgTable, S extends SchemaModule = {}> {
  where?: WhereInput<T, S>
  data: ScalarUpdate<T>
}
export interface UpsertArgs<T extends PgTable, S extends SchemaModule = {}> extends UniqueArgs<T, S> {
  create: CreateInput<T, S>
  update: UpdateInput<T, S>
}
export interface DeleteManyArgs<T extends PgTable, S extends SchemaModule = {}> {
  where?: WhereInput<T, S>
}

// ---- the client -------------------------------------------------------------------------------

/**
 * `db.<model>`: the methods of one model over table T of schema S. ModelDelegate (model-delegate.ts)
 * implements it (as ModelClient<T>: the runtime is untyped in S).
 */
export interface ModelClient<T extends PgTable, S extends SchemaModule = {}> {
  findUnique<A extends UniqueArgs<T, S>>(args: Subset<A, UniqueArgs<T, S>>): TandemPromise<Selected<T, A, S> | null>
  findUniqueOrThrow<A extends UniqueArgs<T, S>>(args: Subset<A, UniqueArgs<T, S>>): TandemPromise<Selected<T, A, S>>
  findFirst<A extends FindManyArgs<T, S> = {}>(
    args?: Subset<A, FindManyArgs<T, S>>,
  ): TandemPromise<Selected<T, A, S> | null>
  findFirstOrThrow<A extends FindManyArgs<T, S> = {}>(
    args?: Subset<A, FindManyArgs<T, S>>,
  ): TandemPromise<Selected<T, A, S>>
  findMany<A extends FindManyArgs<T, S> = {}>(args?: Subset<A, FindManyArgs<T, S>>): TandemPromise<Selected<T, A, S>[]>
  create<A extends CreateArgs<T, S>>(args: Subset<A, CreateArgs<T, S>>): TandemPromise<Selected<T, A, S>>
  createMany(args: CreateManyArgs<T>): TandemPromise<{ count: number }>
  createManyAndReturn<A extends CreateManyAndReturnArgs<T, S>>(
    args: Subset<A, CreateManyAndReturnArgs<T, S>>,
  ): TandemPromise<Selected<T, A, S>[]>
  update<A extends UpdateArgs<T, S>>(args: Subset<A, UpdateArgs<T, S>>): TandemPromise<Selected<T, A, S>>
  updateMany(args: UpdateManyArgs<T, S>): TandemPromise<{ count: number }>
  upsert<A extends UpsertArgs<T, S>>(args: Subset<A, UpsertArgs<T, S>>): TandemPromise<Selected<T, A, S>>
  delete<A extends UniqueArgs<T, S>>(args: Subset<A, UniqueArgs<T, S>>): TandemPromise<Selected<T, A, S>>
  deleteMany(args?: DeleteManyArgs<T, S>): TandemPromise<{ count: number }>
  count<A extends CountArgs<T, S> = {}>(args?: Subset<A, CountArgs<T, S>>): TandemPromise<CountResult<A>>
  aggregate<A extends AggregateArgs<T, WhereInput<T, S>, OrderByInput<T, S>>>(
    args: A,
  ): TandemPromise<AggregateResult<T, A>>
  groupBy<A extends GroupByArgs<T, WhereInput<T, S>>>(args: A): TandemPromise<GroupByResult<T, A>[]>
  updateManyAndReturn<A extends UpdateManyAndReturnArgs<T, WhereInput<T, S>, ScalarUpdate<T>>>(
    args: A,
  ): TandemPromise<Selected<T, A, S>[]>
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
export type ModelClients<S extends SchemaModule> = {
  [K in keyof S as S[K] extends PgTable ? K : never]: ModelClient<Extract<S[K], PgTable>, S>
}

/** Prisma-style names for one model's inputs: `ModelTypes<typeof schema, 'member'>['WhereInput']`. */
export interface ModelTypes<S extends SchemaModule, K extends keyof S> {
  WhereInput: WhereInput<Extract<S[K], PgTable>, S>
  WhereUniqueInput: WhereUniqueInput<Extract<S[K], PgTable>, S>
  OrderByInput: OrderByInput<Extract<S[K], PgTable>, S>
  SelectInput: SelectInput<Extract<S[K], PgTable>, S>
  IncludeInput: IncludeInput<Extract<S[K], PgTable>, S>
  CreateInput: CreateInput<Extract<S[K], PgTable>, S>
  UpdateInput: UpdateInput<Extract<S[K], PgTable>, S>
}
