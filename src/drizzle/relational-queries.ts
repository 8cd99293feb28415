import {
  Column,
  entityKind,
  getOperators,
  getOrderByOperators,
  getTableColumns,
  is,
  QueryPromise,
  SQL,
  StringChunk,
} from 'drizzle-orm'
import type { PgTable } from 'drizzle-orm/pg-core'
import type { Statement } from '../adapter/backend.js'
import { TandemError, validationError } from '../errors.js'
import type { Model, SchemaInfo } from '../schema/model.js'
import { countOf, fieldNamed } from './builder-call.js'
import { whereFromDrizzle, type WhereObject } from './drizzle-where.js'

/** A model client as the facade calls it (tandem's delegates; arguments validated at run time). */
export interface FindClient {
  findMany(args: unknown): PromiseLike<unknown[]>
  findFirst(args: unknown): PromiseLike<unknown>
  explain?(
    method: 'findMany' | 'findFirst',
    args: unknown,
  ): Promise<{ backend: 'postgres' | 'scylla'; statements: Statement[] }>
}

/**
 * A relational query on the facade: lazy like drizzle's (it runs when awaited); `prepare()` gives drizzle's
 * prepared query (`sql.placeholder` values in where/limit/offset given to `execute`); `explain()` gives the
 * statements tandem's planner chose for it without running it.
 */
export class FacadeRelationalQuery<T> extends QueryPromise<T> {
  static override readonly [entityKind]: string = 'TandemFacadeRelationalQuery'
  constructor(
    private readonly client: FindClient,
    private readonly method: 'findMany' | 'findFirst',
    /** the model API's arguments (built when run or explained, so a bad config is a rejection) */
    private readonly args: (placeholders: Record<string, unknown>) => Record<string, unknown>,
  ) {
    super()
  }
  override async execute(placeholders: Record<string, unknown> = {}): Promise<T> {
    const rows = await this.client[this.method](this.args(placeholders))
    return (this.method === 'findFirst' ? (rows ?? undefined) : rows) as T
  }
  /** @example const q = db.query.profile.findFirst({ where: (p, { eq }) => eq(p.id, sql.placeholder('id')) }).prepare('p') */
  prepare(_name?: string): { execute(placeholders?: Record<string, unknown>): Promise<T> } {
    return { execute: (placeholders = {}) => this.execute(placeholders) }
  }
  /** @example await db.query.message.findMany({ where: (m, { eq }) => eq(m.channelId, id) }).explain() */
  async explain(): Promise<{ backend: 'postgres' | 'scylla'; statements: Statement[] }> {
    const args = this.args({})
    if (!this.client.explain) throw validationError(`db.query.${this.method}`, 'this client has no explain')
    return this.client.explain(this.method, args)
  }
}

/** drizzle's `db.query.<table>` on tandem: `findMany` / `findFirst` with drizzle's config and result shape. */
export interface RelationalQuery {
  findMany(config?: Record<string, unknown>): FacadeRelationalQuery<Record<string, unknown>[]>
  findFirst(config?: Record<string, unknown>): FacadeRelationalQuery<Record<string, unknown> | undefined>
}

/**
 * drizzle's relational queries (`db.query.users.findMany({ columns, with, where, orderBy, limit, offset })`) over
 * tandem's model clients: each config becomes the model API's arguments (`select`/`omit`/`include`, `where`,
 * `orderBy`, `take`, `skip`), served by the same planner, layout and errors; the results keep drizzle's shape
 * (with-one: an object or null; with-many: an array; findFirst: a row or undefined). `extras` and raw SQL are
 * refused with UNSERVABLE_QUERY before any I/O.
 * @example const query = relationalQueries(info, clients); await query.users.findMany({ with: { posts: true } })
 */
export function relationalQueries(
  info: SchemaInfo,
  clients: ReadonlyMap<string, FindClient>,
): Record<string, RelationalQuery> {
  const out: Record<string, RelationalQuery> = {}
  for (const model of info.models.values()) {
    const client = clients.get(model.name)
    if (!client) continue
    const ctx = (method: string) => `db.query.${model.name}.${method}`
    out[model.name] = {
      findMany: (config = {}) =>
        new FacadeRelationalQuery(client, 'findMany', (values) =>
          argsOf(info, model, config, ctx('findMany'), true, values),
        ),
      findFirst: (config = {}) =>
        new FacadeRelationalQuery(client, 'findFirst', (values) =>
          argsOf(info, model, config, ctx('findFirst'), true, values),
        ),
    }
  }
  return out
}

