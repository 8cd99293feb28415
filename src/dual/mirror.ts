import type { Model, Row } from '../schema/model.js'
import type { Backend } from '../adapter/backend.js'
import { andFilters, type Filter, type ReadQuery } from '../adapter/query.js'
import { keyOf, keyText, type RowStore } from '../move/row-store.js'
import { otherSide, type DualSettings, type Side } from './dual-options.js'

/** What dual mode needs of each database: the model operations and the row-level store. */
export interface DualMember extends Backend {
  readonly store: RowStore
}

/** What the mirror asks of the dual backend that owns it. */
export interface MirrorHost {
  readonly members: Readonly<Record<Side, DualMember>>
  /** the database taking reads and writes: the mirror never writes to it (the application does) */
  active(): Side
  /** whether the last health check of `side` passed (the mirror waits for it otherwise) */
  usable(side: Side): boolean
  log(level: 'info' | 'warn' | 'error', message: string): void
}

interface Entry {
  readonly model: Model
  readonly key: Row
  readonly text: string
  /** the database the row is copied to (from the other one) */
  to: Side
  attempts: number
  /** performance.now() before which it is not retried */
  notBefore: number
  /**
   * The row a create stored, while no other write of the key followed: copied as it is, with no read of
   * the source and, on ScyllaDB, no read of the target either (a fresh write: it cannot have a version yet)
   */
  created: Row | undefined
}

interface Batch {
  readonly model: Model
  readonly to: Side
  readonly entries: Entry[]
}

const RECENT_MS = 60_000

/**
 * Whether the database may change or remove this model's rows by itself, through a foreign key's
 * referential action (a parent's delete cascading or setting null). Such a row is in no call's returned
 * rows, so a create's stored row may be stale by the time it is copied: its key is read again instead.
 */
const changedByReferences = (model: Model) =>
  model.foreignKeys.some(
    (fk) => fk.onDelete === 'cascade' || fk.onDelete === 'set null' || fk.onDelete === 'set default',
  )
const now = () => performance.now()

/**
 * The mirror: keys of written rows, copied by key from one database to the other. A key is copied by
 * reading its CURRENT row from the source and writing it to the target as it is (or deleting it on the
 * target, through the target's own delete so its referential actions run, when the source no longer has
 * it). Copies are idempotent, so retries are safe and increments cannot double; keys are coalesced per
 * model, and a key is never copied twice at once (a write during its copy queues it again, copied after).
 *
 * The caller's cost in async mode is one map insert per written row; copies run in the background
 * (setImmediate), batched per model, retried with backoff. A queue over `queueLimit`, or a key that keeps
 * failing while both databases answer, marks its model for a full sync instead of dropping it silently.
 */
export class Mirror {
  private readonly pending = new Map<string, Map<string, Entry>>()
  private size = 0
  /** model name → keyText of the keys being copied now, with the copy's promise */
  private readonly inflight = new Map<string, Map<string, Promise<void>>>()
  /** `${model}\0${keyText}` → when its last copy finished (shadow reads ask whether a key moved lately) */
  private readonly finished = new Map<string, number>()
  /** models whose target (by side) needs a full copy: overflow, keys that kept failing, a changed primary key */
  readonly fullSync: Record<Side, Set<string>> = { postgres: new Set(), scylla: new Set() }
  /** while a full copy of a model runs, the keys written meanwhile (queued again after it: it may copy them stale) */
  private readonly touched = new Map<string, Set<Row>>()
  /** rows queued, ever */
  queued = 0
  /** rows copied, ever */
  mirrored = 0
  /** failed copies of a row, ever (each retry counts) */
  mirrorFailures = 0
  private pumping: Promise<void> | undefined
  private again = false
  private scheduled = false
  private retryTimer: NodeJS.Timeout | undefined
  private closed = false

  constructor(
    private readonly host: MirrorHost,
    private readonly settings: DualSettings,
  ) {}

  /** Keys waiting or being copied. */
  get depth(): number {
    let n = this.size
    for (const m of this.inflight.values()) n += m.size
    return n
  }

