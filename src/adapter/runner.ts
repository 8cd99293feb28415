import type { Model, Row } from '../schema/model.js'
import type { Operation } from './backend.js'

/** Runs (or, for explain, records) backend operations, for any model (relations reach other models). */
export type Runner = (model: Model, operation: Operation) => Promise<Row[] | number>

export const rowsOf = (r: Row[] | number): Row[] => (typeof r === 'number' ? [] : r)

/** A stable text key of some fields of a row, for joining related rows in memory; undefined if any is NULL. */
export function keyOf(row: Row, fields: readonly string[]): string | undefined {
  const parts: string[] = []
  for (const f of fields) {
    const v = row[f]
    if (v === null || v === undefined) return undefined
    parts.push(v instanceof Date ? v.toISOString() : String(v))
  }
  return JSON.stringify(parts)
}

/** Prisma-style where selecting rows whose `fields` equal one of the value tuples. */
export function whereKeys(fields: readonly string[], tuples: readonly (readonly unknown[])[]): Record<string, unknown> {
  if (fields.length === 1) return { [fields[0]!]: { in: tuples.map((t) => t[0]) } }
  return { OR: tuples.map((t) => Object.fromEntries(fields.map((f, i) => [f, t[i]]))) }
}
