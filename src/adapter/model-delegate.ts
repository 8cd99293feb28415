import type { Model, Row } from '../schema/model.js'
import type { Backend, Operation, Statement } from './backend.js'
import { notFoundError, TandemError, validationError } from './errors.js'
import {
  checkArgs, isPlainObject, normalizeCount, normalizeCreateData, normalizeOrderBy, normalizeSelect,
  normalizeUniqueWhere, normalizeUpdateData, normalizeWhere,
} from './normalize.js'
import { andFilters, type Filter, type OrderTerm, type ReadQuery, type UpdateOps } from './query.js'
import { project, sampleValue } from './values.js'

/** Runs (or, for explain, records) backend operations. */
type Runner = (operation: Operation) => Promise<Row[] | number>

const READ_ARGS = ['where', 'select', 'omit', 'include', 'orderBy', 'take', 'skip', 'cursor', 'distinct'] as const
const UNSUPPORTED = new Set(['include', 'distinct'])

export const MODEL_METHODS = [
  'findUnique', 'findUniqueOrThrow', 'findFirst', 'findFirstOrThrow', 'findMany', 'create', 'createMany',
  'createManyAndReturn', 'update', 'updateMany', 'upsert', 'delete', 'deleteMany', 'count',
] as const
export type ModelMethod = (typeof MODEL_METHODS)[number]

function rejectUnsupported(ctx: string, args: Record<string, unknown>): void {
  for (const key of Object.keys(args)) {
    if (UNSUPPORTED.has(key) && args[key] !== undefined) throw validationError(ctx, `\`${key}\` is not supported yet (see README, "Not supported")`)
  }
}

const rowsOf = (r: Row[] | number): Row[] => (typeof r === 'number' ? [] : r)
const numberOf = (r: Row[] | number): number => (typeof r === 'number' ? r : r.length)

/**
 * The Prisma-style methods of one model, written once over the backend interface: both backends get
 * the same argument checks, defaults, cursor and `take < 0` handling, error codes and result shapes.
 */
export class ModelDelegate {
  constructor(
    private readonly model: Model,
    private readonly backend: Backend,
  ) {}

  private readonly runner: Runner = (op) => this.backend.run(this.model, op)

  findUnique(args: unknown): Promise<Row | null> {
    return this.findUniqueWith(this.runner, args, 'findUnique')
  }
  async findUniqueOrThrow(args: unknown): Promise<Row> {
    const row = await this.findUniqueWith(this.runner, args, 'findUniqueOrThrow')
    if (!row) throw notFoundError(this.model.name, 'findUniqueOrThrow', 'No record was found for a query.')
    return row
  }
  findFirst(args?: unknown): Promise<Row | null> {
    return this.findFirstWith(this.runner, args, 'findFirst')
  }
  async findFirstOrThrow(args?: unknown): Promise<Row> {
    const row = await this.findFirstWith(this.runner, args, 'findFirstOrThrow')
    if (!row) throw notFoundError(this.model.name, 'findFirstOrThrow', 'No record was found for a query.')
    return row
  }
  findMany(args?: unknown): Promise<Row[]> {
    return this.findManyWith(this.runner, args, 'findMany')
  }
  create(args: unknown): Promise<Row> {
    return this.createWith(this.runner, args)
  }
  createMany(args: unknown): Promise<{ count: number }> {
    return this.createManyWith(this.runner, args, 'createMany').then((rows) => ({ count: rows.length }))
  }
  createManyAndReturn(args: unknown): Promise<Row[]> {
    return this.createManyWith(this.runner, args, 'createManyAndReturn')
  }
  update(args: unknown): Promise<Row> {
    return this.updateWith(this.runner, args)
  }
  updateMany(args: unknown): Promise<{ count: number }> {
    return this.updateManyWith(this.runner, args)
  }
  upsert(args: unknown): Promise<Row> {
    return this.upsertWith(this.runner, args)
  }
  delete(args: unknown): Promise<Row> {
    return this.deleteWith(this.runner, args)
  }
  deleteMany(args?: unknown): Promise<{ count: number }> {
    return this.deleteManyWith(this.runner, args)
  }
  count(args?: unknown): Promise<number> {
    return this.countWith(this.runner, args)
  }

