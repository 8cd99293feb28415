import type { Model, RelationInfo, Row } from '../schema/model.js'
import type { Backend, Operation, Statement } from './backend.js'
import { inputError, notFoundError, TandemError, validationError } from '../errors.js'
import {
  checkArgs,
  isPlainObject,
  normalizeCount,
  normalizeCreateData,
  normalizeOrderBy,
  normalizeUniqueWhere,
  normalizeUpdateData,
  normalizeWhere,
} from './normalize.js'
import { isPlainProjection, normalizeProjection, type Projection } from './projection.js'
import {
  andFilters,
  type Filter,
  type Include,
  type IncludeCount,
  type IncludeNode,
  type OrderTerm,
  type ReadQuery,
  type UpdateOps,
} from './query.js'
import { createNested, hasRelationData, updateNested } from './nested-writes.js'
import { project, sampleValue } from './values.js'
import { keyOf, rowsOf, whereKeys, type Runner } from './runner.js'
import { LazyCall, type TandemPromise } from './lazy-call.js'
import { aggregateRows } from './aggregate.js'
import { aggregateSelection, nestAggregates, normalizeGroupBy } from './aggregate-args.js'
import { distinctRows, normalizeDistinct } from './distinct.js'
import { hasRelationOrder, sortByRelations, type RelatedReader } from './relation-order.js'
import type {
  AggregateArgs,
  AggregateResult,
  GroupByArgs,
  GroupByResult,
  UpdateManyAndReturnArgs,
} from './aggregate-types.js'

export type { Runner } from './runner.js'

// the public types (types.ts) this class implements
import type { PgTable } from 'drizzle-orm/pg-core'
import type {
  ModelMethod,
  CountArgs,
  CountResult,
  CreateArgs,
  CreateManyAndReturnArgs,
  CreateManyArgs,
  DeleteManyArgs,
  FindManyArgs,
  ModelClient,
  Selected,
  UniqueArgs,
  UpdateArgs,
  UpdateManyArgs,
  UpsertArgs,
  OrderByInput,
  UpdateInput,
  WhereInput,
  Subset,
} from './types.js'

import { AGGREGATE_ARGS, MODEL_METHODS } from './model-methods.js'

export { MODEL_METHODS } from './model-methods.js'

const READ_ARGS = ['where', 'select', 'omit', 'include', 'orderBy', 'take', 'skip', 'cursor', 'distinct'] as const
const UNIQUE_READ_ARGS = ['where', 'select', 'omit', 'include'] as const

const numberOf = (r: Row[] | number): number => (typeof r === 'number' ? r : r.length)
/** update-or-create rounds of an upsert that keeps losing the create race (then its P2002 stands) */
const UPSERT_ATTEMPTS = 6
const uniqueQuery = (where: Filter | undefined, take?: number): ReadQuery => ({
  where,
  orderBy: [],
  take,
  skip: undefined,
  unique: true,
})
const manyQuery = (where: Filter | undefined): ReadQuery => ({
  where,
  orderBy: [],
  take: undefined,
  skip: undefined,
  unique: false,
})

/**
 * The Prisma-style methods of one model, written once over the backend interface: both backends get
 * the same argument checks, defaults, cursor and `take < 0` handling, relation loading, nested writes,
 * error codes and result shapes.
 *
 * `T` is the model's Drizzle table. Each public method has one overload, the ModelClient<T> signature
 * (TypeScript checks the class against the interface through `implements`), over an implementation
 * signature that takes `unknown`: arguments are validated at run time (normalize.ts) whatever their type,
 * and the implementation works on untyped rows.
 */
export class ModelDelegate<T extends PgTable = PgTable> implements ModelClient<T> {
  /** every model's delegate, for relations; set by createDb */
  delegates: ReadonlyMap<string, ModelDelegate> = new Map()

  constructor(
    readonly model: Model,
    private readonly backend: Backend,
  ) {}

  private readonly runner: Runner = (model, op) => this.backend.run(model, op)

