import { Column, getTableName, is, Param, Placeholder, SQL, StringChunk } from 'drizzle-orm'
import { TandemError, validationError } from '../errors.js'
import type { Model } from '../schema/model.js'
import { fieldNamed } from './builder-call.js'

/** A Prisma-style `where` (the model API's), as the drizzle condition becomes. */
export type WhereObject = Record<string, unknown>

/**
 * A drizzle condition (`eq(users.email, x)`, `and(…)`, `or(…)`, `not(…)`, `inArray`, `isNull`, `like`, `between`,
 * … — what drizzle's operators build) as the model API's `where` over `model`, read from drizzle's SQL chunks
 * (its public `SQL.queryChunks`: string chunks, columns, params). A part tandem cannot serve — raw `sql`, a
 * column compared with a column, `exists`, a subquery, another table's column, a LIKE pattern with `_` or `%`
 * inside — is refused with UNSERVABLE_QUERY naming it, before any I/O. `sql.placeholder(name)` values (prepared
 * statements) are filled from `placeholders`, the values given to `execute` (one without a value is a
 * VALIDATION); a caller that has none to give (explain) leaves it out, and a placeholder is then refused.
 * @example whereFromDrizzle(userModel, and(eq(users.email, e), isNull(users.deletedAt)), 'users.findMany')
 *   // → { AND: [{ email: e }, { deletedAt: null }] }
 */
export function whereFromDrizzle(
  model: Model,
  condition: SQL | undefined,
  ctx: string,
  placeholders?: Record<string, unknown>,
): WhereObject | undefined {
  if (condition === undefined) return undefined
  return new Reader(model, ctx, placeholders).condition(condition)
}

type Chunk = unknown

const COMPARE: Record<string, string> = {
  ' = ': 'equals',
  ' <> ': 'not',
  ' > ': 'gt',
  ' >= ': 'gte',
  ' < ': 'lt',
  ' <= ': 'lte',
}
const LIKE: Record<string, { insensitive: boolean; negated: boolean }> = {
  ' like ': { insensitive: false, negated: false },
  ' ilike ': { insensitive: true, negated: false },
  ' not like ': { insensitive: false, negated: true },
  ' not ilike ': { insensitive: true, negated: true },
}

class Reader {
  constructor(
    private readonly model: Model,
    private readonly ctx: string,
    private readonly placeholders: Record<string, unknown> | undefined,
  ) {}

  condition(sql: SQL): WhereObject {
    const parts = chunksOf(sql)
    const [first, second, third] = parts
    // and(a, b) / or(a, b): "(" SQL[a, " and ", b] ")"
    if (parts.length === 3 && text(first) === '(' && text(third) === ')' && is(second, SQL))
      return this.junction(second)
    if (parts.length === 2 && text(first) === 'not ' && is(second, SQL)) return { NOT: this.condition(second) }
    if (parts.length === 1 && text(first) === 'true') return {}
    if (parts.length === 1 && text(first) === 'false') return { OR: [] }
    if (is(first, Column)) return this.onColumn(first, parts.slice(1), sql)
    throw this.refuse(sql, 'it is not a comparison of one column with values')
  }

  private junction(inner: SQL): WhereObject {
    const items: WhereObject[] = []
    let joiner: string | undefined
    for (const c of chunksOf(inner)) {
      const t = text(c)
      if (t === ' and ' || t === ' or ') {
        if (joiner !== undefined && joiner !== t) throw this.refuse(inner, 'it mixes and/or without parentheses')
        joiner = t
      } else if (is(c, SQL)) items.push(this.condition(c))
      else throw this.refuse(inner, 'it is not a list of conditions')
    }
    if (items.length === 1) return items[0]!
    return joiner === ' or ' ? { OR: items } : { AND: items }
  }