  /** Queues the keys of rows written on `from`, to be copied to the other database. The caller's only cost. */
  add(model: Model, rows: readonly Row[], from: Side, created = false): void {
    if (rows.length === 0) return
    const to = otherSide(from)
    let m = this.pending.get(model.name)
    if (!m) this.pending.set(model.name, (m = new Map()))
    const touched = this.touched.get(model.name)
    for (const row of rows) {
      const text = keyText(model, row)
      const e = m.get(text)
      if (e) {
        // coalesced: the newest write decides the direction (last write wins)
        e.to = to
        e.attempts = 0
        e.notBefore = 0
        e.created = undefined
      } else if (this.size >= this.settings.queueLimit) this.markFull(model.name, to, 'the mirror queue is full')
      else {
        m.set(text, {
          model,
          key: keyOf(model, row),
          text,
          to,
          attempts: 0,
          notBefore: 0,
          created: created && !changedByReferences(model) ? row : undefined,
        })
        this.size++
      }
      touched?.add(keyOf(model, row))
    }
    this.queued += rows.length
    this.schedule()
  }

  /**
   * 'sync' mirror: copies these rows' keys now and resolves when done. Never throws: a failed copy is
   * counted, logged and left queued for the background retries.
   */
  async copyNow(model: Model, rows: readonly Row[], from: Side, created = false): Promise<void> {
    if (rows.length === 0) return
    this.add(model, rows, from, created)
    const m = this.pending.get(model.name)
    const texts = rows.map((r) => keyText(model, r))
    // keys being copied right now are waited for, then copied again (their copy may predate this write)
    const busy = this.inflight.get(model.name)
    if (busy) await Promise.all(texts.flatMap((t) => (busy.has(t) ? [busy.get(t)!.catch(() => {})] : [])))
    const entries: Entry[] = []
    // a copy of one of these keys that started since (the background pass took it) read after this write
    const started: Promise<void>[] = []
    for (const t of texts) {
      const running = this.inflight.get(model.name)?.get(t)
      if (running) started.push(running)
      const e = m?.get(t)
      if (!e || running || !this.eligible(e, now(), false)) continue
      m!.delete(t)
      this.size--
      entries.push(e)
    }
    await Promise.all([...started, ...(entries.length ? [this.copy({ model, to: otherSide(from), entries })] : [])])
  }

  /** Whether `key` of `model` has mirror work pending or in flight, or finished a copy after `since`. */
  moving(model: string, text: string, since: number): boolean {
    if (this.pending.get(model)?.has(text) || this.inflight.get(model)?.has(text)) return true
    const at = this.finished.get(`${model}\0${text}`)
    return at !== undefined && at >= since
  }

  /** Whether the model has keys waiting or in flight. */
  busy(model: string): boolean {
    return (this.pending.get(model)?.size ?? 0) > 0 || (this.inflight.get(model)?.size ?? 0) > 0
  }

  /** Keys waiting to be copied to `to`, per model (failback drains the ones bound for the primary). */
  waiting(to: Side): number {
    let n = 0
    for (const m of this.pending.values()) for (const e of m.values()) if (e.to === to) n++
    for (const m of this.inflight.values()) n += m.size
    return n
  }

  /** Whether a key of `model` waits to be copied to `to` (a full copy leaves such keys alone). */
  pendingTo(model: string, text: string, to: Side): boolean {
    return this.pending.get(model)?.get(text)?.to === to
  }

