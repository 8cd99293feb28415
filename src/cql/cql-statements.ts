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
export function selectBase(keyspace: string, model: Model, plan: Pick<BaseRead, 'table' | 'clustering' | 'order' | 'limit'>): string {
  const t = plan.table
  const where = t.partitionKey.map((f) => `${col(model, f)} = ?`)
  plan.clustering.eq.forEach((_, i) => where.push(`${col(model, t.clustering[i]!.field)} = ?`))
  for (const s of plan.clustering.slices) {
    where.push(s.fields.length === 1 ? `${col(model, s.fields[0]!)} ${s.op} ?` : `(${cols(model, s.fields)}) ${s.op} (${s.fields.map(() => '?').join(', ')})`)
  }
  let text = `SELECT ${cols(model, t.fields)} FROM ${qualified(keyspace, t)} WHERE ${where.join(' AND ')}`
  if (plan.order === 'reversed' && t.clustering.length) {
    const first = t.clustering[0]!
    text += ` ORDER BY ${col(model, first.field)} ${first.dir === 'asc' ? 'DESC' : 'ASC'}`
  }
  if (plan.limit !== undefined) text += ' LIMIT ?'
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

/** DELETE one row by key, optionally only if the listed columns still hold the given values (LWT). */
export function deleteRow(keyspace: string, model: Model, table: CqlTable, key: readonly string[], ifFields: readonly string[] = [], ifExists = false): string {
  const cond = ifFields.length ? ` IF ${ifFields.map((f) => `${col(model, f)} = ?`).join(' AND ')}` : ifExists ? ' IF EXISTS' : ''
  return `DELETE FROM ${qualified(keyspace, table)} WHERE ${key.map((f) => `${col(model, f)} = ?`).join(' AND ')}${cond}`
}

/** UPDATE columns of one row, optionally conditional on current values (compare-and-set). */
export function updateRow(keyspace: string, model: Model, table: CqlTable, key: readonly string[], set: readonly string[], ifFields: readonly string[] = [], ifExists = false): string {
  const cond = ifFields.length ? ` IF ${ifFields.map((f) => `${col(model, f)} = ?`).join(' AND ')}` : ifExists ? ' IF EXISTS' : ''
  return `UPDATE ${qualified(keyspace, table)} SET ${set.map((f) => `${col(model, f)} = ?`).join(', ')} WHERE ${key.map((f) => `${col(model, f)} = ?`).join(' AND ')}${cond}`
}

/** The key of a lookup or base row: partition key then clustering fields. */
export function keyOf(table: CqlTable): string[] {
  return [...table.partitionKey, ...table.clustering.map((c) => c.field)]
}
