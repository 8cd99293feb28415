import type { SchemaChange } from '../adapter/backend.js'
import { cqlName, cqlType, createTableCql, type CqlTable, type ModelTables } from '../schema/scylla-layout.js'

/** One column of a live table, as `system_schema.columns` describes it. */
export interface LiveColumn {
  readonly name: string
  readonly kind: 'partition_key' | 'clustering' | 'regular' | 'static'
  readonly position: number
  readonly type: string
  readonly order: 'asc' | 'desc' | 'none'
}

/** What a keyspace holds now: whether it exists, and its tables' columns. */
export interface LiveSchema {
  readonly keyspaceExists: boolean
  readonly tables: ReadonlyMap<string, readonly LiveColumn[]>
}

type Select = (query: string, params: readonly unknown[]) => Promise<Record<string, unknown>[]>

/**
 * Reads the keyspace's tables and columns from `system_schema` (two partition reads, whatever the table sizes).
 * @example const live = await readLiveSchema((q, p) => exec.select(q, p), 'tandem')
 */
export async function readLiveSchema(select: Select, keyspace: string): Promise<LiveSchema> {
  const ks = await select('SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?', [keyspace])
  if (ks.length === 0) return { keyspaceExists: false, tables: new Map() }
  const rows = await select(
    'SELECT table_name, column_name, kind, position, type, clustering_order FROM system_schema.columns WHERE keyspace_name = ?',
    [keyspace],
  )
  const tables = new Map<string, LiveColumn[]>()
  for (const r of rows) {
    const name = String(r.table_name)
    let list = tables.get(name)
    if (!list) tables.set(name, (list = []))
    list.push({
      name: String(r.column_name),
      kind: String(r.kind) as LiveColumn['kind'],
      position: Number(r.position),
      type: String(r.type),
      order: String(r.clustering_order) as LiveColumn['order'],
    })
  }
  return { keyspaceExists: true, tables }
}

/** What `$push` has to do to one keyspace: the changes in order, the refusals, and the lookups to fill. */
export interface SchemaPlan {
  readonly changes: SchemaChange[]
  /** one line per change that cannot be made in place (empty: the plan can run) */
  readonly refusals: string[]
  /** lookup tables created by this plan over base tables that already exist (their rows need entries) */
  readonly fills: { readonly model: string; readonly table: string }[]
}

const keyText = (cols: readonly string[]) => `(${cols.join(', ')})`

/**
 * Compares the layout the schema derives with the live keyspace: a missing table is created (a lookup over an
 * existing base table is also filled), a missing column is added, a column the schema no longer has is kept;
 * a different partition key, clustering key (or order) or column type is refused, since CQL cannot change them on
 * a live table. Pure: no I/O (golden-tested in test/unit/scylla-live-schema.test.ts).
 * @example planSchemaChanges('tandem', 'CREATE KEYSPACE …', tables, await readLiveSchema(select, 'tandem'))
 */
export function planSchemaChanges(
  keyspace: string,
  keyspaceCql: string,
  tables: Iterable<ModelTables>,
  live: LiveSchema,
): SchemaPlan {
  const plan: SchemaPlan = { changes: [], refusals: [], fills: [] }
  if (!live.keyspaceExists)
    plan.changes.push({
      kind: 'create-keyspace',
      description: `create keyspace ${keyspace}`,
      statement: keyspaceCql,
    })
  const adds: SchemaChange[] = []
  const kept: SchemaChange[] = []
  for (const t of tables) {
    const baseExists = live.tables.has(t.base.name)
    for (const table of [t.base, ...t.uniques, ...t.indexes]) {
      const columns = live.tables.get(table.name)
      if (!columns) {
        const fill = table.kind !== 'base' && baseExists
        plan.changes.push({
          kind: 'create-table',
          table: table.name,
          description: `create ${table.kind} table ${table.name} of ${t.model.name}${fill ? ` (then filled from the rows of ${t.base.name})` : ''}`,
          statement: createTableCql(keyspace, t.model, table),
        })
        if (fill) plan.fills.push({ model: t.model.name, table: table.name })
        continue
      }
      compareTable(keyspace, t, table, columns, plan.refusals, adds, kept)
    }
  }
  plan.changes.push(...adds)
  for (const f of plan.fills)
    plan.changes.push({
      kind: 'fill-lookup',
      table: f.table,
      description: `fill ${f.table} from the existing rows of ${f.model} (paged, resumable)`,
    })
  plan.changes.push(...kept)
  for (const r of plan.refusals) plan.changes.push({ kind: 'refused', description: r })
  return plan
}

function compareTable(
  keyspace: string,
  t: ModelTables,
  table: CqlTable,
  columns: readonly LiveColumn[],
  refusals: string[],
  adds: SchemaChange[],
  kept: SchemaChange[],
): void {
  const model = t.model
  const column = (f: string) => model.fields.get(f)!.column
  const byKind = (kind: LiveColumn['kind']) =>
    columns.filter((c) => c.kind === kind).sort((a, b) => a.position - b.position)
  const livePartition = byKind('partition_key').map((c) => c.name)
  const wantPartition = table.partitionKey.map(column)
  if (livePartition.join('\0') !== wantPartition.join('\0'))
    refusals.push(
      `${table.name}: the partition key is ${keyText(livePartition)} in the database and ${keyText(wantPartition)} in the schema`,
    )
  const liveClustering = byKind('clustering').map((c) => `${c.name} ${c.order === 'desc' ? 'desc' : 'asc'}`)
  const wantClustering = table.clustering.map((c) => `${column(c.field)} ${c.dir}`)
  if (liveClustering.join('\0') !== wantClustering.join('\0'))
    refusals.push(
      `${table.name}: the clustering key is ${keyText(liveClustering)} in the database and ${keyText(wantClustering)} in the schema`,
    )
  const have = new Map(columns.map((c) => [c.name, c]))
  const wanted = new Set<string>()
  for (const f of table.fields) {
    const field = model.fields.get(f)!
    const type = cqlType(field)
    wanted.add(field.column)
    const c = have.get(field.column)
    if (!c) {
      // a missing key column is already refused above (a key cannot be added)
      if (table.partitionKey.includes(f) || table.clustering.some((x) => x.field === f)) continue
      const nullNote =
        table.kind === 'base' && !field.nullable
          ? `; existing rows read null in \`${f}\` (notNull in the schema) until they are written`
          : ''
      adds.push({
        kind: 'add-column',
        table: table.name,
        description: `add column ${field.column} ${type} to ${table.name}${nullNote}`,
        statement: `ALTER TABLE ${cqlName(keyspace)}.${cqlName(table.name)} ADD ${cqlName(field.column)} ${type}`,
      })
    } else if (c.type !== type)
      refusals.push(`${table.name}.${field.column}: the type is ${c.type} in the database and ${type} in the schema`)
  }
  for (const c of columns)
    if (!wanted.has(c.name))
      kept.push({
        kind: 'kept',
        table: table.name,
        description: `column ${table.name}.${c.name} is not in the schema: kept (push never drops data)`,
      })
}
