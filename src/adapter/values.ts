import { randomUUID } from 'node:crypto'
import type { Field, Model, Row } from '../schema/model.js'
import { TandemError, validationError } from '../errors.js'

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
  const shown =
    t === 'string'
      ? JSON.stringify((value as string).length > 40 ? `${(value as string).slice(0, 40)}…` : value)
      : String(value)
  return `${t} ${shown}`
}

/**
 * Checks one input value against its field and returns it in tandem's canonical JS form (the form
 * both backends bind and both return): uuids lowercase strings, timestamps Dates, decimals strings.
 * Throws VALIDATION naming the field and what was expected.
 */
export function coerceValue(where: string, field: Field, value: unknown): unknown {
  if (field.isList) return coerceList(where, field, value)
  if (value === null) {
    return null
  }
  const fail = (expected: string) =>
    validationError(where, `\`${field.name}\` expects ${expected}, got ${describe(value)}`)
  switch (field.kind) {
    case 'uuid':
      if (typeof value !== 'string' || !UUID_RE.test(value)) throw fail('a UUID string')
      return value.toLowerCase()
    case 'string':
      if (typeof value !== 'string') throw fail('a string')
      return value
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw fail('a 32-bit integer')
      if (value < INT32_MIN || value > INT32_MAX) throw outOfRange(field, value)
      return value
    case 'bigint': {
      let big: bigint
      if (typeof value === 'bigint') big = value
      else if (typeof value === 'number' && Number.isSafeInteger(value)) big = BigInt(value)
      else throw fail(field.mode === 'bigint' ? 'a bigint' : 'a safe integer')
      if (big < -(2n ** 63n) || big >= 2n ** 63n) throw outOfRange(field, value)
      return field.mode === 'bigint' ? big : Number(big)
    }
    case 'boolean':
      if (typeof value !== 'boolean') throw fail('a boolean')
      return value
    case 'float':
      if (typeof value !== 'number' || Number.isNaN(value)) throw fail('a number')
      return field.single ? float4(value) : value
    case 'decimal':
      if (typeof value === 'number' && Number.isFinite(value)) return atScale(String(value), field.scale)
      if (typeof value === 'string' && DECIMAL_RE.test(value)) return atScale(value, field.scale)
      throw fail('a decimal (number or numeric string)')
    case 'timestamp': {
      const d = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined
      if (!d || Number.isNaN(d.getTime())) throw fail('a Date or an ISO-8601 string')
      return d
    }
    case 'date': {
      let iso: string | undefined
      if (value instanceof Date && !Number.isNaN(value.getTime())) iso = value.toISOString().slice(0, 10)
      else if (typeof value === 'string' && DATE_RE.test(value) && isCalendarDate(value)) iso = value
      if (!iso) throw fail('a date (Date or "YYYY-MM-DD")')
      return field.mode === 'date' ? new Date(`${iso}T00:00:00.000Z`) : iso
    }
    case 'json':
      if (value === undefined || typeof value === 'function' || typeof value === 'bigint') throw fail('a JSON value')
      if (isNullMarker(value))
        throw validationError(
          where,
          `\`${field.name}\`: Prisma's DbNull / JsonNull / AnyNull are not served; use null (SQL NULL) — a JSON null ` +
            'value cannot be told from it on ScyllaDB',
        )
      return value
    case 'enum':
      if (typeof value !== 'string' || !field.enumValues?.includes(value))
        throw fail(`one of ${field.enumValues?.map((v) => JSON.stringify(v)).join(', ')}`)
      return value
    case 'bytes':
      if (!(value instanceof Uint8Array)) throw fail('a Buffer or Uint8Array')
      return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    case 'time': {
      const m = typeof value === 'string' ? TIME_RE.exec(value) : null
      if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59)
        throw fail('a time "HH:MM[:SS[.ffffff]]"')
      return canonicalTime(m)
    }
    case 'inet':
    case 'cidr': {
      const t = typeof value === 'string' ? canonicalInet(value, field.kind === 'cidr') : undefined
      if (t === undefined)
        throw fail(
          field.kind === 'cidr' ? 'an IPv4 network "a.b.c.d/n" without host bits' : 'an IPv4 address "a.b.c.d"',
        )
      return t
    }
  }
}

/**
 * An array column's value: a JS array of its element kind (no null elements: CQL lists hold none). null is
 * taken as [] — CQL stores an empty list as null, so tandem treats the two as one value on both backends.
 */
function coerceList(where: string, field: Field, value: unknown): unknown[] {
  if (value === null) return []
  if (!Array.isArray(value)) throw validationError(where, `\`${field.name}\` expects an array, got ${describe(value)}`)
  const element: Field = { ...field, isList: false, nullable: false }
  return value.map((v) => {
    if (v === null || v === undefined)
      throw validationError(where, `\`${field.name}\` cannot hold null elements (ScyllaDB lists hold none)`)
    return coerceValue(where, element, v)
  })
}

