// Shared fixtures for the unit tests: the conformance schema read once, its CQL tables with and without
// the conformance layout, and a helper that captures a TandemError thrown synchronously.
import * as schema from '../support/schema.js'
import { numeric, pgTable, real, uuid } from 'drizzle-orm/pg-core'
import { TandemError } from '../../src/errors.js'
import type { Model, SchemaInfo } from '../../src/schema/model.js'
import { readSchema } from '../../src/schema/read-schema.js'
import { deriveAllTables, type LayoutOptions, type ModelTables } from '../../src/schema/scylla-layout.js'

export { schema }

export const info: SchemaInfo = readSchema(schema)

/** The conformance layout (message and event are time series); `as const` in the schema, so copied here. */
export const layout = schema.layout as unknown as LayoutOptions

/** Tables with the conformance layout (message, event re-keyed) */
export const tables: Map<string, ModelTables> = deriveAllTables(info, layout)
/** Tables with no layout: every base table keyed by the primary key */
export const plainTables: Map<string, ModelTables> = deriveAllTables(info)

export function model(name: string): Model {
  const m = info.models.get(name)
  if (!m) throw new Error(`no model ${name}`)
  return m
}

export function tablesOf(name: string, withLayout = true): ModelTables {
  const t = (withLayout ? tables : plainTables).get(name)
  if (!t) throw new Error(`no tables for ${name}`)
  return t
}

export function field(modelName: string, fieldName: string) {
  const f = model(modelName).fields.get(fieldName)
  if (!f) throw new Error(`no field ${modelName}.${fieldName}`)
  return f
}

/** Runs fn, which must throw a TandemError, and returns it (any other outcome fails the test). */
export function tandemError(fn: () => unknown): TandemError {
  try {
    fn()
  } catch (e) {
    if (e instanceof TandemError) return e
    throw new Error(`expected a TandemError, got ${String(e)}`)
  }
  throw new Error('expected a TandemError, but nothing was thrown')
}

export const UUID_A = '00000000-0000-4000-8000-00000000000a'
export const UUID_B = '00000000-0000-4000-8000-00000000000b'
export const UUID_C = '00000000-0000-4000-8000-00000000000c'

/** Columns the conformance schema lacks: numeric without a declared scale, numeric(10, 3), real. */
export const extra: Model = readSchema({
  extra: pgTable('extra', {
    id: uuid('id').primaryKey(),
    amount: numeric('amount'),
    rate: numeric('rate', { precision: 10, scale: 3 }),
    single: real('single'),
  }),
}).models.get('extra')!
