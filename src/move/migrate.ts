import { join } from 'node:path'
import type { Model, Row } from '../schema/model.js'
import { TandemError, validationError } from '../errors.js'
import { keyOf, keyText, type RowStore, type SkippedRow } from './row-store.js'
import { parentsFirst } from './model-order.js'
import { clearCheckpoint, readCheckpoint, writeCheckpoint } from './migrate-checkpoint.js'
import { backupModel } from './target-backup.js'
import { verify, type VerifyMode, type VerifyResult } from './verify.js'
import type { ProgressListener } from './move-progress.js'

export interface MigrateOptions {
  /** the models to copy; default every model of the schema */
  readonly models?: readonly string[]
  /** rows read from the source per page; default 500 (at most two pages are held at once) */
  readonly pageSize?: number
  /** rows (ScyllaDB) or statements (PostgreSQL) written at once; default 16 */
  readonly concurrency?: number
  /** at most this many rows per second, overall; default unlimited */
  readonly rate?: number
  /** write nothing; report per model what a run would do */
  readonly checkOnly?: boolean
  /** copy into target models that already have rows: they are backed up (unless `noBackup`) and emptied first */
  readonly force?: boolean
  /** where `force` backs the target's rows up (`<dir>/<model>.jsonl`); default `./tandem-backup-<time>` */
  readonly backupDir?: string
  readonly noBackup?: boolean
  /** the verification after copying; default 'sample'; false: none */
  readonly verify?: VerifyMode | false
  /** rows per model the 'sample' verification compares; default 100 */
  readonly sample?: number
  readonly onProgress?: ProgressListener
  /** clock (tests) */
  readonly now?: () => number
}

export interface ModelCheck {
  readonly model: string
  readonly sourceRows: number
  /** undefined when the target's tables do not exist (or, outside checkOnly, when a resumed model was not counted) */
  readonly targetRows: number | undefined
  /** rows a run would copy now (0 when it would refuse the model) */
  readonly wouldCopy: number
  /** the target has its tables (`tandem push` was run) */
  readonly schemaReady: boolean
  readonly missingTables: readonly string[]
  /** a checkpoint exists: a run would resume (or skip the model when it is done) */
  readonly resume: 'none' | 'resume' | 'done'
  /** a run would refuse the model: rows in the target, no checkpoint, no force */
  readonly refused: boolean
}

export interface ModelMigration {
  readonly model: string
  /** rows written by this run */
  readonly copied: number
  /** rows the target already had in the same or a newer version (a resumed page, a re-run) */
  readonly unchanged: number
  /** rows not copied: unique values owned by another target row, foreign keys that never resolved */
  readonly skipped: readonly SkippedRow[]
  readonly seconds: number
  readonly rowsPerSecond: number
  /** continued from a checkpoint ('done': already complete, nothing copied) */
  readonly resumed: 'no' | 'yes' | 'done'
  /** the backup file of the target's rows `force` replaced */
  readonly backup: { file: string; rows: number } | undefined
}

export interface MigrateResult {
  readonly from: RowStore['kind']
  readonly to: RowStore['kind']
  /** set by `checkOnly` (nothing was written) */
  readonly checks: ModelCheck[] | undefined
  readonly models: ModelMigration[]
  readonly verification: VerifyResult | undefined
  readonly seconds: number
  /** the process's peak resident set size, bytes (process.resourceUsage().maxRSS) */
  readonly peakRssBytes: number
}

const peakRss = () => process.resourceUsage().maxRSS * 1024

/**
 * Copies every row of the selected models from `source` to `target` (either backend either way), parents
 * before children, page by page in the source's key order with at most two pages in memory, writes in
 * `copy` mode (never replacing a newer row; unique collisions reported, see row-store.ts), and a checkpoint
 * per model in the target after each fully written page, so a killed run continues when run again with no
 * row missing or doubled. A target model that has rows and no checkpoint is refused (TARGET_NOT_EMPTY)
 * unless `force`. Ends with a verification.
 * @example const r = await migrate(pg.store, scylla.store, { concurrency: 32, onProgress: (p) => bar.update(p.model, p.done) })
 */