  /**
   * The statements a call would run, in order, without running anything. Steps that depend on data
   * (a cursor row, upsert's existing row) are shown for the path where the row exists.
   * @example db.message.explain('findMany', { where: { channelId }, take: 50 })
   */
  async explain(method: ModelMethod, args?: unknown): Promise<{ backend: Backend['kind']; statements: Statement[] }> {
    if (!MODEL_METHODS.includes(method)) throw validationError(`${this.model.name}.explain`, `unknown method \`${String(method)}\``)
    const statements: Statement[] = []
    const placeholderRow: Row = Object.fromEntries([...this.model.fields.values()].map((f) => [f.name, sampleValue(f)]))
    const recorder: Runner = async (op) => {
      statements.push(...this.backend.explain(this.model, op))
      if (op.op === 'count') return 0
      if (op.op === 'insert') return op.rows.map((r) => ({ ...r }))
      return [placeholderRow]
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
    }[method]
    await run()
    return { backend: this.backend.kind, statements }
  }

  private ctx(method: string): string {
    return `${this.model.name}.${method}`
  }

  private async findUniqueWith(run: Runner, args: unknown, method: string): Promise<Row | null> {
    const ctx = this.ctx(method)
    const a = checkArgs(ctx, args, ['where', 'select', 'omit', 'include'])
    rejectUnsupported(ctx, a)
    const fields = normalizeSelect(this.model, a.select, a.omit, ctx)
    const { filter } = normalizeUniqueWhere(this.model, a.where, ctx)
    const rows = rowsOf(await run({ op: 'findMany', query: { where: filter, orderBy: [], take: 1, skip: undefined, unique: true } }))
    return rows[0] ? project(rows[0], fields) : null
  }

  private async findFirstWith(run: Runner, args: unknown, method: string): Promise<Row | null> {
    const a = checkArgs(this.ctx(method), args, READ_ARGS)
    const rows = await this.findManyWith(run, { ...a, take: a.take ?? 1 }, method)
    return rows[0] ?? null
  }

  private async findManyWith(run: Runner, args: unknown, method: string): Promise<Row[]> {
    const ctx = this.ctx(method)
    const a = checkArgs(ctx, args, READ_ARGS)
    rejectUnsupported(ctx, a)
    const fields = normalizeSelect(this.model, a.select, a.omit, ctx)
    const read = await this.readQuery(run, a, ctx)
    if (!read) return []
    const rows = rowsOf(await run({ op: 'findMany', query: read.query }))
    if (read.reversed) rows.reverse()
    return fields ? rows.map((r) => project(r, fields)) : rows
  }

