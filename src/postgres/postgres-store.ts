import type { Field, Model, Row, SchemaInfo } from '../schema/model.js'
import type { RowStore, ScanPage, SkippedRow, WriteMode, WriteOptions, WriteResult } from '../move/row-store.js'
import { keyOf, keyText, MetaTable, updateTimeField } from '../move/row-store.js'
import { fromJsonRow, toJsonRow } from '../move/json-rows.js'
import type { SqlExecutor } from './sql-executor.js'
import { rowDecoder } from './postgres-values.js'

/** PostgreSQL allows 65535 bind parameters per statement; a page is split below that. */
const MAX_PARAMS = 60_000
/** keys per readByKeys / deleteByKeys statement */
const KEYS_PER_STATEMENT = 500
const META_TABLE = 'tandem_meta'

const q = (name: string) => `"${name.replace(/"/g, '""')}"`

/** The PostgreSQL error code of a driver error (drizzle may wrap it in `cause`). */
function pgCode(e: unknown): string | undefined {
  const direct = (e as { code?: unknown })?.code
  if (typeof direct === 'string' && /^[0-9A-Z]{5}$/.test(direct)) return direct
  const inner = (e as { cause?: { code?: unknown } })?.cause?.code
  return typeof inner === 'string' ? inner : undefined
}

/** The model's statement texts and value encoders, built once per model. */
interface ModelSql {
  readonly fields: readonly Field[]
  readonly pk: readonly Field[]
  readonly table: string
  readonly columns: string
  readonly pkColumns: string
  readonly orderBy: string
  readonly decode: (raw: Record<string, unknown>) => Row
  readonly updateTime: Field | undefined
  /** INSERT texts by mode and row count */
  readonly inserts: Map<string, string>
}

/**
 * RowStore on PostgreSQL (see src/move/row-store.ts): keyset pagination on the primary key, multi-row
 * INSERT … ON CONFLICT for writes (values encoded by each column's drizzle encoder, as the compiler binds
 * them), and a page that hits a unique or foreign-key violation split in halves until the failing rows are
 * found and reported (a failed statement writes nothing, so the halves can be retried).
 */
export class PostgresStore implements RowStore {
  readonly kind = 'postgres' as const
  private readonly models = new Map<Model, ModelSql>()
  /** the meta table is known to exist (reads never create it: a check-only run changes nothing) */

  constructor(
    readonly schema: SchemaInfo,
    private readonly sql: SqlExecutor,
  ) {}

  private readonly meta = new MetaTable(
    () => this.sql.raw(`CREATE TABLE IF NOT EXISTS ${q(META_TABLE)} (key text PRIMARY KEY, value text)`),
    async () => Boolean((await this.query(undefined, 'SELECT to_regclass($1)::text AS t', [q(META_TABLE)]))[0]?.t),
  )

  private of(model: Model): ModelSql {
    let m = this.models.get(model)
    if (!m) {
      const fields = [...model.fields.values()]
      const pk = model.primaryKey.map((f) => model.fields.get(f)!)
      m = {
        fields,
        pk,
        table: q(model.table),
        columns: fields.map((f) => q(f.column)).join(', '),
        pkColumns: pk.map((f) => q(f.column)).join(', '),
        orderBy: pk.map((f) => q(f.column)).join(', '),
        decode: rowDecoder(model),
        updateTime: ((n) => (n ? model.fields.get(n) : undefined))(updateTimeField(model)),
        inserts: new Map(),
      }
      this.models.set(model, m)
    }
    return m
  }

  private async query(model: Model | undefined, text: string, params: unknown[]): Promise<Record<string, unknown>[]> {
    return this.sql.query(model?.name, text, params)
  }

  /** `(pk) > ($n, …)`: the keyset condition after a cursor key */
  private after(m: ModelSql, first: number): string {
    return `(${m.pkColumns}) > (${m.pk.map((_, i) => `$${first + i}`).join(', ')})`
  }

  private cursorParams(model: Model, m: ModelSql, cursor: string): unknown[] {
    const key = fromJsonRow(model, JSON.parse(cursor) as Record<string, unknown>)
    return m.pk.map((f) => encode(f, key[f.name]))
  }

  private page(model: Model, rows: Row[], limit: number): ScanPage {
    const last = rows[rows.length - 1]
    return {
      rows,
      next: rows.length < limit || !last ? undefined : JSON.stringify(toJsonRow(model, keyOf(model, last))),
    }
  }

  async scan(model: Model, cursor: string | undefined, limit: number): Promise<ScanPage> {
    const m = this.of(model)
    const params = cursor ? this.cursorParams(model, m, cursor) : []
    const where = cursor ? ` WHERE ${this.after(m, 1)}` : ''
    const text = `SELECT ${m.columns} FROM ${m.table}${where} ORDER BY ${m.orderBy} LIMIT $${params.length + 1}`
    const raw = await this.query(model, text, [...params, limit])
    return this.page(model, raw.map(m.decode), limit)
  }

