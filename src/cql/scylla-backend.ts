import type { ForeignKey, Model, Row, SchemaInfo } from '../schema/model.js'
import { createTableCql, cqlName, deriveAllTables, type CqlTable, type LayoutOptions, type ModelTables } from '../schema/scylla-layout.js'
import type { Backend, Ledger, LedgerModels, Operation, Statement } from '../adapter/backend.js'
import { ScyllaLedger } from './scylla-ledger.js'
import { byPrimaryKey, ScyllaUndoLog } from './scylla-undo.js'
import { TandemError, uniqueViolation, validationError } from '../adapter/errors.js'
import { applyUpdate, compareValues, evaluate, rowComparator, type RelationResolver } from '../adapter/evaluate.js'
import { keyOf as rowKey } from '../adapter/runner.js'
import { andFilters, FALSE, type Filter, type ReadQuery, type UpdateOps } from '../adapter/query.js'
import { CqlExecutor, type CqlStatement } from './cql-executor.js'
import { deleteRow, insertRow, keyOf, selectBase, selectByKey, selectLookup, updateRow } from './cql-statements.js'
import { planRead, type BaseRead, type ReadPlan } from './read-planner.js'
import { rowFromCql, toCql } from './scylla-values.js'
import { defaultFor, outOfRange, sampleValue } from '../adapter/values.js'

/** Distinct non-null value tuples of some fields. */
function keyTuples(rows: readonly Row[], fields: readonly string[]): unknown[][] {
  const out = new Map<string, unknown[]>()
  for (const r of rows) {
    const k = rowKey(r, fields)
    if (k !== undefined) out.set(k, fields.map((f) => r[f]))
  }
  return [...out.values()]
}

/** Rows whose `fields` equal one of the tuples (an `in` for one field; several fields: one branch each). */
function keysFilter(fields: readonly string[], tuples: readonly unknown[][]): Filter {
  if (tuples.length === 0) return FALSE
  if (fields.length === 1) return { kind: 'cmp', field: fields[0]!, op: 'in', value: tuples.map((t) => t[0]) }
  return { kind: 'or', items: tuples.map((t) => andFilters(...fields.map((f, i): Filter => ({ kind: 'cmp', field: f, op: 'eq', value: t[i] })))!) }
}

function defaultOf(model: Model, field: string): unknown {
  return defaultFor(model.fields.get(field)!, new Date())?.value ?? null
}

export interface ScyllaOptions {
  /** host[:port] list; default SCYLLA_HOSTS (or SCYLLA_HOST), comma separated */
  contactPoints?: string[]
  /** default SCYLLA_DATACENTER or 'datacenter1' */
  localDataCenter?: string
  /** default SCYLLA_KEYSPACE or 'tandem' */
  keyspace?: string
  /** replication of the keyspace `$push` creates; default { class: 'NetworkTopologyStrategy', <dc>: 1 } */
  replication?: Record<string, string | number>
  /** default 5000 */
  connectTimeoutMs?: number
  /** per-request client timeout; default 12000 */
  readTimeoutMs?: number
  /** how many rows of a createMany/updateMany/deleteMany are written at once; default 32 */
  writeConcurrency?: number
  /** receives driver warnings; a library never writes to stdout */
  logger?: (level: string, message: string) => void
}

const MAX_CAS_RETRIES = 16
/** a unique entry whose row is missing is taken over only once it is this old (its create may be in flight) */
const ORPHAN_GRACE_MS = 30_000

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}

const same = (model: Model, f: string, a: unknown, b: unknown) =>
  (a === null || a === undefined) ? (b === null || b === undefined) : b !== null && b !== undefined && compareValues(model.fields.get(f), a, b) === 0

/**
 * The ScyllaDB backend: reads go through the access path the planner picks (never a scan), writes keep
 * the base table and its lookup tables in step (LWT for uniqueness, LOGGED batches for the rest).
 */
export class ScyllaBackend implements Backend {
  readonly kind = 'scylla' as const
  private readonly tables: Map<string, ModelTables>
  /** @internal */ readonly keyspace: string
  private readonly dataCenter: string
  private readonly options: ScyllaOptions
  private executor: CqlExecutor | undefined
  private readonly texts = new Map<string, string>()

  constructor(private readonly schema: SchemaInfo, options: ScyllaOptions = {}, layout?: LayoutOptions) {
    this.options = options
    this.tables = deriveAllTables(schema, layout)
    this.keyspace = options.keyspace ?? process.env.SCYLLA_KEYSPACE ?? 'tandem'
    if (!/^[A-Za-z][A-Za-z0-9_]{0,47}$/.test(this.keyspace)) throw validationError('createDb', `keyspace "${this.keyspace}" must be letters, digits and _ (at most 48)`)
    this.dataCenter = options.localDataCenter ?? process.env.SCYLLA_DATACENTER ?? 'datacenter1'
  }

