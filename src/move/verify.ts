import type { Model, Row } from '../schema/model.js'
import { keyOf, keyText, type LookupIssue, type RowStore } from './row-store.js'
import { diffFields } from './row-compare.js'
import { toJsonRow } from './json-rows.js'
import { parentsFirst } from './model-order.js'
import type { ProgressListener } from './move-progress.js'

/** `count`: row counts only; `sample`: N random rows per model from each side; `full`: every row of both. */
export type VerifyMode = 'count' | 'sample' | 'full'

export interface VerifyOptions {
  /** the models to compare; default every model of the schema */
  readonly models?: readonly string[]
  /** default 'full' */
  readonly mode?: VerifyMode
  /** rows per model and side in `sample` mode; default 100 */
  readonly sample?: number
  /** rows read per page in `full` mode; default 500 */
  readonly pageSize?: number
  /** differences kept in the result (all are counted); default 20 */
  readonly maxDifferences?: number
  readonly onProgress?: ProgressListener
}

/** One disagreement. Keys and values are JSON-safe (Dates as ISO text, bigints as text). */
export interface Difference {
  readonly model: string
  /** 'missing': the row is on one side only; 'value': a field differs; 'count': row counts differ; 'lookup': ScyllaDB's lookup tables disagree with its rows */
  readonly kind: 'missing' | 'value' | 'count' | 'lookup'
  /** the row's primary key (for 'lookup' entry problems: the entry's fields) */
  readonly key: Record<string, unknown>
  /** 'missing': the side without the row; 'lookup': the side whose lookup tables are wrong */
  readonly side?: 'a' | 'b'
  readonly field?: string
  readonly a?: unknown
  readonly b?: unknown
  readonly detail: string
}

export interface ModelVerification {
  readonly model: string
  /** rows compared */
  readonly checked: number
  readonly differences: number
  readonly countA: number | undefined
  readonly countB: number | undefined
}

export interface VerifyResult {
  readonly ok: boolean
  readonly a: RowStore['kind']
  readonly b: RowStore['kind']
  readonly mode: VerifyMode
  readonly models: ModelVerification[]
  /** the first differences (at most `maxDifferences`) */
  readonly differences: Difference[]
  readonly totalDifferences: number
}

/**
 * Compares two databases row by row, by primary key: values field by field (normalized so equal values
 * compare equal across backends, see row-compare.ts), rows missing on either side, and, on whichever side
 * is ScyllaDB, that every unique value resolves through its lookup to its row, every index entry exists
 * and no lookup entry is left without its row.
 * @example const r = await verify(pg.store, scylla.store, { mode: 'sample', sample: 200 }); if (!r.ok) report(r.differences)
 */
export async function verify(a: RowStore, b: RowStore, options: VerifyOptions = {}): Promise<VerifyResult> {
  const mode = options.mode ?? 'full'
  const keep = options.maxDifferences ?? 20
  const differences: Difference[] = []
  let total = 0
  const models: ModelVerification[] = []
  for (const model of parentsFirst(a.schema, options.models)) {
    let found = 0
    const add = (d: Difference) => {
      found++
      total++
      if (differences.length < keep) differences.push(d)
    }
    const run = new ModelCheck(a, b, model, add, options)
    if (mode === 'count') {
      const [countA, countB] = await Promise.all([a.count(model), b.count(model)])
      if (countA !== countB)
        add({
          model: model.name,
          kind: 'count',
          key: {},
          a: countA,
          b: countB,
          detail: `${countA} rows in a, ${countB} in b`,
        })
      models.push({ model: model.name, checked: 0, differences: found, countA, countB })
      continue
    }
    const counts = mode === 'full' ? await run.full() : await run.sampled(options.sample ?? 100)
    models.push({ model: model.name, checked: run.checked, differences: found, ...counts })
  }
  return { ok: total === 0, a: a.kind, b: b.kind, mode, models, differences, totalDifferences: total }
}

class ModelCheck {
  checked = 0
  /** keys already reported missing (a sample from each side can meet the same row) */
  private readonly reported = new Set<string>()

  constructor(
    private readonly a: RowStore,
    private readonly b: RowStore,
    private readonly model: Model,
    private readonly add: (d: Difference) => void,
    private readonly options: VerifyOptions,
  ) {}

