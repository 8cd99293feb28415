import type { Field, Model, Row } from '../schema/model.js'
import { compareValues, evaluate, rowComparator } from './evaluate.js'
import { aggKey, type AggregateSpec, type AggTerm, type Filter, type ReadQuery } from './query.js'
import { atScale, float4 } from './values.js'

/**
 * In-memory `aggregate`/`groupBy`, with PostgreSQL's results: what ScyllaDB computes over the rows it read
 * through a key (and what any loader path can use). The SQL side (src/postgres/sql-aggregate.ts) gives the
 * same values: integer sums exact, `real` sums in float4 as `sum(real)` does, decimal sums exact at the
 * column's scale, decimal averages rounded to AVG_DECIMAL_SCALE places, other averages as doubles.
 */

/** Places of a decimal column's `_avg` (the SQL side rounds `avg(x)` to as many). */
export const AVG_DECIMAL_SCALE = 16

const NUMERIC_KINDS = new Set(['int', 'bigint', 'float', 'decimal'])

/** Can `fn` be applied to a field of this kind? sum/avg need numbers; min/max need an order (no json). */
export function aggregates(fn: AggTerm['fn'], field: Field): boolean {
  if (fn === 'count') return true
  if (fn === 'sum' || fn === 'avg') return NUMERIC_KINDS.has(field.kind)
  return field.kind !== 'json'
}

/** The field an aggregate's value is typed as (for having/orderBy comparisons and for decoding). */
export function resultField(model: Model, t: AggTerm): Field {
  const base = model.fields.get(t.field)
  const synthetic = (kind: Field['kind'], extra: Partial<Field> = {}): Field =>
    ({ ...(base ?? model.fields.values().next().value!), name: aggKey(t), kind, nullable: true, ...extra }) as Field
  if (t.fn === 'count' || !base) return synthetic('int')
  if (t.fn === 'avg')
    return base.kind === 'decimal'
      ? synthetic('decimal', { scale: AVG_DECIMAL_SCALE })
      : synthetic('float', { single: false })
  if (t.fn === 'sum' && base.kind === 'int') return synthetic('int')
  return { ...base, name: aggKey(t), nullable: true }
}

/**
 * The model whose fields are the spec's `by` fields and aggregate keys: `having` and `orderBy` of a
 * groupBy are evaluated on it as a where and an orderBy are on rows (same NULL and type rules).
 */
export function aggregateModel(model: Model, spec: AggregateSpec): Model {
  const fields = new Map(model.fields)
  for (const t of spec.terms) fields.set(aggKey(t), resultField(model, t))
  return { ...model, fields }
}

/**
 * The fields an aggregate needs from each row: its `by` fields and aggregated fields, and every field its where
 * and orderBy look at (a backend that reads rows may select only these). Never empty: the primary key at least.
 */
export function aggregateColumns(model: Model, query: ReadQuery, spec: AggregateSpec): string[] {
  const out = new Set<string>([...spec.by, ...spec.terms.map((t) => t.field).filter((f) => f !== '_all')])
  const walk = (f: Filter) => {
    if (f.kind === 'and' || f.kind === 'or') f.items.forEach(walk)
    else if (f.kind === 'not') walk(f.item)
    else if (f.kind === 'cmp') out.add(f.field)
    else if (f.kind === 'after') f.fields.forEach((x) => out.add(x))
    else if (f.kind === 'relation') model.relations.get(f.relation)?.fields.forEach((x) => out.add(x))
  }
  if (query.where) walk(query.where)
  for (const t of query.orderBy) if (!t.path) out.add(t.field)
  if (out.size === 0) model.primaryKey.forEach((f) => out.add(f))
  return [...model.fields.keys()].filter((f) => out.has(f))
}

/** One value as a group-key part: a field has one kind, so its text (Dates by time) is unambiguous; NULL apart. */
const keyPart = (v: unknown): string =>
  v === null || v === undefined
    ? '\u0000'
    : v instanceof Date
      ? String(v.getTime())
      : typeof v === 'object'
        ? JSON.stringify(v)
        : String(v)

/** The group key of a row: the one field's text, or the parts of several joined (JSON keeps them apart). */
const groupKeyOf = (by: readonly string[]): ((row: Row) => string) =>
  by.length === 1 ? (row) => keyPart(row[by[0]!]) : (row) => JSON.stringify(by.map((f) => keyPart(row[f])))

/**
 * Groups rows by `spec.by` (no `by`: one group, also of no rows), computes the aggregates, keeps the
 * groups `having` accepts, orders them and applies take/skip. Rows of the result hold the `by` fields
 * and one key per aggregate (`_sum.price`, see aggKey).
 * @example aggregateRows(sample, rows, { by: ['group'], terms: [{ fn: 'count', field: '_all' }], … })
 */
