import type { Field, Model, Row } from '../schema/model.js'

/**
 * A row decoder for one model, made once: a row as postgres.js returns it (keyed by column) → a tandem
 * row, through each column's drizzle decoder.
 */
export function rowDecoder(model: Model): (raw: Record<string, unknown>) => Row {
  const fields: Field[] = [...model.fields.values()]
  return (raw) => {
    const row: Row = {}
    for (const field of fields) {
      const v = raw[field.column]
      // an array column's NULL is [] to tandem (as on ScyllaDB, where CQL stores [] as null)
      row[field.name] = v === null || v === undefined ? (field.isList ? [] : null) : field.drizzle.mapFromDriverValue(v)
    }
    return row
  }
}

/** postgres.js's value parsers by type oid (the pool's `options.parsers`): how nested JSON values are decoded */
export type Parsers = Readonly<Record<number, ((x: string) => unknown) | undefined>>