  findUnique<A extends UniqueArgs<T>>(args: Subset<A, UniqueArgs<T>>): TandemPromise<Selected<T, A> | null>
  findUnique(args: unknown): TandemPromise<Row | null> {
    return this.call('findUnique', args, (run) => this.findUniqueWith(run, args, 'findUnique'))
  }
  findUniqueOrThrow<A extends UniqueArgs<T>>(args: Subset<A, UniqueArgs<T>>): TandemPromise<Selected<T, A>>
  findUniqueOrThrow(args: unknown): TandemPromise<Row> {
    return this.call('findUniqueOrThrow', args, async (run) => {
      const row = await this.findUniqueWith(run, args, 'findUniqueOrThrow')
      if (!row) throw notFoundError(this.model.name, 'findUniqueOrThrow', 'No record was found for a query.')
      return row
    })
  }
  findFirst<A extends FindManyArgs<T>>(args?: Subset<A, FindManyArgs<T>>): TandemPromise<Selected<T, A> | null>
  findFirst(args?: unknown): TandemPromise<Row | null> {
    return this.call('findFirst', args, (run) => this.findFirstWith(run, args, 'findFirst'))
  }
  findFirstOrThrow<A extends FindManyArgs<T>>(args?: Subset<A, FindManyArgs<T>>): TandemPromise<Selected<T, A>>
  findFirstOrThrow(args?: unknown): TandemPromise<Row> {
    return this.call('findFirstOrThrow', args, async (run) => {
      const row = await this.findFirstWith(run, args, 'findFirstOrThrow')
      if (!row) throw notFoundError(this.model.name, 'findFirstOrThrow', 'No record was found for a query.')
      return row
    })
  }
  findMany<A extends FindManyArgs<T>>(args?: Subset<A, FindManyArgs<T>>): TandemPromise<Selected<T, A>[]>
  findMany(args?: unknown): TandemPromise<Row[]> {
    return this.call('findMany', args, (run) => this.findManyWith(run, args, 'findMany'))
  }
  create<A extends CreateArgs<T>>(args: Subset<A, CreateArgs<T>>): TandemPromise<Selected<T, A>>
  create(args: unknown): TandemPromise<Row> {
    return this.call('create', args, (_, backend) => this.writing(backend, args, (run) => this.createWith(run, args)))
  }
  createMany(args: CreateManyArgs<T>): TandemPromise<{ count: number }>
  createMany(args: unknown): TandemPromise<{ count: number }> {
    return this.call('createMany', args, async (run) => ({
      count: (await this.createManyWith(run, args, 'createMany')).length,
    }))
  }
  createManyAndReturn<A extends CreateManyAndReturnArgs<T>>(
    args: Subset<A, CreateManyAndReturnArgs<T>>,
  ): TandemPromise<Selected<T, A>[]>
  createManyAndReturn(args: unknown): TandemPromise<Row[]> {
    return this.call('createManyAndReturn', args, (run) => this.createManyWith(run, args, 'createManyAndReturn'))
  }
  update<A extends UpdateArgs<T>>(args: Subset<A, UpdateArgs<T>>): TandemPromise<Selected<T, A>>
  update(args: unknown): TandemPromise<Row> {
    return this.call('update', args, (_, backend) => this.writing(backend, args, (run) => this.updateWith(run, args)))
  }
  updateMany(args: UpdateManyArgs<T>): TandemPromise<{ count: number }>
  updateMany(args: unknown): TandemPromise<{ count: number }> {
    return this.call('updateMany', args, (run) => this.updateManyWith(run, args))
  }
  upsert<A extends UpsertArgs<T>>(args: Subset<A, UpsertArgs<T>>): TandemPromise<Selected<T, A>>
  upsert(args: unknown): TandemPromise<Row> {
    return this.call('upsert', args, (_, backend) => this.writing(backend, args, (run) => this.upsertWith(run, args)))
  }
  delete<A extends UniqueArgs<T>>(args: Subset<A, UniqueArgs<T>>): TandemPromise<Selected<T, A>>
  delete(args: unknown): TandemPromise<Row> {
    return this.call('delete', args, (run) => this.deleteWith(run, args))
  }
  deleteMany(args?: DeleteManyArgs<T>): TandemPromise<{ count: number }>
  deleteMany(args?: unknown): TandemPromise<{ count: number }> {
    return this.call('deleteMany', args, (run) => this.deleteManyWith(run, args))
  }
  count<A extends CountArgs<T>>(args?: Subset<A, CountArgs<T>>): TandemPromise<CountResult<A>>
  count(args?: unknown): TandemPromise<number | Record<string, number>> {
    return this.call('count', args, (run) => this.countWith(run, args))
  }

  /**
   * A call that runs nothing until awaited or taken by `$transaction` (lazy-call.ts); `body` gets the runner
   * and backend it runs on: the client's, or a transaction's.
   */
  private call<R>(
    operation: ModelMethod,
    args: unknown,
    body: (run: Runner, backend: Backend) => Promise<R>,
  ): LazyCall<R> {
    return new LazyCall({ model: this.model.name, operation, args }, this.backend, (backend) =>
      body(backend === this.backend ? this.runner : (model, op) => backend.run(model, op), backend),
    )
  }

  aggregate<A extends AggregateArgs<T, WhereInput<T>, OrderByInput<T>>>(args: A): TandemPromise<AggregateResult<T, A>>
  aggregate(args: unknown): TandemPromise<Row> {
    return this.call('aggregate', args, (run) => this.aggregateWith(run, args))
  }
  groupBy<A extends GroupByArgs<T, WhereInput<T>>>(args: A): TandemPromise<GroupByResult<T, A>[]>
  groupBy(args: unknown): TandemPromise<Row[]> {
    return this.call('groupBy', args, (run) => this.groupByWith(run, args))
  }
  updateManyAndReturn<A extends UpdateManyAndReturnArgs<T, WhereInput<T>, UpdateInput<T>>>(
    args: A,
  ): TandemPromise<Selected<T, A>[]>
  updateManyAndReturn(args: unknown): TandemPromise<Row[]> {
    return this.call('updateManyAndReturn', args, (run) => this.updateManyAndReturnWith(run, args))
  }

