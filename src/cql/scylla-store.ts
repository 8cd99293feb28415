import { randomBytes } from 'node:crypto'
import type { Field, Model, Row, SchemaInfo } from '../schema/model.js'
import { cqlName, type CqlTable, type ModelTables } from '../schema/scylla-layout.js'
import type {
  LookupIntegrity,
  LookupIssue,
  RowStore,
  ScanPage,
  SkippedRow,
  WriteMode,
  WriteOptions,
  WriteResult,
} from '../move/row-store.js'
import { keyOf, keyText, MetaTable, updateTimeField } from '../move/row-store.js'
import { sameRow } from '../move/row-compare.js'
import { toJsonRow } from '../move/json-rows.js'
import { qualified } from './cql-statements.js'
import type { CqlStatement } from './cql-executor.js'
import { mapLimit, type ScyllaSession } from './scylla-session.js'
import { rowDecoder, rowFromCql, toCql } from './scylla-values.js'
import { hasKey, sameValue } from './write-protocol.js'
import type { ScyllaSequences } from './scylla-sequence.js'

/**
 * The write timestamp (microseconds) of rows copied for a model without an update-time field: the oldest
 * there is, so any write or delete the application makes to the row, before or after, wins over the copy.
 * (A copy never replaces an existing row of such a model: it compares before writing; see `copyOne`.)
 */
const OLDEST_WRITE = 1n
const META_TABLE = 'tandem_meta'
/** statements per UNLOGGED batch of a fresh mirror write (well under Cassandra's batch size warning) */
const MIRROR_BATCH = 16
const COUNT_PAGE = 5000
/** rows checked at once by the integrity check and key reads */
const READ_CONCURRENCY = 64

const col = (model: Model, f: string) => cqlName(model.fields.get(f)!.column)
const cols = (model: Model, fields: readonly string[]) => fields.map((f) => col(model, f)).join(', ')
const tokenOf = (model: Model, table: CqlTable) => `token(${cols(model, table.partitionKey)})`

/** A random Murmur3 token: where a sample starts reading. */
const randomToken = () => randomBytes(8).readBigInt64BE()

/** The store's own statement texts on one CQL table, made once. */
interface TableText {
  /** INSERT … USING TIMESTAMP ? (copy: the source row's update time) */
  readonly insertAt: string
  /** every entry / row, in token order */
  readonly scan: string
  /** from a token on, LIMIT ? (samples) */
  readonly fromToken: string
  /** the key columns only (count) */
  readonly keys: string
  /** DELETE … USING TIMESTAMP ? by the full key (copy: a stale entry removed as of the new version's time) */
  readonly deleteAt: string
}

interface TimestampedInsert {
  readonly table: CqlTable
  /** INSERT … USING TIMESTAMP ? (copy) */
  readonly text: string
  /** the same INSERT with the driver's own (current, monotonic) timestamp (mirror) */
  readonly plain: string
  readonly fields: readonly Field[]
}

interface FreshPlan {
  readonly base: TimestampedInsert
  readonly lookups: readonly TimestampedInsert[]
}

/** The bound values of an insert: the fields' CQL values, then the timestamp when there is one. */
function paramsOf(fields: readonly Field[], row: Row, ts: bigint | undefined): unknown[] {
  const out = new Array<unknown>(fields.length + (ts === undefined ? 0 : 1))
  for (let i = 0; i < fields.length; i++) out[i] = toCql(fields[i]!, row[fields[i]!.name])
  if (ts !== undefined) out[fields.length] = ts
  return out
}

/**
 * RowStore on ScyllaDB (see src/move/row-store.ts), over the backend's session and statements. Rows are
 * written as the application writes them, the base row first and then its lookup entries, so an entry is
 * never older than its row and cannot be taken for an interrupted write's orphan. `copy` compares before
 * writing (the target's row and the page's unique entries are read first) and writes with the source
 * row's update time as the write timestamp (`USING TIMESTAMP`), so an application write made meanwhile,
 * which carries the current time, wins cell by cell. `mirror` writes with the current time.
 */