  /** @internal */ get exec(): CqlExecutor {
    if (!this.executor) {
      const hosts = this.options.contactPoints ?? (process.env.SCYLLA_HOSTS ?? process.env.SCYLLA_HOST ?? '').split(',').map((h) => h.trim()).filter(Boolean)
      if (hosts.length === 0) throw validationError('createDb', 'no ScyllaDB hosts: pass scylla.contactPoints or set SCYLLA_HOSTS (npm run db:up prints it)')
      this.executor = new CqlExecutor({
        contactPoints: hosts,
        localDataCenter: this.dataCenter,
        connectTimeoutMs: this.options.connectTimeoutMs ?? 5000,
        readTimeoutMs: this.options.readTimeoutMs ?? 12000,
        logger: this.options.logger,
      })
    }
    return this.executor
  }

  /** Memoized statement text by shape key. */
  /** @internal */ text(key: string, build: () => string): string {
    let t = this.texts.get(key)
    if (t === undefined) {
      t = build()
      this.texts.set(key, t)
    }
    return t
  }

  /** @internal */ tablesOf(model: Model): ModelTables {
    return this.tables.get(model.name)!
  }

  async run(model: Model, operation: Operation): Promise<Row[] | number> {
    const t = this.tablesOf(model)
    const concurrency = this.options.writeConcurrency ?? 32
    switch (operation.op) {
      case 'findMany':
        return this.read(t, operation.query, `${model.name}.findMany`)
      case 'count':
        return (await this.read(t, { ...operation.query, take: undefined, skip: undefined, orderBy: [] }, `${model.name}.count`)).length
      case 'insert': {
        await this.checkReferences(t, operation.rows, `${model.name}.create`)
        const settled = await mapLimit(operation.rows, concurrency, (row) =>
          this.insertOne(t, row, operation.skipDuplicates).then((value) => ({ value }), (error: unknown) => ({ error })),
        )
        const failed = settled.find((r): r is { error: unknown } => 'error' in r)
        const stored = settled.flatMap((r) => ('value' in r && r.value ? [r.value] : []))
        if (failed) {
          // createMany is one statement on PostgreSQL: all rows or none. Take back the rows this call wrote.
          await mapLimit(stored, concurrency, (row) => this.deleteRow(t, row)).catch(() => {})
          throw failed.error
        }
        return stored
      }
      case 'update': {
        const rows = await this.read(t, operation.query, `${model.name}.update`)
        const settled = await mapLimit(rows, concurrency, (row) =>
          this.updateOne(t, row, operation.set, operation.query).then((value) => ({ row, value }), (error: unknown) => ({ row, error })),
        )
        const failed = settled.find((r): r is { row: Row; error: unknown } => 'error' in r)
        if (failed) {
          // updateMany is one statement on PostgreSQL: all rows or none. Put back the rows this call changed.
          const done = settled.flatMap((r) => ('value' in r && r.value ? [{ before: r.row, after: r.value }] : []))
          await mapLimit(done, concurrency, ({ before, after }) => {
            const restore: UpdateOps = Object.fromEntries(Object.keys(operation.set).map((f) => [f, { op: 'set' as const, value: before[f] }]))
            return this.updateOne(t, after, restore, { where: undefined, orderBy: [], take: undefined, skip: undefined, unique: true })
          }).catch(() => {})
          throw failed.error
        }
        return settled.flatMap((r) => ('value' in r && r.value ? [r.value] : []))
      }
      case 'delete': {
        const rows = await this.read(t, operation.query, `${model.name}.delete`)
        const removed = await mapLimit(rows, concurrency, (row) => this.deleteOne(t, row))
        return rows.filter((_, i) => removed[i])
      }
    }
  }

  // ---- reads ---------------------------------------------------------------------------------

  /** Plans (refusing before any I/O when no key serves the filter), reads, filters, orders, slices. */
  private async read(t: ModelTables, query: ReadQuery, ctx: string): Promise<Row[]> {
    const planned = await this.planWithRelations(t, query, ctx)
    return this.readPlanned(t, planned.plan, planned.query)
  }