  /**
   * where/orderBy/take/skip/cursor → a ReadQuery. A cursor is resolved here (its row read by key) and
   * becomes an "at or after" filter; a negative take reads the reversed order and flips the result.
   * Returns undefined when the cursor row does not exist (Prisma then returns no rows).
   */
  private async readQuery(run: Runner, a: Record<string, unknown>, ctx: string): Promise<{ query: ReadQuery; reversed: boolean } | undefined> {
    const where = normalizeWhere(this.model, a.where, ctx)
    let orderBy: OrderTerm[] = normalizeOrderBy(this.model, a.orderBy, ctx)
    const take = normalizeCount(a.take, 'take', ctx, true)
    const skip = normalizeCount(a.skip, 'skip', ctx, false)
    const reversed = take !== undefined && take < 0
    let after: Filter | undefined
    if (a.cursor !== undefined || reversed) {
      // a stable total order: the requested one, then the primary key
      // ties broken by the primary key, in the direction of the last term (so a time-series layout
      // clustered (createdAt desc, id desc) serves `orderBy: { createdAt: 'desc' }` natively)
      const named = new Set(orderBy.map((t) => t.field))
      const dir = orderBy.at(-1)?.dir ?? 'asc'
      orderBy = [...orderBy, ...this.model.primaryKey.filter((f) => !named.has(f)).map((field): OrderTerm => ({ field, dir }))]
    }
    if (reversed) orderBy = orderBy.map((t) => ({ ...t, dir: t.dir === 'asc' ? 'desc' : 'asc', ...(t.nulls ? { nulls: t.nulls === 'first' ? 'last' : 'first' } : {}) }))
    if (a.cursor !== undefined) {
      if (!isPlainObject(a.cursor)) throw validationError(ctx, '`cursor` must name a unique key, like a `where` of findUnique')
      const { filter } = normalizeUniqueWhere(this.model, a.cursor, `${ctx} cursor`)
      // Prisma looks for the cursor among the rows the where selects: a cursor row it excludes gives no rows
      const found = rowsOf(await run({ op: 'findMany', query: { where: andFilters(filter, where), orderBy: [], take: 1, skip: undefined, unique: true } }))[0]
      if (!found) return undefined
      after = { kind: 'after', fields: orderBy.map((t) => t.field), dirs: orderBy.map((t) => t.dir), values: orderBy.map((t) => found[t.field]) }
    }
    return {
      query: { where: andFilters(where, after), orderBy, take: take === undefined ? undefined : Math.abs(take), skip, unique: false },
      reversed,
    }
  }

  private async createWith(run: Runner, args: unknown): Promise<Row> {
    const ctx = this.ctx('create')
    const a = checkArgs(ctx, args, ['data', 'select', 'omit', 'include'])
    rejectUnsupported(ctx, a)
    const fields = normalizeSelect(this.model, a.select, a.omit, ctx)
    const row = normalizeCreateData(this.model, a.data, ctx)
    const stored = rowsOf(await run({ op: 'insert', rows: [row], skipDuplicates: false }))[0]
    if (!stored) throw new TandemError('P2002', `${ctx}: the row was not stored`)
    return project(stored, fields)
  }

  private async createManyWith(run: Runner, args: unknown, method: string): Promise<Row[]> {
    const ctx = this.ctx(method)
    const a = checkArgs(ctx, args, ['data', 'skipDuplicates', 'select', 'omit'])
    const fields = normalizeSelect(this.model, a.select, a.omit, ctx)
    if (a.skipDuplicates !== undefined && typeof a.skipDuplicates !== 'boolean') throw validationError(ctx, '`skipDuplicates` must be a boolean')
    const list = Array.isArray(a.data) ? a.data : [a.data]
    const now = new Date()
    const rows = list.map((d, i) => normalizeCreateData(this.model, d, `${ctx} data[${i}]`, now))
    const stored = rowsOf(await run({ op: 'insert', rows, skipDuplicates: a.skipDuplicates === true }))
    return fields ? stored.map((r) => project(r, fields)) : stored
  }

  private async updateWith(run: Runner, args: unknown): Promise<Row> {
    const ctx = this.ctx('update')
    const a = checkArgs(ctx, args, ['where', 'data', 'select', 'omit', 'include'])
    rejectUnsupported(ctx, a)
    const fields = normalizeSelect(this.model, a.select, a.omit, ctx)
    const { filter } = normalizeUniqueWhere(this.model, a.where, ctx)
    const set = normalizeUpdateData(this.model, a.data, ctx)
    const rows = rowsOf(await this.runUpdate(run, { where: filter, orderBy: [], take: undefined, skip: undefined, unique: true }, set))
    if (!rows[0]) throw notFoundError(this.model.name, 'update', 'Record to update not found.')
    return project(rows[0], fields)
  }

  private async updateManyWith(run: Runner, args: unknown): Promise<{ count: number }> {
    const ctx = this.ctx('updateMany')
    const a = checkArgs(ctx, args, ['where', 'data'])
    const where = normalizeWhere(this.model, a.where, ctx)
    const set = normalizeUpdateData(this.model, a.data, ctx)
    const result = await this.runUpdate(run, { where, orderBy: [], take: undefined, skip: undefined, unique: false }, set)
    return { count: numberOf(result) }
  }

