import { getTableColumns, is, SQL } from 'drizzle-orm'
import { orderOf } from './relational-queries.js'
import { whereFromDrizzle } from './drizzle-where.js'
import { countOf, fieldOfColumn, modelOfTable, unservable, type Translator } from './builder-call.js'
import type { Model } from '../schema/model.js'

/** a selection as drizzle nests it: field key → model field, or a nested object of them */
export type Selection = { [key: string]: string | Selection }

/**
 * `db.select(fields?).from(table).where(…).orderBy(…).limit(n).offset(m)` as one findMany of the table's model:
 * the chosen columns become `select`, the condition `where`, the rest `orderBy`/`take`/`skip`; rows come back
 * keyed (and nested) as the fields were given. Joins, groupBy/having, distinct, locking, set operators, CTEs and
 * sql`` fields are refused before any I/O.
 */
export const translateSelect: Translator = (info, call, ctx, placeholders) => {
  const c = call.config
  const refused: [unknown, string][] = [
    [(c.joins as unknown[] | undefined)?.length, 'a join (use db.query with `with` for related rows)'],
    [(c.withList as unknown[] | undefined)?.length, 'a CTE ($with)'],
    [(c.groupBy as unknown[] | undefined)?.length, 'groupBy (use the model API: db.$tandem.<model>.groupBy)'],
    [c.having, 'having'],
    [c.distinct, 'distinct'],
    [c.lockingClause, 'a locking clause (for update/share)'],
    [(c.setOperators as unknown[] | undefined)?.length, 'a set operator (union/intersect/except)'],
  ]
  for (const [present, what] of refused) if (present) throw unservable(ctx, what)
  const model = modelOfTable(info, c.table, ctx)
  const { selection, select, asIs } = projectionOf(model, c.fields as Record<string, unknown>, ctx)
  const where = whereFromDrizzle(model, c.where as SQL | undefined, ctx, placeholders)
  const orderBy = orderOf(model, c.orderBy as unknown[] | undefined, model.drizzle, ctx)
  const base: Record<string, unknown> = select ? { select } : {}
  if (where) base.where = where
  if (orderBy.length) base.orderBy = orderBy
  return {
    model,
    // explain shows the limit/offset given as numbers (placeholders are known only at execute)
    calls: [{ method: 'findMany', args: { ...base, ...countsShown(c.limit, c.offset) } }],
    async run(clients, placeholders) {
      const args = { ...base }
      const take = countOf(c.limit, placeholders, ctx)
      const skip = countOf(c.offset, placeholders, ctx)
      if (take !== undefined) args.take = take
      if (skip !== undefined) args.skip = skip
      const rows = (await clients[model.name]!.findMany!(args)) as Record<string, unknown>[]
      return asIs ? rows : rows.map((row) => shape(selection, row))
    },
  }
}

/** What a select asks the model API for and how its rows come back. */
interface Projection {
  selection: Selection
  /** the model API's `select`; undefined for every column, so the rows are handed over without projecting them */
  select?: Record<string, true>
  /** fields keyed by their own names: the model API's rows are already drizzle's */
  asIs: boolean
}

/** `select()` of a whole table (drizzle passes a copy of its columns) is worked out once per model. */
const wholeTable = new WeakMap<Model, Projection>()

function projectionOf(model: Model, fields: Record<string, unknown>, ctx: string): Projection {
  const columns = getTableColumns(model.drizzle) as Record<string, unknown>
  const keys = Object.keys(fields)
  const whole = keys.length === Object.keys(columns).length && keys.every((k) => fields[k] === columns[k])
  const known = whole ? wholeTable.get(model) : undefined
  if (known) return known
  const selection = selectionOf(model, fields, ctx)
  const chosen = fieldsIn(selection)
  const everyField = chosen.length === model.fields.size && new Set(chosen).size === model.fields.size
  const projection: Projection = {
    selection,
    ...(everyField ? {} : { select: Object.fromEntries(chosen.map((f) => [f, true] as const)) }),
    asIs: Object.entries(selection).every(([key, field]) => key === field),
  }
  if (whole) wholeTable.set(model, projection)
  return projection
}

export function selectionOf(model: Model, fields: Record<string, unknown>, ctx: string): Selection {
  const out: Selection = {}
  for (const [key, value] of Object.entries(fields)) {
    if (is(value, SQL) || is(value, SQL.Aliased)) throw unservable(ctx, `the sql\`\` field \`${key}\``)
    out[key] =
      value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype
        ? selectionOf(model, value as Record<string, unknown>, ctx)
        : fieldOfColumn(model, value, ctx)
  }
  return out
}

export function fieldsIn(selection: Selection): string[] {
  return Object.values(selection).flatMap((v) => (typeof v === 'string' ? [v] : fieldsIn(v)))
}

export function shape(selection: Selection, row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(selection))
    out[key] = typeof value === 'string' ? row[value] : shape(value, row)
  return out
}

function countsShown(limit: unknown, offset: unknown): { take?: number; skip?: number } {
  return {
    ...(typeof limit === 'number' ? { take: limit } : {}),
    ...(typeof offset === 'number' ? { skip: offset } : {}),
  }
}