  /**
   * The statements a call would run, in order, without running anything. Steps that depend on data
   * (a cursor row, upsert's existing row, related rows) are shown for the path where rows exist.
   * @example db.message.explain('findMany', { where: { channelId }, take: 50 })
   */
  async explain(method: ModelMethod, args?: unknown): Promise<{ backend: Backend['kind']; statements: Statement[] }> {
    if (!MODEL_METHODS.includes(method))
      throw validationError(`${this.model.name}.explain`, `unknown method \`${String(method)}\``)
    const statements: Statement[] = []
    const recorder: Runner = async (model, op) => {
      statements.push(...this.backend.explain(model, op))
      if (op.op === 'count') return 0
      if (op.op === 'aggregate') return aggregateRows(model, [], op.spec)
      if (op.op === 'insert') return op.rows.map((r) => ({ ...r }))
      return [Object.fromEntries([...model.fields.values()].map((f) => [f.name, sampleValue(f)]))]
    }
    const run = {
      findUnique: () => this.findUniqueWith(recorder, args, method),
      findUniqueOrThrow: () => this.findUniqueWith(recorder, args, method),
      findFirst: () => this.findFirstWith(recorder, args, method),
      findFirstOrThrow: () => this.findFirstWith(recorder, args, method),
      findMany: () => this.findManyWith(recorder, args, method),
      create: () => this.createWith(recorder, args),
      createMany: () => this.createManyWith(recorder, args, method),
      createManyAndReturn: () => this.createManyWith(recorder, args, method),
      update: () => this.updateWith(recorder, args),
      updateMany: () => this.updateManyWith(recorder, args),
      upsert: () => this.upsertWith(recorder, args),
      delete: () => this.deleteWith(recorder, args),
      deleteMany: () => this.deleteManyWith(recorder, args),
      count: () => this.countWith(recorder, args),
      aggregate: () => this.aggregateWith(recorder, args),
      groupBy: () => this.groupByWith(recorder, args),
      updateManyAndReturn: () => this.updateManyAndReturnWith(recorder, args),
    }[method]
    await run()
    return { backend: this.backend.kind, statements }
  }

  /**
   * A write whose data touches relations runs all-or-nothing (backend.transaction; inside `$transaction`
   * that is the outer transaction itself); others run directly.
   */
  private writing<T>(backend: Backend, args: unknown, fn: (run: Runner) => Promise<T>): Promise<T> {
    const a = isPlainObject(args) ? args : {}
    const nested = [a.data, a.create, a.update].some((d) => hasRelationData(this.model, d))
    if (!nested) return fn(backend === this.backend ? this.runner : (model, op) => backend.run(model, op))
    return backend.transaction((tx) => fn((model, op) => tx.run(model, op)))
  }

  private ctx(method: string): string {
    return `${this.model.name}.${method}`
  }

  // ---- reads -------------------------------------------------------------------------------

  /** @internal */
  async findUniqueWith(run: Runner, args: unknown, method: string): Promise<Row | null> {
    const ctx = this.ctx(method)
    const a = checkArgs(ctx, args, UNIQUE_READ_ARGS)
    const projection = normalizeProjection(this.model, a, ctx)
    const { filter } = normalizeUniqueWhere(this.model, a.where, ctx)
    return (await this.readShaped(run, uniqueQuery(filter, 1), false, projection, ctx))[0] ?? null
  }

  private async findFirstWith(run: Runner, args: unknown, method: string): Promise<Row | null> {
    const a = checkArgs(this.ctx(method), args, READ_ARGS)
    const rows = await this.findManyWith(run, { ...a, take: a.take ?? 1 }, method)
    return rows[0] ?? null
  }

  /** @internal */
  async findManyWith(run: Runner, args: unknown, method: string): Promise<Row[]> {
    const ctx = this.ctx(method)
    const a = checkArgs(ctx, args, READ_ARGS)
    const projection = normalizeProjection(this.model, a, ctx)
    const distinct = normalizeDistinct(this.model, a.distinct, ctx)
    const read = await this.readQuery(run, a, ctx)
    if (!read) return []
    // a backend that cannot join orders by related rows here (relation-order.ts)
    const relationOrder = this.backend.includes === 'loader' && hasRelationOrder(read.query.orderBy)
    if (distinct || relationOrder) {
      // Prisma's distinct: the first row of each value in the where's order, then take/skip (see distinct.ts)
      const { take, skip, orderBy } = read.query
      const query = { ...read.query, take: undefined, skip: undefined, ...(relationOrder ? { orderBy: [] } : {}) }
      let all = rowsOf(await run(this.model, { op: 'findMany', query }))
      if (relationOrder) all = await sortByRelations(this.model, all, orderBy, this.relatedReader(run, ctx))
      if (distinct) all = distinctRows(all, distinct)
      const rows = all.slice(skip ?? 0, take === undefined ? undefined : (skip ?? 0) + take)
      if (read.reversed) rows.reverse()
      return this.shape(run, rows, projection, ctx)
    }
    return this.readShaped(run, read.query, read.reversed, projection, ctx)
  }