const TIME_RE = /^(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?$/

/** A time text ('HH:MM:SS.fff…', as the CQL driver prints one) in PostgreSQL's form. */
export function timeText(text: string): string {
  const m = TIME_RE.exec(text.length > 15 ? text.slice(0, 15) : text)
  return m ? canonicalTime(m) : text
}

/** 'HH:MM:SS[.ffffff]' as PostgreSQL prints a time (trailing fraction zeros dropped). */
function canonicalTime(m: RegExpExecArray): string {
  const frac = (m[4] ?? '').replace(/0+$/, '')
  return `${m[1]}:${m[2]}:${m[3] ?? '00'}${frac === '.' ? '' : frac}`
}

/**
 * IPv4 text as PostgreSQL prints it: inet drops a /32, cidr always has its mask and refuses host bits.
 * IPv6 is refused (its canonical text is not worth redoing here; say so rather than answer differently).
 */
function canonicalInet(text: string, cidr: boolean): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(text.trim())
  if (!m) return undefined
  const octets = m.slice(1, 5).map(Number)
  if (octets.some((o) => o > 255)) return undefined
  const bits = m[5] === undefined ? 32 : Number(m[5])
  if (bits > 32) return undefined
  const addr = octets.join('.')
  // CQL's inet holds an address, no mask: an inet is an address on both backends (a network is a cidr)
  if (!cidr && bits !== 32) return undefined
  if (cidr) {
    const n = octets.reduce((a, o) => a * 256 + o, 0)
    const size = 2 ** (32 - bits)
    if (n % size !== 0) return undefined
    return `${addr}/${bits}`
  }
  return addr
}

/** Prisma's null markers (Prisma.DbNull, JsonNull, AnyNull), recognized by their class, to refuse them. */
export function isNullMarker(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false
  const c = (v as { constructor?: { name?: string } }).constructor?.name
  return c === 'DbNull' || c === 'JsonNull' || c === 'AnyNull' || c === 'NullTypesEnumValue' || c === 'ObjectEnumValue'
}

/**
 * A real (float4) value as PostgreSQL prints it: the shortest decimal that rounds to the same float4
 * (0.1, not 0.10000000149011612), which is also what postgres.js then parses.
 */
export function float4(value: number): number {
  if (!Number.isFinite(value)) return value
  const f = Math.fround(value)
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(f.toPrecision(p))
    if (Math.fround(candidate) === f) return candidate
  }
  return f
}

/** A decimal string at the column's scale (rounded half away from zero, as PostgreSQL's numeric does). */
export function atScale(value: string, scale: number | undefined): string {
  if (scale === undefined) return value
  let text = value.trim()
  if (/[eE]/.test(text)) text = expandExponent(text)
  const negative = text.startsWith('-')
  text = text.replace(/^[+-]/, '')
  const [intPart = '0', frac = ''] = text.split('.')
  let digits = BigInt((intPart || '0') + frac.padEnd(scale + 1, '0').slice(0, scale + 1))
  digits = (digits + 5n) / 10n // round half away from zero on the magnitude
  let out = digits.toString().padStart(scale + 1, '0')
  out = scale > 0 ? `${out.slice(0, -scale)}.${out.slice(-scale)}` : out
  return negative && /[1-9]/.test(out) ? `-${out}` : out
}

function expandExponent(text: string): string {
  const n = Number(text)
  return Math.abs(n) < 1e21 ? n.toFixed(20).replace(/0+$/, '').replace(/\.$/, '') : text
}

/** P2020, as Prisma reports a value the column type cannot hold. */
export function outOfRange(field: Field, value: unknown): TandemError {
  return new TandemError(
    'P2020',
    `Value out of range for the type: ${String(value)} does not fit \`${field.name}\` (${field.kind === 'int' ? 'integer' : 'bigint'})`,
    {
      meta: { details: `${field.name} out of range` },
    },
  )
}

/** "2023-02-30" matches the pattern but is no day: PostgreSQL rejects it and CQL would shift it. */
function isCalendarDate(iso: string): boolean {
  const d = new Date(`${iso}T00:00:00.000Z`)
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === iso
}

/** A representative non-null value of a field's kind: `explain` uses it for rows it does not read. */
export function sampleValue(field: Field): unknown {
  if (field.isList) return []
  switch (field.kind) {
    case 'uuid':
      return '00000000-0000-0000-0000-000000000000'
    case 'string':
      return ''
    case 'int':
    case 'float':
      return 0
    case 'bigint':
      return field.mode === 'bigint' ? 0n : 0
    case 'boolean':
      return false
    case 'decimal':
      return '0'
    case 'timestamp':
      return new Date(0)
    case 'date':
      return field.mode === 'date' ? new Date(0) : '1970-01-01'
    case 'json':
      return {}
    case 'enum':
      return field.enumValues?.[0] ?? ''
    case 'bytes':
      return Buffer.alloc(0)
    case 'time':
      return '00:00:00'
    case 'inet':
      return '0.0.0.0'
    case 'cidr':
      return '0.0.0.0/0'
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
        // a Date default is copied: rows must not share (and mutate) the schema's object
        return { value: d.value instanceof Date ? new Date(d.value.getTime()) : d.value }
      case 'fn':
        return { value: d.fn() }
      case 'sql':
      case 'autoincrement':
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

/** Code-point order, which is PostgreSQL's under the C.UTF-8 collation and CQL's for text. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!
    const y = b.codePointAt(i)!
    if (x !== y) return x - y
    if (x > 0xffff) i++
  }
  return a.length - b.length
}
