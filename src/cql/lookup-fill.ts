import type { PushProgress } from '../adapter/backend.js'
import type { Row } from '../schema/model.js'
import { cqlName, type CqlTable, type ModelTables } from '../schema/scylla-layout.js'
import type { RowStore } from '../move/row-store.js'
import { toJsonRow } from '../move/json-rows.js'
import { callScope } from './call-options.js'
import { qualified } from './cql-statements.js'
import { mapLimit, type ScyllaSession } from './scylla-session.js'
import { rowFromCql } from './scylla-values.js'
import { contention, hasKey, sameValue, type WriteProtocol } from './write-protocol.js'

/** Meta keys of fills not finished yet: `push:fill:<lookup table>` → FillCheckpoint (JSON). */
export const FILL_PREFIX = 'push:fill:'
/** rows of one page handled at once */
const ROW_CONCURRENCY = 32
/** how long a row waits for a young orphan entry of its value to become takeable (the orphan grace is 30 s) */
const ORPHAN_WAIT_MS = 40_000
/** duplicates kept in the checkpoint and listed in the error (all are counted) */
const SHOWN_DUPLICATES = 100

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Two or more existing rows holding one value of a new unique key. */
export interface Duplicate {
  readonly model: string
  readonly table: string
  /** the unique key's fields and the value they share */
  readonly value: Record<string, unknown>
  /** primary keys of the rows holding it: the entry's holder first */
  readonly keys: Record<string, unknown>[]
}

/** Where a fill stands, kept in the keyspace's `tandem_meta` after every page, so a killed push resumes there. */
export interface FillCheckpoint {
  readonly model: string
  /** the driver's paging state of the next page (hex); undefined: from the start */
  readonly page?: string
  readonly pageSize?: number
  /** base rows read so far */
  readonly rows: number
  /** duplicates found so far (at most SHOWN_DUPLICATES) and how many there are */
  readonly duplicates?: Duplicate[]
  readonly duplicateCount?: number
}

type Meta = Pick<RowStore, 'getMeta' | 'setMeta' | 'deleteMeta' | 'listMeta'>

interface FillText {
  /** the lookup's fields from the base table, with WRITETIME/TTL of its regular (non-key) columns */
  readonly scan: string
  /** WRITETIME columns selected as w<i>: the lookup's regular key columns, else every regular column of the row */
  readonly stamps: number
  /** TTL columns selected as t<i>: the lookup's regular key columns */
  readonly ttls: number
  /** INSERT … USING TIMESTAMP ? and … USING TTL ? AND TIMESTAMP ? (index entries) */
  readonly insertAt: string
  readonly insertAtTtl: string
}

/**
 * Fills a lookup table created over a live base table from the rows already there: the base table is read in
 * pages (the driver's paging state is the checkpoint, saved after each page), and each row gets its entry as a
 * write would give it. Why this is safe while the application writes (README, "Schema changes on live tables"):
 * - index entries are written `USING TIMESTAMP` = the write time of the indexed value as read, so the delete a
 *   concurrent update or delete makes of that entry (a later time) wins whatever order they arrive in: a deleted
 *   or changed row's entry is never brought back;
 * - unique values are claimed with the write protocol's own `INSERT … IF NOT EXISTS` (orphans taken over after
 *   the same grace period), then the row is re-read at SERIAL: if a writer changed or deleted it meanwhile the
 *   claim is released, so a value is never held by a row that no longer has it; a value another existing row
 *   holds is a duplicate, reported (both keys), never resolved by dropping anything.
 * Entries carry the row's remaining TTL, so they expire with it.
 */
export class LookupFill {
  private readonly texts = new Map<CqlTable, FillText>()

  constructor(
    private readonly s: ScyllaSession,
    private readonly writes: WriteProtocol,
    private readonly meta: Meta,
    /** tests: runs after a page is read and before its rows get entries (where a concurrent writer races the fill) */
    private readonly afterPageRead?: (table: string, rows: Row[]) => Promise<void>,
  ) {}

