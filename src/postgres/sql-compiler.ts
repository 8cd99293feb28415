import {
  and,
  asc,
  count as countFn,
  desc,
  eq,
  gt,
  gte,
  ilike,
  inArray,
  is,
  isNotNull,
  isNull,
  like,
  lt,
  lte,
  ne,
  not,
  notInArray,
  or,
  Param,
  Placeholder,
  sql,
} from 'drizzle-orm'
import type { AnyColumn, SQL } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/postgres-js'
import { alias, type PgTable } from 'drizzle-orm/pg-core'
import type { Model, Row } from '../schema/model.js'
import { relatedModel } from '../schema/read-schema.js'
import type { CmpOp, Filter, Operation, OrderTerm, Slot } from '../adapter/query.js'
import { afterSql, likePattern, placeholder, SQL_OPS } from './sql-statements.js'
import type { Parsers } from './postgres-values.js'
import { jsonSql, listSql, pushSql } from './column-sql.js'

/**
 * A compiled statement: the SQL text drizzle built for one operation shape, and how a call's values
 * (its Shape's `values`) become the statement's parameters, encoded by each column's drizzle encoder.
 */
export interface CompiledSql {
  readonly text: string
  readonly bind: (values: readonly unknown[]) => unknown[]
  /**
   * Set for a findMany with an include: the statement's rows are read as arrays (select-list order)
   * and this makes their decoder, given the driver's parsers by type oid (see sql-include.ts).
   */
  readonly decoder?: (parsers: Parsers) => (raw: readonly unknown[]) => Row
}

/** drizzle's builders, for SQL text only: nothing is ever run through it */
const builder = drizzle.mock()

export { placeholder }

/**
 * Compiles an operation template (values replaced by slots, see `templateOf`) on a model into SQL.
 * Pure: the same template always gives the same text, so the result is cached by shape. A findMany
 * with an `include` is compiled by `compileInclude` (sql-include.ts) instead.
 * @example compileSql(profile, templateOf({ op: 'findMany', query })).text // 'select … where "user_id" = $1 limit $2'
 */
export function compileSql(model: Model, operation: Operation): CompiledSql {
  const table = model.drizzle
  const columns = table as unknown as Record<string, AnyColumn>
  const aliases: AliasCounter = { n: 0 }
  const compileFilter = (m: Model, cols: Record<string, AnyColumn>, f: Filter): SQL => filterSql(aliases, m, cols, f)
  const where = (f: Filter | undefined): SQL | undefined => (f ? compileFilter(model, columns, f) : undefined)
  const order = (terms: readonly OrderTerm[]) => orderSql(columns, terms, model, aliases)

  let built: { toSQL(): { sql: string } }
  switch (operation.op) {
    case 'findMany': {
      const q = operation.query
      let b = builder
        .select()
        .from(table as PgTable)
        .where(where(q.where))
        .$dynamic()
      if (q.orderBy.length) b = b.orderBy(...order(q.orderBy))
      if (q.take !== undefined) b = b.limit(placeholder(q.take) as unknown as number)
      if (q.skip !== undefined) b = b.offset(placeholder(q.skip) as unknown as number)
      built = b as unknown as typeof built
      break
    }
    case 'count':
      built = builder
        .select({ n: countFn() })
        .from(table as PgTable)
        .where(where(operation.query.where)) as unknown as typeof built
      break
    case 'insert': {
      // insert/set wrap plain values in a column-encoded Param themselves: hand them bare placeholders
      const values = operation.rows.map((r) =>
        Object.fromEntries(Object.entries(r).map(([k, p]) => [k, placeholder(p)])),
      )
      let b = builder
        .insert(table as PgTable)
        .values(values as never)
        .$dynamic()
      if (operation.skipDuplicates) b = b.onConflictDoNothing()
      built = b.returning() as unknown as typeof built
      break
    }
    case 'update': {
      const set: Record<string, unknown> = {}
      for (const [k, op] of Object.entries(operation.set)) {
        const c = columns[k]!
        const v = new Param(placeholder(op.value), c)
        set[k] =
          op.op === 'set'
            ? placeholder(op.value)
            : op.op === 'push'
              ? pushSql(c, op.value)
              : op.op === 'increment'
                ? sql`${c} + ${v}`
                : op.op === 'decrement'
                  ? sql`${c} - ${v}`
                  : op.op === 'multiply'
                    ? sql`${c} * ${v}`
                    : sql`${c} / ${v}`
      }
      built = builder
        .update(table as PgTable)
        .set(set)
        .where(where(operation.query.where))
        .returning() as unknown as typeof built
      break
    }
    case 'aggregate':
      throw new Error('internal: aggregate operations are compiled by compileAggregate (sql-aggregate.ts)')
    case 'delete':
      built = builder
        .delete(table as PgTable)
        .where(where(operation.query.where))
        .returning() as unknown as typeof built
      break
  }
  const query = built.toSQL() as unknown as { sql: string; params: unknown[] }
  const binders = query.params.map(binderOf)
  return { text: query.sql, bind: (values) => binders.map((b) => b(values)) }
}