export class ScyllaStore implements RowStore, LookupIntegrity {
  readonly kind = 'scylla' as const
  readonly integrity: LookupIntegrity = this
  private readonly texts = new Map<CqlTable, TableText>()
  private readonly fresh = new Map<ModelTables, FreshPlan>()
  /** the meta table is known to exist (reads never create it: a check-only run changes nothing) */

  constructor(
    readonly schema: SchemaInfo,
    private readonly s: ScyllaSession,
    /** serial/identity sequences, raised past the ids of rows written as given */
    private readonly sequences?: ScyllaSequences,
  ) {}

  /** Rows written with their serial/identity ids: the sequence must never hand those ids out again. */
  private async raiseSequences(model: Model, rows: readonly Row[]): Promise<void> {
    if (!this.sequences) return
    for (const f of model.fields.values()) {
      if (f.defaultValue?.kind !== 'autoincrement') continue
      let max: bigint | undefined
      for (const r of rows) {
        const v = r[f.name]
        if (v === null || v === undefined) continue
        const id = BigInt(v as number | bigint | string)
        if (max === undefined || id > max) max = id
      }
      if (max !== undefined) await this.sequences.atLeast(model, f, max)
    }
  }

  private readonly meta = new MetaTable(
    () => this.s.exec.ddl(`CREATE TABLE IF NOT EXISTS ${this.metaTable} (key text PRIMARY KEY, value text)`),
    async () =>
      (
        await this.s.exec.select(
          'SELECT table_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?',
          [this.s.keyspace, META_TABLE],
        )
      ).length > 0,
  )

  private text(t: ModelTables, table: CqlTable): TableText {
    let x = this.texts.get(table)
    if (!x) {
      const model = t.model
      const name = qualified(this.s.keyspace, table)
      const all = cols(model, table.fields)
      const key = [...table.partitionKey, ...table.clustering.map((c) => c.field)]
      x = {
        insertAt: `INSERT INTO ${name} (${all}) VALUES (${table.fields.map(() => '?').join(', ')}) USING TIMESTAMP ?`,
        scan: `SELECT ${all} FROM ${name}`,
        fromToken: `SELECT ${all} FROM ${name} WHERE ${tokenOf(model, table)} >= ? LIMIT ?`,
        keys: `SELECT ${cols(model, key)} FROM ${name}`,
        deleteAt: `DELETE FROM ${name} USING TIMESTAMP ? WHERE ${key.map((f) => `${col(model, f)} = ?`).join(' AND ')}`,
      }
      this.texts.set(table, x)
    }
    return x
  }

  private tables(model: Model): ModelTables {
    return this.s.tablesOf(model)
  }

  async scan(model: Model, cursor: string | undefined, limit: number): Promise<ScanPage> {
    const t = this.tables(model)
    const page = await this.s.exec.page(this.text(t, t.base).scan, [], limit, cursor)
    const decode = rowDecoder(model)
    return { rows: page.rows.map((r) => decode(r)), next: page.pageState }
  }

  /** The base table paged in token order, filtered in the client: CQL cannot select by a non-key column. */
  async scanSince(model: Model, since: Date, cursor: string | undefined, limit: number): Promise<ScanPage> {
    const page = await this.scan(model, cursor, limit)
    const ut = updateTimeField(model)
    if (!ut) return page
    const after = since.getTime()
    return { rows: page.rows.filter((r) => r[ut] instanceof Date && r[ut].getTime() > after), next: page.next }
  }

  async sample(model: Model, n: number): Promise<Row[]> {
    const t = this.tables(model)
    const text = this.text(t, t.base)
    const decode = rowDecoder(model)
    const per = 8
    const found = new Map<string, Row>()
    const runs = await mapLimit(Array.from({ length: Math.ceil(n / per) }, randomToken), 8, (token) =>
      this.s.exec.select(text.fromToken, [token, per]),
    )
    for (const r of runs.flat()) {
      const row = decode(r)
      found.set(keyText(model, row), row)
    }
    if (found.size < n) {
      // a small table (or tokens past its last row): fill from the start of the ring
      for (const r of await this.s.exec.select(text.fromToken, [-(2n ** 63n), n])) {
        const row = decode(r)
        found.set(keyText(model, row), row)
      }
    }
    return [...found.values()].slice(0, n)
  }

