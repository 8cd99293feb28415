import { sql, type AnyColumn, type SQL } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/postgres-js'
import { PgDialect, type PgTable } from 'drizzle-orm/pg-core'
import type { Field, Model, Row } from '../schema/model.js'
import { aggregateModel, AVG_DECIMAL_SCALE } from '../adapter/aggregate.js'
import { aggKey, type AggTerm, type Operation } from '../adapter/query.js'
import { binderOf, filterSql, orderSql, placeholder, type AliasCounter, type CompiledSql } from './sql-compiler.js'

/** drizzle's builders and dialect, for SQL text only: nothing is ever run through them */
const builder = drizzle.mock()
const dialect = new PgDialect()

/** A compiled aggregate statement and the decoder of its rows (by fields, then `_fn.field` keys). */
export interface CompiledAggregate extends CompiledSql {
  readonly decode: (raw: Record<string, unknown>) => Row
}

type AggregateOperation = Extract<Operation, { op: 'aggregate' }>

/**
 * Compiles an aggregate/groupBy template into one statement: `select <by>, <aggregates> from <table or the
 * window's subquery> where … group by … having … order by … limit … offset …`. The aggregates give what the
 * in-memory path (src/adapter/aggregate.ts) gives: decimal averages rounded to AVG_DECIMAL_SCALE places,
 * min/max of a uuid by its text (the same order), of a boolean as bool_and/bool_or.
 * @example compileAggregate(sample, templateOf(op)).text // 'select "group" as "b0", count(*) as "a0" from "sample" … group by "group"'
 */
export function compileAggregate(model: Model, operation: AggregateOperation): CompiledAggregate {
  const table = model.drizzle as PgTable
  const cols = table as unknown as Record<string, AnyColumn>
  const aliases: AliasCounter = { n: 0 }
  const { query: q, spec } = operation
  const field = (name: string) => model.fields.get(name)!
  // the window of rows (aggregate's orderBy/take/skip) is a subquery; its columns are named as the table's
  const windowed = q.take !== undefined || q.skip !== undefined
  const ref = (name: string): SQL =>
    windowed ? sql`${sql.identifier('t')}.${sql.identifier(field(name).column)}` : sql`${cols[name]!}`
  const expr = (t: AggTerm): SQL => {
    if (t.fn === 'count') return t.field === '_all' ? sql`count(*)` : sql`count(${ref(t.field)})`
    const f = field(t.field)
    const x = ref(t.field)
    switch (t.fn) {
      case 'sum':
        return sql`sum(${x})`
      case 'avg':
        return f.kind === 'decimal' ? sql`round(avg(${x}), ${sql.raw(String(AVG_DECIMAL_SCALE))})` : sql`avg(${x})`
      case 'min':
      case 'max':
        if (f.kind === 'boolean') return t.fn === 'min' ? sql`bool_and(${x})` : sql`bool_or(${x})`
        if (f.kind === 'uuid') return sql`${sql.raw(t.fn)}(${x}::text)`
        return sql`${sql.raw(t.fn)}(${x})`
    }
  }

  const select: SQL[] = [
    ...spec.by.map((f, i) => sql`${ref(f)} as ${sql.identifier(`b${i}`)}`),
    ...spec.terms.map((t, i) => sql`${expr(t)} as ${sql.identifier(`a${i}`)}`),
  ]
  const where = q.where ? filterSql(aliases, model, cols, q.where) : undefined
  let from: SQL
  let outerWhere: SQL | undefined
  if (windowed) {
    let inner = builder.select().from(table).where(where).$dynamic()
    if (q.orderBy.length) inner = inner.orderBy(...orderSql(cols, q.orderBy, model, aliases))
    if (q.take !== undefined) inner = inner.limit(placeholder(q.take) as unknown as number)
    if (q.skip !== undefined) inner = inner.offset(placeholder(q.skip) as unknown as number)
    // drizzle parenthesizes an embedded query itself
    from = sql`${inner} as ${sql.identifier('t')}`
  } else {
    from = sql`${table}`
    outerWhere = where
  }
  // having and orderBy name aggregates by key: columns that are the aggregate expressions, bound like their field
  const aggCols: Record<string, unknown> = { ...cols }
  for (const t of spec.terms) aggCols[aggKey(t)] = Object.assign(expr(t), { mapToDriverValue: encoderOf(model, t) })
  const parts: SQL[] = [sql`select ${sql.join(select, sql`, `)} from ${from}`]
  if (outerWhere) parts.push(sql`where ${outerWhere}`)
  if (spec.by.length) parts.push(sql`group by ${sql.join(spec.by.map(ref), sql`, `)}`)
  if (spec.having)
    parts.push(
      sql`having ${filterSql(aliases, aggregateModel(model, spec), aggCols as Record<string, AnyColumn>, spec.having)}`,
    )
  if (spec.orderBy.length)
    parts.push(sql`order by ${sql.join(orderSql(aggCols as Record<string, AnyColumn>, spec.orderBy), sql`, `)}`)
  if (spec.take !== undefined) parts.push(sql`limit ${placeholder(spec.take)}`)
  if (spec.skip !== undefined) parts.push(sql`offset ${placeholder(spec.skip)}`)
  const built = dialect.sqlToQuery(sql.join(parts, sql` `))
  const binders = built.params.map(binderOf)
  return {
    text: built.sql,
    bind: (values) => binders.map((b) => b(values)),
    decode: aggregateDecoder(model, operation),
  }
}

/** How a value compared with an aggregate is sent: as its field's value for sum/min/max, as is for counts and averages. */
function encoderOf(model: Model, t: AggTerm): (v: unknown) => unknown {
  const f = t.field === '_all' ? undefined : model.fields.get(t.field)
  if (!f || t.fn === 'count' || t.fn === 'avg') return (v) => (typeof v === 'bigint' ? v.toString() : v)
  if (t.fn === 'sum' && f.kind === 'int') return (v) => v
  if (f.kind === 'uuid' || f.kind === 'boolean') return (v) => v
  return (v) => {
    const d = f.drizzle.mapToDriverValue(v)
    return d instanceof Date ? d.toISOString() : d
  }
}

/** The row decoder: `by` fields through their column decoders, aggregates to tandem's types (see aggregate.ts). */
function aggregateDecoder(model: Model, operation: AggregateOperation): (raw: Record<string, unknown>) => Row {
  const { by, terms } = operation.spec
  const fromDriver = (f: Field, v: unknown) => f.drizzle.mapFromDriverValue(v)
  const decoders = terms.map((t): ((v: unknown) => unknown) => {
    if (t.fn === 'count') return (v) => Number(v)
    const f = model.fields.get(t.field)!
    if (t.fn === 'avg') return f.kind === 'decimal' ? (v) => String(v) : (v) => Number(v)
    if (t.fn === 'sum') {
      if (f.kind === 'decimal') return (v) => String(v)
      if (f.kind === 'bigint') return (v) => fromDriver(f, String(v))
      return (v) => Number(v)
    }
    if (f.kind === 'uuid') return (v) => String(v)
    return (v) => fromDriver(f, v)
  })
  const byFields = by.map((name) => model.fields.get(name)!)
  return (raw) => {
    const row: Row = {}
    byFields.forEach((f, i) => {
      const v = raw[`b${i}`]
      row[f.name] = v === null || v === undefined ? null : fromDriver(f, v)
    })
    terms.forEach((t, i) => {
      const v = raw[`a${i}`]
      row[aggKey(t)] = v === null || v === undefined ? null : decoders[i]!(v)
    })
    return row
  }
}
