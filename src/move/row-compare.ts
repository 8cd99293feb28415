import type { Field, Model, Row } from '../schema/model.js'

/**
 * A value in a form that compares equal across backends when the stored values are equal: timestamps as
 * epoch milliseconds (PostgreSQL keeps microseconds, CQL milliseconds), bigints and decimals as canonical
 * text (trailing zeros of a decimal dropped), json as text with sorted keys (jsonb reorders them), reals
 * at float4 precision, bytes as hex, arrays element by element (empty as NULL), NULL and undefined alike.
 * @example normalized(priceField, '1.50') === normalized(priceField, '1.5') // '1.5'
 */
export function normalized(field: Field | undefined, value: unknown): unknown {
  if (value === null || value === undefined) return null
  if (value instanceof Date) return value.getTime()
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex')
  // arrays: element by element, as text; NULL and [] are one value (CQL reads an empty list back as null)
  if (field?.isList && Array.isArray(value))
    return value.length === 0 ? null : JSON.stringify(value.map((v) => normalized({ ...field, isList: false }, v)))
  switch (field?.kind) {
    case 'timestamp':
      return typeof value === 'string' ? new Date(value).getTime() : value
    case 'date':
      return typeof value === 'string' ? value.slice(0, 10) : value
    case 'bigint':
      return String(value)
    case 'decimal':
      return canonicalDecimal(String(value))
    case 'json':
      return stableJson(value)
    case 'float':
      return typeof value === 'number' && field.single ? Math.fround(value) : value
    default:
      return typeof value === 'bigint' ? String(value) : value
  }
}

function canonicalDecimal(text: string): string {
  let t = text.trim()
  if (/[eE]/.test(t)) t = Number(t).toString()
  const negative = t.startsWith('-')
  t = t.replace(/^[+-]/, '')
  let [int = '0', frac = ''] = t.split('.')
  int = int.replace(/^0+(?=\d)/, '') || '0'
  frac = frac.replace(/0+$/, '')
  const out = frac ? `${int}.${frac}` : int
  return negative && out !== '0' ? `-${out}` : out
}

/** JSON text with object keys sorted at every level. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v,
  )
}

/** The fields whose values differ between two rows of the model (normalized as above). */
export function diffFields(model: Model, a: Row, b: Row): string[] {
  const out: string[] = []
  for (const f of model.fields.values()) if (normalized(f, a[f.name]) !== normalized(f, b[f.name])) out.push(f.name)
  return out
}

/** Whether two rows of the model hold equal values in every field. */
export function sameRow(model: Model, a: Row, b: Row): boolean {
  for (const f of model.fields.values()) if (normalized(f, a[f.name]) !== normalized(f, b[f.name])) return false
  return true
}