  /** Records that `table` needs a fill, before it is created (a push killed in between still fills it later). */
  async mark(model: string, table: string): Promise<void> {
    const checkpoint: FillCheckpoint = { model, rows: 0 }
    await this.meta.setMeta(FILL_PREFIX + table, JSON.stringify(checkpoint))
  }

  /** Fills not finished: lookup table → checkpoint. */
  async pending(): Promise<Map<string, FillCheckpoint>> {
    const out = new Map<string, FillCheckpoint>()
    for (const [key, value] of await this.meta.listMeta(FILL_PREFIX))
      out.set(key.slice(FILL_PREFIX.length), JSON.parse(value) as FillCheckpoint)
    return out
  }

  /** The schema no longer has this lookup: its fill is forgotten (the table itself is kept). */
  async forget(table: string): Promise<void> {
    await this.meta.deleteMeta(FILL_PREFIX + table)
  }

  /**
   * Runs (or resumes) the fill of one lookup table. Returns the base rows read and the duplicates found; with
   * duplicates the checkpoint is reset to the start (the next push fills again, after the rows are fixed),
   * without them it is removed.
   */
  async fill(
    t: ModelTables,
    table: CqlTable,
    from: FillCheckpoint,
    pageSize: number,
    onProgress?: (p: PushProgress) => void,
  ): Promise<{ rows: number; duplicates: Duplicate[]; duplicateCount: number }> {
    const key = FILL_PREFIX + table.name
    const size = from.page ? (from.pageSize ?? pageSize) : pageSize
    const text = this.text(t, table)
    // a resumed fill keeps the duplicates its earlier pages found; a fill from the start finds them again
    const duplicates = from.page ? [...(from.duplicates ?? [])] : []
    let duplicateCount = from.page ? (from.duplicateCount ?? duplicates.length) : 0
    const found = (d: Duplicate) => {
      duplicateCount++
      if (duplicates.length < SHOWN_DUPLICATES) duplicates.push(d)
    }
    let rows = from.rows
    let page = from.page
    const report = (done: boolean) => onProgress?.({ model: t.model.name, table: table.name, rows, done })
    report(false)
    do {
      const result = await this.s.exec.page(text.scan, [], size, page)
      if (this.afterPageRead) {
        const fields = table.fields.map((f) => t.model.fields.get(f)!)
        await this.afterPageRead(
          table.name,
          result.rows.map((r) => rowFromCql(t.model, r, fields)),
        )
      }
      await mapLimit(result.rows, ROW_CONCURRENCY, (raw) => this.fillRow(t, table, text, raw, found))
      rows += result.rows.length
      page = result.pageState
      const checkpoint: FillCheckpoint = {
        model: t.model.name,
        page,
        pageSize: size,
        rows,
        duplicates,
        duplicateCount,
      }
      if (page) await this.meta.setMeta(key, JSON.stringify(checkpoint))
      report(!page)
    } while (page)
    if (duplicateCount > 0) {
      const restart: FillCheckpoint = { model: t.model.name, rows: 0, duplicates, duplicateCount }
      await this.meta.setMeta(key, JSON.stringify(restart))
    } else await this.meta.deleteMeta(key)
    return { rows, duplicates, duplicateCount }
  }

  private text(t: ModelTables, table: CqlTable): FillText {
    let x = this.texts.get(table)
    if (!x) {
      const model = t.model
      const col = (f: string) => cqlName(model.fields.get(f)!.column)
      const regular = table.keyFields.filter((f) => !t.baseKey.includes(f))
      // indexed fields all in the base key have no write time of their own: the row's newest cell stands for it
      // (a delete or move of the row is later than every cell it had)
      const stamped = regular.length ? regular : t.base.fields.filter((f) => !t.baseKey.includes(f))
      const timed = [
        ...stamped.map((f, i) => `WRITETIME(${col(f)}) AS "w${i}"`),
        ...regular.map((f, i) => `TTL(${col(f)}) AS "t${i}"`),
      ]
      const insert = this.s.statements(table).insert
      x = {
        scan: `SELECT ${[...table.fields.map(col), ...timed].join(', ')} FROM ${qualified(this.s.keyspace, t.base)}`,
        stamps: stamped.length,
        ttls: regular.length,
        insertAt: `${insert} USING TIMESTAMP ?`,
        insertAtTtl: `${insert} USING TTL ? AND TIMESTAMP ?`,
      }
      this.texts.set(table, x)
    }
    return x
  }

