import type { Field, Model, Row } from '../schema/model.js'
import type { Filter, OrderTerm, UpdateOp } from './query.js'
import { atScale, compareStrings, float4 } from './values.js'
import { evaluateJson, evaluateListOp } from './column-filters.js'

/**
 * In-memory semantics of the query description, matching PostgreSQL's: three-valued logic for NULL,
 * enum order by declaration, NULLs sorting last ascending. ScyllaDB uses it for filters and orders
 * no key serves, always on rows already fetched through a key.
 */

/** Compares two non-null values of one field; negative, zero or positive. */
export function compareValues(field: Field | undefined, a: unknown, b: unknown): number {
  if (field?.kind === 'enum' && field.enumValues)
    return field.enumValues.indexOf(a as string) - field.enumValues.indexOf(b as string)
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime()
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b)
  if (Array.isArray(a) && Array.isArray(b)) {
    // arrays compare element by element, then by length (PostgreSQL's array order)
    const element = field && { ...field, isList: false }
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compareValues(element, a[i], b[i])
      if (c !== 0) return c
    }
    return a.length - b.length
  }
  if (typeof a === 'string' && typeof b === 'string') {
    if (field?.kind === 'decimal') return compareDecimals(a, b)
    return compareStrings(a, b)
  }
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    const x = BigInt(a as bigint)
    const y = BigInt(b as bigint)
    return x < y ? -1 : x > y ? 1 : 0
  }
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b)
  return compareStrings(JSON.stringify(a), JSON.stringify(b))
}

/** Exact comparison of decimal strings (numeric has more digits than a double). */
export function compareDecimals(a: string, b: string): number {
  const [x, y] = alignDecimals(a, b)
  return x < y ? -1 : x > y ? 1 : 0
}

/** Two decimal strings as integers at a common scale. */
function alignDecimals(a: string, b: string): [bigint, bigint, number] {
  const parse = (s: string) => {
    const t = s.trim()
    const neg = t.startsWith('-')
    const [i = '0', f = ''] = t.replace(/^[+-]/, '').split('.')
    return { neg, i: i || '0', f }
  }
  const pa = parse(a)
  const pb = parse(b)
  const scale = Math.max(pa.f.length, pb.f.length)
  const big = (p: { neg: boolean; i: string; f: string }) => (p.neg ? -1n : 1n) * BigInt(p.i + p.f.padEnd(scale, '0'))
  return [big(pa), big(pb), scale]
}