  /**
   * A filter whose only key is through a relation (`members: { some: { profileId } }`) is served by
   * reading the related rows first (through their own key) and turning their keys into an `in` on this
   * model. Planning of both sides happens before any I/O, so an unservable filter is still refused early.
   */
  private async planWithRelations(t: ModelTables, query: ReadQuery, ctx: string): Promise<{ plan: ReadPlan; query: ReadQuery }> {
    try {
      return { plan: planRead(t, query, ctx), query }
    } catch (refusal) {
      const parts = query.where?.kind === 'and' ? query.where.items : query.where ? [query.where] : []
      for (const node of parts) {
        if (node.kind !== 'relation' || node.mode !== 'some' || !node.filter) continue
        const relation = t.model.relations.get(node.relation)!
        const target = this.tables.get(relation.target)!
        const childQuery: ReadQuery = { where: node.filter, orderBy: [], take: undefined, skip: undefined, unique: false }
        try {
          planRead(target, childQuery, ctx)
        } catch {
          continue
        }
        const children = await this.read(target, childQuery, ctx)
        const keys = keyTuples(children, relation.references)
        const narrowed: ReadQuery = { ...query, where: andFilters(query.where, keysFilter(relation.fields, keys)) }
        return { plan: planRead(t, narrowed, ctx), query: narrowed }
      }
      throw refusal
    }
  }

  /**
   * Relation filters are answered per row from the related rows of all the rows read, fetched at once
   * per relation (an `in` on the related key): some / none look for a related row matching the filter,
   * every for one that fails it.
   */
  private async relationResolver(t: ModelTables, where: Filter, rows: Row[], ctx: string): Promise<RelationResolver | undefined> {
    const nodes: Extract<Filter, { kind: 'relation' }>[] = []
    const collect = (f: Filter) => {
      if (f.kind === 'relation') nodes.push(f)
      else if (f.kind === 'and' || f.kind === 'or') f.items.forEach(collect)
      else if (f.kind === 'not') collect(f.item)
    }
    collect(where)
    if (nodes.length === 0) return undefined
    const matched = new Map<Filter, Set<string>>()
    await Promise.all(
      nodes.map(async (node) => {
        const relation = t.model.relations.get(node.relation)!
        const keys = keyTuples(rows, relation.fields)
        const inner = node.mode === 'every' ? (node.filter ? ({ kind: 'not', item: node.filter } as Filter) : FALSE) : node.filter
        const children = keys.length === 0 ? [] : await this.read(this.tables.get(relation.target)!, { where: andFilters(keysFilter(relation.references, keys), inner), orderBy: [], take: undefined, skip: undefined, unique: false }, ctx)
        matched.set(node, new Set(children.map((c) => rowKey(c, relation.references)!)))
      }),
    )
    return (node, row) => {
      const relation = t.model.relations.get(node.relation)!
      const k = rowKey(row, relation.fields)
      const has = k !== undefined && matched.get(node)!.has(k)
      return node.mode === 'some' ? has : !has
    }
  }

  private async readPlanned(t: ModelTables, plan: ReadPlan, query: ReadQuery): Promise<Row[]> {
    const model = t.model
    let rows: Row[]
    if (plan.path === 'base') {
      const statements = this.baseStatements(t, plan)
      const parts = await Promise.all(statements.map((s) => this.exec.select(s.query, s.params, plan.limit)))
      rows = parts.flat().map((r) => rowFromCql(model, r))
    } else {
      const lookupText = this.text(`L:${plan.table.name}`, () => selectLookup(this.keyspace, model, plan.table))
      const keyRows = (await Promise.all(plan.keys.map((k) => this.exec.select(lookupText, k.map((v, i) => toCql(model.fields.get(plan.table.partitionKey[i]!)!, v)))))).flat()
      rows = await this.readByBaseKeys(t, keyRows.map((r) => rowFromCql(model, r, plan.table.fields.map((f) => model.fields.get(f)!))))
    }
    // The whole filter is checked in memory too: parts CQL already applied pass again, cheaply.
    // the filter runs again in memory only where CQL did not apply all of it
    if (query.where && (plan.path === 'lookup' || plan.residual)) {
      const relations = await this.relationResolver(t, query.where, rows, model.name)
      rows = rows.filter((r) => evaluate(model, query.where!, r, relations) === true)
    }
    const ordered = plan.path === 'base' && plan.partitions.length <= 1 && (plan.order === 'native' || plan.order === 'reversed')
    if (query.orderBy.length && !ordered) rows.sort(rowComparator(model, query.orderBy))
    const skip = query.skip ?? 0
    const take = query.unique ? 1 : query.take
    return take === undefined ? rows.slice(skip) : rows.slice(skip, skip + take)
  }

  /** Point reads of base rows by full base key, issued together. */
  /** @internal */ async readByBaseKeys(t: ModelTables, keys: Row[]): Promise<Row[]> {
    const model = t.model
    const text = this.text(`K:${t.base.name}`, () => selectByKey(this.keyspace, model, t.base, t.baseKey))
    const seen = new Set<string>()
    const unique = keys.filter((k) => {
      const sig = JSON.stringify(t.baseKey.map((f) => String(k[f])))
      if (seen.has(sig)) return false
      seen.add(sig)
      return true
    })
    const found = await mapLimit(unique, 64, (k) => this.exec.select(text, this.bind(model, t.baseKey, k)))
    return found.flat().map((r) => rowFromCql(model, r))
  }

