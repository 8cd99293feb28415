import { validationError } from '../errors.js'

/** A value bound as a parameter, or a fragment spliced in (its own values bound in place). */
export type RawValue = unknown

/**
 * Whether a value is a fragment: tandem's Sql or one shaped like it (another copy of this package, or
 * Prisma's own `Prisma.Sql`, which has the same `strings`/`values`), told by shape rather than `instanceof`.
 */
export function isSql(v: unknown): v is { readonly strings: readonly string[]; readonly values: readonly unknown[] } {
  if (v instanceof Sql) return true
  if (typeof v !== 'object' || v === null) return false
  const { strings, values } = v as { strings?: unknown; values?: unknown }
  return Array.isArray(strings) && Array.isArray(values) && strings.length === values.length + 1
}

/**
 * A statement fragment with its bound values, as Prisma's `Prisma.Sql` (sql-template-tag semantics): fragments
 * nest (a fragment among the values is spliced in, its values taking their place in order), everything else
 * is a value bound as a parameter, never text. `text` numbers the parameters `$1, $2, …` (PostgreSQL), `sql`
 * marks them `?` (CQL).
 * @example const where = sql`WHERE id IN (${join(ids)})`; await db.$queryRaw`SELECT * FROM profile ${where}`
 */
export class Sql {
  readonly values: unknown[]
  readonly strings: string[]

  constructor(rawStrings: readonly string[], rawValues: readonly RawValue[]) {
    if (rawStrings.length === 0) throw validationError('sql', 'expected at least one string')
    if (rawStrings.length - 1 !== rawValues.length)
      throw validationError('sql', `expected ${rawStrings.length} strings to have ${rawStrings.length - 1} values`)
    this.values = []
    this.strings = [rawStrings[0]!]
    for (let i = 0; i < rawValues.length; i++) {
      const child = rawValues[i]
      const next = rawStrings[i + 1]!
      if (isSql(child)) {
        this.strings[this.strings.length - 1] += child.strings[0]!
        for (let j = 0; j < child.values.length; j++) {
          this.values.push(child.values[j])
          this.strings.push(child.strings[j + 1]!)
        }
        this.strings[this.strings.length - 1] += next
      } else {
        this.values.push(child)
        this.strings.push(next)
      }
    }
  }

  /** the text with `?` placeholders (CQL, MySQL) */
  get sql(): string {
    return this.strings.join('?')
  }

  /** the text with `$1, $2, …` placeholders (PostgreSQL) */
  get text(): string {
    let out = this.strings[0]!
    for (let i = 1; i < this.strings.length; i++) out += `$${i}${this.strings[i]}`
    return out
  }

  /** the text with `:1, :2, …` placeholders (Oracle) */
  get statement(): string {
    let out = this.strings[0]!
    for (let i = 1; i < this.strings.length; i++) out += `:${i}${this.strings[i]}`
    return out
  }

  inspect(): { sql: string; statement: string; text: string; values: unknown[] } {
    return { sql: this.sql, statement: this.statement, text: this.text, values: this.values }
  }
}

/**
 * A fragment from a template: `sql\`id = ${id}\`` (values bound, fragments nested).
 * @example sql`SELECT * FROM profile WHERE user_id = ${userId}`
 */
export function sql(strings: readonly string[], ...values: readonly RawValue[]): Sql {
  return new Sql(strings, values)
}

/**
 * The values (each bound, or each a fragment spliced in) separated by `separator` (default `,`), between
 * `prefix` and `suffix`. An empty list is refused (VALIDATION), as Prisma does: `IN ()` is not valid SQL.
 * @example sql`WHERE id IN (${join(ids)})`
 */
export function join(values: readonly RawValue[], separator = ',', prefix = '', suffix = ''): Sql {
  if (!Array.isArray(values) || values.length === 0)
    throw validationError('join', 'expected a non-empty array of values (`IN ()` is not valid SQL)')
  return new Sql([prefix, ...Array<string>(values.length - 1).fill(separator), suffix], values)
}

/**
 * Text spliced in as it is, NOT bound: never pass user input (it is how injection happens).
 * @example sql`ORDER BY ${raw(column)} DESC`   // column from an allow-list
 */
export function raw(text: string): Sql {
  if (typeof text !== 'string') throw validationError('raw', 'expected a string')
  return new Sql([text], [])
}

/** The empty fragment, for optional parts: `sql\`SELECT … ${cond ? sql\`WHERE …\` : empty}\``. */
export const empty: Sql = raw('')

/**
 * The helpers grouped as Prisma's namespace (`import { Prisma } from 'tandem-orm'`), for code that wrote
 * `Prisma.sql`, `Prisma.join`, `Prisma.raw`, `Prisma.empty`.
 */
export const Prisma = { Sql, sql, join, raw, empty } as const

/** Whether a first argument is a tagged template's strings (what `$queryRaw\`…\`` receives). */
function isTemplate(first: unknown): first is TemplateStringsArray {
  return Array.isArray(first) && Array.isArray((first as unknown as { raw?: unknown }).raw)
}

/**
 * The fragment a tagged-template method was called with: `$queryRaw\`…\`` or `$queryRaw(sql\`…\`)`; anything
 * else is refused with VALIDATION naming the method.
 */
export function templateArgs(method: string, first: unknown, values: readonly unknown[]): Sql {
  if (isSql(first)) {
    if (values.length > 0) throw validationError(method, 'takes one sql`…` fragment and no further values')
    return first instanceof Sql ? first : new Sql(first.strings, first.values)
  }
  if (isTemplate(first)) return new Sql(first, values)
  throw validationError(
    method,
    `is a tag function: call it as db.${method}\`SELECT … WHERE id = \${id}\` (values are bound), or pass a sql\`…\` fragment; ` +
      `for a statement built as a string use ${method}Unsafe(text, ...values)`,
  )
}
