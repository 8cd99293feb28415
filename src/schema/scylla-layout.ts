import { createHash } from 'node:crypto'
import type { Field, Model, SchemaInfo } from './model.js'
import { validationError } from '../errors.js'

/** The user's ScyllaDB layout for one model: partition key fields and clustering fields with order. */
export interface ModelLayout {
  partitionKey: string[]
  clusteringKey?: (string | [string, 'asc' | 'desc'])[]
}
export type LayoutOptions = Record<string, ModelLayout>

const LAYOUT = Symbol.for('tandem-orm:layout')

/**
 * Attaches a default ScyllaDB layout to a Drizzle table, for schemas shipped as modules (like
 * `creditsSchema`); `createDb({ layout })` still overrides it.
 * @example export const message = withLayout(pgTable('message', {…}), { partitionKey: ['channelId'] })
 */
export function withLayout<T extends object>(table: T, layout: ModelLayout): T {
  Object.defineProperty(table, LAYOUT, { value: layout, enumerable: false })
  return table
}

function attachedLayout(model: Model): ModelLayout | undefined {
  return (model.drizzle as unknown as Record<symbol, ModelLayout | undefined>)[LAYOUT]
}

export interface Clustering {
  readonly field: string
  readonly dir: 'asc' | 'desc'
}

/**
 * One CQL table. `base` holds the rows; `unique` maps a unique key to the base key (uniqueness by
 * LWT); `index` maps a foreign-key or index value to the base keys of its rows (one partition per value).
 */
export interface CqlTable {
  readonly kind: 'base' | 'unique' | 'index'
  readonly name: string
  readonly partitionKey: readonly string[]
  readonly clustering: readonly Clustering[]
  /** every field stored, key fields first */
  readonly fields: readonly string[]
  /** for lookups: the fields the lookup is keyed by (unique key or index fields) */
  readonly keyFields: readonly string[]
  readonly primary: boolean
}

export interface ModelTables {
  readonly model: Model
  readonly base: CqlTable
  /** partition key then clustering fields: identifies one base row */
  readonly baseKey: readonly string[]
  /** true when the base key is exactly the primary key (then the base insert itself enforces it by LWT) */
  readonly baseKeyIsPrimary: boolean
  readonly uniques: readonly CqlTable[]
  readonly indexes: readonly CqlTable[]
}

const MAX_TABLE_NAME = 48 // Cassandra's limit on table names

function tableName(base: string, suffix: string): string {
  const name = suffix ? `${base}__by_${suffix}` : base
  if (name.length <= MAX_TABLE_NAME) return name
  const hash = createHash('sha1').update(name).digest('hex').slice(0, 8)
  return `${name.slice(0, MAX_TABLE_NAME - 9)}_${hash}`
}

const columnsOf = (model: Model, fields: readonly string[]) => fields.map((f) => model.fields.get(f)!.column).join('_')

/**
 * Derives the CQL tables of one model: the base table (keyed by the primary key, or by `layout`),
 * a lookup per unique key the base key does not already serve, and an index lookup per foreign key
 * and declared index.
 */
