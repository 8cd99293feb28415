import { createTableCql, type ModelTables } from '../schema/scylla-layout.js'
import { keyspaceDdl, type ServerIdentity, type TabletsOption } from './scylla-tablets.js'

/**
 * The CQL `$push` runs, in order: the keyspace (its tablets clause decided by scylla-tablets.ts), then every
 * model's base table and lookup tables. `server` undefined is `$ddl()` (no I/O): see keyspaceDdl.
 * @example scyllaDdl('tandem', { class: 'NetworkTopologyStrategy', datacenter1: 1 }, tables)
 */
export function scyllaDdl(
  keyspace: string,
  replication: Readonly<Record<string, string | number>>,
  tables: Iterable<ModelTables>,
  tablets: TabletsOption = 'auto',
  server?: ServerIdentity,
): { statements: string[]; note?: string } {
  const ks = keyspaceDdl(keyspace, replication, tablets, server)
  const statements = [ks.cql]
  for (const t of tables)
    for (const table of [t.base, ...t.uniques, ...t.indexes]) statements.push(createTableCql(keyspace, t.model, table))
  return { statements, note: ks.note }
}
