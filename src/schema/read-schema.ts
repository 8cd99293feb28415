import {
  is,
  getTableColumns,
  SQL,
  One,
  createTableRelationsHelpers,
  extractTablesRelationalConfig,
  normalizeRelation,
} from 'drizzle-orm'
import { PgTable, getTableConfig, isPgEnum } from 'drizzle-orm/pg-core'
import type { AnyColumn } from 'drizzle-orm'
import type {
  DefaultSpec,
  EnumInfo,
  Field,
  ForeignKey,
  IndexKey,
  Model,
  RelationInfo,
  SchemaInfo,
  UniqueKey,
  UnsupportedColumn,
} from './model.js'
import { validationError } from '../errors.js'
import { classifyColumn } from './column-types.js'

/**
 * Reads a Drizzle schema module (the `import * as schema` of pgTable/pgEnum/relations exports) into
 * tandem's model metadata, through Drizzle's public accessors only.
 * @example const info = readSchema(await import('./schema.js'))
 */
export function readSchema(module: Record<string, unknown>): SchemaInfo {
  const models = new Map<string, Model>()
  const enums: EnumInfo[] = []
  const byTable = new Map<string, string>()
  for (const [exportName, value] of Object.entries(module)) {
    if (isPgEnum(value)) enums.push({ name: value.enumName, values: value.enumValues })
    else if (is(value, PgTable)) {
      const model = readTable(exportName, value)
      if (byTable.has(model.table)) {
        throw validationError(
          'schema',
          `tables ${byTable.get(model.table)} and ${exportName} both use the SQL name "${model.table}"`,
        )
      }
      models.set(exportName, model)
      byTable.set(model.table, exportName)
    }
  }
  if (models.size === 0)
    throw validationError('schema', 'the schema module exports no pgTable; pass `import * as schema from "./schema"`')
  // Foreign keys name their target by SQL table; resolve to model names now that all are known.
  for (const model of models.values()) {
    for (const fk of model.foreignKeys) {
      const target = byTable.get(fk.targetModel)
      if (!target)
        throw validationError(
          'schema',
          `${model.name} references table "${fk.targetModel}", which the schema does not export`,
        )
      ;(fk as { targetModel: string }).targetModel = target
    }
  }
  readRelations(module, models)
  for (const model of models.values()) schemaOfModel.set(model, models)
  return { models, enums, byTable }
}

const schemaOfModel = new WeakMap<Model, ReadonlyMap<string, Model>>()

/** The model a relation of `model` points at. */
export function relatedModel(model: Model, target: string): Model {
  const found = schemaOfModel.get(model)?.get(target)
  if (!found) throw new Error(`internal: ${model.name} has no related model ${target}`)
  return found
}

/** Reads `relations()` exports through Drizzle's own resolution (named relations included). */
function readRelations(module: Record<string, unknown>, models: Map<string, Model>): void {
  const { tables, tableNamesMap } = extractTablesRelationalConfig(module, createTableRelationsHelpers)
  for (const [tsName, config] of Object.entries(tables)) {
    const model = models.get(tsName)
    if (!model) continue
    const out = model.relations as Map<string, RelationInfo>
    for (const [name, relation] of Object.entries(config.relations)) {
      if (model.fields.has(name))
        throw validationError('schema', `${tsName}: relation \`${name}\` has the name of a field`)
      let normalized: ReturnType<typeof normalizeRelation>
      try {
        normalized = normalizeRelation(tables, tableNamesMap, relation)
      } catch (e) {
        throw validationError('schema', `${tsName}.${name}: ${(e as Error).message}`)
      }
      const targetName = tableNameToModel(models, relation.referencedTableName)
      const target = targetName ? models.get(targetName) : undefined
      if (!target)
        throw validationError(
          'schema',
          `${tsName}.${name} points at table "${relation.referencedTableName}", which the schema does not export`,
        )
      const keyOf = (m: Model, column: string) =>
        [...m.fields.values()].find((f) => f.column === column)?.name ?? column
      const fields = normalized.fields.map((c) => keyOf(model, c.name))
      const references = normalized.references.map((c) => keyOf(target, c.name))
      const isOne = is(relation, One)
      const owner = isOne && !!(relation as One).config
      out.set(name, {
        name,
        kind: isOne ? 'one' : 'many',
        target: target.name,
        fields,
        references,
        owner,
        optional: isOne && (!owner || fields.some((f) => model.fields.get(f)?.nullable)),
      })
    }
  }
}

function tableNameToModel(models: Map<string, Model>, table: string): string | undefined {
  return [...models.values()].find((m) => m.table === table)?.name
}