export function deriveTables(model: Model, layout: ModelLayout | undefined): ModelTables {
  const ctx = `layout.${model.name}`
  const need = (name: string): Field => {
    const f = model.fields.get(name)
    if (!f) throw validationError(ctx, `unknown field \`${name}\`; fields are ${[...model.fields.keys()].join(', ')}`)
    if (f.nullable) throw validationError(ctx, `\`${name}\` is nullable; key fields must be notNull()`)
    if (f.kind === 'json') throw validationError(ctx, `\`${name}\` is json and cannot be a key`)
    if (f.isList) throw validationError(ctx, `\`${name}\` is an array column and cannot be a key on ScyllaDB`)
    return f
  }
  // a lookup is keyed by its fields' values: a list value cannot be a CQL key
  for (const key of [...model.uniqueKeys, ...model.indexes, ...model.foreignKeys]) {
    const list = key.fields.find((f) => model.fields.get(f)?.isList)
    if (list)
      throw validationError(
        ctx,
        `\`${list}\` (column "${model.fields.get(list)!.column}") is an array column: ScyllaDB cannot key a table or lookup by it; remove it from the key, unique constraint or index`,
      )
  }
  let partitionKey = [...model.primaryKey]
  let clustering: Clustering[] = []
  if (layout) {
    if (!Array.isArray(layout.partitionKey) || layout.partitionKey.length === 0)
      throw validationError(ctx, '`partitionKey` must list at least one field')
    partitionKey = layout.partitionKey.map((f) => need(f).name)
    clustering = (layout.clusteringKey ?? []).map((c) => {
      const [field, dir] = typeof c === 'string' ? [c, 'asc' as const] : c
      if (dir !== 'asc' && dir !== 'desc')
        throw validationError(ctx, `clustering order of \`${field}\` must be "asc" or "desc"`)
      return { field: need(field).name, dir }
    })
    const all = [...partitionKey, ...clustering.map((c) => c.field)]
    if (new Set(all).size !== all.length) throw validationError(ctx, 'a field appears twice in the key')
    const missing = model.primaryKey.filter((f) => !all.includes(f))
    if (missing.length)
      throw validationError(
        ctx,
        `the key must contain the primary key so rows stay distinct; add ${missing.join(', ')} (e.g. as the last clustering column)`,
      )
  }
  const baseKey = [...partitionKey, ...clustering.map((c) => c.field)]
  const baseKeyIsPrimary =
    baseKey.length === model.primaryKey.length && model.primaryKey.every((f) => baseKey.includes(f))
  const rest = [...model.fields.keys()].filter((f) => !baseKey.includes(f))
  const base: CqlTable = {
    kind: 'base',
    name: tableName(model.table, ''),
    partitionKey,
    clustering,
    fields: [...baseKey, ...rest],
    keyFields: baseKey,
    primary: true,
  }

  const uniques: CqlTable[] = []
  for (const key of model.uniqueKeys) {
    if (key.primary && baseKeyIsPrimary) continue
    const extra = baseKey.filter((f) => !key.fields.includes(f))
    uniques.push({
      kind: 'unique',
      name: tableName(model.table, columnsOf(model, key.fields)),
      partitionKey: key.fields,
      clustering: [],
      fields: [...key.fields, ...extra],
      keyFields: key.fields,
      primary: key.primary,
    })
  }
  const indexes: CqlTable[] = []
  const seen = new Set(model.uniqueKeys.map((u) => u.fields.join(',')))
  const candidates = [...model.foreignKeys.map((fk) => fk.fields), ...model.indexes.map((ix) => ix.fields)]
  for (const fields of candidates) {
    const sig = fields.join(',')
    // already served: a unique key, an earlier index, or the base table itself (the index starts with
    // the partition key, so a partition read finds the rows)
    if (seen.has(sig) || partitionKey.every((f, i) => fields[i] === f)) continue
    seen.add(sig)
    const extra = baseKey.filter((f) => !fields.includes(f))
    indexes.push({
      kind: 'index',
      name: tableName(model.table, columnsOf(model, fields)),
      partitionKey: fields,
      clustering: extra.map((field) => ({ field, dir: 'asc' as const })),
      fields: [...fields, ...extra],
      keyFields: fields,
      primary: false,
    })
  }
  return { model, base, baseKey, baseKeyIsPrimary, uniques, indexes }
}

export function deriveAllTables(schema: SchemaInfo, layout: LayoutOptions = {}): Map<string, ModelTables> {
  for (const name of Object.keys(layout))
    if (!schema.models.has(name))
      throw validationError('layout', `unknown model \`${name}\`; models are ${[...schema.models.keys()].join(', ')}`)
  const out = new Map<string, ModelTables>()
  for (const model of schema.models.values())
    if (model.unsupported.length === 0)
      // refused models have no tables (see column-types.ts)
      out.set(model.name, deriveTables(model, layout[model.name] ?? attachedLayout(model)))
  return out
}

const CQL_TYPES: Record<Field['kind'], string> = {
  uuid: 'uuid',
  string: 'text',
  int: 'int',
  bigint: 'bigint',
  boolean: 'boolean',
  float: 'double',
  decimal: 'decimal',
  timestamp: 'timestamp',
  date: 'date',
  json: 'text',
  enum: 'text',
  bytes: 'blob',
  time: 'time',
  inet: 'inet',
  // CQL has no network type; the text PostgreSQL prints is kept
  cidr: 'text',
}

/** The CQL type of a field; an array column is a frozen list (a whole value, as a PostgreSQL array is). */
export function cqlType(field: Field): string {
  const element = field.kind === 'float' && field.single ? 'float' : CQL_TYPES[field.kind]
  return field.isList ? `frozen<list<${element}>>` : element
}

export const cqlName = (name: string) => `"${name.replace(/"/g, '""')}"`

/** CREATE TABLE for one CQL table, idempotent. */
export function createTableCql(keyspace: string, model: Model, table: CqlTable): string {
  const col = (f: string) => cqlName(model.fields.get(f)!.column)
  const columns = table.fields.map((f) => `${col(f)} ${cqlType(model.fields.get(f)!)}`)
  const pk = `(${table.partitionKey.map(col).join(', ')})${table.clustering.map((c) => `, ${col(c.field)}`).join('')}`
  const order = table.clustering.length
    ? ` WITH CLUSTERING ORDER BY (${table.clustering.map((c) => `${col(c.field)} ${c.dir.toUpperCase()}`).join(', ')})`
    : ''
  return `CREATE TABLE IF NOT EXISTS ${cqlName(keyspace)}.${cqlName(table.name)} (${columns.join(', ')}, PRIMARY KEY (${pk}))${order}`
}