  private baseStatements(t: ModelTables, plan: BaseRead): CqlStatement[] {
    const model = t.model
    const shape = `B:${t.base.name}:${plan.clustering.eq.length}:${plan.clustering.slices.map((s) => `${s.fields.join(',')}${s.op}`).join('|')}:${plan.order}:${plan.limit !== undefined}`
    const query = this.text(shape, () => selectBase(this.keyspace, model, plan))
    const clusteringParams = [
      ...plan.clustering.eq.map((v, i) => toCql(model.fields.get(t.base.clustering[i]!.field)!, v)),
      ...plan.clustering.slices.flatMap((s) => s.values.map((v, i) => toCql(model.fields.get(s.fields[i]!)!, v))),
    ]
    return plan.partitions.map((p) => ({
      query,
      params: [...p.map((v, i) => toCql(model.fields.get(t.base.partitionKey[i]!)!, v)), ...clusteringParams, ...(plan.limit !== undefined ? [plan.limit] : [])],
    }))
  }

  /** @internal */ bind(model: Model, fields: readonly string[], row: Row): unknown[] {
    return fields.map((f) => toCql(model.fields.get(f)!, row[f]))
  }

  // ---- writes --------------------------------------------------------------------------------

  /** @internal */ insertStatement(t: ModelTables, table: CqlTable, row: Row, ifNotExists = false): CqlStatement {
    const model = t.model
    return { query: this.text(`I:${table.name}:${ifNotExists}`, () => insertRow(this.keyspace, model, table, ifNotExists)), params: this.bind(model, table.fields, row) }
  }

  /** @internal */ deleteStatement(t: ModelTables, table: CqlTable, row: Row, ifFields: readonly string[] = [], ifExists = false): CqlStatement {
    const model = t.model
    const key = keyOf(table)
    return {
      query: this.text(`D:${table.name}:${ifFields.join(',')}:${ifExists}`, () => deleteRow(this.keyspace, model, table, key, ifFields, ifExists)),
      params: [...this.bind(model, key, row), ...this.bind(model, ifFields, row)],
    }
  }

  /** Lookup rows exist only for non-null key values (NULLs are never equal, as in SQL). */
  private hasKey(table: CqlTable, row: Row): boolean {
    return table.keyFields.every((f) => row[f] !== null && row[f] !== undefined)
  }

  private async insertOne(t: ModelTables, row: Row, skipDuplicates: boolean): Promise<Row | null> {
    const model = t.model
    const stored: Row = {}
    for (const f of model.fields.keys()) stored[f] = row[f] ?? null
    const claimed: CqlTable[] = []
    let baseWritten = false
    try {
      for (const u of t.uniques) {
        if (!this.hasKey(u, stored)) continue
        if (!(await this.claim(t, u, stored))) throw uniqueViolation(model.name, u.keyFields)
        claimed.push(u)
      }
      const indexWrites = t.indexes.filter((ix) => this.hasKey(ix, stored)).map((ix) => this.insertStatement(t, ix, stored))
      if (t.baseKeyIsPrimary) {
        const s = this.insertStatement(t, t.base, stored, true)
        if (!(await this.exec.lwt(s.query, s.params)).applied) throw uniqueViolation(model.name, model.primaryKey)
        baseWritten = true
        await this.exec.batch(indexWrites)
      } else {
        await this.exec.batch([...indexWrites, this.insertStatement(t, t.base, stored)])
      }
      return stored
    } catch (e) {
      // undo what this call wrote (a failed create writes nothing); the failure is what the caller sees
      if (baseWritten) await this.exec.batch([this.deleteStatement(t, t.base, stored), ...t.indexes.filter((ix) => this.hasKey(ix, stored)).map((ix) => this.deleteStatement(t, ix, stored))]).catch(() => {})
      await this.releaseAll(t, claimed, stored).catch(() => {})
      if (skipDuplicates && (e as { code?: string }).code === 'P2002') return null
      throw e
    }
  }

