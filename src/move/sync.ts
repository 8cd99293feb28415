import type { Model, Row } from '../schema/model.js'
import { validationError } from '../errors.js'
import { keyText, updateTimeField, type RowStore, type SkippedRow } from './row-store.js'
import { sameRow } from './row-compare.js'
import { parentsFirst } from './model-order.js'
import type { ProgressListener } from './move-progress.js'

export interface SyncOptions {
  /**
   * Only rows whose update-time field (`updateTimeField`) is later than this. Pass the previous run's
   * `startedAt` (less the clock skew between the application's hosts) to catch everything since.
   * Default: every row.
   */
  readonly since?: Date
  /** Also delete target rows whose primary keys are gone from the source (found by comparing keys). */
  readonly deletes?: boolean
  /** the models to sync; default every model */
  readonly models?: readonly string[]
  /** every row of every model, `since` ignored */
  readonly full?: boolean
  /** rows per page; default 500 */
  readonly pageSize?: number
  /** rows (ScyllaDB) or statements (PostgreSQL) written at once; default 16 */
  readonly concurrency?: number
  readonly onProgress?: ProgressListener
}

export interface ModelSync {
  readonly model: string
  /** 'changed': rows after `since`; 'all': every row by update time; 'compare': no update-time field, every row compared */
  readonly mode: 'changed' | 'all' | 'compare'
  /** source rows looked at */
  readonly scanned: number
  /** target rows written */
  readonly written: number
  /** rows the target already had in the same or a newer version */
  readonly unchanged: number
  /** rows not written: a unique value held by another target row, a foreign key that did not resolve */
  readonly skipped: readonly SkippedRow[]
  /** target rows deleted (with `deletes`) */
  readonly deleted: number
}

export interface SyncResult {
  readonly from: RowStore['kind']
  readonly to: RowStore['kind']
  /** taken before anything was read: the `since` of the next incremental run */
  readonly startedAt: Date
  readonly models: ModelSync[]
  readonly seconds: number
}

/**
 * Brings `target` up to date with `source` (dual mode runs exactly this, periodically and before a
 * failback). Per model:
 * - with an update-time field: the rows changed after `since` (every row without `since` or with `full`),
 *   written in `copy` mode: last write wins by the update time, a newer target row is kept;
 * - without one there is no order between versions, so every row is compared: rows the target lacks or
 *   holds with other values are written as the source has them (the source is the authority);
 * - `deletes`: target rows whose keys the source no longer has are deleted (children first).
 * Unique collisions and unresolved foreign keys are reported in `skipped`, never forced.
 * @example const r = await sync(pg.store, scylla.store, { since: last.startedAt, deletes: true })
 */
export async function sync(source: RowStore, target: RowStore, options: SyncOptions = {}): Promise<SyncResult> {
  const startedAt = new Date()
  if (options.since !== undefined && Number.isNaN(options.since.getTime?.()))
    throw validationError('sync', '`since` must be a valid Date')
  const models = parentsFirst(source.schema, options.models)
  const run = new ModelSyncer(source, target, options)
  const out: ModelSync[] = []
  const refused = new Map<Model, Row[]>()
  for (const model of models) {
    const r = await run.copy(model)
    out.push(r.result)
    if (r.refused.length) refused.set(model, r.refused)
  }
  // rows whose parent came later (a self-reference, a cycle): once more after every model
  for (const [model, keys] of refused) {
    const rows = await source.readByKeys(model, keys)
    const w = await target.write(model, rows, 'copy', { concurrency: options.concurrency })
    const i = out.findIndex((m) => m.model === model.name)
    out[i] = { ...out[i]!, written: out[i]!.written + w.written, skipped: [...out[i]!.skipped, ...w.skipped] }
  }
  if (options.deletes)
    for (const model of [...models].reverse()) {
      const i = out.findIndex((m) => m.model === model.name)
      out[i] = { ...out[i]!, deleted: await run.deleteGone(model) }
    }
  return {
    from: source.kind,
    to: target.kind,
    startedAt,
    models: out,
    seconds: (Date.now() - startedAt.getTime()) / 1000,
  }
}

class ModelSyncer {
  private readonly pageSize: number

  constructor(
    private readonly source: RowStore,
    private readonly target: RowStore,
    private readonly options: SyncOptions,
  ) {
    this.pageSize = options.pageSize ?? 500
  }

  async copy(model: Model): Promise<{ result: ModelSync; refused: Row[] }> {
    const { source, target, options } = this
    const ut = updateTimeField(model)
    const mode: ModelSync['mode'] = !ut ? 'compare' : options.since && !options.full ? 'changed' : 'all'
    let scanned = 0
    let written = 0
    let unchanged = 0
    const skipped: SkippedRow[] = []
    const refused: Row[] = []
    const take = (r: { written: number; skipped: readonly SkippedRow[] }) => {
      written += r.written
      for (const s of r.skipped)
        if (s.reason === 'foreign-key') refused.push(s.key)
        else if (s.reason === 'unique') skipped.push(s)
        else unchanged++
    }
    const write = { concurrency: options.concurrency }
    let cursor: string | undefined
    do {
      // a PostgreSQL source filters by the update time in SQL; a ScyllaDB source pages through the whole base
      // table and filters in the client (CQL cannot select by a non-key column), so its pages may be sparse
      const page =
        mode === 'changed'
          ? await source.scanSince(model, options.since!, cursor, this.pageSize)
          : await source.scan(model, cursor, this.pageSize)
      scanned += page.rows.length
      if (mode === 'compare' && page.rows.length) {
        const theirs = new Map((await target.readByKeys(model, page.rows)).map((r) => [keyText(model, r), r]))
        const missing: Row[] = []
        const differ: Row[] = []
        for (const row of page.rows) {
          const t = theirs.get(keyText(model, row))
          if (!t) missing.push(row)
          else if (!sameRow(model, t, row)) differ.push(row)
        }
        unchanged += page.rows.length - missing.length - differ.length
        // `mirror` (current time) for both: on ScyllaDB a row an earlier --deletes removed leaves a tombstone
        // newer than the oldest timestamp a `copy` of a model without update time writes with
        const changed = [...missing, ...differ]
        if (changed.length) take(await target.write(model, changed, 'mirror', write))
      } else if (page.rows.length) take(await target.write(model, page.rows, 'copy', write))
      options.onProgress?.({ phase: 'sync', model: model.name, done: scanned, total: undefined })
      cursor = page.next
    } while (cursor)
    return { result: { model: model.name, mode, scanned, written, unchanged, skipped, deleted: 0 }, refused }
  }

  /** Target rows whose keys the source lacks, deleted page by page. */
  async deleteGone(model: Model): Promise<number> {
    let deleted = 0
    let seen = 0
    let cursor: string | undefined
    do {
      const page = await this.target.scan(model, cursor, this.pageSize)
      const present = new Set((await this.source.readByKeys(model, page.rows)).map((r) => keyText(model, r)))
      const gone = page.rows.filter((r) => !present.has(keyText(model, r)))
      if (gone.length) deleted += await this.target.deleteByKeys(model, gone)
      seen += page.rows.length
      this.options.onProgress?.({ phase: 'deletes', model: model.name, done: seen, total: undefined })
      cursor = page.next
    } while (cursor)
    return deleted
  }
}
