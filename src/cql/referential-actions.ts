import type { ForeignKey, Model, Row } from '../schema/model.js'
import type { ModelTables } from '../schema/scylla-layout.js'
import { TandemError } from '../errors.js'
import { andFilters, type Filter, type ReadQuery, type UpdateOps } from '../adapter/query.js'
import { defaultFor } from '../adapter/values.js'
import type { ReadPath } from './read-path.js'
import { mapLimit, type ScyllaSession } from './scylla-session.js'
import type { WriteProtocol } from './write-protocol.js'

const ANY_ROW: Omit<ReadQuery, 'where'> = { orderBy: [], take: undefined, skip: undefined, unique: false }
const ONE_ROW: Omit<ReadQuery, 'where'> = { orderBy: [], take: 1, skip: undefined, unique: true }

function defaultOf(model: Model, field: string): unknown {
  return defaultFor(model.fields.get(field)!, new Date())?.value ?? null
}

function violated(model: string, fk: ForeignKey, why: string): TandemError {
  return new TandemError('P2003', `Foreign key constraint violated on the constraint: \`${fk.name}\` (${why})`, {
    meta: { modelName: model, field_name: fk.name },
  })
}

/**
 * Foreign keys on ScyllaDB, enforced as PostgreSQL's constraints would: a written reference must name an
 * existing row, and deleting a row applies each referencing key's `onDelete` (restrict / no action
 * refuse with P2003, cascade deletes transitively, set null / set default clear the key).
 */
export class ReferentialActions {
  constructor(
    private readonly s: ScyllaSession,
    private readonly reads: ReadPath,
    private readonly writes: WriteProtocol,
  ) {}

  /**
   * Before rows are written: every non-null reference through `fks` must name an existing row (P2003
   * otherwise). One point read per distinct parent.
   */
  async checkReferences(
    t: ModelTables,
    rows: readonly Row[],
    ctx: string,
    fks: readonly ForeignKey[] = t.model.foreignKeys,
  ): Promise<void> {
    for (const fk of fks) {
      const target = this.s.tablesOf(fk.targetModel)
      const keys = new Map<string, Row>()
      for (const row of rows) {
        if (fk.fields.some((f) => row[f] === null || row[f] === undefined)) continue
        const key: Row = Object.fromEntries(fk.targetFields.map((f, i) => [f, row[fk.fields[i]!]]))
        keys.set(JSON.stringify(fk.targetFields.map((f) => String(key[f]))), key)
      }
      const missing = await mapLimit([...keys.values()], 32, async (key) => {
        const where = andFilters(
          ...fk.targetFields.map((f): Filter => ({ kind: 'cmp', field: f, op: 'eq', value: key[f] })),
        )
        return (await this.reads.read(target, { where, ...ONE_ROW }, ctx)).length === 0
      })
      if (missing.some(Boolean))
        throw violated(t.model.name, fk, `no ${fk.targetModel} with that ${fk.targetFields.join(', ')}`)
    }
  }

  /** Deletes a row after applying the referential actions of the foreign keys that point at it. */
  async deleteOne(t: ModelTables, row: Row): Promise<boolean> {
    const children = await Promise.all(
      this.referencing(t.model).map(async (ref) => ({ ref, rows: await this.childrenOf(ref, row) })),
    )
    for (const { ref, rows } of children) {
      if (rows.length && (ref.fk.onDelete === 'restrict' || ref.fk.onDelete === 'no action'))
        throw violated(t.model.name, ref.fk, `${ref.tables.model.name} rows still reference this ${t.model.name}`)
    }
    for (const { ref, rows } of children) {
      if (ref.fk.onDelete === 'cascade') await mapLimit(rows, 16, (child) => this.deleteOne(ref.tables, child))
      else if (ref.fk.onDelete === 'set null' || ref.fk.onDelete === 'set default') {
        const value = (f: string) => (ref.fk.onDelete === 'set null' ? null : defaultOf(ref.tables.model, f))
        const set: UpdateOps = Object.fromEntries(
          ref.fk.fields.map((f) => [f, { op: 'set' as const, value: value(f) }]),
        )
        await mapLimit(rows, 16, (child) =>
          this.writes.updateOne(ref.tables, child, set, { where: undefined, ...ONE_ROW, take: undefined }),
        )
      }
    }
    return this.writes.deleteRow(t, row)
  }

  /** Foreign keys of other models (or this one) that point at `model`. */
  private referencing(model: Model): { fk: ForeignKey; tables: ModelTables }[] {
    const out: { fk: ForeignKey; tables: ModelTables }[] = []
    for (const tables of this.s.allTables())
      for (const fk of tables.model.foreignKeys) if (fk.targetModel === model.name) out.push({ fk, tables })
    return out
  }

  private childrenOf(ref: { fk: ForeignKey; tables: ModelTables }, parent: Row): Promise<Row[]> {
    if (ref.fk.targetFields.some((f) => parent[f] === null || parent[f] === undefined)) return Promise.resolve([])
    const where = andFilters(
      ...ref.fk.fields.map((f, i): Filter => ({
        kind: 'cmp',
        field: f,
        op: 'eq',
        value: parent[ref.fk.targetFields[i]!],
      })),
    )
    return this.reads.read(ref.tables, { where, ...ANY_ROW }, `${ref.tables.model.name} (${ref.fk.name})`)
  }
}
