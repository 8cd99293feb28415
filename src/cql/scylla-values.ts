import cassandra from 'cassandra-driver'
import type { Field, Model, Row } from '../schema/model.js'
import { atScale, float4 } from '../adapter/values.js'

const { types } = cassandra

/** JS value (canonical, see adapter/values.ts) → the value cassandra-driver binds for the field's CQL type. */
export function toCql(field: Field, value: unknown): unknown {
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
    default:
      return value
  }
}

/** A value read from CQL → the canonical JS value PostgreSQL (through drizzle) would give. */
export function fromCql(field: Field, value: unknown): unknown {
  if (value === null || value === undefined) return null
  switch (field.kind) {
    case 'uuid':
      return String(value)
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
    default:
      return value
  }
}

/** Kinds whose driver value is already the canonical one (fromCql's default case). */
const AS_IS = new Set(['string', 'int', 'boolean', 'timestamp', 'enum'])
const decoders = new WeakMap<Model, (row: Record<string, unknown>) => Row>()

/** The decoder of a model's whole rows, made once: conversions chosen per field up front, none for most. */
function decoderOf(model: Model): (row: Record<string, unknown>) => Row {
  let decode = decoders.get(model)
  if (!decode) {
    const fields = [...model.fields.values()]
    const names = fields.map((f) => f.name)
    const columns = fields.map((f) => f.column)
    const convert = fields.map((f) => (AS_IS.has(f.kind) ? undefined : (v: unknown) => fromCql(f, v)))
    decode = (row) => {
      const out: Row = {}
      for (let i = 0; i < names.length; i++) {
        const v = row[columns[i]!]
        const c = convert[i]
        out[names[i]!] = v === null || v === undefined ? null : c ? c(v) : v
      }
      return out
    }
    decoders.set(model, decode)
  }
  return decode
}

/** A CQL row (keyed by column name) → a tandem row (keyed by field name): every field, or the given ones. */
export function rowFromCql(model: Model, row: Record<string, unknown>, fields?: Iterable<Field>): Row {
  if (fields === undefined) return decoderOf(model)(row)
  const out: Row = {}
  for (const f of fields) out[f.name] = fromCql(f, row[f.column])
  return out
}
