import { createTableCql, cqlName, type ModelTables } from '../schema/scylla-layout.js'

/**
 * The CQL `$push` runs, in order: the keyspace, then every model's base table and lookup tables.
 * @example scyllaDdl('tandem', { class: 'NetworkTopologyStrategy', datacenter1: 1 }, tables)
 */
export function scyllaDdl(
  keyspace: string,
  replication: Readonly<Record<string, string | number>>,
  tables: Iterable<ModelTables>,
): string[] {
  const repl = Object.entries(replication)
    .map(([k, v]) => `'${k}': ${typeof v === 'number' ? v : `'${v}'`}`)
    .join(', ')
  const out = [`CREATE KEYSPACE IF NOT EXISTS ${cqlName(keyspace)} WITH replication = {${repl}}`]
  for (const t of tables)
    for (const table of [t.base, ...t.uniques, ...t.indexes]) out.push(createTableCql(keyspace, t.model, table))
  return out
}