export async function migrate(
  source: RowStore,
  target: RowStore,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const now = options.now ?? Date.now
  const started = now()
  if (source.kind === target.kind && source === target)
    throw validationError('migrate', 'source and target are the same store')
  for (const [name, v] of [
    ['pageSize', options.pageSize],
    ['concurrency', options.concurrency],
    ['rate', options.rate],
  ] as const)
    if (v !== undefined && (!Number.isFinite(v) || v <= 0))
      throw validationError('migrate', `\`${name}\` must be a positive number, got ${String(v)}`)
  const models = parentsFirst(source.schema, options.models)
  const result = (parts: Pick<MigrateResult, 'checks' | 'models' | 'verification'>): MigrateResult => ({
    from: source.kind,
    to: target.kind,
    ...parts,
    seconds: (now() - started) / 1000,
    peakRssBytes: peakRss(),
  })

  const plans = await Promise.all(models.map((m) => planModel(source, target, m, options)))
  if (options.checkOnly) return result({ checks: plans, models: [], verification: undefined })

  const unready = plans.filter((p) => !p.schemaReady)
  if (unready.length)
    throw validationError(
      'migrate',
      `the target (${target.kind}) lacks tables: ${unready.map((p) => `${p.model}: ${p.missingTables.join(', ')}`).join('; ')}; run \`tandem push --backend ${target.kind}\` first`,
    )
  const refused = plans.filter((p) => p.refused)
  if (refused.length)
    throw new TandemError(
      'TARGET_NOT_EMPTY',
      `migrate: the ${target.kind} target already has rows in ${refused.map((p) => `${p.model} (${p.targetRows})`).join(', ')} and no checkpoint to resume from; pass --force to back them up and replace them (--no-backup to skip the backup)`,
      { meta: { models: refused.map((p) => p.model) } },
    )

  // force: back up and empty every target model with rows first (children first), then copy from scratch
  const backups = new Map<string, { file: string; rows: number }>()
  if (options.force) {
    const dir =
      options.backupDir ?? join(process.cwd(), `tandem-backup-${new Date(started).toISOString().replace(/[:.]/g, '-')}`)
    for (const model of [...models].reverse()) {
      const plan = plans.find((p) => p.model === model.name)!
      if (plan.targetRows && !options.noBackup)
        backups.set(
          model.name,
          await backupModel(target, model, dir, 1000, (done) =>
            options.onProgress?.({ phase: 'backup', model: model.name, done, total: plan.targetRows }),
          ),
        )
      if (plan.targetRows) await target.truncate(model)
      await clearCheckpoint(source, target, model)
    }
  }

  const copier = new Copier(source, target, options, now)
  const done: ModelMigration[] = []
  const pendingAll = new Map<Model, Row[]>()
  for (const model of models) {
    const plan = plans.find((p) => p.model === model.name)!
    const m = await copier.copyModel(model, plan.sourceRows, options.force ? 'none' : plan.resume)
    if (m.pending.length) pendingAll.set(model, m.pending)
    done.push({ ...m.result, backup: backups.get(model.name) })
  }
  // rows a foreign key refused, once more after every model (a cycle between models)
  for (const [model, pending] of pendingAll) {
    const i = done.findIndex((d) => d.model === model.name)
    const before = done[i]!
    const retried = await copier.retry(model, pending, true)
    const checkpoint = await readCheckpoint(source, target, model)
    await writeCheckpoint(source, target, model, {
      cursor: undefined,
      copied: checkpoint?.copied ?? 0,
      done: true,
      pending: [],
      fresh: checkpoint?.fresh ?? false,
    })
    done[i] = { ...before, copied: before.copied + retried.written, skipped: [...before.skipped, ...retried.skipped] }
  }

  const verification =
    options.verify === false
      ? undefined
      : await verify(source, target, {
          models: models.map((m) => m.name),
          mode: options.verify ?? 'sample',
          sample: options.sample,
          onProgress: options.onProgress,
        })
  return result({ checks: undefined, models: done, verification })
}

async function planModel(
  source: RowStore,
  target: RowStore,
  model: Model,
  options: MigrateOptions,
): Promise<ModelCheck> {
  const missing = await target.missingTables(model)
  const sourceRows = await source.count(model)
  if (missing.length)
    return {
      model: model.name,
      sourceRows,
      targetRows: undefined,
      wouldCopy: 0,
      schemaReady: false,
      missingTables: missing,
      resume: 'none',
      refused: false,
    }
  const checkpoint = await readCheckpoint(source, target, model)
  const resume = checkpoint ? (checkpoint.done ? 'done' : 'resume') : 'none'
  // a full count only where the number is shown (a ScyllaDB count scans the table): otherwise a one-row probe
  const empty = (await target.scan(model, undefined, 1)).rows.length === 0
  const refused = !options.force && resume === 'none' && !empty
  const targetRows = empty ? 0 : options.checkOnly || refused || options.force ? await target.count(model) : undefined
  const wouldCopy = options.force
    ? sourceRows
    : refused || resume === 'done'
      ? 0
      : Math.max(0, sourceRows - (checkpoint?.copied ?? 0))
  return { model: model.name, sourceRows, targetRows, wouldCopy, schemaReady: true, missingTables: [], resume, refused }
}

/** The copy loop of one model, with the rate limit shared across models. */
class Copier {
  private readonly pageSize: number
  private readonly concurrency: number
  /** rows written (or found) since the run began, for the rate limit */
  private paced = 0
  private readonly pacedFrom: number