  private key(row: Row) {
    return toJsonRow(this.model, keyOf(this.model, row))
  }

  /** Rows of `from` looked up on the other side: missing ones and differing fields reported. */
  private async compare(rows: readonly Row[], fromA: boolean): Promise<Row[]> {
    const other = fromA ? this.b : this.a
    const found = await other.readByKeys(this.model, rows)
    const byKey = new Map(found.map((r) => [keyText(this.model, r), r]))
    for (const row of rows) {
      const k = keyText(this.model, row)
      const match = byKey.get(k)
      if (!match) {
        if (this.reported.has(k)) continue
        this.reported.add(k)
        this.add({
          model: this.model.name,
          kind: 'missing',
          key: this.key(row),
          side: fromA ? 'b' : 'a',
          detail: `the row is in ${fromA ? 'a' : 'b'} only`,
        })
        continue
      }
      if (!fromA && this.reported.has(k)) continue
      const [ra, rb] = fromA ? [row, match] : [match, row]
      const fields = diffFields(this.model, ra, rb)
      if (fields.length) this.reported.add(k)
      for (const f of fields) {
        const va = toJsonRow(this.model, { [f]: ra[f] })[f]
        const vb = toJsonRow(this.model, { [f]: rb[f] })[f]
        this.add({
          model: this.model.name,
          kind: 'value',
          key: this.key(row),
          field: f,
          a: va,
          b: vb,
          detail: `${f}: ${JSON.stringify(va)} in a, ${JSON.stringify(vb)} in b`,
        })
      }
    }
    return found
  }

  private lookups(issues: readonly LookupIssue[], side: 'a' | 'b') {
    for (const i of issues)
      this.add({
        model: this.model.name,
        kind: 'lookup',
        key: toJsonRow(this.model, i.key),
        side,
        detail: `${i.table}: ${i.problem}: ${i.detail}`,
      })
  }

  private progress(done: number, total?: number) {
    this.options.onProgress?.({ phase: 'verify', model: this.model.name, done, total })
  }

  async full(): Promise<{ countA: number; countB: number }> {
    const size = this.options.pageSize ?? 500
    let countA = 0
    let countB = 0
    let cursor: string | undefined
    do {
      const page = await this.a.scan(this.model, cursor, size)
      const other = await this.compare(page.rows, true)
      if (this.a.integrity) this.lookups(await this.a.integrity.checkRows(this.model, page.rows), 'a')
      if (this.b.integrity) this.lookups(await this.b.integrity.checkRows(this.model, other), 'b')
      countA += page.rows.length
      this.checked += page.rows.length
      this.progress(this.checked)
      cursor = page.next
    } while (cursor)
    do {
      // rows of b that a lacks (the rows both have were compared above)
      const page = await this.b.scan(this.model, cursor, size)
      const found = await this.a.readByKeys(this.model, page.rows)
      const inA = new Set(found.map((r) => keyText(this.model, r)))
      for (const row of page.rows)
        if (!inA.has(keyText(this.model, row)))
          this.add({
            model: this.model.name,
            kind: 'missing',
            key: this.key(row),
            side: 'a',
            detail: 'the row is in b only',
          })
      countB += page.rows.length
      cursor = page.next
    } while (cursor)
    if (this.a.integrity) this.lookups(await this.a.integrity.checkEntries(this.model), 'a')
    if (this.b.integrity) this.lookups(await this.b.integrity.checkEntries(this.model), 'b')
    return { countA, countB }
  }

  async sampled(n: number): Promise<{ countA: undefined; countB: undefined }> {
    const rowsA = await this.a.sample(this.model, n)
    const fromB = await this.compare(rowsA, true)
    const rowsB = await this.b.sample(this.model, n)
    const fromA = await this.compare(rowsB, false)
    this.checked = rowsA.length + rowsB.length
    this.progress(this.checked)
    if (this.a.integrity) {
      this.lookups(await this.a.integrity.checkRows(this.model, [...rowsA, ...fromA]), 'a')
      this.lookups(await this.a.integrity.checkEntries(this.model, n), 'a')
    }
    if (this.b.integrity) {
      this.lookups(await this.b.integrity.checkRows(this.model, [...rowsB, ...fromB]), 'b')
      this.lookups(await this.b.integrity.checkEntries(this.model, n), 'b')
    }
    return { countA: undefined, countB: undefined }
  }
}
