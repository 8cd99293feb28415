import type { InferSelectModel } from 'drizzle-orm'
import type { PgTable } from 'drizzle-orm/pg-core'
import type { IsolationLevel } from './backend.js'
import type { TandemPromise } from './lazy-call.js'
import type { TransactionOptions } from './transaction.js'
import type {
  CreateArgs,
  CreateManyAndReturnArgs,
  FindManyArgs,
  ModelClient,
  ModelMethod,
  SelectInput,
  Selected,
  UniqueArgs,
  UpdateArgs,
  UpdateInput,
  UpsertArgs,
  WhereInput,
  SchemaModule,
} from './types.js'
import type { UpdateManyAndReturnArgs } from './aggregate-types.js'

/** The keys of S that are tables: the model names. */
export type ModelKey<S> = keyof { [K in keyof S as S[K] extends PgTable ? K : never]: true } & string
type RowOf<S, K> = K extends keyof S ? (S[K] extends PgTable ? InferSelectModel<S[K]> : never) : never

/** A call's arguments as a hook sees them: any model's, so only loosely typed (checked when the call runs). */
export interface HookArgs {
  where?: Record<string, unknown>
  data?: Record<string, unknown>
  [key: string]: unknown
}

/** A query hook's parameter (as Prisma's): `query(args)` runs the rest of the chain and the call itself. */
export interface QueryHookParams {
  model: string
  operation: ModelMethod
  /** a copy of the call's arguments */
  args: HookArgs
  query: (args: HookArgs) => Promise<unknown>
}
export type QueryHook = (params: QueryHookParams) => unknown
type OperationHooks = { [O in ModelMethod | '$allOperations']?: QueryHook }

/** A computed result field of a row of type R: `needs` the fields it reads, `compute` its value. */
export interface ResultFieldDefinition<R> {
  needs?: { [F in keyof R]?: boolean }
  compute: (row: R) => unknown
}

/**
 * What `$extends` takes, as Prisma's client extensions: `query` hooks per model (or `$allModels`) and operation
 * (or `$allOperations`), `result` fields, `model` methods and `client` methods (named `$…`).
 */
export interface Extension<S> {
  name?: string
  query?: { [K in ModelKey<S> | '$allModels']?: OperationHooks } & OperationHooks
  result?: { [K in ModelKey<S>]?: Record<string, ResultFieldDefinition<RowOf<S, K>>> } & {
    $allModels?: Record<string, ResultFieldDefinition<Record<string, unknown>>>
  }
  // methods as the user declares them (their parameters annotated): any function
  model?: { [K in ModelKey<S> | '$allModels']?: Record<string, (...args: never[]) => unknown> }
  client?: Record<`$${string}`, (...args: never[]) => unknown>
}

type ResultOf<E, K> = E extends { result?: infer Res }
  ? (K extends keyof Res ? NonNullable<Res[K]> : {}) & (Res extends { $allModels?: infer A } ? NonNullable<A> : {})
  : {}
/** The computed fields of model K with their types. */
export type ComputedOf<E, K> = {
  -readonly [F in keyof ResultOf<E, K>]: ResultOf<E, K>[F] extends { compute: (...a: never[]) => infer V } ? V : never
}
type ModelMethodsOf<E, K> = E extends { model?: infer M }
  ? (K extends keyof M ? NonNullable<M[K]> : {}) & (M extends { $allModels?: infer A } ? NonNullable<A> : {})
  : {}
type ClientMethodsOf<E> = E extends { client?: infer C } ? NonNullable<C> : {}

/** A row with the computed fields that `select`/`omit` leave in (all of them when neither is given). */
export type WithComputed<Row, A, R> = A extends { select: infer Sel }
  ? Row & { [F in keyof R & keyof Sel as Sel[F] extends true ? F : never]: R[F] }
  : A extends { omit: infer O }
    ? Row & { [F in keyof R as F extends keyof O ? (O[F] extends true ? never : F) : F]: R[F] }
    : Row & R

/** Arguments whose `select`/`omit` may name computed fields too. */
type Computable<X extends { select?: unknown; omit?: unknown }, T extends PgTable, R> = Omit<X, 'select' | 'omit'> & {
  select?: SelectInput<T> & { [F in keyof R]?: boolean }
  omit?: SelectInput<T> & { [F in keyof R]?: boolean }
}

type RowMethods =
  | 'findUnique'
  | 'findUniqueOrThrow'
  | 'findFirst'
  | 'findFirstOrThrow'
  | 'findMany'
  | 'create'
  | 'createManyAndReturn'
  | 'update'
  | 'updateManyAndReturn'
  | 'upsert'
  | 'delete'

/** A model client whose rows carry the computed fields R. */
export interface ResultModelClient<T extends PgTable, R, S extends SchemaModule = {}> extends Omit<
  ModelClient<T, S>,
  RowMethods