  /**
   * Reads the rows of `query` with what the projection asks for: in the same statement when the backend
   * compiles includes (PostgreSQL) and the projection fits (`includeOf`), else through the loader (`shape`).
   */
  private async readShaped(
    run: Runner,
    query: ReadQuery,
    reversed: boolean,
    projection: Projection,
    ctx: string,
    include = this.includeOf(projection, ctx),
  ): Promise<Row[]> {
    const rows = rowsOf(await run(this.model, include ? { op: 'findMany', query, include } : { op: 'findMany', query }))
    if (reversed) rows.reverse()
    return include ? rows : this.shape(run, rows, projection, ctx)
  }

  /**
   * The projection as an include for the backend to compile, or undefined where the delegate's loader
   * serves it: a plain projection, a backend that does not compile includes (ScyllaDB: bounded waves),
   * or a relation argument the compiler does not take (a nested `cursor`, a negative nested `take`).
   * Nested arguments are checked as the loader's reads check them (same contexts, same errors).
   */
  private includeOf(projection: Projection, ctx: string): Include | undefined {
    if (isPlainProjection(projection) || this.backend.includes !== 'compiled') return undefined
    const relations: IncludeNode[] = []
    for (const { relation, args } of projection.relations) {
      const node = this.related(relation).includeNode(relation, args, `${ctx}.${relation.name}`)
      if (!node) return undefined
      relations.push(node)
    }
    const counts = projection.counts?.map(({ relation, where }): IncludeCount => {
      const target = this.related(relation)
      return {
        relation: relation.name,
        where: normalizeWhere(target.model, where ?? {}, target.ctx(`${ctx}._count.${relation.name}`)),
      }
    })
    return { scalars: projection.scalars, relations, counts }
  }

  /** @internal The include node of `relation` (which points at this model), or undefined when the loader has to serve it. */
  includeNode(relation: RelationInfo, args: Record<string, unknown>, method: string): IncludeNode | undefined {
    const ctx = this.ctx(method)
    const a = checkArgs(ctx, args, READ_ARGS)
    const projection = normalizeProjection(this.model, a, ctx)
    // distinct runs on the rows read (distinct.ts): the loader serves it
    if (a.distinct !== undefined) return undefined
    let query: ReadQuery | undefined
    if (relation.kind === 'many') {
      const where = normalizeWhere(this.model, a.where, ctx)
      const orderBy = normalizeOrderBy(this.model, a.orderBy, ctx)
      const take = normalizeCount(a.take, 'take', ctx, true)
      const skip = normalizeCount(a.skip, 'skip', ctx, false)
      // a cursor needs its row read first, a negative take the reversed order: the loader does both
      if (a.cursor !== undefined || (take !== undefined && take < 0)) return undefined
      query = { where, orderBy, take, skip, unique: false }
    }
    const inner = isPlainProjection(projection)
      ? { scalars: projection.scalars, relations: [], counts: undefined }
      : this.includeOf(projection, ctx)
    return inner && { ...inner, relation: relation.name, query }
  }

  /**
   * A written row with what the projection asks for. When the backend compiles includes, the row is
   * read back by its primary key with them (one statement); else the loader reads the relations.
   */
  private async shapeWritten(run: Runner, row: Row, projection: Projection, ctx: string): Promise<Row> {
    const include = this.includeOf(projection, ctx)
    if (include) {
      const byKey = andFilters(
        ...this.model.primaryKey.map((field): Filter => ({ kind: 'cmp', field, op: 'eq', value: row[field] ?? null })),
      )
      const found = (await this.readShaped(run, uniqueQuery(byKey, 1), false, projection, ctx, include))[0]
      if (found) return found
    }
    return (await this.shape(run, [row], projection, ctx))[0]!
  }