  private onColumn(column: Column, rest: Chunk[], whole: SQL): WhereObject {
    const field = this.fieldOf(column, whole)
    const op = text(rest[0])
    if (rest.length === 1 && op === ' is null') return { [field]: null }
    if (rest.length === 1 && op === ' is not null') return { [field]: { not: null } }
    if (rest.length === 2 && op !== undefined && op in COMPARE)
      return { [field]: { [COMPARE[op]!]: this.value(rest[1], whole) } }
    if (rest.length === 2 && (op === ' in ' || op === ' not in ')) {
      if (!Array.isArray(rest[1])) throw this.refuse(whole, 'in/notIn take a list of values here, not a subquery')
      const values = rest[1].map((v) => this.value(v, whole))
      return { [field]: { [op === ' in ' ? 'in' : 'notIn']: values } }
    }
    if (rest.length === 2 && op !== undefined && op in LIKE) {
      const { insensitive, negated } = LIKE[op]!
      const filter = { ...this.pattern(rest[1], whole), ...(insensitive ? { mode: 'insensitive' } : {}) }
      return negated ? { NOT: { [field]: filter } } : { [field]: filter }
    }
    if (rest.length === 4 && (op === ' between ' || op === ' not between ') && text(rest[2]) === ' and ') {
      const range = { [field]: { gte: this.value(rest[1], whole), lte: this.value(rest[3], whole) } }
      return op === ' between ' ? range : { NOT: range }
    }
    throw this.refuse(
      whole,
      'the operator is not one tandem serves (eq ne gt gte lt lte inArray notInArray isNull isNotNull like ilike notLike notIlike between notBetween)',
    )
  }

  /** A column of this model, by its SQL name (the facade hands callbacks the table's own columns, not aliases). */
  private fieldOf(column: Column, whole: SQL): string {
    const table = getTableName(column.table)
    const field = fieldNamed(this.model, column.name)
    if (!field || table !== this.model.table)
      throw this.refuse(
        whole,
        `column ${table}.${column.name} is not a column of ${this.model.table} (joins are not served)`,
      )
    return field
  }

  private value(chunk: Chunk, whole: SQL): unknown {
    if (is(chunk, Param)) return this.value(chunk.value, whole)
    if (is(chunk, Placeholder)) {
      if (!this.placeholders)
        throw this.refuse(whole, `placeholder "${chunk.name}" has no value here (give the value inline)`)
      if (!(chunk.name in this.placeholders))
        throw validationError(this.ctx, `no value for placeholder "${chunk.name}" (pass it to execute)`)
      return this.placeholders[chunk.name]
    }
    if (is(chunk, SQL) || is(chunk, Column) || is(chunk, StringChunk))
      throw this.refuse(whole, 'a value is a column or an SQL expression')
    return chunk
  }

  /** A LIKE pattern tandem serves: `%lit%`, `lit%` or `%lit`, with no wildcard inside `lit`. */
  private pattern(chunk: Chunk, whole: SQL): Record<string, string> {
    const p = this.value(chunk, whole)
    if (typeof p !== 'string') throw this.refuse(whole, 'a LIKE pattern must be a string')
    const starts = p.startsWith('%')
    const ends = p.length > 1 && p.endsWith('%')
    const lit = p.slice(starts ? 1 : 0, ends ? -1 : undefined)
    if (/[%_\\]/.test(lit))
      throw this.refuse(
        whole,
        `the LIKE pattern ${JSON.stringify(p)} has wildcards inside (served: %text%, text%, %text, text)`,
      )
    if (starts && ends) return { contains: lit }
    if (ends) return { startsWith: lit }
    if (starts) return { endsWith: lit }
    return { equals: lit }
  }

  private refuse(part: SQL, why: string): TandemError {
    return new TandemError(
      'UNSERVABLE_QUERY',
      `${this.ctx}: the condition \`${describe(part)}\` cannot be served on ScyllaDB: ${why}. Nothing was run.`,
    )
  }
}

/** The chunks of an SQL object, empty strings and undefined dropped, single nested SQL unwrapped. */
function chunksOf(sql: SQL): Chunk[] {
  const chunks: Chunk[] = sql.queryChunks.filter((c) => c !== undefined && text(c) !== '')
  const [only] = chunks
  return chunks.length === 1 && is(only, SQL) ? chunksOf(only) : chunks
}

/** The text of a string chunk (drizzle keeps it as an array of strings), else undefined. */
function text(chunk: Chunk): string | undefined {
  return is(chunk, StringChunk) ? chunk.value.join('') : undefined
}

/** A short rendering of a condition for messages: columns by name, values as `?`. */
function describe(sql: SQL): string {
  const out = sql.queryChunks
    .map((c): string => {
      if (is(c, StringChunk)) return c.value.join('')
      if (is(c, Column)) return c.name
      if (is(c, SQL)) return describe(c)
      if (Array.isArray(c)) return `(${c.map(() => '?').join(', ')})`
      return '?'
    })
    .join('')
  return out.length > 120 ? `${out.slice(0, 117)}...` : out
}