  async scanSince(model: Model, since: Date, cursor: string | undefined, limit: number): Promise<ScanPage> {
    const m = this.of(model)
    if (!m.updateTime) return this.scan(model, cursor, limit)
    const params: unknown[] = [encode(m.updateTime, since)]
    const where = [`${q(m.updateTime.column)} > $1`]
    if (cursor) {
      where.push(this.after(m, 2))
      params.push(...this.cursorParams(model, m, cursor))
    }
    const text = `SELECT ${m.columns} FROM ${m.table} WHERE ${where.join(' AND ')} ORDER BY ${m.orderBy} LIMIT $${params.length + 1}`
    const raw = await this.query(model, text, [...params, limit])
    return this.page(model, raw.map(m.decode), limit)
  }

  async sample(model: Model, n: number): Promise<Row[]> {
    const m = this.of(model)
    const raw = await this.query(model, `SELECT ${m.columns} FROM ${m.table} ORDER BY random() LIMIT $1`, [n])
    return raw.map(m.decode)
  }

  /** `(pk) IN ((…), …)` for `count` keys, parameters from `first` */
  private inKeys(m: ModelSql, count: number): string {
    const tuples: string[] = []
    let p = 1
    for (let i = 0; i < count; i++) tuples.push(`(${m.pk.map(() => `$${p++}`).join(', ')})`)
    return `(${m.pkColumns}) IN (${tuples.join(', ')})`
  }

  private keyParams(m: ModelSql, keys: readonly Row[]): unknown[] {
    const out: unknown[] = []
    for (const k of keys) for (const f of m.pk) out.push(encode(f, k[f.name]))
    return out
  }

  async readByKeys(model: Model, keys: readonly Row[]): Promise<Row[]> {
    const m = this.of(model)
    const out: Row[] = []
    for (let i = 0; i < keys.length; i += KEYS_PER_STATEMENT) {
      const chunk = keys.slice(i, i + KEYS_PER_STATEMENT)
      const text = `SELECT ${m.columns} FROM ${m.table} WHERE ${this.inKeys(m, chunk.length)}`
      for (const r of await this.query(model, text, this.keyParams(m, chunk))) out.push(m.decode(r))
    }
    return out
  }

  async deleteByKeys(model: Model, keys: readonly Row[]): Promise<number> {
    const m = this.of(model)
    let n = 0
    for (let i = 0; i < keys.length; i += KEYS_PER_STATEMENT) {
      const chunk = keys.slice(i, i + KEYS_PER_STATEMENT)
      const text = `DELETE FROM ${m.table} WHERE ${this.inKeys(m, chunk.length)} RETURNING 1 AS n`
      n += (await this.query(model, text, this.keyParams(m, chunk))).length
    }
    return n
  }

  async truncate(model: Model): Promise<void> {
    await this.sql.raw(`DELETE FROM ${this.of(model).table}`)
  }

  async count(model: Model): Promise<number> {
    const [r] = await this.query(model, `SELECT count(*)::text AS n FROM ${this.of(model).table}`, [])
    return Number(r?.n ?? 0)
  }

  async missingTables(model: Model): Promise<string[]> {
    const [r] = await this.query(undefined, 'SELECT to_regclass($1)::text AS t', [q(model.table)])
    return r?.t ? [] : [model.table]
  }

  /**
   * The INSERT of `count` rows: ON CONFLICT on the primary key, an update only where the incoming row is
   * newer (copy, with an update-time field) or always (mirror), else nothing; RETURNING the keys written.
   */
  private insertText(model: Model, m: ModelSql, mode: WriteMode, count: number): string {
    const cacheKey = `${mode}|${count}`
    let text = m.inserts.get(cacheKey)
    if (text) return text
    const width = m.fields.length
    const values: string[] = []
    for (let r = 0; r < count; r++) values.push(`(${m.fields.map((_, i) => `$${r * width + i + 1}`).join(', ')})`)
    const rest = m.fields.filter((f) => !model.primaryKey.includes(f.name))
    const set = rest.map((f) => `${q(f.column)} = EXCLUDED.${q(f.column)}`).join(', ')
    let conflict: string
    if (rest.length === 0 || (mode === 'copy' && !m.updateTime)) conflict = 'DO NOTHING'
    else if (mode === 'mirror') conflict = `DO UPDATE SET ${set}`
    else {
      const ut = q(m.updateTime!.column)
      conflict = `DO UPDATE SET ${set} WHERE ${m.table}.${ut} < EXCLUDED.${ut}`
    }
    // rows are written as given: a GENERATED ALWAYS identity takes their ids only when told to
    const overriding = m.fields.some(
      (f) => f.defaultValue?.kind === 'autoincrement' && f.defaultValue.identity === 'always',
    )
      ? ' OVERRIDING SYSTEM VALUE'
      : ''
    text = `INSERT INTO ${m.table} (${m.columns})${overriding} VALUES ${values.join(', ')} ON CONFLICT (${m.pkColumns}) ${conflict} RETURNING ${m.pkColumns}`
    m.inserts.set(cacheKey, text)
    return text
  }