const KEYS = ['columns', 'with', 'where', 'orderBy', 'limit', 'offset', 'extras']

/** One config (the root's or a relation's) as the model API's arguments. */
function argsOf(
  info: SchemaInfo,
  model: Model,
  config: Record<string, unknown>,
  ctx: string,
  list: boolean,
  /** a prepared query's `sql.placeholder` values */
  placeholders: Record<string, unknown>,
): Record<string, unknown> {
  if (typeof config !== 'object' || config === null) throw validationError(ctx, 'the config must be an object')
  for (const key of Object.keys(config))
    if (!KEYS.includes(key)) throw validationError(ctx, `unknown key \`${key}\`; drizzle's are ${KEYS.join(', ')}`)
  if (config.extras !== undefined)
    throw new TandemError(
      'UNSERVABLE_QUERY',
      `${ctx}: \`extras\` (SQL computed by the database) cannot be served on ScyllaDB. Nothing was run.`,
    )
  const table = model.drizzle as PgTable
  const args: Record<string, unknown> = {}
  const where =
    typeof config.where === 'function'
      ? (config.where as (f: unknown, o: unknown) => SQL | undefined)(getTableColumns(table), getOperators())
      : (config.where as SQL | undefined)
  const w: WhereObject | undefined = whereFromDrizzle(model, where, ctx, placeholders)
  if (w) args.where = w
  const orderBy = orderOf(model, config.orderBy, table, ctx)
  if (orderBy.length) args.orderBy = orderBy
  const take = list ? countOf(config.limit, placeholders, ctx) : undefined
  const skip = countOf(config.offset, placeholders, ctx)
  if (take !== undefined) args.take = take
  if (skip !== undefined) args.skip = skip
  // columns: `true`s pick, else `false`s leave out (drizzle's rule); relations come after, as drizzle puts them
  const columns = (config.columns ?? {}) as Record<string, boolean | undefined>
  const picked = Object.keys(columns).filter((k) => columns[k] === true)
  const relations: Record<string, unknown> = {}
  for (const [name, value] of Object.entries((config.with ?? {}) as Record<string, unknown>)) {
    if (value === undefined || value === false) continue
    const rel = model.relations.get(name)
    if (!rel) throw validationError(ctx, `unknown relation \`${name}\` in \`with\``)
    const target = info.models.get(rel.target)!
    relations[name] =
      value === true
        ? true
        : argsOf(info, target, value as Record<string, unknown>, `${ctx}.${name}`, rel.kind === 'many', placeholders)
  }
  if (picked.length) args.select = { ...Object.fromEntries(picked.map((k) => [k, true])), ...relations }
  else {
    const left = Object.keys(columns).filter((k) => columns[k] === false)
    if (left.length) args.omit = Object.fromEntries(left.map((k) => [k, true]))
    if (Object.keys(relations).length) args.include = relations
  }
  return args
}

/** drizzle's orderBy (a column, `asc(c)`/`desc(c)`, a list, or a callback) as the model API's. */
export function orderOf(model: Model, orderBy: unknown, table: PgTable, ctx: string): Record<string, 'asc' | 'desc'>[] {
  const given =
    typeof orderBy === 'function'
      ? (orderBy as (f: unknown, o: unknown) => unknown)(getTableColumns(table), getOrderByOperators())
      : orderBy
  if (given === undefined) return []
  return (Array.isArray(given) ? given : [given]).map((term) => {
    let column: unknown = term
    let dir: 'asc' | 'desc' = 'asc'
    if (is(term, SQL)) {
      const chunks = term.queryChunks.filter((c) => !(is(c, StringChunk) && c.value.join('') === ''))
      const last = chunks[1]
      const word = is(last, StringChunk) ? last.value.join('').trim() : undefined
      if (chunks.length !== 2 || (word !== 'asc' && word !== 'desc'))
        throw new TandemError(
          'UNSERVABLE_QUERY',
          `${ctx}: an orderBy term that is not a column, asc(column) or desc(column) cannot be served on ScyllaDB. Nothing was run.`,
        )
      column = chunks[0]
      dir = word
    }
    if (!is(column, Column)) throw validationError(ctx, 'orderBy takes columns, asc(column) or desc(column)')
    const field = fieldNamed(model, column.name)
    if (!field) throw validationError(ctx, `orderBy names ${column.name}, not a column of ${model.table}`)
    return { [field]: dir }
  })
}