  constructor(
    private readonly source: RowStore,
    private readonly target: RowStore,
    private readonly options: MigrateOptions,
    private readonly now: () => number,
  ) {
    this.pageSize = options.pageSize ?? 500
    this.concurrency = options.concurrency ?? 16
    this.pacedFrom = now()
  }

  /** Waits until writing `rows` more keeps the run at or under `rate` rows per second. */
  private async pace(rows: number): Promise<void> {
    const rate = this.options.rate
    if (!rate) return
    this.paced += rows
    const due = this.pacedFrom + ((this.paced - rows) / rate) * 1000
    const wait = due - this.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
  }

  async copyModel(
    model: Model,
    total: number,
    resume: ModelCheck['resume'],
  ): Promise<{ result: Omit<ModelMigration, 'backup'>; pending: Row[] }> {
    const t0 = this.now()
    const { source, target } = this
    const checkpoint = resume === 'none' ? undefined : await readCheckpoint(source, target, model)
    if (checkpoint?.done)
      return {
        result: {
          model: model.name,
          copied: 0,
          unchanged: 0,
          skipped: [],
          seconds: 0,
          rowsPerSecond: 0,
          resumed: 'done',
        },
        pending: [],
      }
    let copied = 0
    let unchanged = 0
    let handled = checkpoint?.copied ?? 0
    const skipped: SkippedRow[] = []
    const pending: Row[] = [...(checkpoint?.pending ?? [])]
    const progress = (done: number) => this.options.onProgress?.({ phase: 'copy', model: model.name, done, total })
    progress(handled)
    // a model copied from its start into an empty target (a non-empty one is refused or emptied by force)
    const fresh = checkpoint ? checkpoint.fresh : true
    let cursor = checkpoint?.cursor
    // a page is read while the one before it is written: at most two pages in memory
    let next = cursor === undefined && checkpoint ? undefined : source.scan(model, cursor, this.pageSize)
    while (next) {
      const page = await next
      next = page.next ? source.scan(model, page.next, this.pageSize) : undefined
      // an unobserved rejection of the read-ahead must not crash the process while this page is written
      next?.catch(() => undefined)
      await this.pace(page.rows.length)
      const r = await target.write(model, page.rows, 'copy', { concurrency: this.concurrency, fresh })
      copied += r.written
      for (const s of r.skipped) {
        if (s.reason === 'foreign-key') pending.push(s.key)
        else if (s.reason === 'unique') skipped.push(s)
        else unchanged++
      }
      handled += page.rows.length
      cursor = page.next
      await writeCheckpoint(source, target, model, { cursor, copied: handled, done: false, pending, fresh })
      progress(handled)
      if (!cursor) break
    }
    // rows a foreign key refused: their parents may have come later in the scan (a self-reference)
    let left = pending
    if (left.length) {
      const r = await this.retry(model, left, false)
      copied += r.written
      left = r.pending
      skipped.push(...r.skipped)
    }
    await writeCheckpoint(source, target, model, {
      cursor: undefined,
      copied: handled,
      done: left.length === 0,
      pending: left,
      fresh,
    })
    const seconds = (this.now() - t0) / 1000
    return {
      result: {
        model: model.name,
        copied,
        unchanged,
        skipped,
        seconds,
        rowsPerSecond: seconds > 0 ? copied / seconds : copied,
        resumed: checkpoint ? 'yes' : 'no',
      },
      pending: left,
    }
  }

  /**
   * Writes the rows of these keys again (read afresh from the source) until a round makes no progress.
   * `final`: rows still refused are reported as skipped; else they are returned as pending.
   */
  async retry(
    model: Model,
    keys: readonly Row[],
    final: boolean,
  ): Promise<{ written: number; pending: Row[]; skipped: SkippedRow[] }> {
    let left = [...keys]
    let written = 0
    const skipped: SkippedRow[] = []
    let refused: SkippedRow[] = []
    for (;;) {
      const rows: Row[] = []
      for (let i = 0; i < left.length; i += this.pageSize)
        rows.push(...(await this.source.readByKeys(model, left.slice(i, i + this.pageSize))))
      const r = await this.target.write(model, rows, 'copy', { concurrency: this.concurrency })
      written += r.written
      skipped.push(...r.skipped.filter((s) => s.reason === 'unique'))
      refused = r.skipped.filter((s) => s.reason === 'foreign-key')
      const still = new Set(refused.map((s) => keyText(model, s.key)))
      const progressed = left.length - still.size
      left = left.filter((k) => still.has(keyText(model, keyOf(model, k))))
      this.options.onProgress?.({
        phase: 'retry',
        model: model.name,
        done: keys.length - left.length,
        total: keys.length,
      })
      if (left.length === 0 || progressed <= 0) break
    }
    if (final) return { written, pending: [], skipped: [...skipped, ...refused] }
    return { written, pending: left, skipped }
  }
}
