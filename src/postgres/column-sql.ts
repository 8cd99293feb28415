import { Param, sql } from 'drizzle-orm'
import type { AnyColumn, SQL } from 'drizzle-orm'
import type { Filter } from '../adapter/query.js'
import { placeholder } from './sql-statements.js'

/**
 * SQL of the array and json filters (see adapter/column-filters.ts for their semantics, which these match).
 * An array column is read through `coalesce(x, '{}')`: tandem takes NULL and [] for one value, as ScyllaDB
 * stores them.
 */

/** `coalesce(col, '{}')`, the array as tandem reads it */
const arrayOf = (column: AnyColumn): SQL => sql`coalesce(${column}, '{}')`

/** An array column's `cmp` (eq, hasSome, hasEvery, isEmpty), the value encoded by the column's own encoder. */
export function listSql(column: AnyColumn, f: Extract<Filter, { kind: 'cmp' }>): SQL {
  const a = arrayOf(column)
  const v = () => new Param(placeholder(f.value), column)
  switch (f.op) {
    case 'isEmpty':
      return sql`cardinality(${a}) = 0`
    case 'hasSome':
      return sql`${a} && ${v()}`
    case 'hasEvery':
      return sql`${a} @> ${v()}`
    case 'eq':
      return sql`${a} = ${v()}`
    default:
      throw new Error(`internal: ${f.op} on an array column`)
  }
}

/** `push` of an update: `array_cat(coalesce(col, '{}'), $v)` */
export function pushSql(column: AnyColumn, value: unknown): SQL {
  return sql`array_cat(${arrayOf(column)}, ${new Param(placeholder(value), column)})`
}

const JSON_CMP: Record<string, string> = { gt: '>', gte: '>=', lt: '<', lte: '<=' }

/**
 * A json filter: the value at the path (`#>` on jsonb; a json column is cast), compared as jsonb; string and
 * array operators check the value's jsonb type first, so a value of another type does not match.
 */
export function jsonSql(column: AnyColumn, f: Extract<Filter, { kind: 'json' }>): SQL {
  const doc = sql`${column}::jsonb`
  const target = f.path.length
    ? sql`(${doc} #> array[${sql.join(
        f.path.map((p) => sql`${placeholder(p)}::text`),
        sql`, `,
      )}]::text[])`
    : doc
  const v = () => sql`${new Param(placeholder(f.value), column)}::jsonb`
  const typed = (t: string, cond: SQL) => sql`(jsonb_typeof(${target}) = ${sql.raw(`'${t}'`)} and ${cond})`
  const like = (op: string) => sql`${target} #>> '{}' like ${placeholder(f.value, op)}`
  switch (f.op) {
    case 'equals':
      return sql`${target} = ${v()}`
    case 'not':
      return sql`${target} <> ${v()}`
    case 'string_contains':
      return typed('string', like('contains'))
    case 'string_starts_with':
      return typed('string', like('startsWith'))
    case 'string_ends_with':
      return typed('string', like('endsWith'))
    case 'array_contains':
      return typed('array', sql`${target} @> ${v()}`)
    case 'array_starts_with':
      return typed('array', sql`${target} -> 0 = ${v()}`)
    case 'array_ends_with':
      return typed('array', sql`${target} -> -1 = ${v()}`)
    default: {
      // as Prisma: the comparison holds only for a value of the operand's jsonb type (number or string)
      return sql`(${target} ${sql.raw(JSON_CMP[f.op] ?? '=')} ${v()} and jsonb_typeof(${target}) = jsonb_typeof(${v()}))`
    }
  }
}