  private async fillRow(
    t: ModelTables,
    table: CqlTable,
    text: FillText,
    raw: Record<string, unknown>,
    found: (d: Duplicate) => void,
  ): Promise<void> {
    const model = t.model
    const row = rowFromCql(
      model,
      raw,
      table.fields.map((f) => model.fields.get(f)!),
    )
    // lookup entries exist only for non-null values (a column just added is null in every existing row)
    if (!hasKey(table, row)) return
    // the entry is as old as the newest of the values it is keyed by, and expires with the first of them
    let writetime: bigint | undefined
    let ttl: number | undefined
    for (let i = 0; i < text.stamps; i++) {
      const w = raw[`w${i}`]
      if (typeof w === 'bigint' && (writetime === undefined || w > writetime)) writetime = w
    }
    for (let i = 0; i < text.ttls; i++) {
      const l = raw[`t${i}`]
      if (typeof l === 'number' && (ttl === undefined || l < ttl)) ttl = l
    }
    if (table.kind === 'index') {
      const params = this.s.bind(model, table.fields, row)
      // a row with no regular cell at all: no write time to order by, a plain insert (a stale entry is harmless:
      // reads re-check the row)
      if (writetime === undefined) return this.s.exec.write(this.s.statements(table).insert, params)
      if (ttl === undefined) return this.s.exec.write(text.insertAt, [...params, writetime])
      return this.s.exec.write(text.insertAtTtl, [...params, ttl, writetime])
    }
    await this.claimRow(t, table, row, ttl, found)
  }

  /** One unique value, claimed as a write claims it; see the class comment. */
  private async claimRow(
    t: ModelTables,
    u: CqlTable,
    row: Row,
    ttl: number | undefined,
    found: (d: Duplicate) => void,
  ): Promise<void> {
    const model = t.model
    const holds = (r: Row | undefined) => r !== undefined && u.keyFields.every((f) => sameValue(model, f, r[f], row[f]))
    const sameRow = (r: Row) => t.baseKey.every((f) => sameValue(model, f, r[f], row[f]))
    const scope = { consistency: undefined, timeoutMs: undefined, ttl }
    const started = Date.now()
    for (;;) {
      const r = await callScope.run(scope, () => this.writes.claimValue(t, u, row))
      if (r.claimed) {
        // a writer may have changed or deleted the row after the page was read: its release of the old value
        // ran before this claim existed, so the claim is checked against the row as it is now
        if (!holds(await this.readSerial(t, row))) await this.writes.releaseAll(t, [u], row)
        return
      }
      // already there: written by the application (new schema) or by an earlier, killed run
      if (r.holder && sameRow(r.holder)) return
      if (r.holder && holds(r.holderRow)) {
        // another row holds the value; a duplicate only if this row still holds it too
        if (holds(await this.readSerial(t, row)))
          found({
            model: model.name,
            table: u.name,
            value: toJsonRow(model, Object.fromEntries(u.keyFields.map((f) => [f, row[f]]))),
            keys: [r.holderRow!, row].map((x) =>
              toJsonRow(model, Object.fromEntries(model.primaryKey.map((f) => [f, x[f]]))),
            ),
          })
        return
      }
      // an entry whose row does not hold the value, younger than the orphan grace period (a create may be in
      // flight): wait, then the claim takes it over as the application's would
      if (Date.now() - started > ORPHAN_WAIT_MS) throw contention(model.name, `the fill of ${u.name}`, 1)
      await sleep(1000)
    }
  }

  /** The base row now, linearized with the LWT writes of the application (SERIAL read). */
  private async readSerial(t: ModelTables, row: Row): Promise<Row | undefined> {
    const [r] = await this.s.exec.select(
      this.s.statements(t.base).selectByKey,
      this.s.bind(t.model, t.baseKey, row),
      undefined,
      true,
    )
    return r ? rowFromCql(t.model, r) : undefined
  }
}