function formatScaled(v: bigint, scale: number): string {
  const neg = v < 0n
  let digits = (neg ? -v : v).toString().padStart(scale + 1, '0')
  if (scale > 0) digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`
  return neg ? `-${digits}` : digits
}

export { compareStrings }

function valuesEqual(field: Field | undefined, a: unknown, b: unknown): boolean {
  if (field?.kind === 'json') return canonicalJson(a) === canonicalJson(b)
  return compareValues(field, a, b) === 0
}

/** JSON with object keys sorted: jsonb equality ignores key order. */
function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(
          Object.entries(x as Record<string, unknown>).sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0)),
        )
      : x,
  )
}

const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v)

/** Answers a relation filter for one row (the backend reads the related rows it needs first). */
export type RelationResolver = (node: Extract<Filter, { kind: 'relation' }>, row: Row) => boolean

/** Evaluates a filter on a row: true, false, or null (unknown), as SQL does. */
export function evaluate(model: Model, filter: Filter, row: Row, relations?: RelationResolver): boolean | null {
  switch (filter.kind) {
    case 'relation':
      if (!relations) throw new Error('internal: a relation filter reached evaluate() without its related rows')
      return relations(filter, row)
    case 'const':
      return filter.value
    case 'and': {
      let result: boolean | null = true
      for (const item of filter.items) {
        const v = evaluate(model, item, row, relations)
        if (v === false) return false
        if (v === null) result = null
      }
      return result
    }
    case 'or': {
      let result: boolean | null = false
      for (const item of filter.items) {
        const v = evaluate(model, item, row, relations)
        if (v === true) return true
        if (v === null) result = null
      }
      return result
    }
    case 'not': {
      const v = evaluate(model, filter.item, row, relations)
      return v === null ? null : !v
    }
    case 'after':
      return afterCursor(model, filter.fields, filter.dirs, filter.values, row)
    case 'json':
      return evaluateJson(filter, row)
    case 'cmp': {
      const field = model.fields.get(filter.field)
      if (filter.op === 'hasSome' || filter.op === 'hasEvery' || filter.op === 'isEmpty') {
        const element = field && { ...field, isList: false }
        const list = (row[filter.field] ?? []) as unknown[]
        return evaluateListOp(filter.op, list, filter.value as unknown[] | null, (a, b) => valuesEqual(element, a, b))
      }
      let actual = row[filter.field]
      let expected = filter.value
      if (filter.op === 'eq' && expected === null) return actual === null || actual === undefined
      if (filter.op === 'ne' && expected === null) return !(actual === null || actual === undefined)
      if (actual === null || actual === undefined) return null
      if (filter.insensitive) {
        actual = lower(actual)
        expected = Array.isArray(expected) ? expected.map(lower) : lower(expected)
      }
      switch (filter.op) {
        case 'eq':
          return valuesEqual(field, actual, expected)
        case 'ne':
          return !valuesEqual(field, actual, expected)
        case 'lt':
          return compareValues(field, actual, expected) < 0
        case 'lte':
          return compareValues(field, actual, expected) <= 0
        case 'gt':
          return compareValues(field, actual, expected) > 0
        case 'gte':
          return compareValues(field, actual, expected) >= 0
        case 'in':
        case 'notIn': {
          // SQL: x IN (a, NULL) is true when x = a, else unknown; NOT IN is its negation
          const list = expected as unknown[]
          const found = list.some((e) => e !== null && valuesEqual(field, actual, e))
          const unknown = !found && list.some((e) => e === null)
          if (unknown) return null
          return filter.op === 'in' ? found : !found
        }
        case 'contains':
          return (actual as string).includes(expected as string)
        case 'startsWith':
          return (actual as string).startsWith(expected as string)
        case 'endsWith':
          return (actual as string).endsWith(expected as string)
        default:
          throw new Error(`internal: ${filter.op} reached the scalar comparisons`)
      }
    }
  }
}

/** Is the row at or after the cursor point in the given ordering? (Lexicographic, as a row comparison.) */
function afterCursor(
  model: Model,
  fields: readonly string[],
  dirs: readonly string[],
  values: readonly unknown[],
  row: Row,
): boolean | null {
  for (let i = 0; i < fields.length; i++) {
    const a = row[fields[i]!]
    const b = values[i]
    if (a === null || a === undefined || b === null || b === undefined) return null
    const c = compareValues(model.fields.get(fields[i]!), a, b)
    if (c !== 0) return dirs[i] === 'desc' ? c < 0 : c > 0
  }
  return true
}

/** A comparator implementing ORDER BY, with PostgreSQL's NULL placement. */
export function rowComparator(model: Model, orderBy: readonly OrderTerm[]): (a: Row, b: Row) => number {
  return (a, b) => {
    for (const term of orderBy) {
      const x = a[term.field]
      const y = b[term.field]
      const xNull = x === null || x === undefined
      const yNull = y === null || y === undefined
      let c: number
      if (xNull || yNull) {
        if (xNull && yNull) continue
        const nullsFirst = term.nulls ? term.nulls === 'first' : term.dir === 'desc'
        c = xNull === nullsFirst ? -1 : 1
        if (c !== 0) return c
        continue
      }
      c = compareValues(model.fields.get(term.field), x, y)
      if (c !== 0) return term.dir === 'desc' ? -c : c
    }
    return 0
  }
}

/** Applies update operations to a copy of a row (ScyllaDB computes new values client-side). */
export function applyUpdate(model: Model, row: Row, ops: Readonly<Record<string, UpdateOp>>): Row {
  const out: Row = { ...row }
  for (const [name, op] of Object.entries(ops)) {
    const field = model.fields.get(name)!
    if (op.op === 'set') {
      out[name] = op.value
      continue
    }
    if (op.op === 'push') {
      // array_cat(coalesce(x, '{}'), v): tandem reads a NULL array as []
      out[name] = [...((row[name] as unknown[] | null) ?? []), ...(op.value as unknown[])]
      continue
    }
    const current = row[name]
    if (current === null || current === undefined) {
      out[name] = null // arithmetic on NULL is NULL, as in SQL
      continue
    }
    out[name] = arithmetic(field, op.op, current, op.value)
  }
  return out
}

function arithmetic(field: Field, op: UpdateOp['op'], a: unknown, b: unknown): unknown {
  if (typeof a === 'bigint') {
    const y = BigInt(b as bigint)
    return op === 'increment' ? a + y : op === 'decrement' ? a - y : op === 'multiply' ? a * y : a / y
  }
  if (field.kind === 'decimal' && op !== 'divide' && !/[eE]/.test(`${a}${b}`)) {
    // exact decimal arithmetic, as numeric does
    const [x, y, scale] = alignDecimals(String(a), String(b))
    const r =
      op === 'increment'
        ? formatScaled(x + y, scale)
        : op === 'decrement'
          ? formatScaled(x - y, scale)
          : formatScaled(x * y, scale * 2)
    return atScale(r.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, ''), field.scale)
  }
  const x = Number(a)
  const y = Number(b)
  let r = op === 'increment' ? x + y : op === 'decrement' ? x - y : op === 'multiply' ? x * y : x / y
  if (field.kind === 'int' || field.kind === 'bigint') r = Math.trunc(r)
  if (field.kind === 'decimal') return atScale(String(r), field.scale)
  return field.kind === 'float' && field.single ? float4(r) : r
}