  /**
   * Claims a unique value with `INSERT … IF NOT EXISTS`. If the value is taken by an entry whose base
   * row is gone or no longer holds it (left by an interrupted write), the entry is taken over by CAS.
   */
  private async claim(t: ModelTables, u: CqlTable, row: Row): Promise<boolean> {
    const model = t.model
    const s = this.insertStatement(t, u, row, true)
    const r = await this.exec.lwt(s.query, s.params)
    if (r.applied) return true
    const holder = r.current ? rowFromCql(model, r.current, u.fields.map((f) => model.fields.get(f)!)) : undefined
    if (!holder) return false
    const [base] = await this.readByBaseKeys(t, [holder])
    if (base && u.keyFields.every((f) => same(model, f, base[f], row[f]))) return false
    const extra = u.fields.filter((f) => !u.keyFields.includes(f))
    if (extra.length === 0) return false
    // a young entry may belong to a create still in flight (claimed, base row not yet written)
    const col = cqlName(model.fields.get(extra[0]!)!.column)
    const age = await this.exec.select(
      this.text(`W:${u.name}`, () => `SELECT WRITETIME(${col}) AS w FROM ${cqlName(this.keyspace)}.${cqlName(u.name)} WHERE ${u.keyFields.map((f) => `${cqlName(model.fields.get(f)!.column)} = ?`).join(' AND ')}`),
      this.bind(model, u.keyFields, row),
    )
    const writtenMs = Number(age[0]?.w ?? 0n) / 1000
    if (Date.now() - writtenMs < ORPHAN_GRACE_MS) return false
    const text = this.text(`T:${u.name}`, () => updateRow(this.keyspace, model, u, u.keyFields, extra, extra))
    const taken = await this.exec.lwt(text, [...this.bind(model, extra, row), ...this.bind(model, u.keyFields, row), ...this.bind(model, extra, holder)])
    return taken.applied
  }

  /** Removes unique entries this row holds, only while they still point at it. */
  private async releaseAll(t: ModelTables, tables: readonly CqlTable[], row: Row): Promise<void> {
    for (const u of tables) {
      const extra = u.fields.filter((f) => !u.keyFields.includes(f))
      const s = this.deleteStatement(t, u, row, extra)
      if (extra.length) await this.exec.lwt(s.query, s.params)
      else await this.exec.write(s.query, s.params)
    }
  }

  /**
   * Updates one row read through a key. Arithmetic (increment, …) is a compare-and-set on the base
   * row, retried on contention; a changed key moves the row; changed unique values are claimed first
   * and the old entries released after; index entries follow in the same LOGGED batch.
   */
  private async updateOne(t: ModelTables, read: Row, ops: UpdateOps, query: ReadQuery): Promise<Row | null> {
    const model = t.model
    const arithmetic = Object.entries(ops).filter(([, op]) => op.op !== 'set').map(([f]) => f)
    let current = read
    for (let attempt = 0; attempt <= MAX_CAS_RETRIES; attempt++) {
      const next = applyUpdate(model, current, ops)
      for (const f of Object.keys(ops)) {
        const field = model.fields.get(f)!
        if (!field.nullable && (next[f] === null || next[f] === undefined)) throw validationError(`${model.name}.update`, `\`${f}\` must not be null`)
        if (field.kind === 'int' && typeof next[f] === 'number' && ((next[f] as number) > 2147483647 || (next[f] as number) < -2147483648)) throw outOfRange(field, next[f])
        if (field.kind === 'bigint' && next[f] !== null && (BigInt(next[f] as number) >= 2n ** 63n || BigInt(next[f] as number) < -(2n ** 63n))) throw outOfRange(field, next[f])
      }
      const changed = (f: string) => !same(model, f, current[f], next[f])
      if (attempt === 0) await this.checkReferences(t, [next], `${model.name}.update`, model.foreignKeys.filter((fk) => fk.fields.some(changed)))
      const keyMoved = t.baseKey.some(changed)
      const newClaims = t.uniques.filter((u) => (u.fields.some(changed)) && this.hasKey(u, next))
      const claimed: CqlTable[] = []
      for (const u of newClaims) {
        if (u.keyFields.some(changed)) {
          if (!(await this.claim(t, u, next))) {
            await this.releaseAll(t, claimed, next)
            throw uniqueViolation(model.name, u.keyFields)
          }
          claimed.push(u)
        }
      }
      // Every base-row write is a lightweight transaction, so concurrent writers of one row are
      // linearized: a plain UPDATE could recreate a row a concurrent delete just removed. New index
      // entries go first (a stale one is harmless: reads re-check the row), old ones after.
      const moved = t.indexes.filter((ix) => ix.fields.some(changed))
      const added = moved.filter((ix) => this.hasKey(ix, next))
      const removals = moved.filter((ix) => this.hasKey(ix, current)).map((ix) => this.deleteStatement(t, ix, current))
      await this.exec.batch(added.map((ix) => this.insertStatement(t, ix, next)))
      let applied: boolean
      if (keyMoved) {
        // a move takes the old row only if it still holds every value read, then writes it at its new key
        const others = t.base.fields.filter((f) => !t.baseKey.includes(f))
        const take = this.deleteStatement(t, t.base, current, others)
        applied = (await this.exec.lwt(take.query, take.params)).applied
        const insert = this.insertStatement(t, t.base, next)
        if (applied) await this.exec.write(insert.query, insert.params)
      } else {
        const set = Object.keys(ops).filter((f) => !t.baseKey.includes(f))
        const text = this.text(`U:${t.base.name}:${set.join(',')}:${arithmetic.join(',')}`, () => updateRow(this.keyspace, model, t.base, t.baseKey, set, arithmetic, true))
        applied = set.length === 0 || (await this.exec.lwt(text, [...this.bind(model, set, next), ...this.bind(model, t.baseKey, current), ...this.bind(model, arithmetic, current)])).applied
      }
      if (!applied) {
        // someone else changed, moved or deleted the row: undo our claims and start again from it
        await this.exec.batch(added.map((ix) => this.deleteStatement(t, ix, next))).catch(() => {})
        await this.releaseAll(t, claimed, next)
        const fresh = await this.reread(t, current)
        if (!fresh || (query.where && !(await this.stillMatches(t, query.where, fresh)))) return null
        current = fresh
        continue
      }
      // unique entries whose value stayed but whose base key moved get the new base key
      for (const u of t.uniques) if (keyMoved && !u.keyFields.some(changed) && this.hasKey(u, next)) removals.unshift(this.insertStatement(t, u, next))
      await this.exec.batch(removals)
      const stale = t.uniques.filter((u) => u.keyFields.some(changed) && this.hasKey(u, current))
      await this.releaseAll(t, stale, current)
      return next
    }
    throw new Error(`${model.name}.update: too much contention on one row (${MAX_CAS_RETRIES} compare-and-set retries); try again`)
  }