  /**
   * where/orderBy/take/skip/cursor → a ReadQuery. A cursor is resolved here (its row read by key) and
   * becomes an "at or after" filter; a negative take reads the reversed order and flips the result.
   * Returns undefined when the cursor row does not exist (Prisma then returns no rows).
   */
  private async readQuery(
    run: Runner,
    a: Record<string, unknown>,
    ctx: string,
  ): Promise<{ query: ReadQuery; reversed: boolean } | undefined> {
    const where = normalizeWhere(this.model, a.where, ctx)
    let orderBy: OrderTerm[] = normalizeOrderBy(this.model, a.orderBy, ctx)
    const take = normalizeCount(a.take, 'take', ctx, true)
    const skip = normalizeCount(a.skip, 'skip', ctx, false)
    const reversed = take !== undefined && take < 0
    let after: Filter | undefined
    if (a.cursor !== undefined || reversed) {
      // ties broken by the primary key, in the direction of the last term (so a time-series layout
      // clustered (createdAt desc, id desc) serves `orderBy: { createdAt: 'desc' }` natively)
      if (a.cursor !== undefined && hasRelationOrder(orderBy))
        throw validationError(ctx, 'a `cursor` with an `orderBy` along a relation is not supported (see README)')
      const named = new Set(orderBy.filter((t) => !t.path).map((t) => t.field))
      const dir = orderBy.at(-1)?.dir ?? 'asc'
      orderBy = [
        ...orderBy,
        ...this.model.primaryKey.filter((f) => !named.has(f)).map((field): OrderTerm => ({ field, dir })),
      ]
    }
    if (reversed)
      orderBy = orderBy.map((t) => ({
        ...t,
        dir: t.dir === 'asc' ? 'desc' : 'asc',
        ...(t.nulls ? { nulls: t.nulls === 'first' ? 'last' : 'first' } : {}),
      }))
    if (a.cursor !== undefined) {
      if (!isPlainObject(a.cursor))
        throw validationError(ctx, '`cursor` must name a unique key, like a `where` of findUnique')
      const { filter } = normalizeUniqueWhere(this.model, a.cursor, `${ctx} cursor`)
      // Prisma looks for the cursor among the rows the where selects: a cursor row it excludes gives no rows
      const found = rowsOf(
        await run(this.model, { op: 'findMany', query: uniqueQuery(andFilters(filter, where), 1) }),
      )[0]
      if (!found) return undefined
      after = {
        kind: 'after',
        fields: orderBy.map((t) => t.field),
        dirs: orderBy.map((t) => t.dir),
        values: orderBy.map((t) => found[t.field]),
      }
    }
    return {
      query: {
        where: andFilters(where, after),
        orderBy,
        take: take === undefined ? undefined : Math.abs(take),
        skip,
        unique: false,
      },
      reversed,
    }
  }

  /**
   * Loads what the projection asks for and projects the rows. Each relation is one read for all the
   * rows (an `in` on the related key), issued together; a relation with take/skip/cursor reads once per
   * row, all at once. Nested includes recurse through the related model's delegate.
   */
  private async shape(run: Runner, rows: Row[], projection: Projection, ctx: string): Promise<Row[]> {
    if (isPlainProjection(projection))
      return projection.scalars ? rows.map((r) => project(r, projection.scalars)) : rows
    const extras = rows.map((): Row => ({}))
    await Promise.all([
      ...projection.relations.map((r) => this.loadRelation(run, rows, extras, r.relation, r.args, ctx)),
      ...(projection.counts ? [this.loadCounts(run, rows, extras, projection.counts, ctx)] : []),
    ])
    return rows.map((row, i) => ({ ...(projection.scalars ? project(row, projection.scalars) : row), ...extras[i] }))
  }

  /** Reads related rows for an in-memory relation orderBy, through the related model's own reads. */
  private relatedReader(run: Runner, ctx: string): RelatedReader {
    return (relation, where, select) =>
      this.related(relation).findManyWith(
        run,
        select ? { where, select: Object.fromEntries(select.map((f) => [f, true])) } : { where },
        `${ctx}.orderBy.${relation.name}`,
      )
  }

  /**
   * A read window (count, aggregate) ordered along a relation on a backend that cannot join: the order
   * does not matter without take/skip (dropped); with them it is refused (findMany serves it).
   */
  private unjoinedOrder(query: ReadQuery, ctx: string): ReadQuery {
    if (this.backend.includes !== 'loader' || !hasRelationOrder(query.orderBy)) return query
    if (query.take !== undefined || query.skip !== undefined)
      throw new TandemError(
        'UNSERVABLE_QUERY',
        `${ctx}: take/skip over an orderBy along a relation is served by findMany on ScyllaDB, not by count or aggregate`,
      )
    return { ...query, orderBy: [] }
  }

  private related(relation: RelationInfo): ModelDelegate {
    const d = this.delegates.get(relation.target)
    if (!d) throw new Error(`internal: no delegate for ${relation.target}`)
    return d
  }

