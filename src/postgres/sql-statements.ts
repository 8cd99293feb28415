import { and, or, sql } from 'drizzle-orm'
import type { AnyColumn, Param, SQL } from 'drizzle-orm'
import type { Slot } from '../adapter/query.js'

/** SQL fragments the compiler builds statements from (drizzle has no operator for these). */

const LIKE_ESCAPE = /[\\%_]/g

/** The LIKE pattern of contains / startsWith / endsWith, with the user's `%`, `_` and `\` taken literally. */
export function likePattern(op: string, value: string): string {
  const e = value.replace(LIKE_ESCAPE, (c) => `\\${c}`)
  return op === 'contains' ? `%${e}%` : op === 'startsWith' ? `${e}%` : `%${e}`
}

export const SQL_OPS: Readonly<Record<string, string>> = { eq: '=', ne: '<>', lt: '<', lte: '<=', gt: '>', gte: '>=' }

/** "At or after the cursor" as SQL: one row comparison when all directions agree, else the expanded OR. */
export function afterSql(
  columns: readonly AnyColumn[],
  dirs: readonly string[],
  values: readonly (SQL | Param)[],
): SQL {
  if (dirs.every((d) => d === dirs[0])) {
    const op = dirs[0] === 'desc' ? sql`<=` : sql`>=`
    return sql`(${sql.join([...columns], sql`, `)}) ${op} (${sql.join([...values], sql`, `)})`
  }
  const branches: SQL[] = []
  for (let i = 0; i < columns.length; i++) {
    const parts: SQL[] = []
    for (let j = 0; j < i; j++) parts.push(sql`${columns[j]} = ${values[j]}`)
    const last = i === columns.length - 1
    const op = dirs[i] === 'desc' ? (last ? '<=' : '<') : last ? '>=' : '>'
    parts.push(sql`${columns[i]} ${sql.raw(op)} ${values[i]}`)
    branches.push(and(...parts)!)
  }
  return or(...branches)!
}

/** A placeholder for a slot; like-operators carry their operator so the binder makes the pattern. */
export const placeholder = (v: unknown, like?: string) =>
  sql.placeholder(`p${(v as Slot).$slot}${like ? `~${like}` : ''}`)