  /**
   * Deletes a row after applying the referential actions of the foreign keys that point at it, as
   * PostgreSQL would: restrict / no action refuse with P2003 while referencing rows exist; cascade deletes
   * them (transitively); set null clears their key fields.
   */
  private async deleteOne(t: ModelTables, row: Row): Promise<boolean> {
    const referencing = this.referencing(t.model)
    const children = await Promise.all(referencing.map(async (ref) => ({ ref, rows: await this.childrenOf(ref, row) })))
    for (const { ref, rows } of children) {
      if (rows.length && (ref.fk.onDelete === 'restrict' || ref.fk.onDelete === 'no action')) {
        throw new TandemError('P2003', `Foreign key constraint violated on the constraint: \`${ref.fk.name}\` (${ref.tables.model.name} rows still reference this ${t.model.name})`, {
          meta: { modelName: t.model.name, field_name: ref.fk.name },
        })
      }
    }
    for (const { ref, rows } of children) {
      if (ref.fk.onDelete === 'cascade') await mapLimit(rows, 16, (child) => this.deleteOne(ref.tables, child))
      else if (ref.fk.onDelete === 'set null' || ref.fk.onDelete === 'set default') {
        const set: UpdateOps = Object.fromEntries(ref.fk.fields.map((f) => [f, { op: 'set' as const, value: ref.fk.onDelete === 'set null' ? null : defaultOf(ref.tables.model, f) }]))
        await mapLimit(rows, 16, (child) => this.updateOne(ref.tables, child, set, { where: undefined, orderBy: [], take: undefined, skip: undefined, unique: true }))
      }
    }
    return this.deleteRow(t, row)
  }

  /** The row as it is now, by primary key; a row being moved is briefly absent, so look a few times. */
  private async reread(t: ModelTables, row: Row): Promise<Row | undefined> {
    for (let i = 0; i < 8; i++) {
      const [fresh] = await this.read(t, byPrimaryKey(t.model, row), `${t.model.name} (re-read)`)
      if (fresh) return fresh
      await sleep(5 * (i + 1))
    }
    return undefined
  }

  private async stillMatches(t: ModelTables, where: Filter, row: Row): Promise<boolean> {
    const relations = await this.relationResolver(t, where, [row], t.model.name)
    return evaluate(t.model, where, row, relations) === true
  }

  /**
   * Removes one row (`DELETE … IF EXISTS`: it linearizes with updates), then its index entries and unique
   * entries. A row moved meanwhile is followed to its new key. Returns whether this call removed it.
   */
  private async deleteRow(t: ModelTables, row: Row): Promise<boolean> {
    let current: Row | undefined = row
    for (let attempt = 0; current && attempt < 4; attempt++) {
      const s = this.deleteStatement(t, t.base, current, [], true)
      if ((await this.exec.lwt(s.query, s.params)).applied) {
        const gone = current
        await this.exec.batch(t.indexes.filter((ix) => this.hasKey(ix, gone)).map((ix) => this.deleteStatement(t, ix, gone)))
        await this.releaseAll(t, t.uniques.filter((u) => this.hasKey(u, gone)), gone)
        return true
      }
      const [moved]: Row[] = await this.read(t, byPrimaryKey(t.model, current), `${t.model.name} (re-read)`)
      current = moved && t.baseKey.some((f) => !same(t.model, f, moved[f], current![f])) ? moved : undefined
    }
    return false
  }

