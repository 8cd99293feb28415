import type { AnyColumn } from 'drizzle-orm'
import type { FieldKind, Model } from './model.js'
import { validationError } from '../errors.js'

/**
 * Which drizzle column types tandem serves and as what: the one table read-schema.ts, the DDL of both
 * backends and the value conversions agree on. A column of any other type makes its model refused
 * (`unsupportedModelError`), not the whole schema.
 */

const KIND_BY_COLUMN_TYPE: Record<string, FieldKind> = {
  PgUUID: 'uuid',
  PgText: 'string',
  PgVarchar: 'string',
  PgChar: 'string',
  PgInteger: 'int',
  PgSmallInt: 'int',
  PgSerial: 'int',
  PgSmallSerial: 'int',
  PgBigInt53: 'bigint',
  PgBigInt64: 'bigint',
  PgBigSerial53: 'bigint',
  PgBigSerial64: 'bigint',
  PgBoolean: 'boolean',
  PgReal: 'float',
  PgDoublePrecision: 'float',
  PgNumeric: 'decimal',
  PgNumericNumber: 'decimal',
  PgNumericBigInt: 'decimal',
  PgTimestamp: 'timestamp',
  PgTimestampString: 'timestamp',
  PgDate: 'date',
  PgDateString: 'date',
  PgJson: 'json',
  PgJsonb: 'json',
  PgEnumColumn: 'enum',
  PgEnumObjectColumn: 'enum',
  PgTime: 'time',
  PgInet: 'inet',
  PgCidr: 'cidr',
}

const SERIAL_TYPES = new Set(['PgSerial', 'PgSmallSerial', 'PgBigSerial53', 'PgBigSerial64'])

/** Element kinds an array column may have (each compares, binds and maps to a CQL list element). */
const LIST_ELEMENT_KINDS = new Set<FieldKind>([
  'uuid',
  'string',
  'int',
  'bigint',
  'boolean',
  'float',
  'decimal',
  'timestamp',
  'date',
  'enum',
  'time',
  'inet',
])

/** What a drizzle column is to tandem: a served kind, or the reason it is not. */
export type ColumnClass =
  | {
      readonly supported: true
      readonly kind: FieldKind
      readonly isList: boolean
      /** serial (undefined identity) or identity column */
      readonly autoincrement: { identity: 'always' | 'byDefault' | undefined } | undefined
    }
  | { readonly supported: false; readonly sqlType: string; readonly reason: string }

type DrizzleColumn = AnyColumn & {
  columnType: string
  dataType: string
  getSQLType(): string
  generatedIdentity?: { type: 'always' | 'byDefault' }
  withTimezone?: boolean
  baseColumn?: DrizzleColumn
}

/** Classifies one drizzle column (arrays by their element). */
export function classifyColumn(column: AnyColumn): ColumnClass {
  const c = column as DrizzleColumn
  const sqlType = safeSqlType(c)
  if (c.columnType === 'PgArray') {
    const base = c.baseColumn
    const inner = base ? classifyColumn(base) : undefined
    if (!inner || !inner.supported || inner.isList || !LIST_ELEMENT_KINDS.has(inner.kind) || inner.autoincrement)
      return { supported: false, sqlType, reason: 'arrays of this element type are not served' }
    return { supported: true, kind: inner.kind, isList: true, autoincrement: undefined }
  }
  let kind = KIND_BY_COLUMN_TYPE[c.columnType]
  if (c.columnType === 'PgCustomColumn' && sqlType.toLowerCase() === 'bytea') kind = 'bytes'
  if (!kind) return { supported: false, sqlType, reason: 'tandem does not serve this column type' }
  if (kind === 'time' && c.withTimezone)
    return { supported: false, sqlType, reason: 'time with time zone is not served (use time or timestamp)' }
  const identity = c.generatedIdentity?.type
  const autoincrement =
    SERIAL_TYPES.has(c.columnType) || identity
      ? { identity: SERIAL_TYPES.has(c.columnType) ? undefined : identity }
      : undefined
  return { supported: true, kind, isList: false, autoincrement }
}

function safeSqlType(c: DrizzleColumn): string {
  try {
    return c.getSQLType()
  } catch {
    return c.columnType
  }
}

/**
 * VALIDATION for any call of a model that has a column tandem does not serve: names the model, each such
 * column and its type. Thrown by every method of the model's client; other models are unaffected.
 */
export function unsupportedModelError(model: Model, where: string): Error {
  const cols = model.unsupported.map((u) => `${u.field} (column "${u.column}", type ${u.sqlType}: ${u.reason})`)
  return validationError(
    where,
    `model ${model.name} is not served: ${cols.join('; ')}. Change the column to a served type, or keep the ` +
      'model out of the schema passed to createDb',
  )
}

/**
 * The model client of a refused model: every method rejects with `unsupportedModelError` before any I/O
 * (the model's other properties stay readable, so relations of other models can name it).
 */
export function refusedClient<T extends object>(model: Model, client: T): T {
  if (model.unsupported.length === 0) return client
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver)
      if (typeof value !== 'function' || typeof prop !== 'string' || prop === 'constructor') return value
      return () => Promise.reject(unsupportedModelError(model, `${model.name}.${prop}`))
    },
  })
}