  /** Rows by primary key: directly when it is the base key, else through the primary key's lookup. */
  async readByKeys(model: Model, keys: readonly Row[]): Promise<Row[]> {
    const t = this.tables(model)
    if (keys.length === 0) return []
    if (t.baseKeyIsPrimary) return this.s.readByBaseKeys(t, keys)
    const u = t.uniques.find((x) => x.primary)!
    const entries = await mapLimit(keys, 64, (k) => this.readEntry(t, u, k))
    // the base key contains the primary key (a layout must), so the row an entry points at is that key's row
    return this.s.readByBaseKeys(
      t,
      entries.filter((e): e is Row => e !== undefined),
    )
  }

  private async readBase(t: ModelTables, key: Row): Promise<Row | undefined> {
    const r = await this.s.exec.select(this.s.statements(t.base).selectByKey, this.s.bind(t.model, t.baseKey, key))
    return r[0] ? rowDecoder(t.model)(r[0]) : undefined
  }

  /** A lookup entry by its full key (for a unique table: the unique values). */
  private async readEntry(t: ModelTables, table: CqlTable, row: Row): Promise<Row | undefined> {
    const s = this.s.statements(table)
    const r = await this.s.exec.select(s.selectByKey, this.s.bind(t.model, s.key, row))
    return r[0]
      ? rowFromCql(
          t.model,
          r[0],
          table.fields.map((f) => t.model.fields.get(f)!),
        )
      : undefined
  }

  /** Whether a lookup entry points at the base row of `row`. */
  private pointsAt(t: ModelTables, entry: Row, row: Row): boolean {
    return t.baseKey.every((f) => sameValue(t.model, f, entry[f], row[f]))
  }

  async write(model: Model, rows: readonly Row[], mode: WriteMode, options: WriteOptions = {}): Promise<WriteResult> {
    const t = this.tables(model)
    const ut = updateTimeField(model)
    const skipped: SkippedRow[] = []
    await this.raiseSequences(model, rows)
    if (options.fresh && mode === 'mirror') {
      await this.mirrorFresh(this.freshPlan(t), rows, options.concurrency ?? 16)
      return { written: rows.length, skipped }
    }
    if (options.fresh) {
      const plan = this.freshPlan(t)
      await mapLimit(rows, options.concurrency ?? 16, (row) => this.writeFresh(plan, mode, ut, row))
      return { written: rows.length, skipped }
    }
    const done = await mapLimit(rows, options.concurrency ?? 16, (row) => this.writeOne(t, ut, row, mode, skipped))
    let written = 0
    for (const d of done) if (d) written++
    return { written, skipped }
  }

  /** The timestamped inserts of a model's tables, base first, with their fields (made once per model). */
  private freshPlan(t: ModelTables): FreshPlan {
    let plan = this.fresh.get(t)
    if (!plan) {
      const of = (table: CqlTable) => ({
        table,
        text: this.text(t, table).insertAt,
        plain: this.s.statements(table).insert,
        fields: table.fields.map((f) => t.model.fields.get(f)!),
      })
      plan = { base: of(t.base), lookups: [...t.uniques, ...t.indexes].map(of) }
      this.fresh.set(t, plan)
    }
    return plan
  }