  /** Foreign keys of other models (or this one) that point at `model`. */
  private referencing(model: Model): { fk: ForeignKey; tables: ModelTables }[] {
    const out: { fk: ForeignKey; tables: ModelTables }[] = []
    for (const tables of this.tables.values()) for (const fk of tables.model.foreignKeys) if (fk.targetModel === model.name) out.push({ fk, tables })
    return out
  }

  private childrenOf(ref: { fk: ForeignKey; tables: ModelTables }, parent: Row): Promise<Row[]> {
    if (ref.fk.targetFields.some((f) => parent[f] === null || parent[f] === undefined)) return Promise.resolve([])
    const where = andFilters(...ref.fk.fields.map((f, i): Filter => ({ kind: 'cmp', field: f, op: 'eq', value: parent[ref.fk.targetFields[i]!] })))
    return this.read(ref.tables, { where, orderBy: [], take: undefined, skip: undefined, unique: false }, `${ref.tables.model.name} (${ref.fk.name})`)
  }

  /**
   * Foreign keys on ScyllaDB: before rows are written, every non-null reference must name an existing
   * row (P2003 otherwise), as PostgreSQL's constraint would. One point read per distinct parent.
   */
  private async checkReferences(t: ModelTables, rows: readonly Row[], ctx: string, fks: readonly ForeignKey[] = t.model.foreignKeys): Promise<void> {
    for (const fk of fks) {
      const target = this.tables.get(fk.targetModel)!
      const keys = new Map<string, Row>()
      for (const row of rows) {
        if (fk.fields.some((f) => row[f] === null || row[f] === undefined)) continue
        const key: Row = Object.fromEntries(fk.targetFields.map((f, i) => [f, row[fk.fields[i]!]]))
        keys.set(JSON.stringify(fk.targetFields.map((f) => String(key[f]))), key)
      }
      const missing = await mapLimit([...keys.values()], 32, async (key) => {
        const where = andFilters(...fk.targetFields.map((f): Filter => ({ kind: 'cmp', field: f, op: 'eq', value: key[f] })))
        const found = await this.read(target, { where, orderBy: [], take: 1, skip: undefined, unique: true }, ctx)
        return found.length === 0
      })
      if (missing.some(Boolean)) {
        throw new TandemError('P2003', `Foreign key constraint violated on the constraint: \`${fk.name}\` (no ${fk.targetModel} with that ${fk.targetFields.join(', ')})`, {
          meta: { modelName: t.model.name, field_name: fk.name },
        })
      }
    }
  }

  // ---- explain, DDL --------------------------------------------------------------------------

  explain(model: Model, operation: Operation): Statement[] {
    const t = this.tablesOf(model)
    const out: Statement[] = []
    const readStatements = (query: ReadQuery, ctx: string) => out.push(...this.explainRead(t, query, ctx))
    switch (operation.op) {
      case 'findMany': case 'count':
        readStatements(operation.query, `${model.name}.${operation.op}`)
        break
      case 'insert':
        for (const u of t.uniques) out.push({ text: insertRow(this.keyspace, model, u, true), table: u.name, note: 'claims the unique value (LWT)' })
        out.push({ text: insertRow(this.keyspace, model, t.base, t.baseKeyIsPrimary), table: t.base.name, note: t.baseKeyIsPrimary ? 'LWT: the primary key is unique' : 'in a LOGGED batch with the index entries' })
        for (const ix of t.indexes) out.push({ text: insertRow(this.keyspace, model, ix, false), table: ix.name, note: 'index entry (LOGGED batch)' })
        break
      case 'update': {
        readStatements(operation.query, `${model.name}.update`)
        const arithmetic = Object.entries(operation.set).filter(([, op]) => op.op !== 'set').map(([f]) => f)
        const set = Object.keys(operation.set).filter((f) => !t.baseKey.includes(f))
        if (set.length) out.push({ text: updateRow(this.keyspace, model, t.base, t.baseKey, set, arithmetic, true), table: t.base.name, note: arithmetic.length ? 'per matched row: compare-and-set (LWT), retried on contention' : 'per matched row (LWT)' })
        for (const ix of t.indexes.filter((ix) => ix.fields.some((f) => f in operation.set))) out.push({ text: insertRow(this.keyspace, model, ix, false), table: ix.name, note: 'index entry moved (delete + insert, LOGGED batch)' })
        for (const u of t.uniques.filter((u) => u.keyFields.some((f) => f in operation.set))) out.push({ text: insertRow(this.keyspace, model, u, true), table: u.name, note: 'claims the new unique value (LWT); the old entry is released after' })
        break
      }
      case 'delete':
        readStatements(operation.query, `${model.name}.delete`)
        out.push({ text: deleteRow(this.keyspace, model, t.base, t.baseKey, [], true), table: t.base.name, note: 'per matched row (LWT), then its index entries in one LOGGED batch' })
        for (const ix of t.indexes) out.push({ text: deleteRow(this.keyspace, model, ix, keyOf(ix)), table: ix.name })
        for (const u of t.uniques) out.push({ text: deleteRow(this.keyspace, model, u, u.keyFields, u.fields.filter((f) => !u.keyFields.includes(f))), table: u.name, note: 'released by LWT' })
        break
    }
    return out
  }

