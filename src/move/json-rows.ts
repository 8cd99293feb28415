import type { Model, Row } from '../schema/model.js'

/**
 * Rows as JSON-safe objects and back, by the model's field kinds: Dates as ISO text, bigints as decimal
 * text, everything else as it is. Backups (JSON lines), checkpoint keys and scan cursors use it.
 * @example fromJsonRow(model, JSON.parse(JSON.stringify(toJsonRow(model, row)))) // equal to row
 */
export function toJsonRow(model: Model, row: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(row)) {
    if (!model.fields.has(name)) continue
    out[name] = value instanceof Date ? value.toISOString() : typeof value === 'bigint' ? value.toString() : value
  }
  return out
}

/** The inverse of `toJsonRow`: field kinds say which text becomes a Date or a bigint again. */
export function fromJsonRow(model: Model, json: Record<string, unknown>): Row {
  const out: Row = {}
  for (const [name, value] of Object.entries(json)) {
    const f = model.fields.get(name)
    if (!f) continue
    if (value === null || value === undefined || typeof value !== 'string') out[name] = value ?? null
    else if (f.kind === 'timestamp' && f.mode !== 'string') out[name] = new Date(value)
    else if (f.kind === 'date' && f.mode === 'date') out[name] = new Date(value)
    else if (f.kind === 'bigint') out[name] = f.mode === 'bigint' ? BigInt(value) : Number(value)
    else out[name] = value
  }
  return out
}
