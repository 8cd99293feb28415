import type { Field, Row } from '../schema/model.js'
import { validationError } from '../errors.js'
import { andFilters, FALSE, TRUE, type Filter, type JsonOp, type UpdateOp } from './query.js'
import { coerceValue, compareStrings, isNullMarker } from './values.js'

/**
 * Filters and updates of array and json columns (Prisma's ScalarListFilter, JsonFilter and list `push`):
 * their normalization into the query description and their in-memory semantics (ScyllaDB evaluates them
 * on rows read through a key; PostgreSQL compiles them, see sql-compiler.ts). An operator tandem does not
 * serve is refused with VALIDATION, never taken for a whole-value comparison.
 */

const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype

const LIST_OPS = ['equals', 'has', 'hasEvery', 'hasSome', 'isEmpty']

/** `tags: { has | hasEvery | hasSome | isEmpty | equals }` (or a bare array: equals) → a filter. */
export function listFilter(field: Field, value: unknown, ctx: string): Filter {
  const name = field.name
  if (value === null)
    throw validationError(
      ctx,
      `\`${name}\` is an array column: tandem reads NULL and [] alike, so filter with \`isEmpty\` rather than null`,
    )
  if (Array.isArray(value)) return { kind: 'cmp', field: name, op: 'eq', value: coerceValue(ctx, field, value) }
  if (!isPlain(value))
    throw validationError(ctx, `\`${name}\` is an array column: filter it with { ${LIST_OPS.join(' | ')} }`)
  const parts: Filter[] = []
  const element: Field = { ...field, isList: false, nullable: false }
  for (const [op, operand] of Object.entries(value)) {
    if (operand === undefined) continue
    if (!LIST_OPS.includes(op))
      throw validationError(ctx, `unknown filter \`${op}\` on the array column \`${name}\`; use ${LIST_OPS.join(', ')}`)
    if (operand === null) throw validationError(ctx, `\`${name}.${op}\` cannot be null`)
    if (op === 'isEmpty') {
      if (typeof operand !== 'boolean') throw validationError(ctx, `\`${name}.isEmpty\` expects true or false`)
      const empty: Filter = { kind: 'cmp', field: name, op: 'isEmpty', value: null }
      parts.push(operand ? empty : { kind: 'not', item: empty })
    } else if (op === 'has')
      parts.push({ kind: 'cmp', field: name, op: 'hasEvery', value: [coerceValue(ctx, element, operand)] })
    else if (op === 'equals')
      parts.push({ kind: 'cmp', field: name, op: 'eq', value: coerceValue(ctx, field, operand) })
    else {
      if (!Array.isArray(operand)) throw validationError(ctx, `\`${name}.${op}\` expects an array`)
      const list = coerceValue(ctx, field, operand) as unknown[]
      // hasSome of nothing matches no row, hasEvery of nothing every row (as `&&` / `@>` with '{}')
      if (list.length === 0) parts.push(op === 'hasSome' ? FALSE : TRUE)
      else parts.push({ kind: 'cmp', field: name, op: op as 'hasSome' | 'hasEvery', value: list })
    }
  }
  return andFilters(...parts) ?? TRUE
}

/** `tags: { set: [...] }` or `tags: { push: v | [v…] }` on an array column. */
export function listUpdate(field: Field, value: Record<string, unknown>, ctx: string): UpdateOp {
  const entries = Object.entries(value).filter(([, v]) => v !== undefined)
  if (entries.length !== 1) throw validationError(ctx, `\`${field.name}\` takes exactly one of set, push`)
  const [op, operand] = entries[0]!
  if (op === 'set') return { op: 'set', value: coerceValue(ctx, field, operand) }
  if (op === 'push') {
    if (operand === null) throw validationError(ctx, `\`${field.name}.push\` cannot be null`)
    return { op: 'push', value: coerceValue(ctx, field, Array.isArray(operand) ? operand : [operand]) }
  }
  throw validationError(ctx, `unknown update operation \`${op}\` on the array column \`${field.name}\`; use set, push`)
}

const JSON_OPS: readonly JsonOp[] = [
  'equals',
  'not',
  'string_contains',
  'string_starts_with',
  'string_ends_with',
  'array_contains',
  'array_starts_with',
  'array_ends_with',
  'gt',
  'gte',
  'lt',
  'lte',
]
/** operators of other filters: their presence says the object is a filter (and one tandem refuses on json) */
const OTHER_OPS = [
  'path',
  'mode',
  'in',
  'notIn',
  'contains',
  'startsWith',
  'endsWith',
  'has',
  'hasSome',
  'hasEvery',
  'isEmpty',
]

/**
 * A json field's filter. An object naming any filter operator (or `path`) is a JsonFilter: every key must
 * be one tandem serves, else VALIDATION. Returns undefined for a bare value (whole-value equality, kept
 * from earlier versions: compare an object that has such keys with `{ equals: … }`).
 */
