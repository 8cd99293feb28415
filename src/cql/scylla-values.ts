import cassandra from 'cassandra-driver'
import type { Field, Model, Row } from '../schema/model.js'
import { atScale, float4, timeText } from '../adapter/values.js'

const { types } = cassandra

/** JS value (canonical, see adapter/values.ts) → the value cassandra-driver binds for the field's CQL type. */
export function toCql(field: Field, value: unknown): unknown {
  if (field.isList) {
    // an empty list is null in CQL: bound as null, so a compare-and-set on it matches what is stored
    if (!Array.isArray(value) || value.length === 0) return null
    const element = elementOf(field)
    return value.map((v) => toCql(element, v))
  }
  if (value === null || value === undefined) return null
  switch (field.kind) {
    case 'bigint':
      return BigInt(value as number | bigint)
    case 'decimal':
      return types.BigDecimal.fromString(String(value))
    case 'date':
      return types.LocalDate.fromString(value instanceof Date ? value.toISOString().slice(0, 10) : String(value))
    case 'json':
      return JSON.stringify(value)
    case 'time':
      return types.LocalTime.fromString(value as string)
    default:
      return value
  }
}

const elements = new WeakMap<Field, Field>()
/** The field an array column's elements are converted as. */
function elementOf(field: Field): Field {
  let e = elements.get(field)
  if (!e) elements.set(field, (e = { ...field, isList: false }))
  return e
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** A driver Uuid/TimeUuid as its lowercase text, from its bytes by table (Uuid.toString's hex slice costs more, per uuid of every row read). */
function uuidText(value: unknown): string {
  const b = (value as { buffer?: Uint8Array }).buffer
  if (!(b instanceof Uint8Array) || b.length !== 16) return String(value)
  const h = HEX
  return (
    h[b[0]!]! +
    h[b[1]!]! +
    h[b[2]!]! +
    h[b[3]!]! +
    '-' +
    h[b[4]!]! +
    h[b[5]!]! +
    '-' +
    h[b[6]!]! +
    h[b[7]!]! +
    '-' +
    h[b[8]!]! +
    h[b[9]!]! +
    '-' +
    h[b[10]!]! +
    h[b[11]!]! +
    h[b[12]!]! +
    h[b[13]!]! +
    h[b[14]!]! +
    h[b[15]!]!
  )
}

/** A value read from CQL → the canonical JS value PostgreSQL (through drizzle) would give. */
export function fromCql(field: Field, value: unknown): unknown {
  if (field.isList) {
    if (!Array.isArray(value)) return [] // CQL's null list is the empty array (see coerceValue)
    const element = elementOf(field)
    return value.map((v) => fromCql(element, v))
  }
  if (value === null || value === undefined) return null
  switch (field.kind) {
    case 'uuid':
      return uuidText(value)
    case 'bigint':
      return field.mode === 'bigint' ? BigInt(value as bigint) : Number(value as bigint)
    case 'decimal':
      return atScale((value as { toString(): string }).toString(), field.scale)
    case 'date': {
      const iso = (value as { toString(): string }).toString()
      return field.mode === 'date' ? new Date(`${iso}T00:00:00.000Z`) : iso
    }
    case 'json':
      return JSON.parse(value as string)
    case 'float': {
      const n = typeof value === 'number' ? value : Number(value)
      return field.single ? float4(n) : n
    }
    case 'time':
      return timeText((value as { toString(): string }).toString())
    case 'inet':
      return (value as { toString(): string }).toString()
    default:
      return value
  }
}

/** Kinds whose driver value is already the canonical one (fromCql's default case). */
const AS_IS = new Set(['string', 'int', 'boolean', 'timestamp', 'enum'])
/** Decodes a whole row; `known` gives the values of the decoder's known fields (equal in every row read). */
export type RowDecoder = (row: Record<string, unknown>, known?: readonly unknown[]) => Row
const decoders = new WeakMap<Model, Map<string, RowDecoder>>()

/**
 * The decoder of a model's whole rows, made once per model and set of known fields: conversions chosen per
 * field up front (none for most). A known field (a partition key the read was bound to) takes the value
 * the call passed instead of decoding the same column again in every row; the caller passes only
 * immutable values (strings, numbers), so rows share nothing mutable.
 * @example rowDecoder(message, ['channelId'])(cqlRow, [channelId])
 */
export function rowDecoder(model: Model, knownFields: readonly string[] = []): RowDecoder {
  let byKnown = decoders.get(model)
  if (!byKnown) decoders.set(model, (byKnown = new Map()))
  const cacheKey = knownFields.join(',')
  let decode = byKnown.get(cacheKey)
  if (!decode) {
    const fields = [...model.fields.values()]
    const names = fields.map((f) => f.name)
    const columns = fields.map((f) => f.column)
    const convert = fields.map((f) => (AS_IS.has(f.kind) && !f.isList ? undefined : (v: unknown) => fromCql(f, v)))
    const lists = fields.map((f) => f.isList)
    const knownAt = fields.map((f) => knownFields.indexOf(f.name))
    decode = (row, known) => {
      const out: Row = {}
      for (let i = 0; i < names.length; i++) {
        const k = known ? knownAt[i]! : -1
        if (k >= 0) {
          out[names[i]!] = known![k]
          continue
        }
        const v = row[columns[i]!]
        const c = convert[i]
        out[names[i]!] = v === null || v === undefined ? (lists[i] ? [] : null) : c ? c(v) : v
      }
      return out
    }
    byKnown.set(cacheKey, decode)
  }
  return decode
}

/** A CQL row (keyed by column name) → a tandem row (keyed by field name): every field, or the given ones. */
export function rowFromCql(model: Model, row: Record<string, unknown>, fields?: Iterable<Field>): Row {
  if (fields === undefined) return rowDecoder(model)(row)
  const out: Row = {}
  for (const f of fields) out[f.name] = fromCql(f, row[f.column])
  return out
}