/** Numbers the aliases of EXISTS subqueries (`r1`, `r2`, …) across one statement. */
export interface AliasCounter {
  n: number
}

/** A filter on `m`, whose columns are `cols` (the table itself, or an alias inside EXISTS or an include). */
export function filterSql(aliases: AliasCounter, m: Model, cols: Record<string, AnyColumn>, f: Filter): SQL {
  const bind = (field: string, p: unknown): SQL | Param =>
    p === null ? sql`null` : new Param(placeholder(p), cols[field]!)
  const sub = (g: Filter) => filterSql(aliases, m, cols, g)
  switch (f.kind) {
    case 'const':
      return f.value ? sql`true` : sql`false`
    case 'json':
      return jsonSql(cols[f.field]!, f)
    case 'and':
      return f.items.length ? and(...f.items.map(sub))! : sql`true`
    case 'or':
      return f.items.length ? or(...f.items.map(sub))! : sql`false`
    case 'not':
      return not(sub(f.item))
    case 'after':
      return afterSql(
        f.fields.map((n) => cols[n]!),
        f.dirs,
        f.values.map((v, i) => bind(f.fields[i]!, v)),
      )
    case 'relation': {
      // `every` with no filter holds for every row, also one with no related rows
      if (f.mode === 'every' && !f.filter) return sql`true`
      // EXISTS over the related table (aliased: a relation may point at its own table)
      const rel = m.relations.get(f.relation)!
      const target = relatedModel(m, rel.target)
      const name = `r${++aliases.n}`
      const t = alias(target.drizzle, name) as unknown as Record<string, AnyColumn>
      const link = rel.fields.map((field, i) => eq(t[rel.references[i]!]!, cols[field]!))
      const inner =
        f.filter && filterSql(aliases, target, t, f.mode === 'every' ? { kind: 'not', item: f.filter } : f.filter)
      const exists = sql`exists (select 1 from ${sql.identifier(target.table)} as ${sql.identifier(name)} where ${and(...link, ...(inner ? [inner] : []))})`
      return f.mode === 'some' ? exists : sql`not ${exists}`
    }
    case 'cmp': {
      const column = cols[f.field]!
      if (m.fields.get(f.field)!.isList) return listSql(column, f)
      if (f.value === null) return f.op === 'eq' ? isNull(column) : isNotNull(column)
      const likeOp = f.op === 'contains' || f.op === 'startsWith' || f.op === 'endsWith'
      if (f.insensitive) {
        const lc = sql`lower(${column})`
        // an `in` list keeps its nulls as SQL NULL (no slot), as the case-sensitive one does
        const lv = (p: unknown) => (p === null ? sql`null` : sql`lower(${placeholder(p)})`)
        if (likeOp) return ilike(column, placeholder(f.value, f.op) as unknown as string)
        if (f.op === 'in') return sql`${lc} in (${sql.join((f.value as Slot[]).map(lv), sql`, `)})`
        if (f.op === 'notIn') return sql`${lc} not in (${sql.join((f.value as Slot[]).map(lv), sql`, `)})`
        return sql`${lc} ${sql.raw(SQL_OPS[f.op] ?? '=')} ${lv(f.value)}`
      }
      if (m.fields.get(f.field)!.kind === 'json' && (f.op === 'eq' || f.op === 'ne')) {
        // json has no equality operator (jsonb does): compare both sides as jsonb
        return sql`${column}::jsonb ${sql.raw(f.op === 'eq' ? '=' : '<>')} ${bind(f.field, f.value)}::jsonb`
      }
      const compare = COMPARISONS[f.op]
      if (compare) return compare(column, bind(f.field, f.value))
      switch (f.op) {
        case 'in':
          return inArray(
            column,
            (f.value as Slot[]).map((p) => bind(f.field, p)),
          )
        case 'notIn':
          return notInArray(
            column,
            (f.value as Slot[]).map((p) => bind(f.field, p)),
          )
        default: // contains, startsWith, endsWith
          return like(column, placeholder(f.value, f.op) as unknown as string)
      }
    }
  }
}