export function jsonFilter(field: Field, value: unknown, ctx: string): Filter | undefined {
  if (!isPlain(value)) return undefined
  const keys = Object.keys(value)
  if (!keys.some((k) => (JSON_OPS as readonly string[]).includes(k) || OTHER_OPS.includes(k))) return undefined
  // `{ equals }` / `{ not }` alone: the whole-value comparison (SQL NULL for null), as before
  if (keys.length === 1 && (keys[0] === 'equals' || keys[0] === 'not')) return undefined
  const name = field.name
  for (const k of keys)
    if (k !== 'path' && !(JSON_OPS as readonly string[]).includes(k))
      throw validationError(
        ctx,
        `\`${name}.${k}\` is not a json filter tandem serves; use path with ${JSON_OPS.join(', ')}` +
          (k === 'mode' ? ' (case-insensitive json string filters are not served)' : ''),
      )
  let path: string[] = []
  if (value.path !== undefined) {
    if (!Array.isArray(value.path) || value.path.some((p) => typeof p !== 'string'))
      throw validationError(
        ctx,
        `\`${name}.path\` expects an array of strings (PostgreSQL's path: keys, or indexes as digits)`,
      )
    path = value.path as string[]
  }
  const parts: Filter[] = []
  for (const op of JSON_OPS) {
    const operand = value[op]
    if (operand === undefined) continue
    if (operand === null || isNullMarker(operand))
      throw validationError(
        ctx,
        `\`${name}.${op}\`: null / DbNull / JsonNull / AnyNull is not served in a json filter; without a path, ` +
          `filter on \`${name}: null\` (SQL NULL)`,
      )
    if (op.startsWith('string_') && typeof operand !== 'string')
      throw validationError(ctx, `\`${name}.${op}\` expects a string`)
    if (
      (op === 'gt' || op === 'gte' || op === 'lt' || op === 'lte') &&
      typeof operand !== 'number' &&
      typeof operand !== 'string'
    )
      throw validationError(ctx, `\`${name}.${op}\` expects a number or a string`)
    if (typeof operand === 'function' || typeof operand === 'bigint')
      throw validationError(ctx, `\`${name}.${op}\` expects a JSON value`)
    parts.push({ kind: 'json', field: name, path, op, value: operand })
  }
  if (parts.length === 0) {
    if (path.length) throw validationError(ctx, `\`${name}.path\` needs an operator: ${JSON_OPS.join(', ')}`)
    return TRUE
  }
  return andFilters(...parts) ?? TRUE
}

/** The value at a PostgreSQL `#>` path: undefined when missing (SQL NULL), as jsonb does. */
function atPath(doc: unknown, path: readonly unknown[]): unknown {
  let cur = doc
  for (const p of path) {
    const key = String(p)
    if (Array.isArray(cur)) {
      if (!/^-?\d+$/.test(key)) return undefined
      const i = Number(key)
      cur = cur[i < 0 ? cur.length + i : i]
    } else if (cur !== null && typeof cur === 'object') {
      if (!Object.prototype.hasOwnProperty.call(cur, key)) return undefined
      cur = (cur as Record<string, unknown>)[key]
    } else return undefined
  }
  return cur
}

/** jsonb equality: object keys unordered, numbers by value. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    return a.every((x, i) => jsonEqual(x, b[i]))
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a)
    if (ka.length !== Object.keys(b).length) return false
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual(a[k], b[k]))
  }
  return false
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

/** jsonb `@>`: structure and contents; at the top level an array also contains a primitive it holds. */
function jsonContains(a: unknown, b: unknown, top: boolean): boolean {
  if (Array.isArray(a)) {
    if (Array.isArray(b)) return b.every((y) => a.some((x) => jsonContains(x, y, false)))
    if (top && !isObject(b)) return a.some((x) => !isObject(x) && !Array.isArray(x) && jsonEqual(x, b))
    return false
  }
  if (isObject(a))
    return (
      isObject(b) &&
      Object.keys(b).every((k) => Object.prototype.hasOwnProperty.call(a, k) && jsonContains(a[k], b[k], false))
    )
  return !isObject(b) && !Array.isArray(b) && jsonEqual(a, b)
}

/** A json filter on a row, three-valued as PostgreSQL answers it (a missing path is NULL). */
export function evaluateJson(filter: Extract<Filter, { kind: 'json' }>, row: Row): boolean | null {
  const doc = row[filter.field]
  if (doc === null || doc === undefined) return null
  const x = atPath(doc, filter.path)
  if (x === undefined) return null
  const v = filter.value
  switch (filter.op) {
    case 'equals':
      return jsonEqual(x, v)
    case 'not':
      return !jsonEqual(x, v)
    case 'string_contains':
      return typeof x === 'string' && x.includes(v as string)
    case 'string_starts_with':
      return typeof x === 'string' && x.startsWith(v as string)
    case 'string_ends_with':
      return typeof x === 'string' && x.endsWith(v as string)
    case 'array_contains':
      return Array.isArray(x) && jsonContains(x, v, true)
    case 'array_starts_with':
      return Array.isArray(x) && x.length > 0 && jsonEqual(x[0], v)
    case 'array_ends_with':
      return Array.isArray(x) && x.length > 0 && jsonEqual(x[x.length - 1], v)
    default: {
      // gt/gte/lt/lte: only a value of the operand's type compares (jsonb_typeof check), strings by code point
      if (typeof x !== typeof v) return false
      const c = typeof x === 'number' ? x - (v as number) : compareStrings(x as string, v as string)
      return filter.op === 'gt' ? c > 0 : filter.op === 'gte' ? c >= 0 : filter.op === 'lt' ? c < 0 : c <= 0
    }
  }
}

/** An array op of a `cmp` filter on a list value (never null: tandem reads NULL as []). */
export function evaluateListOp(
  op: 'hasSome' | 'hasEvery' | 'isEmpty',
  actual: readonly unknown[],
  expected: readonly unknown[] | null,
  equal: (a: unknown, b: unknown) => boolean,
): boolean {
  if (op === 'isEmpty') return actual.length === 0
  const holds = (e: unknown) => actual.some((a) => equal(a, e))
  return op === 'hasSome' ? expected!.some(holds) : expected!.every(holds)
}