  /**
   * Rows just created on the active database (dual mode's mirror): their base rows and lookup entries in
   * UNLOGGED batches of a few rows, one request each instead of one per statement. Not atomic, which a
   * mirror copy does not need: a failed batch is retried whole, and the copies are idempotent.
   */
  private async mirrorFresh(plan: FreshPlan, rows: readonly Row[], concurrency: number): Promise<void> {
    const chunks: CqlStatement[][] = []
    let chunk: CqlStatement[] = []
    for (const row of rows) {
      chunk.push({ query: plan.base.plain, params: paramsOf(plan.base.fields, row, undefined) })
      for (const l of plan.lookups)
        if (hasKey(l.table, row)) chunk.push({ query: l.plain, params: paramsOf(l.fields, row, undefined) })
      if (chunk.length >= MIRROR_BATCH) {
        chunks.push(chunk)
        chunk = []
      }
    }
    if (chunk.length) chunks.push(chunk)
    await mapLimit(chunks, concurrency, (c) => this.s.exec.unloggedBatch(c))
  }

  /**
   * A row the target cannot hold yet (WriteOptions.fresh): no reads, the base row and then its lookup
   * entries; a copy writes them with the row's update time as the write timestamp, a mirror with the
   * driver's current one.
   */
  private async writeFresh(plan: FreshPlan, mode: WriteMode, ut: string | undefined, row: Row): Promise<void> {
    const ts = mode === 'copy' ? this.timestampOf(ut, row) : undefined
    const text = (x: TimestampedInsert) => (ts === undefined ? x.plain : x.text)
    const exec = this.s.exec
    await exec.write(text(plan.base), paramsOf(plan.base.fields, row, ts))
    const writes: Promise<void>[] = []
    for (const l of plan.lookups)
      if (hasKey(l.table, row)) writes.push(exec.write(text(l), paramsOf(l.fields, row, ts)))
    if (writes.length === 1) await writes[0]
    else if (writes.length) await Promise.all(writes)
  }

  /**
   * One row: read the target's row at its base key and the entries of its unique values, decide, then
   * write the base row and, after it, its lookup entries; entries of values the old row held and the new
   * one does not are deleted. Returns whether the row was written.
   */
  private async writeOne(
    t: ModelTables,
    ut: string | undefined,
    row: Row,
    mode: WriteMode,
    skipped: SkippedRow[],
  ): Promise<boolean> {
    const model = t.model
    const uniques = t.uniques.filter((u) => hasKey(u, row))
    const [existing, entries] = await Promise.all([
      this.readBase(t, row),
      Promise.all(uniques.map((u) => this.readEntry(t, u, row))),
    ])
    const skip = (reason: SkippedRow['reason'], detail: string) => {
      skipped.push({ key: keyOf(model, row), reason, detail })
      return false
    }
    if (existing && mode === 'copy' && !sameRow(model, existing, row)) {
      // compare before writing: a copy never replaces a row the target has in another version, unless the
      // source's is newer by the update time (the timestamped write below would lose to a newer one anyway)
      if (!ut) return skip('exists', 'the target has this row with other values (no update-time field to order them)')
      const mine = row[ut] instanceof Date ? row[ut].getTime() : -Infinity
      const theirs = existing[ut] instanceof Date ? existing[ut].getTime() : -Infinity
      if (theirs >= mine) return skip('newer', `the target's ${ut} is as late or later`)
    }
    const stale: Row[] = existing ? [existing] : []
    const takeovers = new Map<CqlTable, Row>()
    for (let i = 0; i < uniques.length; i++) {
      const u = uniques[i]!
      const entry = entries[i]
      if (!entry || this.pointsAt(t, entry, row)) continue
      const holder = await this.readBase(t, entry)
      if (holder && u.keyFields.every((f) => sameValue(model, f, holder[f], row[f]))) {
        const shown = u.keyFields.map((f) => `${f}=${JSON.stringify(toJsonRow(model, { [f]: row[f] })[f])}`).join(', ')
        if (!u.primary)
          return skip(
            'unique',
            `${shown} belongs to another row (${JSON.stringify(toJsonRow(model, keyOf(model, holder)))})`,
          )
        // the same row stored under another base key (a layout key field changed)
        if (mode === 'copy') return skip('exists', `the target has this row under another ${t.base.name} key`)
        stale.push(holder)
        continue
      }
      // an orphan (its row is gone or holds another value): taken over by compare-and-set, as the app does
      takeovers.set(u, entry)
    }
    const ts = mode === 'mirror' ? undefined : this.timestampOf(ut, row)
    const put = (table: CqlTable) => {
      const params = this.s.bind(model, table.fields, row)
      if (ts === undefined) return this.s.exec.write(this.s.statements(table).insert, params)
      params.push(ts)
      return this.s.exec.write(this.text(t, table).insertAt, params)
    }
    for (const old of stale)
      if (!this.pointsAt(t, old, row)) await this.s.exec.write(...this.deleteParams(t, t.base, old, ts))
    await put(t.base)
    const writes: Promise<unknown>[] = []
    for (const u of uniques) {
      const orphan = takeovers.get(u)
      if (!orphan) writes.push(put(u))
      else {
        const st = this.s.statements(u)
        writes.push(
          this.s.exec.lwt(st.takeover!, [
            ...this.s.bind(model, st.ownedBy, row),
            ...this.s.bind(model, st.key, row),
            ...this.s.bind(model, st.ownedBy, orphan),
          ]),
        )
      }
    }
    for (const ix of t.indexes) if (hasKey(ix, row)) writes.push(put(ix))
    // entries the target's old version held that the new one does not
    for (const old of stale)
      for (const table of [...t.uniques, ...t.indexes]) {
        if (!hasKey(table, old)) continue
        const moved =
          !this.pointsAt(t, old, row) ||
          !hasKey(table, row) ||
          table.keyFields.some((f) => !sameValue(model, f, old[f], row[f]))
        if (moved) writes.push(this.s.exec.write(...this.deleteParams(t, table, old, ts)))
      }
    await Promise.all(writes)
    return true
  }