  private async loadRelation(
    run: Runner,
    rows: Row[],
    extras: Row[],
    relation: RelationInfo,
    args: Record<string, unknown>,
    ctx: string,
  ): Promise<void> {
    const target = this.related(relation)
    const name = relation.name
    const empty = relation.kind === 'many' ? () => [] : () => null
    const keys = new Map<string, unknown[]>()
    for (const row of rows) {
      const k = keyOf(row, relation.fields)
      if (k !== undefined)
        keys.set(
          k,
          relation.fields.map((f) => row[f]),
        )
    }
    extras.forEach((e) => (e[name] = empty()))
    if (keys.size === 0) return
    // the join needs the related key fields even when the nested select leaves them out
    let childArgs = args
    let added: string[] = []
    if (isPlainObject(args.select)) {
      const select = args.select
      added = relation.references.filter((f) => !select[f])
      childArgs = { ...args, select: { ...select, ...Object.fromEntries(added.map((f) => [f, true])) } }
    }
    const strip = (r: Row) => {
      if (added.length === 0) return r
      const out = { ...r }
      for (const f of added) delete out[f]
      return out
    }
    const userWhere = (args.where as Record<string, unknown> | undefined) ?? {}
    const groups = new Map<string, Row[]>()
    const windowed =
      relation.kind === 'many' &&
      (args.take !== undefined || args.skip !== undefined || args.cursor !== undefined || args.distinct !== undefined)
    if (windowed) {
      await Promise.all(
        [...keys.entries()].map(async ([k, tuple]) => {
          const where = { AND: [userWhere, Object.fromEntries(relation.references.map((f, i) => [f, tuple[i]]))] }
          groups.set(k, await target.findManyWith(run, { ...childArgs, where }, `${ctx}.${name}`))
        }),
      )
    } else {
      const where = { AND: [userWhere, whereKeys(relation.references, [...keys.values()])] }
      const children = await target.findManyWith(run, { ...childArgs, where }, `${ctx}.${name}`)
      for (const child of children) {
        const k = keyOf(child, relation.references)
        if (k === undefined) continue
        const list = groups.get(k)
        if (list) list.push(child)
        else groups.set(k, [child])
      }
    }
    rows.forEach((row, i) => {
      const k = keyOf(row, relation.fields)
      const found = (k !== undefined && groups.get(k)) || []
      extras[i]![name] = relation.kind === 'many' ? found.map(strip) : found[0] ? strip(found[0]) : null
    })
  }

  private async loadCounts(
    run: Runner,
    rows: Row[],
    extras: Row[],
    counts: NonNullable<Projection['counts']>,
    ctx: string,
  ): Promise<void> {
    const results = await Promise.all(
      counts.map(async ({ relation, where }) => {
        const keys = new Map<string, unknown[]>()
        for (const row of rows) {
          const k = keyOf(row, relation.fields)
          if (k !== undefined)
            keys.set(
              k,
              relation.fields.map((f) => row[f]),
            )
        }
        const tally = new Map<string, number>()
        if (keys.size > 0) {
          const children = await this.related(relation).findManyWith(
            run,
            {
              where: { AND: [where ?? {}, whereKeys(relation.references, [...keys.values()])] },
              select: Object.fromEntries(relation.references.map((f) => [f, true])),
            },
            `${ctx}._count.${relation.name}`,
          )
          for (const c of children) {
            const k = keyOf(c, relation.references)
            if (k !== undefined) tally.set(k, (tally.get(k) ?? 0) + 1)
          }
        }
        return { relation, tally }
      }),
    )
    rows.forEach((row, i) => {
      const out: Row = {}
      for (const { relation, tally } of results) out[relation.name] = tally.get(keyOf(row, relation.fields) ?? '') ?? 0
      extras[i]!._count = out
    })
  }

  // ---- writes ------------------------------------------------------------------------------

  /** @internal Creates one row (nested relation writes included) and returns it whole. */
  async createRow(run: Runner, data: unknown, ctx: string, fixed?: Row): Promise<Row> {
    if (hasRelationData(this.model, data) || fixed) return createNested(this, run, data, ctx, fixed)
    const row = normalizeCreateData(this.model, data, ctx)
    const stored = rowsOf(await run(this.model, { op: 'insert', rows: [row], skipDuplicates: false }))[0]
    if (!stored) throw new TandemError('P2002', `${ctx}: the row was not stored`)
    return stored
  }

  private async createWith(run: Runner, args: unknown): Promise<Row> {
    const ctx = this.ctx('create')
    const a = checkArgs(ctx, args, ['data', 'select', 'omit', 'include'])
    const projection = normalizeProjection(this.model, a, ctx)
    const stored = await this.createRow(run, a.data, ctx)
    return this.shapeWritten(run, stored, projection, ctx)
  }

  /** @internal Inserts already normalized rows (createMany, nested createMany). */
  async insertRows(run: Runner, data: unknown, skipDuplicates: boolean, ctx: string, fixed?: Row): Promise<Row[]> {
    const list = Array.isArray(data) ? data : [data]
    const now = new Date()
    const rows = list.map((d, i) => {
      if (hasRelationData(this.model, d))
        throw validationError(`${ctx} data[${i}]`, 'createMany takes no relation fields; set the foreign key fields')
      return normalizeCreateData(this.model, fixed ? { ...(d as Row), ...fixed } : d, `${ctx} data[${i}]`, now)
    })
    return rowsOf(await run(this.model, { op: 'insert', rows, skipDuplicates }))
  }