export function aggregateRows(model: Model, rows: readonly Row[], spec: AggregateSpec): Row[] {
  const groups = new Map<string, Row[]>()
  if (spec.by.length === 0) groups.set('', [...rows])
  else {
    const groupKey = groupKeyOf(spec.by)
    for (const r of rows) {
      const k = groupKey(r)
      const g = groups.get(k)
      if (g) g.push(r)
      else groups.set(k, [r])
    }
  }
  let out: Row[] = []
  for (const members of groups.values()) {
    const row: Row = {}
    for (const f of spec.by) row[f] = members[0]![f] ?? null
    for (const t of spec.terms) row[aggKey(t)] = compute(model, t, members)
    out.push(row)
  }
  const m = aggregateModel(model, spec)
  if (spec.having) out = out.filter((r) => evaluate(m, spec.having!, r) === true)
  if (spec.orderBy.length) out.sort(rowComparator(m, spec.orderBy))
  const skip = spec.skip ?? 0
  return spec.take === undefined ? out.slice(skip) : out.slice(skip, skip + spec.take)
}

/** One aggregate over the rows of one group. */
export function compute(model: Model, t: AggTerm, rows: readonly Row[]): unknown {
  if (t.fn === 'count' && t.field === '_all') return rows.length
  const field = model.fields.get(t.field)!
  const values = rows.map((r) => r[t.field]).filter((v) => v !== null && v !== undefined)
  if (t.fn === 'count') return values.length
  if (values.length === 0) return null
  switch (t.fn) {
    case 'min':
    case 'max': {
      const sign = t.fn === 'min' ? -1 : 1
      return values.reduce((best, v) => (sign * compareValues(field, v, best) > 0 ? v : best))
    }
    case 'sum':
      return sum(field, values)
    case 'avg':
      return avg(field, values)
  }
}

function sum(field: Field, values: unknown[]): unknown {
  switch (field.kind) {
    case 'decimal': {
      const { total, scale } = decimalTotal(field, values as string[])
      return formatScaled(total, scale)
    }
    case 'bigint':
      if (field.mode === 'bigint') return (values as bigint[]).reduce((a, b) => a + BigInt(b), 0n)
      return Number((values as number[]).reduce((a, b) => a + BigInt(b), 0n))
    case 'float':
      // sum(real) adds in float4, sum(double precision) in float8
      if (field.single) return float4((values as number[]).reduce((a, b) => Math.fround(a + Math.fround(b)), 0))
      return (values as number[]).reduce((a, b) => a + b, 0)
    default:
      return (values as number[]).reduce((a, b) => a + b, 0)
  }
}

function avg(field: Field, values: unknown[]): unknown {
  const n = values.length
  switch (field.kind) {
    case 'decimal': {
      const { total, scale } = decimalTotal(field, values as string[])
      // one digit more than kept, then rounded half away from zero as round(numeric, n) does
      const digits = AVG_DECIMAL_SCALE + 1
      const q = (total * 10n ** BigInt(digits - scale)) / BigInt(n)
      return atScale(formatScaled(q, digits), AVG_DECIMAL_SCALE)
    }
    case 'bigint':
    case 'int': {
      // avg of integers is an exact numeric in SQL: sum exactly, divide once
      const total = (values as (number | bigint)[]).reduce<bigint>((a, b) => a + BigInt(b), 0n)
      return Number(total) / n
    }
    default:
      // avg(real) accumulates the float4 values as float8
      return (values as number[]).reduce((a, b) => a + (field.single ? Math.fround(b) : b), 0) / n
  }
}

/** The exact sum of decimal strings, as an integer at `scale` (the column's, else the widest value's). */
function decimalTotal(field: Field, values: readonly string[]): { total: bigint; scale: number } {
  const scale = field.scale ?? Math.max(0, ...values.map((v) => (String(v).split('.')[1] ?? '').length))
  let total = 0n
  for (const v of values) {
    const text = String(v).trim()
    const neg = text.startsWith('-')
    const [i = '0', f = ''] = text.replace(/^[+-]/, '').split('.')
    const n = BigInt((i || '0') + f.padEnd(scale, '0').slice(0, scale))
    total += neg ? -n : n
  }
  return { total, scale }
}

function formatScaled(v: bigint, scale: number): string {
  const neg = v < 0n
  let digits = (neg ? -v : v).toString().padStart(scale + 1, '0')
  if (scale > 0) digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`
  return neg ? `-${digits}` : digits
}
