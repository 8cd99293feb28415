import { randomUUID } from 'node:crypto'
import type { Field, Model, Row } from '../schema/model.js'
import { validationError } from './errors.js'

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/
const DECIMAL_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/
const INT32_MIN = -2147483648
const INT32_MAX = 2147483647

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (value instanceof Date) return 'a Date'
  if (Array.isArray(value)) return 'an array'
  const t = typeof value
  const shown = t === 'string' ? JSON.stringify((value as string).length > 40 ? `${(value as string).slice(0, 40)}…` : value) : String(value)
  return `${t} ${shown}`
}

/**
 * Checks one input value against its field and returns it in tandem's canonical JS form (the form
 * both backends bind and both return): uuids lowercase strings, timestamps Dates, decimals strings.
 * Throws VALIDATION naming the field and what was expected.
 */
export function coerceValue(where: string, field: Field, value: unknown): unknown {
  if (value === null) {
    return null
  }
  const fail = (expected: string) => validationError(where, `\`${field.name}\` expects ${expected}, got ${describe(value)}`)
  switch (field.kind) {
    case 'uuid':
      if (typeof value !== 'string' || !UUID_RE.test(value)) throw fail('a UUID string')
      return value.toLowerCase()
    case 'string':
      if (typeof value !== 'string') throw fail('a string')
      return value
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) throw fail('a 32-bit integer')
      return value
    case 'bigint': {
      let big: bigint
      if (typeof value === 'bigint') big = value
      else if (typeof value === 'number' && Number.isSafeInteger(value)) big = BigInt(value)
      else throw fail(field.mode === 'bigint' ? 'a bigint' : 'a safe integer')
      if (big < -(2n ** 63n) || big >= 2n ** 63n) throw fail('a 64-bit integer')
      return field.mode === 'bigint' ? big : Number(big)
    }
    case 'boolean':
      if (typeof value !== 'boolean') throw fail('a boolean')
      return value
    case 'float':
      if (typeof value !== 'number' || Number.isNaN(value)) throw fail('a number')
      return value
    case 'decimal':
      if (typeof value === 'number' && Number.isFinite(value)) return String(value)
      if (typeof value === 'string' && DECIMAL_RE.test(value)) return value
      throw fail('a decimal (number or numeric string)')
    case 'timestamp': {
      const d = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined
      if (!d || Number.isNaN(d.getTime())) throw fail('a Date or an ISO-8601 string')
      return d
    }
    case 'date': {
      let iso: string | undefined
      if (value instanceof Date && !Number.isNaN(value.getTime())) iso = value.toISOString().slice(0, 10)
      else if (typeof value === 'string' && DATE_RE.test(value)) iso = value
      if (!iso) throw fail('a date (Date or "YYYY-MM-DD")')
      return field.mode === 'date' ? new Date(`${iso}T00:00:00.000Z`) : iso
    }
    case 'json':
      if (value === undefined || typeof value === 'function' || typeof value === 'bigint') throw fail('a JSON value')
      return value
    case 'enum':
      if (typeof value !== 'string' || !field.enumValues?.includes(value)) throw fail(`one of ${field.enumValues?.map((v) => JSON.stringify(v)).join(', ')}`)
      return value
  }
}

/** Evaluates a field's default the way the PostgreSQL column would (computed client-side for both backends). */
export function defaultFor(field: Field, now: Date): { value: unknown } | undefined {
  const d = field.defaultValue
  if (d) {
    switch (d.kind) {
      case 'now':
        return { value: field.kind === 'date' ? coerceValue('default', field, now) : now }
      case 'uuid':
        return { value: randomUUID() }
      case 'value':
        return { value: d.value instanceof Date ? d.value : d.value }
      case 'fn':
        return { value: d.fn() }
      case 'sql':
        return undefined
    }
  }
  // Drizzle calls $onUpdate on insert too when the column has no default.
  if (field.onUpdate) return { value: field.onUpdate() }
  return undefined
}

/** Projects a full row onto a select/omit list. */
export function project(row: Row, fields: readonly string[] | undefined): Row {
  if (!fields) return row
  const out: Row = {}
  for (const f of fields) out[f] = row[f]
  return out
}

/** The values of a model's key fields, in key order. */
export function keyValues(row: Row, fields: readonly string[]): unknown[] {
  return fields.map((f) => row[f])
}

export function isUuidString(v: unknown): boolean {
  return typeof v === 'string' && UUID_RE.test(v)
}

export function fieldsOf(model: Model): Field[] {
  return [...model.fields.values()]
}