  private async createManyWith(run: Runner, args: unknown, method: string): Promise<Row[]> {
    const ctx = this.ctx(method)
    const a = checkArgs(ctx, args, ['data', 'skipDuplicates', 'select', 'omit', 'include'])
    const projection = normalizeProjection(this.model, a, ctx)
    if (a.skipDuplicates !== undefined && typeof a.skipDuplicates !== 'boolean')
      throw validationError(ctx, '`skipDuplicates` must be a boolean')
    const stored = await this.insertRows(run, a.data, a.skipDuplicates === true, ctx)
    return this.shape(run, stored, projection, ctx)
  }

  /** @internal Updates the row a unique filter names (nested relation writes included); undefined if none. */
  async updateRow(run: Runner, filter: Filter, data: unknown, ctx: string): Promise<Row | undefined> {
    if (hasRelationData(this.model, data)) return updateNested(this, run, filter, data, ctx)
    const set = normalizeUpdateData(this.model, data, ctx)
    return rowsOf(await this.runUpdate(run, uniqueQuery(filter), set))[0]
  }

  private async updateWith(run: Runner, args: unknown): Promise<Row> {
    const ctx = this.ctx('update')
    const a = checkArgs(ctx, args, ['where', 'data', 'select', 'omit', 'include'])
    const projection = normalizeProjection(this.model, a, ctx)
    const { filter } = normalizeUniqueWhere(this.model, a.where, ctx)
    const row = await this.updateRow(run, filter, a.data, ctx)
    if (!row) throw notFoundError(this.model.name, 'update', 'Record to update not found.')
    return this.shapeWritten(run, row, projection, ctx)
  }

  /** @internal */
  async updateManyWith(run: Runner, args: unknown): Promise<{ count: number }> {
    const ctx = this.ctx('updateMany')
    const a = checkArgs(ctx, args, ['where', 'data'])
    const where = normalizeWhere(this.model, a.where, ctx)
    if (hasRelationData(this.model, a.data)) throw validationError(ctx, 'updateMany takes no relation fields')
    const set = normalizeUpdateData(this.model, a.data, ctx)
    return { count: numberOf(await this.runUpdate(run, manyQuery(where), set)) }
  }

  /** @internal updateMany that returns the updated rows (Prisma 6.2+), with select/omit. */
  async updateManyAndReturnWith(run: Runner, args: unknown): Promise<Row[]> {
    const ctx = this.ctx('updateManyAndReturn')
    const a = checkArgs(ctx, args, ['where', 'data', 'select', 'omit'])
    const projection = normalizeProjection(this.model, a, ctx)
    const where = normalizeWhere(this.model, a.where, ctx)
    if (hasRelationData(this.model, a.data)) throw validationError(ctx, 'updateManyAndReturn takes no relation fields')
    const set = normalizeUpdateData(this.model, a.data, ctx)
    return this.shape(run, rowsOf(await this.runUpdate(run, manyQuery(where), set)), projection, ctx)
  }

  private async upsertWith(run: Runner, args: unknown): Promise<Row> {
    const ctx = this.ctx('upsert')
    const a = checkArgs(ctx, args, ['where', 'create', 'update', 'select', 'omit', 'include'])
    const projection = normalizeProjection(this.model, a, ctx)
    const { filter } = normalizeUniqueWhere(this.model, a.where, ctx)
    if (!isPlainObject(a.create)) throw validationError(ctx, '`create` must be an object')
    // Try the update first; if no row matched, create; if a concurrent create won the race, update it. On
    // ScyllaDB the winner claims its unique values before it writes its row, so the row may not be readable
    // yet when our create fails: look again a few times, briefly, before taking the P2002 as the answer.
    for (let attempt = 0; attempt < UPSERT_ATTEMPTS; attempt++) {
      if (attempt > 1) await new Promise((r) => setTimeout(r, Math.random() * 2 ** (attempt + 2)))
      const updated = await this.updateRow(run, filter, a.update ?? {}, ctx)
      if (updated) return this.shapeWritten(run, updated, projection, ctx)
      try {
        const created = await this.createRow(run, a.create, ctx)
        return this.shapeWritten(run, created, projection, ctx)
      } catch (e) {
        if (!(e instanceof TandemError && e.code === 'P2002') || attempt === UPSERT_ATTEMPTS - 1) throw e
      }
    }
    throw notFoundError(this.model.name, 'upsert')
  }

  /** An update with nothing to set still matches rows (Prisma returns them unchanged). */
  private runUpdate(run: Runner, query: ReadQuery, set: UpdateOps): Promise<Row[] | number> {
    return Object.keys(set).length === 0
      ? run(this.model, { op: 'findMany', query })
      : run(this.model, { op: 'update', query, set })
  }

  /** @internal Deletes the rows a filter selects and returns them. */
  async deleteRows(run: Runner, filter: Filter | undefined, unique: boolean): Promise<Row[]> {
    return rowsOf(await run(this.model, { op: 'delete', query: unique ? uniqueQuery(filter) : manyQuery(filter) }))
  }