function readTable(name: string, table: PgTable): Model {
  const config = getTableConfig(table)
  const columns = getTableColumns(table) as Record<string, AnyColumn>
  const keyOfColumn = new Map<string, string>()
  const fields = new Map<string, Field>()
  const unsupported: UnsupportedColumn[] = []
  for (const [key, column] of Object.entries(columns)) {
    keyOfColumn.set(column.name, key)
    const field = readField(key, column)
    if ('reason' in field) unsupported.push(field)
    else fields.set(key, field)
  }
  const keysOf = (cols: readonly AnyColumn[]): string[] => cols.map((c) => keyOfColumn.get(c.name) ?? c.name)

  let primaryKey = Object.values(columns)
    .filter((c) => c.primary)
    .map((c) => keyOfColumn.get(c.name)!)
  const compositePk = config.primaryKeys[0]
  if (compositePk) primaryKey = keysOf(compositePk.columns)
  if (primaryKey.length === 0)
    throw validationError('schema', `table ${name} has no primary key; tandem needs one to identify rows`)

  const uniqueKeys: UniqueKey[] = [{ name: `${config.name}_pkey`, fields: primaryKey, primary: true }]
  const seen = new Set([primaryKey.join(',')])
  const addUnique = (ukName: string, ukFields: string[]) => {
    const sig = ukFields.join(',')
    if (seen.has(sig)) return
    seen.add(sig)
    uniqueKeys.push({ name: ukName, fields: ukFields, primary: false })
  }
  for (const column of Object.values(columns)) {
    if (column.isUnique && !column.primary)
      addUnique(column.uniqueName ?? `${config.name}_${column.name}_unique`, [keyOfColumn.get(column.name)!])
  }
  for (const uc of config.uniqueConstraints)
    addUnique(uc.name ?? `${config.name}_${uc.columns.map((c) => c.name).join('_')}_unique`, keysOf(uc.columns))

  const indexes: IndexKey[] = []
  for (const ix of config.indexes) {
    const cols = ix.config.columns.filter(
      (c): c is AnyColumn => !is(c, SQL) && typeof (c as AnyColumn).name === 'string',
    )
    if (cols.length !== ix.config.columns.length)
      throw validationError(
        'schema',
        `index ${ix.config.name ?? ''} on ${name} uses an expression; only column indexes are supported`,
      )
    const ixFields = keysOf(cols)
    if (ix.config.unique)
      addUnique(ix.config.name ?? `${config.name}_${cols.map((c) => c.name).join('_')}_key`, ixFields)
    else
      indexes.push({
        name: ix.config.name ?? `${config.name}_${cols.map((c) => c.name).join('_')}_idx`,
        fields: ixFields,
      })
  }

  const foreignKeys: ForeignKey[] = config.foreignKeys.map((fk) => {
    const ref = fk.reference()
    const targetTable = getTableConfig(ref.foreignTable)
    const targetColumns = getTableColumns(ref.foreignTable) as Record<string, AnyColumn>
    const targetKey = new Map(Object.entries(targetColumns).map(([k, c]) => [c.name, k]))
    return {
      name: fk.getName(),
      fields: keysOf(ref.columns),
      targetModel: targetTable.name, // resolved to the model name by readSchema
      targetFields: ref.foreignColumns.map((c) => targetKey.get(c.name) ?? c.name),
      onDelete: (fk.onDelete ?? 'no action') as ForeignKey['onDelete'],
    }
  })

  return {
    name,
    table: config.name,
    fields,
    primaryKey,
    uniqueKeys,
    indexes,
    foreignKeys,
    relations: new Map(),
    drizzle: table,
    unsupported,
  }
}

/** A column as a field, or as an unsupported column (its model is then refused, see column-types.ts). */
function readField(key: string, column: AnyColumn): Field | UnsupportedColumn {
  const c = column as AnyColumn & {
    columnType: string
    enumValues?: string[]
    defaultFn?: () => unknown
    onUpdateFn?: () => unknown
    baseColumn?: AnyColumn & { columnType: string; enumValues?: string[] }
  }
  const cls = classifyColumn(column)
  if (!cls.supported) return { field: key, column: c.name, sqlType: cls.sqlType, reason: cls.reason }
  const kind = cls.kind
  // an array's mode, scale and enum values are its element column's
  const el = cls.isList && c.baseColumn ? c.baseColumn : c
  let mode: Field['mode']
  if (kind === 'bigint') mode = /BigInt64|BigSerial64/.test(el.columnType) ? 'bigint' : 'number'
  if (kind === 'date' || kind === 'timestamp') mode = el.columnType.endsWith('String') ? 'string' : 'date'
  return {
    name: key,
    column: c.name,
    kind,
    mode,
    scale: kind === 'decimal' ? (el as unknown as { scale?: number }).scale : undefined,
    single: el.columnType === 'PgReal',
    nullable: !c.notNull,
    enumValues: kind === 'enum' ? el.enumValues : undefined,
    defaultValue: cls.autoincrement ? { kind: 'autoincrement', identity: cls.autoincrement.identity } : readDefault(c),
    onUpdate: c.onUpdateFn,
    isList: cls.isList,
    drizzle: column,
  }
}

function readDefault(c: AnyColumn & { defaultFn?: () => unknown }): DefaultSpec | undefined {
  if (c.defaultFn) return { kind: 'fn', fn: c.defaultFn }
  if (!c.hasDefault || c.default === undefined) return undefined
  if (is(c.default, SQL)) {
    const text = c.default.queryChunks
      .map((chunk) =>
        typeof chunk === 'object' && chunk !== null && 'value' in chunk
          ? ([] as string[]).concat((chunk as { value: string | string[] }).value).join('')
          : '',
      )
      .join('')
      .trim()
      .toLowerCase()
    if (text === 'now()' || text === 'current_timestamp' || text === 'current_timestamp()') return { kind: 'now' }
    if (text === 'gen_random_uuid()' || text === 'uuid_generate_v4()') return { kind: 'uuid' }
    return { kind: 'sql', text }
  }
  return { kind: 'value', value: c.default }
}