  async write(model: Model, rows: readonly Row[], mode: WriteMode, options: WriteOptions = {}): Promise<WriteResult> {
    const m = this.of(model)
    const skipped: SkippedRow[] = []
    const perStatement = Math.max(1, Math.floor(MAX_PARAMS / m.fields.length))
    const chunks: Row[][] = []
    for (let i = 0; i < rows.length; i += perStatement) chunks.push(rows.slice(i, i + perStatement))
    let written = 0
    const concurrency = Math.max(1, Math.min(options.concurrency ?? 16, chunks.length))
    let next = 0
    const worker = async () => {
      while (next < chunks.length) written += await this.writeChunk(model, m, chunks[next++]!, mode, skipped)
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
    if (written > 0) await this.raiseSequences(model, m)
    return { written, skipped }
  }

  /**
   * Rows written with their serial/identity ids: each column's sequence moves past the largest id in the table
   * (never back), so the next id PostgreSQL generates is not one of theirs.
   */
  private async raiseSequences(model: Model, m: ModelSql): Promise<void> {
    for (const f of m.fields) {
      if (f.defaultValue?.kind !== 'autoincrement') continue
      const col = q(f.column)
      await this.query(
        model,
        `SELECT setval(s, GREATEST(x.top, coalesce(pg_sequence_last_value(s), 0))) FROM ` +
          `(SELECT pg_get_serial_sequence($1, $2)::regclass AS s, max(${col}) AS top FROM ${m.table}) x WHERE x.top IS NOT NULL`,
        [m.table, f.column],
      )
    }
  }

  /** One statement for the rows; on a unique or foreign-key violation, each half again, down to single rows. */
  private async writeChunk(
    model: Model,
    m: ModelSql,
    rows: Row[],
    mode: WriteMode,
    skipped: SkippedRow[],
  ): Promise<number> {
    if (rows.length === 0) return 0
    const params = new Array<unknown>(rows.length * m.fields.length)
    let p = 0
    for (const row of rows) for (const f of m.fields) params[p++] = encode(f, row[f.name])
    let returned: Record<string, unknown>[]
    try {
      returned = (await this.sql.client.unsafe(this.insertText(model, m, mode, rows.length), params as never[], {
        prepare: true,
      })) as unknown as Record<string, unknown>[]
    } catch (e) {
      const code = pgCode(e)
      if (code !== '23505' && code !== '23503') throw this.sql.translate(model.name, e)
      if (rows.length === 1) {
        const err = (e as { cause?: unknown }).cause ?? e
        const detail = (err as { detail?: string }).detail ?? (err as Error).message
        skipped.push({ key: keyOf(model, rows[0]!), reason: code === '23505' ? 'unique' : 'foreign-key', detail })
        return 0
      }
      const half = Math.ceil(rows.length / 2)
      return (
        (await this.writeChunk(model, m, rows.slice(0, half), mode, skipped)) +
        (await this.writeChunk(model, m, rows.slice(half), mode, skipped))
      )
    }
    if (returned.length < rows.length) {
      // rows left as they were: the target's row is as new or newer (copy with an update time), or exists
      const done = new Set(returned.map((r) => keyText(model, decodeKey(m, r))))
      for (const row of rows) {
        if (done.has(keyText(model, row))) continue
        skipped.push(
          m.updateTime
            ? {
                key: keyOf(model, row),
                reason: 'newer',
                detail: `the target's ${m.updateTime.name} is as late or later`,
              }
            : { key: keyOf(model, row), reason: 'exists', detail: 'the target already has this row' },
        )
      }
    }
    return returned.length
  }

  async getMeta(key: string): Promise<string | undefined> {
    if (!(await this.meta.exists())) return undefined
    const [r] = await this.query(undefined, `SELECT value FROM ${q(META_TABLE)} WHERE key = $1`, [key])
    return r ? (r.value as string) : undefined
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.meta.ensure()
    await this.query(
      undefined,
      `INSERT INTO ${q(META_TABLE)} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
      [key, value],
    )
  }

  async deleteMeta(key: string): Promise<void> {
    if (!(await this.meta.exists())) return
    await this.query(undefined, `DELETE FROM ${q(META_TABLE)} WHERE key = $1`, [key])
  }

  async listMeta(prefix: string): Promise<Map<string, string>> {
    if (!(await this.meta.exists())) return new Map()
    const rows = await this.query(
      undefined,
      `SELECT key, value FROM ${q(META_TABLE)} WHERE left(key, length($1)) = $1 ORDER BY key`,
      [prefix],
    )
    return new Map(rows.map((r) => [r.key as string, r.value as string]))
  }
}

/** A value as the compiler binds it: the column's drizzle encoder; a Date it passes through goes as ISO text. */
function encode(field: Field, value: unknown): unknown {
  if (value === null || value === undefined) return null
  const v = field.drizzle.mapToDriverValue(value)
  return v instanceof Date ? v.toISOString() : v
}

function decodeKey(m: ModelSql, raw: Record<string, unknown>): Row {
  const key: Row = {}
  for (const f of m.pk) {
    const v = raw[f.column]
    key[f.name] = v === null || v === undefined ? null : f.drizzle.mapFromDriverValue(v)
  }
  return key
}