  private async deleteWith(run: Runner, args: unknown): Promise<Row> {
    const ctx = this.ctx('delete')
    const a = checkArgs(ctx, args, ['where', 'select', 'omit', 'include'])
    const projection = normalizeProjection(this.model, a, ctx)
    const { filter } = normalizeUniqueWhere(this.model, a.where, ctx)
    // related rows are read before the row goes (a cascade may take them with it)
    const shaped = isPlainProjection(projection)
      ? undefined
      : (await this.readShaped(run, uniqueQuery(filter, 1), false, projection, ctx))[0]
    const rows = await this.deleteRows(run, filter, true)
    if (!rows[0]) throw notFoundError(this.model.name, 'delete', 'Record to delete does not exist.')
    return shaped ?? (await this.shape(run, rows, projection, ctx))[0]!
  }

  private async deleteManyWith(run: Runner, args: unknown): Promise<{ count: number }> {
    const ctx = this.ctx('deleteMany')
    const a = checkArgs(ctx, args, ['where'])
    return { count: (await this.deleteRows(run, normalizeWhere(this.model, a.where, ctx), false)).length }
  }

  private async countWith(run: Runner, args: unknown): Promise<number | Record<string, number>> {
    const ctx = this.ctx('count')
    const a = checkArgs(ctx, args, ['where', 'orderBy', 'take', 'skip', 'cursor', 'select'])
    const select = this.countSelect(a.select, ctx)
    const read = await this.readQuery(run, a, ctx)
    const window = (n: number) => {
      const afterSkip = Math.max(0, n - (read?.query.skip ?? 0))
      return read?.query.take === undefined ? afterSkip : Math.min(afterSkip, read.query.take)
    }
    if (!select) {
      if (!read) return 0
      return window(
        numberOf(await run(this.model, { op: 'count', query: { ...read.query, take: undefined, skip: undefined } })),
      )
    }
    // count({ select: { _all: true, field: true } }): rows, and non-null values per field
    const counts: Record<string, number> = Object.fromEntries(select.map((f) => [f, 0]))
    if (read) {
      const rows = rowsOf(await run(this.model, { op: 'findMany', query: this.unjoinedOrder(read.query, ctx) }))
      for (const f of select)
        counts[f] = f === '_all' ? rows.length : rows.filter((r) => r[f] !== null && r[f] !== undefined).length
    }
    return counts
  }

  /** @internal aggregate: over the rows where/orderBy/cursor/take/skip select (a window, as Prisma's). */
  async aggregateWith(run: Runner, args: unknown): Promise<Row> {
    const ctx = this.ctx('aggregate')
    const a = checkArgs(ctx, args, ['where', 'orderBy', 'cursor', 'take', 'skip', ...AGGREGATE_ARGS])
    const { terms, output } = aggregateSelection(this.model, a, ctx)
    const spec = { by: [], terms, having: undefined, orderBy: [], take: undefined, skip: undefined }
    if (a.cursor !== undefined && a.orderBy !== undefined && !this.stableOrder(a.orderBy, ctx))
      throw inputError(
        ctx,
        'a cursor with an orderBy that is not unique (stable) cannot be aggregated, as in Prisma: order by a unique key too',
      )
    const read = await this.readQuery(run, a, ctx)
    const rows = read
      ? rowsOf(await run(this.model, { op: 'aggregate', query: this.unjoinedOrder(read.query, ctx), spec }))
      : aggregateRows(this.model, [], spec)
    return nestAggregates(rows[0] ?? {}, [], output)
  }

  /** @internal groupBy: groups of the where's rows by `by`, with having, orderBy and take/skip over groups. */
  async groupByWith(run: Runner, args: unknown): Promise<Row[]> {
    const ctx = this.ctx('groupBy')
    const a = checkArgs(ctx, args, ['by', 'where', 'having', 'orderBy', 'take', 'skip', ...AGGREGATE_ARGS])
    const { spec, where, output } = normalizeGroupBy(this.model, a, ctx)
    const rows = rowsOf(await run(this.model, { op: 'aggregate', query: manyQuery(where), spec }))
    return rows.map((r) => nestAggregates(r, spec.by, output))
  }

  /** Does the orderBy name every field of some unique key (so the cursor's position is one row)? */
  private stableOrder(orderBy: unknown, ctx: string): boolean {
    const named = new Set(normalizeOrderBy(this.model, orderBy, ctx).flatMap((t) => (t.path ? [] : [t.field])))
    return this.model.uniqueKeys.some((u) => u.fields.every((f) => named.has(f)))
  }

  private countSelect(select: unknown, ctx: string): string[] | undefined {
    if (select === undefined) return undefined
    if (!isPlainObject(select)) throw validationError(ctx, '`select` of count takes { _all: true, <field>: true }')
    const out: string[] = []
    for (const [k, v] of Object.entries(select)) {
      if (k !== '_all' && !this.model.fields.has(k))
        throw validationError(ctx, `unknown field \`${k}\` in count select`)
      if (v) out.push(k)
    }
    return out
  }
}
