import type { Model } from '../schema/model.js'
import { cqlName, type CqlTable } from '../schema/scylla-layout.js'
import type { BaseRead } from './read-planner.js'

/**
 * CQL text for each statement shape tandem issues. Pure functions of (table, shape); the backend
 * memoizes them by shape, so a call only binds values.
 */

export function qualified(keyspace: string, table: CqlTable): string {
  return `${cqlName(keyspace)}.${cqlName(table.name)}`
}

const col = (model: Model, f: string) => cqlName(model.fields.get(f)!.column)
const cols = (model: Model, fields: readonly string[]) => fields.map((f) => col(model, f)).join(', ')

/** SELECT from the base table: partition equality, clustering prefix, slices, order and limit. */
export function selectBase(
  keyspace: string,
  model: Model,
  plan: Pick<BaseRead, 'table' | 'clustering' | 'order' | 'limited'>,
): string {
  const t = plan.table
  const where = t.partitionKey.map((f) => `${col(model, f)} = ?`)
  plan.clustering.eq.forEach((_, i) => where.push(`${col(model, t.clustering[i]!.field)} = ?`))
  for (const s of plan.clustering.slices) {
    where.push(
      s.fields.length === 1
        ? `${col(model, s.fields[0]!)} ${s.op} ?`
        : `(${cols(model, s.fields)}) ${s.op} (${s.fields.map(() => '?').join(', ')})`,
    )
  }
  let text = `SELECT ${cols(model, t.fields)} FROM ${qualified(keyspace, t)} WHERE ${where.join(' AND ')}`
  if (plan.order === 'reversed' && t.clustering.length) {
    const first = t.clustering[0]!
    text += ` ORDER BY ${col(model, first.field)} ${first.dir === 'asc' ? 'DESC' : 'ASC'}`
  }
  if (plan.limited) text += ' LIMIT ?'
  return text
}

/** SELECT the base keys a lookup partition points at. */
export function selectLookup(keyspace: string, model: Model, table: CqlTable): string {
  return `SELECT ${cols(model, table.fields)} FROM ${qualified(keyspace, table)} WHERE ${table.partitionKey.map((f) => `${col(model, f)} = ?`).join(' AND ')}`
}

/** SELECT one base row by its full key. */
export function selectByKey(keyspace: string, model: Model, table: CqlTable, key: readonly string[]): string {
  return `SELECT ${cols(model, table.fields)} FROM ${qualified(keyspace, table)} WHERE ${key.map((f) => `${col(model, f)} = ?`).join(' AND ')}`
}

export function insertRow(keyspace: string, model: Model, table: CqlTable, ifNotExists: boolean): string {
  return `INSERT INTO ${qualified(keyspace, table)} (${cols(model, table.fields)}) VALUES (${table.fields.map(() => '?').join(', ')})${ifNotExists ? ' IF NOT EXISTS' : ''}`
}

/** `"a" = ?` for each field, joined */
const equalities = (model: Model, fields: readonly string[], separator: string) =>
  fields.map((f) => `${col(model, f)} = ?`).join(separator)

/** The LWT condition: the listed columns still hold the given values, or the row exists, or none. */
const condition = (model: Model, ifFields: readonly string[], ifExists: boolean) =>
  ifFields.length ? ` IF ${equalities(model, ifFields, ' AND ')}` : ifExists ? ' IF EXISTS' : ''

/** DELETE one row by key, optionally only if the listed columns still hold the given values (LWT). */
export function deleteRow(
  keyspace: string,
  model: Model,
  table: CqlTable,
  key: readonly string[],
  ifFields: readonly string[] = [],
  ifExists = false,
): string {
  return `DELETE FROM ${qualified(keyspace, table)} WHERE ${equalities(model, key, ' AND ')}${condition(model, ifFields, ifExists)}`
}

/** UPDATE columns of one row, optionally conditional on current values (compare-and-set). */
export function updateRow(
  keyspace: string,
  model: Model,
  table: CqlTable,
  key: readonly string[],
  set: readonly string[],
  ifFields: readonly string[] = [],
  ifExists = false,
): string {
  return `UPDATE ${qualified(keyspace, table)} SET ${equalities(model, set, ', ')} WHERE ${equalities(model, key, ' AND ')}${condition(model, ifFields, ifExists)}`
}

/** The key of a lookup or base row: partition key then clustering fields. */
export function keyOf(table: CqlTable): string[] {
  return [...table.partitionKey, ...table.clustering.map((c) => c.field)]
}

/**
 * Every fixed statement text tandem issues on one CQL table, built once when the backend starts (the
 * set is finite per table). Texts that vary with a call's fields (reads, updates) are compiled per
 * shape and kept in the plan cache instead.
 */
export class TableStatements {
  readonly insert: string
  readonly insertIfNotExists: string
  /** DELETE by the full key */
  readonly delete: string
  readonly deleteIfExists: string
  /** DELETE by key only while the non-key columns still hold the given values (releases a unique entry) */
  readonly deleteIfOwned: string
  /** SELECT by the full key */
  readonly selectByKey: string
  /** SELECT by partition key (a lookup partition) */
  readonly selectPartition: string
  /** the non-key fields, as deleteIfOwned compares them */
  readonly ownedBy: readonly string[]
  readonly key: readonly string[]
  /** unique tables: when the entry was written (an orphan is taken over only once it is old) */
  readonly writetime: string | undefined
  /** unique tables: point the entry at another row while it still points at the given one (CAS) */
  readonly takeover: string | undefined

  constructor(keyspace: string, model: Model, table: CqlTable) {
    this.key = keyOf(table)
    this.ownedBy = table.fields.filter((f) => !this.key.includes(f))
    this.insert = insertRow(keyspace, model, table, false)
    this.insertIfNotExists = insertRow(keyspace, model, table, true)
    this.delete = deleteRow(keyspace, model, table, this.key)
    this.deleteIfExists = deleteRow(keyspace, model, table, this.key, [], true)
    this.deleteIfOwned = deleteRow(keyspace, model, table, this.key, this.ownedBy)
    this.selectByKey = selectByKey(keyspace, model, table, this.key)
    this.selectPartition = selectLookup(keyspace, model, table)
    const owner = this.ownedBy[0]
    this.writetime =
      table.kind === 'unique' && owner
        ? `SELECT WRITETIME(${col(model, owner)}) AS w FROM ${qualified(keyspace, table)} WHERE ${this.key.map((f) => `${col(model, f)} = ?`).join(' AND ')}`
        : undefined
    this.takeover =
      table.kind === 'unique' && owner
        ? updateRow(keyspace, model, table, this.key, this.ownedBy, this.ownedBy)
        : undefined
  }
}