  /** Resolves when the copies running now have finished (or after `timeoutMs`). */
  async settle(timeoutMs: number): Promise<void> {
    const running = [...this.inflight.values()].flatMap((m) => [...m.values()])
    if (running.length === 0) return
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      Promise.all(running),
      new Promise<void>((r) => {
        timer = setTimeout(r, timeoutMs)
        timer.unref()
      }),
    ])
    clearTimeout(timer)
  }

  markFull(model: string, to: Side, why: string): void {
    if (this.fullSync[to].has(model)) return
    this.fullSync[to].add(model)
    this.host.log('warn', `dual: ${model} marked for a full sync to ${to} (${why})`)
  }

  /** Starts recording the keys written to `model` (a full copy of it is starting). */
  track(model: string): void {
    this.touched.set(model, new Set())
  }

  /** Stops recording and queues again what was written during the full copy. */
  untrack(model: Model, from: Side): void {
    const rows = this.touched.get(model.name)
    this.touched.delete(model.name)
    if (rows?.size) this.add(model, [...rows], from)
  }

  /** Runs a copy pass soon (coalesces the writes of this turn of the event loop into batches). */
  schedule(): void {
    if (this.scheduled || this.closed) return
    this.scheduled = true
    const go = () => {
      this.scheduled = false
      void this.pump()
    }
    // waiting a little gathers the writes of that time into one batch per model (one read of the source)
    if (this.settings.flushDelayMs > 0) setTimeout(go, this.settings.flushDelayMs).unref()
    else setImmediate(go)
  }

  /** Copies every eligible key, batch after batch, until none is left; resolves then. */
  pump(): Promise<void> {
    if (this.pumping) {
      this.again = true
      return this.pumping
    }
    const run = this.pumpLoop()
    this.pumping = run
    void run.finally(() => {
      if (this.pumping === run) this.pumping = undefined
      this.armRetry()
    })
    return run
  }

  private async pumpLoop(): Promise<void> {
    for (;;) {
      this.again = false
      const batches = this.take()
      if (batches.length === 0 && !this.again) return
      // parents before children (a child row finds its parent on PostgreSQL), same level at once
      const levels = new Map<number, Batch[]>()
      for (const b of batches) {
        const l = this.level(b.model)
        const list = levels.get(l)
        if (list) list.push(b)
        else levels.set(l, [b])
      }
      for (const l of [...levels.keys()].sort((a, b) => a - b))
        await Promise.all(levels.get(l)!.map((b) => this.copy(b)))
    }
  }

  private readonly levels = new Map<string, number>()

  /** 0 for a model that references no other, else one more than its deepest parent (cycles cut). */
  private level(model: Model, seen: Set<string> = new Set()): number {
    const known = this.levels.get(model.name)
    if (known !== undefined) return known
    seen.add(model.name)
    let l = 0
    for (const fk of model.foreignKeys) {
      const parent = this.host.members.postgres.store.schema.models.get(fk.targetModel)
      if (parent && !seen.has(parent.name)) l = Math.max(l, this.level(parent, seen) + 1)
    }
    this.levels.set(model.name, l)
    return l
  }

  /**
   * Resolves when at most `left` keys bound for `to` are waiting or in flight (or `timeoutMs` passed:
   * false). Keys held back by an unhealthy database keep it waiting until the timeout. While writes go on,
   * new keys keep coming: a failback first drains to a few (`left` > 0), then holds writes and drains to 0.
   */
  async drain(to: Side, timeoutMs: number, left = 0): Promise<boolean> {
    const deadline = now() + timeoutMs
    for (;;) {
      // backoff is skipped: a drain wants the keys now
      for (const m of this.pending.values()) for (const e of m.values()) if (e.to === to) e.notBefore = 0
      await this.pump()
      if (this.waiting(to) <= left) return true
      if (now() > deadline) return false
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  close(): void {
    this.closed = true
    if (this.retryTimer) clearTimeout(this.retryTimer)
  }

  private eligible(e: Entry, t: number, respectBackoff = true): boolean {
    return (
      e.to !== this.host.active() &&
      this.host.usable(e.to) &&
      this.host.usable(otherSide(e.to)) &&
      (!respectBackoff || e.notBefore <= t)
    )
  }

  /** Takes the eligible keys out of the queue, grouped per model and direction, marking them in flight. */
  private take(): Batch[] {
    const t = now()
    const out: Batch[] = []
    let budget = this.settings.batchSize * 8
    for (const [name, m] of this.pending) {
      if (budget <= 0) break
      const busy = this.inflight.get(name)
      const groups: Partial<Record<Side, Entry[]>> = {}
      for (const [text, e] of m) {
        if (busy?.has(text) || !this.eligible(e, t)) continue
        const g = (groups[e.to] ??= [])
        if (g.length >= this.settings.batchSize) continue
        g.push(e)
        m.delete(text)
        this.size--
        if (--budget <= 0) break
      }
      for (const to of ['postgres', 'scylla'] as const) {
        const entries = groups[to]
        if (entries?.length) out.push({ model: entries[0]!.model, to, entries })
      }
    }
    return out
  }

  /** Copies one batch: current rows from the source, written to the target; keys gone deleted there. */
  private copy(batch: Batch): Promise<void> {
    const { model, entries } = batch
    let busy = this.inflight.get(model.name)
    if (!busy) this.inflight.set(model.name, (busy = new Map()))
    const work = this.copyBatch(batch)
    const done = work.then(
      () => undefined,
      () => undefined,
    )
    for (const e of entries) busy.set(e.text, done)
    return done.finally(() => {
      for (const e of entries) if (busy.get(e.text) === done) busy.delete(e.text)
      const t = now()
      for (const e of entries) this.finished.set(`${model.name}\0${e.text}`, t)
      this.pruneFinished(t)
    })
  }

  private async copyBatch({ model, to, entries }: Batch): Promise<void> {
    const from = otherSide(to)
    const source = this.host.members[from]
    const target = this.host.members[to]
    const failed = new Map<string, string>()
    try {
      const created: Row[] = []
      const read: Entry[] = []
      for (const e of entries) {
        if (e.created) created.push(e.created)
        else read.push(e)
      }
      const rows = read.length
        ? await source.store.readByKeys(
            model,
            read.map((e) => e.key),
          )
        : []
      // the read may have waited long (a database coming back): if `to` became the active database meanwhile,
      // the application writes there now and this copy could overwrite a newer row. Back to the queue.
      if (to === this.host.active()) return this.hold(entries)
      const present = new Set(rows.map((r) => keyText(model, r)))
      for (const [list, fresh] of [
        [created, true],
        [rows, false],
      ] as const) {
        if (!list.length) continue
        const result = await target.store.write(model, list, 'mirror', { fresh })
        for (const s of result.skipped) failed.set(keyText(model, s.key), `${s.reason}: ${s.detail}`)
      }
      // one delete per key, by primary key: a unique read every backend serves, then its referential actions
      const gone = read.filter((e) => !present.has(e.text))
      const settled = await Promise.allSettled(
        gone.map((e) => target.run(model, { op: 'delete', query: byKey(model, e.key) })),
      )
      settled.forEach((r, i) => {
        if (r.status === 'rejected')
          failed.set(gone[i]!.text, r.reason instanceof Error ? r.reason.message : String(r.reason))
      })
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e)
      for (const entry of entries) failed.set(entry.text, why)
    }
    this.mirrored += entries.length - failed.size
    if (failed.size === 0) return
    const first = failed.entries().next().value!
    this.host.log(
      'warn',
      `dual: mirroring ${failed.size} ${model.name} row(s) to ${to} failed (will retry), e.g. ${first[0]}: ${first[1]}`,
    )
    for (const e of entries) if (failed.has(e.text)) this.retry(e)
  }

  /** Copies whose target became the active database: queued again as they were (held until a switch back). */
  private hold(entries: readonly Entry[]): void {
    const m = this.pending.get(entries[0]!.model.name)!
    for (const e of entries)
      if (!m.has(e.text)) {
        // held past a switch, its key may have been written since: read it again when copied
        e.created = undefined
        m.set(e.text, e)
        this.size++
      }
  }

  private retry(e: Entry): void {
    this.mirrorFailures++
    const m = this.pending.get(e.model.name)!
    // a newer write of the same key is already queued: it supersedes this copy
    if (m.has(e.text)) return
    e.created = undefined
    e.attempts++
    if (e.attempts >= this.settings.maxAttempts && this.host.usable(e.to) && this.host.usable(otherSide(e.to))) {
      this.markFull(e.model.name, e.to, `a row kept failing to copy: ${e.text}`)
      return
    }
    e.notBefore = now() + Math.min(10_000, 50 * 2 ** e.attempts)
    m.set(e.text, e)
    this.size++
  }

  /** After a pass, wake up again for keys in backoff or held back by health (the health tick also pumps). */
  private armRetry(): void {
    if (this.closed || this.size === 0) return
    if (this.again) return void this.schedule()
    let next = Infinity
    const t = now()
    for (const m of this.pending.values())
      for (const e of m.values()) if (this.eligible(e, Infinity)) next = Math.min(next, e.notBefore)
    if (next === Infinity) return
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = setTimeout(
      () => {
        this.retryTimer = undefined
        void this.pump()
      },
      Math.max(5, next - t),
    )
    this.retryTimer.unref()
  }

  private pruneFinished(t: number): void {
    if (this.finished.size < 50_000) return
    for (const [k, at] of this.finished) if (t - at > RECENT_MS) this.finished.delete(k)
  }
}

/** The unique read of one primary key. */
export function byKey(model: Model, key: Row): ReadQuery {
  const where = andFilters(
    ...model.primaryKey.map((f): Filter => ({ kind: 'cmp', field: f, op: 'eq', value: key[f] ?? null })),
  )
  return { where, orderBy: [], take: undefined, skip: undefined, unique: true }
}