  /** The reads `read()` would issue for a query, relation filters included, as explain shows them. */
  private explainRead(t: ModelTables, query: ReadQuery, ctx: string): Statement[] {
    const model = t.model
    const out: Statement[] = []
    let plan: ReadPlan
    try {
      plan = planRead(t, query, ctx)
    } catch (refusal) {
      // served through a relation: the related rows first, then this model by the keys they give
      const parts = query.where?.kind === 'and' ? query.where.items : query.where ? [query.where] : []
      const via = parts.find((n): n is Extract<Filter, { kind: 'relation' }> => n.kind === 'relation' && n.mode === 'some' && !!n.filter)
      if (!via) throw refusal
      const relation = model.relations.get(via.relation)!
      const target = this.tables.get(relation.target)!
      out.push(...this.explainRead(target, { where: via.filter, orderBy: [], take: undefined, skip: undefined, unique: false }, ctx))
      const sample = [relation.fields.map((f) => sampleValue(model.fields.get(f)!))]
      plan = planRead(t, { ...query, where: andFilters(query.where, keysFilter(relation.fields, sample)) }, ctx)
    }
    if (plan.path === 'base') {
      const texts = this.baseStatements(t, plan)
      const note = `${plan.partitions.length} partition read(s), issued together; order ${plan.order}${plan.residual ? '; filter partly in memory' : ''}`
      if (texts[0]) out.push({ text: texts[0].query, table: t.base.name, note })
    } else {
      out.push({ text: selectLookup(this.keyspace, model, plan.table), table: plan.table.name, note: `${plan.keys.length} lookup partition(s), issued together` })
      out.push({ text: selectByKey(this.keyspace, model, t.base, t.baseKey), table: t.base.name, note: 'one point read per key found, issued together' })
    }
    // relation filters left for memory read the related rows of all rows at once, per relation
    const nodes: Extract<Filter, { kind: 'relation' }>[] = []
    const collect = (f: Filter | undefined) => {
      if (!f) return
      if (f.kind === 'relation') nodes.push(f)
      else if (f.kind === 'and' || f.kind === 'or') f.items.forEach(collect)
      else if (f.kind === 'not') collect(f.item)
    }
    collect(query.where)
    for (const node of nodes) {
      const relation = model.relations.get(node.relation)!
      const target = this.tables.get(relation.target)!
      const sample = [relation.references.map((f) => sampleValue(target.model.fields.get(f)!))]
      const inner = node.mode === 'every' ? (node.filter ? ({ kind: 'not', item: node.filter } as Filter) : FALSE) : node.filter
      out.push(...this.explainRead(target, { where: andFilters(keysFilter(relation.references, sample), inner), orderBy: [], take: undefined, skip: undefined, unique: false }, ctx).map((st) => ({ ...st, note: `${st.note ?? ''} (relation filter ${node.relation}: ${node.mode})`.trim() })))
    }
    return out
  }

  ddl(): string[] {
    const replication = this.options.replication ?? { class: 'NetworkTopologyStrategy', [this.dataCenter]: 1 }
    const repl = Object.entries(replication).map(([k, v]) => `'${k}': ${typeof v === 'number' ? v : `'${v}'`}`).join(', ')
    const out = [`CREATE KEYSPACE IF NOT EXISTS ${cqlName(this.keyspace)} WITH replication = {${repl}}`]
    for (const t of this.tables.values()) {
      for (const table of [t.base, ...t.uniques, ...t.indexes]) out.push(createTableCql(this.keyspace, t.model, table))
    }
    return out
  }

  async push(): Promise<void> {
    for (const stmt of this.ddl()) await this.exec.ddl(stmt)
  }

  async ping(): Promise<void> {
    await this.exec.select('SELECT release_version FROM system.local', [])
  }

  async transaction<T>(fn: (tx: Backend) => Promise<T>): Promise<T> {
    const log = new ScyllaUndoLog(this)
    try {
      return await fn(log)
    } catch (e) {
      await log.rollback()
      throw e
    }
  }

  ledger(models: LedgerModels): Ledger {
    return new ScyllaLedger(this, this.tablesOf(models.account), this.tablesOf(models.entries))
  }

  async close(): Promise<void> {
    await this.executor?.close()
    this.executor = undefined
  }
}