> {
  findUnique<A extends Computable<UniqueArgs<T, S>, T, R>>(
    args: A,
  ): TandemPromise<WithComputed<Selected<T, A, S>, A, R> | null>
  findUniqueOrThrow<A extends Computable<UniqueArgs<T, S>, T, R>>(
    args: A,
  ): TandemPromise<WithComputed<Selected<T, A, S>, A, R>>
  findFirst<A extends Computable<FindManyArgs<T, S>, T, R>>(
    args?: A,
  ): TandemPromise<WithComputed<Selected<T, A, S>, A, R> | null>
  findFirstOrThrow<A extends Computable<FindManyArgs<T, S>, T, R>>(
    args?: A,
  ): TandemPromise<WithComputed<Selected<T, A, S>, A, R>>
  findMany<A extends Computable<FindManyArgs<T, S>, T, R>>(
    args?: A,
  ): TandemPromise<WithComputed<Selected<T, A, S>, A, R>[]>
  create<A extends Computable<CreateArgs<T, S>, T, R>>(args: A): TandemPromise<WithComputed<Selected<T, A, S>, A, R>>
  createManyAndReturn<A extends Computable<CreateManyAndReturnArgs<T, S>, T, R>>(
    args: A,
  ): TandemPromise<WithComputed<Selected<T, A, S>, A, R>[]>
  update<A extends Computable<UpdateArgs<T, S>, T, R>>(args: A): TandemPromise<WithComputed<Selected<T, A, S>, A, R>>
  updateManyAndReturn<A extends Computable<UpdateManyAndReturnArgs<T, WhereInput<T, S>, UpdateInput<T>>, T, R>>(
    args: A,
  ): TandemPromise<WithComputed<Selected<T, A, S>, A, R>[]>
  upsert<A extends Computable<UpsertArgs<T, S>, T, R>>(args: A): TandemPromise<WithComputed<Selected<T, A, S>, A, R>>
  delete<A extends Computable<UniqueArgs<T, S>, T, R>>(args: A): TandemPromise<WithComputed<Selected<T, A, S>, A, R>>
}

/** S as a schema module (the relation types need its `relations()` exports) */
type SchemaOf<S> = S extends SchemaModule ? S : {}

/** The model clients of an extended client: computed fields on their rows, the extensions' model methods added. */
export type ExtendedModels<S, E> = {
  [K in keyof S as S[K] extends PgTable ? K : never]: S[K] extends PgTable
    ? (keyof ComputedOf<E, K> extends never
        ? ModelClient<S[K], SchemaOf<S>>
        : ResultModelClient<S[K], ComputedOf<E, K>, SchemaOf<S>>) &
        ModelMethodsOf<E, K>
    : never
}

/** `$transaction([…])`'s options (Prisma takes isolationLevel, maxWait and timeout here too). */
export interface BatchTransactionOptions {
  isolationLevel?: IsolationLevel
  maxWait?: number
  timeout?: number
}

/**
 * The client inside `$transaction(async (tx) => …)`: the model clients (and extensions) on the transaction, and
 * `X`, what else the transaction offers (the raw-statement methods).
 */
export type TransactionClient<S, E = {}, X = {}> = {
  readonly $backend: 'postgres' | 'scylla' | 'dual'
} & X &
  ExtendedModels<S, E> &
  ClientMethodsOf<E>

/**
 * `$transaction` and `$extends` of a client over schema S whose other members are C, with extensions E; X is
 * what a transaction client has besides its models.
 */
export interface ClientScope<S, C, E = {}, X = {}> {
  /**
   * The calls (not awaited) run in order in one transaction, all or nothing; resolves to their results.
   * @example const [a, b] = await db.$transaction([db.profile.create({ data }), db.server.update(args)])
   */
  $transaction<const P extends readonly TandemPromise<unknown>[]>(
    calls: P,
    options?: BatchTransactionOptions,
  ): Promise<{ -readonly [I in keyof P]: Awaited<P[I]> }>
  /**
   * `fn`'s calls on `tx` run in one transaction (README, "Transactions": what ScyllaDB guarantees).
   * @example await db.$transaction(async (tx) => { await tx.profile.update(a); await tx.server.create(b) })
   */
  $transaction<R>(fn: (tx: TransactionClient<S, E, X>) => Promise<R>, options?: TransactionOptions): Promise<R>
  /**
   * A new client with the extension's hooks, result fields and methods (this client is unchanged).
   * @example const xdb = db.$extends({ query: { $allModels: { findMany: ({ args, query }) => query(args) } } })
   */
  $extends<const E2 extends Extension<S>>(extension: E2): ExtendedClient<S, C, E & E2, X>
}

/** What `$extends` returns. */
export type ExtendedClient<S, C, E, X = {}> = C & ExtendedModels<S, E> & ClientMethodsOf<E> & ClientScope<S, C, E, X>