  private async upsertWith(run: Runner, args: unknown): Promise<Row> {
    const ctx = this.ctx('upsert')
    const a = checkArgs(ctx, args, ['where', 'create', 'update', 'select', 'omit', 'include'])
    rejectUnsupported(ctx, a)
    const fields = normalizeSelect(this.model, a.select, a.omit, ctx)
    const { filter } = normalizeUniqueWhere(this.model, a.where, ctx)
    const set = normalizeUpdateData(this.model, a.update ?? {}, ctx)
    const createRow = normalizeCreateData(this.model, a.create, ctx)
    const query: ReadQuery = { where: filter, orderBy: [], take: undefined, skip: undefined, unique: true }
    // Try the update first; if no row matched, create; if a concurrent create won the race, update it.
    for (let attempt = 0; attempt < 2; attempt++) {
      const updated = rowsOf(await this.runUpdate(run, query, set))[0]
      if (updated) return project(updated, fields)
      try {
        const created = rowsOf(await run({ op: 'insert', rows: [createRow], skipDuplicates: false }))[0]
        if (created) return project(created, fields)
      } catch (e) {
        if (!(e instanceof TandemError && e.code === 'P2002') || attempt === 1) throw e
      }
    }
    throw notFoundError(this.model.name, 'upsert')
  }

  /** An update with nothing to set still matches rows (Prisma returns them unchanged). */
  private runUpdate(run: Runner, query: ReadQuery, set: UpdateOps): Promise<Row[] | number> {
    return Object.keys(set).length === 0 ? run({ op: 'findMany', query }) : run({ op: 'update', query, set })
  }

  private async deleteWith(run: Runner, args: unknown): Promise<Row> {
    const ctx = this.ctx('delete')
    const a = checkArgs(ctx, args, ['where', 'select', 'omit', 'include'])
    rejectUnsupported(ctx, a)
    const fields = normalizeSelect(this.model, a.select, a.omit, ctx)
    const { filter } = normalizeUniqueWhere(this.model, a.where, ctx)
    const rows = rowsOf(await run({ op: 'delete', query: { where: filter, orderBy: [], take: undefined, skip: undefined, unique: true } }))
    if (!rows[0]) throw notFoundError(this.model.name, 'delete', 'Record to delete does not exist.')
    return project(rows[0], fields)
  }

  private async deleteManyWith(run: Runner, args: unknown): Promise<{ count: number }> {
    const ctx = this.ctx('deleteMany')
    const a = checkArgs(ctx, args, ['where'])
    const where = normalizeWhere(this.model, a.where, ctx)
    const result = await run({ op: 'delete', query: { where, orderBy: [], take: undefined, skip: undefined, unique: false } })
    return { count: numberOf(result) }
  }

  private async countWith(run: Runner, args: unknown): Promise<number> {
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
      return window(numberOf(await run({ op: 'count', query: { ...read.query, take: undefined, skip: undefined } })))
    }
    // count({ select: { _all: true, field: true } }): rows, and non-null values per field
    const counts: Record<string, number> = Object.fromEntries(select.map((f) => [f, 0]))
    if (read) {
      const rows = rowsOf(await run({ op: 'findMany', query: read.query }))
      for (const f of select) counts[f] = f === '_all' ? rows.length : rows.filter((r) => r[f] !== null && r[f] !== undefined).length
    }
    return counts as unknown as number
  }

  private countSelect(select: unknown, ctx: string): string[] | undefined {
    if (select === undefined) return undefined
    if (!isPlainObject(select)) throw validationError(ctx, '`select` of count takes { _all: true, <field>: true }')
    const out: string[] = []
    for (const [k, v] of Object.entries(select)) {
      if (k !== '_all' && !this.model.fields.has(k)) throw validationError(ctx, `unknown field \`${k}\` in count select`)
      if (v) out.push(k)
    }
    return out
  }
}