/**
 * ORDER BY terms over `cols` (rows of `m`). A term along relations (`orderBy: { server: { name: 'asc' } }`)
 * orders by a correlated scalar subquery: the related row's field, or the count of a list relation's rows.
 */
export function orderSql(
  cols: Record<string, AnyColumn>,
  terms: readonly OrderTerm[],
  m?: Model,
  aliases: AliasCounter = { n: 0 },
): SQL[] {
  return terms.map((t) => {
    const c = t.path && m ? relationOrderSql(aliases, m, cols, t.path, 0, t.field) : cols[t.field]!
    const base = t.dir === 'desc' ? desc(c) : asc(c)
    return t.nulls ? sql`${base} nulls ${sql.raw(t.nulls)}` : base
  })
}

/** `(select <field | count(*) | next step> from <related> as oN where <link>)` for step `i` of a relation path. */
function relationOrderSql(
  aliases: AliasCounter,
  m: Model,
  outer: Record<string, AnyColumn>,
  path: readonly string[],
  i: number,
  field: string,
): SQL {
  const rel = m.relations.get(path[i]!)!
  const target = relatedModel(m, rel.target)
  const name = `o${++aliases.n}`
  const t = alias(target.drizzle, name) as unknown as Record<string, AnyColumn>
  const link = and(...rel.fields.map((f, j) => eq(t[rel.references[j]!]!, outer[f]!)))
  const from = sql`${sql.identifier(target.table)} as ${sql.identifier(name)}`
  if (i < path.length - 1)
    return sql`(select ${relationOrderSql(aliases, target, t, path, i + 1, field)} from ${from} where ${link})`
  if (rel.kind === 'many') return sql`(select count(*) from ${from} where ${link})`
  return sql`(select ${t[field]!} from ${from} where ${link})`
}

/** How one parameter drizzle collected gets its value: a slot (encoded by its column when drizzle knows it) or a constant. */
/** drizzle's operator for each single-value comparison */
const COMPARISONS: Partial<Record<CmpOp, (column: AnyColumn, value: SQL | Param) => SQL>> = { eq, ne, lt, lte, gt, gte }

export function binderOf(p: unknown): (values: readonly unknown[]) => unknown {
  if (is(p, Placeholder)) return slotReader(p)
  if (is(p, Param) && is(p.value, Placeholder)) {
    const read = slotReader(p.value)
    const encoder = p.encoder
    return (values) => {
      const v = read(values)
      if (v === null || v === undefined) return null
      const encoded = encoder.mapToDriverValue(v)
      // some encoders pass a Date through (string-mode timestamps); the pool's serializers, set by drizzle, send
      // text as it is, so a Date goes as the ISO text drizzle's own date encoders produce
      return encoded instanceof Date ? encoded.toISOString() : encoded
    }
  }
  return () => p
}

function slotReader(p: Placeholder): (values: readonly unknown[]) => unknown {
  const [slot, like] = p.name.slice(1).split('~')
  const i = Number(slot)
  if (like) return (values) => likePattern(like, values[i] as string)
  return (values) => values[i] ?? null
}
