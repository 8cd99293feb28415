import { Column, getTableName, is, Placeholder, SQL } from 'drizzle-orm'
import { PgTable } from 'drizzle-orm/pg-core'
import { TandemError, validationError } from '../errors.js'
import type { ModelMethod } from '../adapter/types.js'
import type { Model, SchemaInfo } from '../schema/model.js'
import type { BuilderCall } from './facade-dialect.js'

/** The model API a drizzle call is served by: a tandem client or a transaction's, by model name. */
export type ModelClients = Record<string, Record<string, (args: unknown) => PromiseLike<unknown>>>

/** What the facade's session serves calls with: the schema and the model clients (a transaction's inside one). */
export interface FacadeTarget {
  info: SchemaInfo
  clients: ModelClients
  /** runs `fn` in a tandem transaction, with that transaction's model clients */
  transaction<T>(fn: (clients: ModelClients) => Promise<T>, options?: Record<string, unknown>): Promise<T>
}

/** One model-API call a drizzle call becomes (`explain` shows each). */
export interface ModelCall {
  method: ModelMethod
  args: Record<string, unknown>
}

/**
 * A drizzle builder call translated for tandem: the model it touches, the model-API calls it makes (for
 * `explain`) and how to run them and shape the answer as drizzle returns it. Translating throws
 * UNSERVABLE_QUERY / VALIDATION before any I/O.
 */
export interface TranslatedCall {
  model: Model
  calls: ModelCall[]
  /** `atomically` runs several calls in one tandem transaction (directly when already inside one) */
  run(clients: ModelClients, placeholders: Record<string, unknown>, atomically: Atomically): Promise<unknown>
}

/** Runs `fn` in a tandem transaction with that transaction's model clients. */
export type Atomically = <T>(fn: (clients: ModelClients) => Promise<T>) => Promise<T>

/**
 * A builder kind's translator (select in select-call.ts, the writes in write-calls.ts); `placeholders` are a
 * prepared statement's values (translation runs at execute time), absent for `explain`.
 */
export type Translator = (
  info: SchemaInfo,
  call: BuilderCall,
  ctx: string,
  placeholders?: Record<string, unknown>,
) => TranslatedCall

export function unservable(ctx: string, what: string): TandemError {
  return new TandemError('UNSERVABLE_QUERY', `${ctx}: ${what} cannot be served on ScyllaDB. Nothing was run.`)
}

/** The model a builder's table is (a plain table of the schema; aliases, subqueries, views and SQL refused). */
export function modelOfTable(info: SchemaInfo, table: unknown, ctx: string): Model {
  let models = modelsByTable.get(info)
  if (!models) modelsByTable.set(info, (models = new Map([...info.models.values()].map((m) => [m.drizzle, m]))))
  const model = models.get(table as PgTable)
  if (model) return model
  if (!is(table, PgTable)) throw unservable(ctx, 'a subquery, view or sql`` source in place of a table')
  throw validationError(ctx, `table ${getTableName(table)} is not in the schema tandem was given`)
}
const modelsByTable = new WeakMap<SchemaInfo, ReadonlyMap<PgTable, Model>>()

/** The model field a drizzle column of `model`'s table is. */
export function fieldOfColumn(model: Model, column: unknown, ctx: string): string {
  if (!is(column, Column)) throw unservable(ctx, 'a sql`` expression in place of a column')
  if (getTableName(column.table) !== model.table)
    throw unservable(ctx, `a column of another table (${getTableName(column.table)}.${column.name})`)
  const field = fieldNamed(model, column.name)
  if (!field) throw validationError(ctx, `${column.name} is not a column of ${model.table}`)
  return field
}

const byColumn = new WeakMap<Model, ReadonlyMap<string, string>>()
/** The model field whose SQL column is `column` (a map built once per model: this runs for every column of every call). */
export function fieldNamed(model: Model, column: string): string | undefined {
  let map = byColumn.get(model)
  if (!map) byColumn.set(model, (map = new Map([...model.fields.values()].map((f) => [f.column, f.name]))))
  return map.get(column)
}

/** A limit/offset (a number, or a placeholder filled at execute time). */
export function countOf(value: unknown, placeholders: Record<string, unknown>, ctx: string): number | undefined {
  if (value === undefined || value === null) return undefined
  const n = is(value, Placeholder) ? placeholders[value.name] : value
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
    throw validationError(ctx, `limit/offset must be a non-negative integer, got ${String(n)}`)
  return n
}

/** Refuses a raw `sql` value where a plain value is expected. */
export function plainValue(value: unknown, ctx: string, where: string): unknown {
  if (is(value, SQL) || is(value, SQL.Aliased)) throw unservable(ctx, `a sql\`\` expression in ${where}`)
  return value
}