  /**
   * A delete by key: with the current time, or (copy) as of `ts`, the new version's update time, so that an
   * entry a later version writes with its own, later time is not hidden by this delete's tombstone.
   */
  private deleteParams(t: ModelTables, table: CqlTable, row: Row, ts?: bigint): [string, unknown[]] {
    const st = this.s.statements(table)
    const key = this.s.bind(t.model, st.key, row)
    return ts === undefined ? [st.delete, key] : [this.text(t, table).deleteAt, [ts, ...key]]
  }

  /** The copy's write timestamp: the row's update time in microseconds, or the oldest one (see OLDEST_WRITE). */
  private timestampOf(ut: string | undefined, row: Row): bigint {
    const v = ut ? row[ut] : undefined
    return v instanceof Date ? BigInt(v.getTime()) * 1000n : OLDEST_WRITE
  }

  async deleteByKeys(model: Model, keys: readonly Row[]): Promise<number> {
    const t = this.tables(model)
    const rows = await this.readByKeys(model, keys)
    await mapLimit(rows, 16, (row) => this.removeRow(t, row))
    return rows.length
  }

  /** The base row first, then every lookup entry it had (so an interrupted delete leaves orphans, never rows without entries). */
  private async removeRow(t: ModelTables, row: Row): Promise<void> {
    await this.s.exec.write(...this.deleteParams(t, t.base, row))
    await Promise.all(
      [...t.uniques, ...t.indexes]
        .filter((table) => hasKey(table, row))
        .map((table) => this.s.exec.write(...this.deleteParams(t, table, row))),
    )
  }

  async truncate(model: Model): Promise<void> {
    const t = this.tables(model)
    for (const table of [t.base, ...t.uniques, ...t.indexes])
      await this.s.exec.ddl(`TRUNCATE ${qualified(this.s.keyspace, table)}`)
  }

  async count(model: Model): Promise<number> {
    const t = this.tables(model)
    const text = this.text(t, t.base).keys
    let n = 0
    let state: string | undefined
    do {
      const page = await this.s.exec.page(text, [], COUNT_PAGE, state)
      n += page.rows.length
      state = page.pageState
    } while (state)
    return n
  }

  async missingTables(model: Model): Promise<string[]> {
    const t = this.tables(model)
    const rows = await this.s.exec.select('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [
      this.s.keyspace,
    ])
    const have = new Set(rows.map((r) => r.table_name as string))
    return [t.base, ...t.uniques, ...t.indexes].map((x) => x.name).filter((n) => !have.has(n))
  }

  // ---- integrity (verify) ----

  async checkRows(model: Model, rows: readonly Row[]): Promise<LookupIssue[]> {
    const t = this.tables(model)
    const issues: LookupIssue[] = []
    const lookups = [...t.uniques, ...t.indexes]
    if (lookups.length === 0) return issues
    // one (row, lookup) pair per read, so a row's entries are read at once
    const pairs: [Row, CqlTable][] = []
    for (const row of rows) for (const table of lookups) if (hasKey(table, row)) pairs.push([row, table])
    await mapLimit(pairs, READ_CONCURRENCY, async ([row, table]) => {
      const entry = await this.readEntry(t, table, row)
      if (!entry)
        issues.push({
          model: model.name,
          table: table.name,
          key: keyOf(model, row),
          problem: 'missing-entry',
          detail: `no ${table.kind} entry for the row`,
        })
      else if (!this.pointsAt(t, entry, row))
        issues.push({
          model: model.name,
          table: table.name,
          key: keyOf(model, row),
          problem: 'wrong-entry',
          detail: `the entry points at another row (${JSON.stringify(toJsonRow(model, entry))})`,
        })
    })
    return issues
  }

  async checkEntries(model: Model, limit?: number): Promise<LookupIssue[]> {
    const t = this.tables(model)
    const issues: LookupIssue[] = []
    for (const table of [...t.uniques, ...t.indexes]) {
      const text = this.text(t, table)
      const fields = table.fields.map((f) => model.fields.get(f)!)
      const check = async (raw: Record<string, unknown>) => {
        const entry = rowFromCql(model, raw, fields)
        const row = await this.readBase(t, entry)
        const holds = row && table.keyFields.every((f) => sameValue(model, f, row[f], entry[f]))
        if (!holds)
          issues.push({
            model: model.name,
            table: table.name,
            key: entry,
            problem: 'orphan-entry',
            detail: row
              ? `its row no longer holds ${table.keyFields.join(', ')} = these values`
              : 'its row does not exist',
          })
      }
      if (limit !== undefined) {
        const raw = await this.s.exec.select(text.fromToken, [randomToken(), limit])
        await mapLimit(raw, READ_CONCURRENCY, check)
        continue
      }
      let state: string | undefined
      do {
        const page = await this.s.exec.page(text.scan, [], 1000, state)
        await mapLimit(page.rows, READ_CONCURRENCY, check)
        state = page.pageState
      } while (state)
    }
    return issues
  }

  // ---- meta ----

  private get metaTable(): string {
    return `${cqlName(this.s.keyspace)}.${cqlName(META_TABLE)}`
  }

  async getMeta(key: string): Promise<string | undefined> {
    if (!(await this.meta.exists())) return undefined
    const [r] = await this.s.exec.select(`SELECT value FROM ${this.metaTable} WHERE key = ?`, [key])
    return r ? ((r.value as string | null) ?? undefined) : undefined
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.meta.ensure()
    await this.s.exec.write(`INSERT INTO ${this.metaTable} (key, value) VALUES (?, ?)`, [key, value])
  }

  async deleteMeta(key: string): Promise<void> {
    if (!(await this.meta.exists())) return
    await this.s.exec.write(`DELETE FROM ${this.metaTable} WHERE key = ?`, [key])
  }

  /** The whole (small) meta table read and filtered here: CQL has no prefix match on a partition key. */
  async listMeta(prefix: string): Promise<Map<string, string>> {
    if (!(await this.meta.exists())) return new Map()
    const rows = await this.s.exec.select(`SELECT key, value FROM ${this.metaTable}`, [])
    const out = new Map<string, string>()
    for (const r of rows) if ((r.key as string).startsWith(prefix)) out.set(r.key as string, r.value as string)
    return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  }
}
