import { EventEmitter } from 'node:events'
import { hostname } from 'node:os'
import { randomUUID } from 'node:crypto'
import type { Model, Row, SchemaInfo } from '../schema/model.js'
import type {
  Backend,
  BackendTransactionOptions,
  Operation,
  PushOptions,
  PushReport,
  RawQuery,
  Statement,
} from '../adapter/backend.js'
import { shapeOf } from '../adapter/query.js'
import { TandemError } from '../errors.js'
import { keyOf, keyText, updateTimeField, type RowStore } from '../move/row-store.js'
import {
  listInstances,
  publishInstance,
  readControl,
  removeInstance,
  writeControl,
  type ControlRecord,
  type DualStatus,
  type InstanceRecord,
} from './dual-control.js'
import { otherSide, type DualSettings, type Side, type SyncFn } from './dual-options.js'
import { byKey, Mirror, type DualMember, type MirrorHost } from './mirror.js'
import { compareResults, type Difference } from './shadow-compare.js'

export type { DualMember } from './mirror.js'

/** What `$dual.on('mismatch', e)` receives: the call's shape (no values) and both answers. */
export interface MismatchEvent {
  readonly model: string
  readonly method: 'findMany' | 'count'
  readonly shape: string
  readonly primary: Row[] | number
  readonly secondary: Row[] | number
}

export interface SwitchEvent {
  readonly from: Side
  readonly to: Side
  readonly reason: 'auto' | 'manual' | 'control'
}

/** `db.$dual`: the controls of a dual-mode client. */
export interface DualControls {
  /** health, latency, queue, counters and which database is active */
  status(): DualStatus
  /** makes the secondary active now, on every instance (control record); no automatic failback after it */
  failover(): Promise<DualStatus>
  /** copies back what changed on the secondary, then makes the primary active again, on every instance */
  failback(): Promise<DualStatus>
  /** copies the active database's rows to the standby: `full` every row (deletes too), else changes since the last sync */
  sync(options?: { full?: boolean }): Promise<void>
  /** every instance's last report (what `tandem status` shows) */
  instances(): Promise<InstanceRecord[]>
  on(event: 'mismatch', listener: (e: MismatchEvent) => void): DualControls
  on(event: 'failover' | 'failback', listener: (e: SwitchEvent) => void): DualControls
  off(event: string, listener: (...args: never[]) => void): DualControls
}

interface HealthState {
  healthy: boolean | undefined
  latencyMs: number
  fails: number
  passes: number
  error: string | undefined
}

const now = () => performance.now()
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** rows written while a clock skew between the databases' clients could misorder them are synced too */
const SKEW_MS = 5_000

/** A write whose outcome was unknown: its keys, copied again from `side` once it has settled. */
interface Unsettled {
  readonly model: Model
  readonly keys: Row[]
  readonly side: Side
  readonly at: number
  readonly deleted: boolean
  /**
   * whether the driver still holds the call (dual mode stopped waiting for it at a switch): postgres.js keeps
   * a query for a lost connection through its reconnect backoff (up to 20 s) and sends it once the database
   * is back, which may be after failback, when `settleMs` has long passed
   */
  running: boolean
}

interface Abandon {
  readonly promise: Promise<never>
  readonly reject: (e: Error) => void
}

function abandonment(): Abandon {
  let reject: (e: Error) => void = () => {}
  const promise = new Promise<never>((_, r) => (reject = r))
  promise.catch(() => {})
  return { promise, reject }
}

/** The primary keys a write names itself: an insert's rows (ids made by the client), a where by primary key. */
function keysOf(model: Model, operation: Operation): Row[] {
  const complete = (r: Row) => model.primaryKey.every((f) => r[f] !== undefined && r[f] !== null)
  if (operation.op === 'insert') return operation.rows.filter(complete)
  if (operation.op !== 'update' && operation.op !== 'delete') return []
  const key: Row = {}
  const where = operation.query.where
  const terms = where?.kind === 'and' ? where.items : where ? [where] : []
  for (const t of terms)
    if (t.kind === 'cmp' && t.op === 'eq' && model.primaryKey.includes(t.field)) key[t.field] = t.value
  return complete(key) ? [key] : []
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new TandemError('BACKEND_UNAVAILABLE', `${what}: no answer in ${ms} ms`)), ms)
      timer.unref()
    }),
  ])
}

/**
 * Dual mode: the Backend the model delegates run on, over the two real backends. Every operation goes to
 * the ACTIVE database (the primary until a failover); writes are mirrored to the other by key (mirror.ts);
 * a sample of reads is shadowed on the other and compared; a health loop pings both, follows the control
 * record, fails over and back. Related rows come from the delegate's loader on both sides, so both
 * databases see the same operations.
 */
export class DualBackend implements Backend {
  readonly includes = 'loader' as const
  readonly primary: Side
  readonly secondary: Side
  /** the database serving reads and writes now */
  active: Side
  readonly mirror: Mirror
  readonly events = new EventEmitter()
  readonly id: string
  readonly controls: DualControls
  private readonly health: Record<Side, HealthState> = {
    postgres: { healthy: undefined, latencyMs: 0, fails: 0, passes: 0, error: undefined },
    scylla: { healthy: undefined, latencyMs: 0, fails: 0, passes: 0, error: undefined },
  }
  private control: ControlRecord
  private started: Promise<void> | undefined
  private timer: NodeJS.Timeout | undefined
  private closed = false
  private switching = false
  /** set while a failback copies the last keys: writes wait for it */
  private gate: Promise<void> | undefined
  private openGate: (() => void) | undefined
  /** writes running now, per database (a failback waits for the secondary's before its last copy) */
  private readonly writing: Record<Side, number> = { postgres: 0, scylla: 0 }
  private idleWaiters: (() => void)[] = []
  /**
   * Per database, a promise rejected when it stops being the active one: calls still waiting on it (a dead
   * primary may hold them for its whole connect timeout) end then, reads by running again on the new one.
   */
  private readonly abandon: Record<Side, Abandon> = { postgres: abandonment(), scylla: abandonment() }
  /**
   * Keys of writes whose outcome was unknown (the database did not answer). The driver may still run such a
   * write when the database comes back, after the mirror copied the key: they are copied again once the
   * driver's call has ended and their database is active and has answered for `settleMs`.
   */
  private unsettled: Unsettled[] = []
  private readonly healthySince: Record<Side, number> = { postgres: 0, scylla: 0 }
  private switchChain: Promise<unknown> = Promise.resolve()
  private failedOverAt: number | undefined
  private mismatches = 0
  private shadowCompared = 0
  private shadowSkipped = 0
  private shadowInFlight = 0
  private lastPublish = 0
  private lastSync = Date.now()
  private syncing: Promise<void> | undefined
  private readonly logged = new Map<string, number>()
  /** per model: the models it references through a foreign key whose delete cascades or sets null */
  private readonly cascadeParents = new Map<string, { model: Model; fields: readonly string[] }[]>()

  constructor(
    readonly schema: SchemaInfo,
    readonly members: Readonly<Record<Side, DualMember>>,
    readonly settings: DualSettings,
    private readonly syncFn: SyncFn,
  ) {
    this.primary = settings.primary
    this.secondary = settings.secondary
    this.active = settings.primary
    this.id = settings.instanceId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
    this.control = { version: 0, active: this.primary, mode: 'auto', at: new Date(0).toISOString(), by: this.id }
    const host: MirrorHost = {
      members,
      active: () => this.active,
      usable: (side) => this.usable(side),
      log: (level, message) => this.log(level, message),
    }
    this.mirror = new Mirror(host, settings)
    for (const model of schema.models.values()) {
      const parents = model.foreignKeys
        .filter((fk) => fk.onDelete === 'cascade' || fk.onDelete === 'set null' || fk.onDelete === 'set default')
        .flatMap((fk) => {
          const parent = schema.models.get(fk.targetModel)
          const samePk =
            parent &&
            parent.primaryKey.length === fk.targetFields.length &&
            parent.primaryKey.every((f, i) => fk.targetFields[i] === f)
          return parent && samePk ? [{ model: parent, fields: fk.fields }] : []
        })
      this.cascadeParents.set(model.name, parents)
    }
    this.controls = this.makeControls()
  }

  /** the active database's kind (explain shows where a call would run) */
  get kind(): Side {
    return this.active
  }

  private get standby(): Side {
    return otherSide(this.active)
  }

  private usable(side: Side): boolean {
    return this.health[side].healthy !== false
  }

  private stores(): RowStore[] {
    return (['postgres', 'scylla'] as const).filter((s) => this.usable(s)).map((s) => this.members[s].store)
  }

  // ---- operations ----------------------------------------------------------------------------

  async run(model: Model, operation: Operation): Promise<Row[] | number> {
    if (!this.timer && !this.closed) await this.start()
    if (operation.op === 'findMany' || operation.op === 'count' || operation.op === 'aggregate') {
      let side = this.active
      let result: Row[] | number
      try {
        result = await Promise.race([this.members[side].run(model, operation), this.abandon[side].promise])
      } catch (e) {
        if (this.active === side) throw e
        // the database failed over while this read waited for it: read from the new active one
        side = this.active
        result = await this.members[side].run(model, operation)
      }
      const rate = this.settings.shadowReads
      // aggregate rows have no key to compare by: not shadowed
      if (rate > 0 && operation.op !== 'aggregate' && (rate >= 1 || Math.random() < rate))
        this.shadow(model, operation, result, side)
      return result
    }
    if (this.gate) await this.gate
    const side = this.active
    this.writing[side]++
    try {
      let result: Row[] | number
      const call = this.members[side].run(model, operation)
      try {
        result = await Promise.race([call, this.abandon[side].promise])
      } catch (e) {
        // a write whose outcome is unknown (the connection broke, the database failed over) may have applied:
        // its keys, where the call names them, are queued anyway. A request error (P2025, P2002, …) changed
        // nothing, and its keys must not be queued: that would copy the other way what this side lacks.
        if (e instanceof TandemError && (e.code === 'BACKEND_UNAVAILABLE' || e.code === 'OUTCOME_UNKNOWN')) {
          const keys = keysOf(model, operation)
          if (keys.length) {
            this.mirror.add(model, keys, side)
            const u: Unsettled = { model, keys, side, at: now(), deleted: operation.op === 'delete', running: true }
            this.unsettled.push(u)
            const ended = () => (u.running = false)
            call.then(ended, ended)
          }
        }
        throw e
      }
      if (typeof result !== 'number') {
        if (operation.op === 'update' && model.primaryKey.some((f) => f in operation.set))
          // the old keys are not in the returned rows: the whole model is compared instead
          this.mirror.markFull(model.name, otherSide(side), 'an update changed primary keys')
        await this.mirrorRows(model, result, side, operation.op === 'insert')
      }
      return result
    } finally {
      this.wrote(side)
    }
  }

  private wrote(side: Side): void {
    if (--this.writing[side] === 0 && this.idleWaiters.length) for (const w of this.idleWaiters.splice(0)) w()
  }

  /** Ends the calls still waiting on `side`, which just stopped being the active database. */
  private leave(side: Side): void {
    const old = this.abandon[side]
    this.abandon[side] = abandonment()
    old.reject(
      new TandemError(
        'BACKEND_UNAVAILABLE',
        `dual: ${side} stopped being the active database while this call waited for it (its outcome is unknown; ` +
          'its rows are compared again by the mirror)',
      ),
    )
  }

  /**
   * Queues (async) or copies now (sync) the keys of rows written on `side`. Never throws. Also what the
   * credits ledger calls after a balance change it made on the active database. `created`: the rows are
   * what a create stored, copied as they are unless their key is written again first (no reads).
   */
  mirrorRows(model: Model, rows: readonly Row[], side: Side, created = false): Promise<void> | undefined {
    if (rows.length === 0) return undefined
    if (this.settings.mirror === 'async') {
      this.mirror.add(model, rows, side, created)
      return undefined
    }
    return this.mirror
      .copyNow(model, rows, side, created)
      .catch((e: unknown) => this.log('error', `dual: sync mirror: ${e}`))
  }

  /** The active database's backend, for a caller that runs its own statements (the credits ledger). */
  activeMember(): { side: Side; backend: DualMember } {
    return { side: this.active, backend: this.members[this.active] }
  }

  /**
   * A transaction on the active database; the keys it wrote are queued as it writes them and again after
   * it ends (committed or not: a copy reads the current row, so an extra key costs a read, never a wrong row).
   */
  async transaction<T>(fn: (tx: Backend) => Promise<T>, options?: BackendTransactionOptions): Promise<T> {
    if (!this.timer && !this.closed) await this.start()
    if (this.gate) await this.gate
    const side = this.active
    this.writing[side]++
    const written: [Model, Row[]][] = []
    const outer = this
    try {
      return await this.members[side].transaction((tx) => {
        const wrapped: Backend = {
          kind: tx.kind,
          includes: outer.includes,
          async run(model, operation) {
            const result = await tx.run(model, operation)
            if (
              typeof result !== 'number' &&
              operation.op !== 'findMany' &&
              operation.op !== 'count' &&
              operation.op !== 'aggregate'
            ) {
              written.push([model, result])
              outer.mirror.add(model, result, side)
            }
            return result
          },
          explain: (model, operation) => tx.explain(model, operation),
          ddl: () => tx.ddl(),
          push: (options) => tx.push(options),
          ping: () => tx.ping(),
          close: () => tx.close(),
          transaction: (inner) => tx.transaction(inner),
          raw: (query) => tx.raw(query),
        }
        return fn(wrapped)
      }, options)
    } finally {
      for (const [model, rows] of written) await this.mirrorRows(model, rows, side)
      this.wrote(side)
    }
  }

  explain(model: Model, operation: Operation): Statement[] {
    return this.members[this.active].explain(model, operation)
  }

  /**
   * A raw statement on the ACTIVE database (so `$queryRaw` works while PostgreSQL is active and `$cql` while
   * ScyllaDB is; the other is refused by the backend with VALIDATION). Its writes are not mirrored: tandem
   * cannot tell which rows a statement changed. A sync (`$dual.sync`, the periodic one) copies changed rows
   * of models with an update-time column; write through the model API for mirrored changes.
   */
  async raw(query: RawQuery): Promise<Record<string, unknown>[] | number> {
    if (!this.timer && !this.closed) await this.start()
    return this.members[this.active].raw(query)
  }

  /** both databases' DDL: the primary's, then the secondary's */
  ddl(): string[] {
    return [...this.members[this.primary].ddl(), ...this.members[this.secondary].ddl()]
  }

  /** Both databases (the options go to each); the reports joined, PostgreSQL's first. */
  async push(options?: PushOptions): Promise<PushReport> {
    const [pg, scylla] = await Promise.all([this.members.postgres.push(options), this.members.scylla.push(options)])
    if (!this.timer && !this.closed && !options?.dryRun) await this.start()
    return {
      changes: [...pg.changes, ...scylla.changes],
      filled: [...pg.filled, ...scylla.filled],
      pending: [...pg.pending, ...scylla.pending],
    }
  }

  async ping(): Promise<void> {
    await this.members[this.active].ping()
  }

  /** Both entries of `$health()`, pinged now. */
  async healthAll(): Promise<{ backend: Side; ok: boolean; latencyMs: number; error?: string }[]> {
    return Promise.all(
      ([this.primary, this.secondary] as const).map(async (side) => {
        const started = now()
        try {
          await withTimeout(this.members[side].ping(), this.settings.healthTimeoutMs, `${side} ping`)
          return { backend: side, ok: true, latencyMs: now() - started }
        } catch (e) {
          return {
            backend: side,
            ok: false,
            latencyMs: now() - started,
            error: e instanceof Error ? e.message : String(e),
          }
        }
      }),
    )
  }

  /** Stops the health loop, lets queued copies finish briefly, closes both databases. */
  async close(): Promise<void> {
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    await this.started?.catch(() => {})
    if (this.mirror.depth > 0) await withTimeout(this.mirror.pump(), 2000, 'mirror').catch(() => {})
    await this.syncing?.catch(() => {})
    this.mirror.close()
    // a client that never ran a call published nothing (and opened no connection to remove it with)
    if (this.lastPublish > 0)
      await withTimeout(removeInstance(this.stores(), this.id), 2000, 'instance record').catch(() => {})
    await Promise.allSettled([this.members.postgres.close(), this.members.scylla.close()])
  }

  // ---- shadow reads --------------------------------------------------------------------------

  private shadow(
    model: Model,
    operation: Extract<Operation, { op: 'findMany' | 'count' }>,
    result: Row[] | number,
    side: Side,
  ): void {
    const other = otherSide(side)
    if (this.shadowInFlight >= this.settings.shadowConcurrency || !this.usable(other) || this.switching) {
      this.shadowSkipped++
      return
    }
    this.shadowInFlight++
    this.compare(model, operation, result, side)
      .catch(() => this.shadowSkipped++)
      .finally(() => this.shadowInFlight--)
  }

  /**
   * The shadow-read rule: the other database runs the same operation after the active one answered. If
   * they disagree, the disagreement may be mirror lag, so the comparison waits until the keys involved
   * (and their cascading parents) have no mirror work left, or `shadowRecheckMs`, then reads both again.
   * A second disagreement is reported only when no differing row (nor a parent it cascades from) was
   * queued, copied or being copied since the second reads began; otherwise it is counted as skipped.
   */
  private async compare(
    model: Model,
    operation: Extract<Operation, { op: 'findMany' | 'count' }>,
    first: Row[] | number,
    side: Side,
  ): Promise<void> {
    const other = otherSide(side)
    const query = operation.query
    let a = first
    let b = await this.members[other].run(model, operation)
    let diff = compareResults(model, query, a, b)
    if (diff === 'incomparable') return void this.shadowSkipped++
    if (!diff) return void this.shadowCompared++
    await this.settleFor(model, diff)
    if (this.active !== side || this.closed) return void this.shadowSkipped++
    const again = now()
    a = await this.members[side].run(model, operation)
    b = await this.members[other].run(model, operation)
    diff = compareResults(model, query, a, b)
    if (diff === 'incomparable') return void this.shadowSkipped++
    this.shadowCompared++
    if (!diff) return
    if (this.explained(model, diff, again)) {
      this.shadowCompared--
      return void this.shadowSkipped++
    }
    this.mismatches++
    const event: MismatchEvent = {
      model: model.name,
      method: operation.op,
      shape: shapeOf(model.name, operation).key,
      primary: side === this.primary ? a : b,
      secondary: side === this.primary ? b : a,
    }
    this.log('warn', `dual: shadow read of ${model.name}.${operation.op} disagrees (shape ${event.shape})`)
    this.events.emit('mismatch', event)
  }

  private async settleFor(model: Model, diff: Difference): Promise<void> {
    const deadline = now() + this.settings.shadowRecheckMs
    await sleep(20)
    const parents = this.cascadeParents.get(model.name) ?? []
    while (now() < deadline) {
      const moving =
        (diff.keys.length === 0
          ? this.mirror.busy(model.name)
          : diff.keys.some((k) => this.mirror.moving(model.name, k, Infinity))) ||
        parents.some((p) => this.mirror.busy(p.model.name))
      if (!moving) return
      await sleep(20)
    }
  }

  private explained(model: Model, diff: Difference, since: number): boolean {
    // a count (no keys to tell): any mirror work on the model, or a write still running, explains it
    if (diff.keys.length === 0) return this.mirror.busy(model.name) || this.writing.postgres + this.writing.scylla > 0
    if (diff.keys.some((k) => this.mirror.moving(model.name, k, since))) return true
    for (const p of this.cascadeParents.get(model.name) ?? [])
      for (const row of diff.rows) {
        const key: Row = {}
        p.model.primaryKey.forEach((f, i) => (key[f] = row[p.fields[i]!]))
        if (Object.values(key).some((v) => v === null || v === undefined)) continue
        if (this.mirror.moving(p.model.name, keyText(p.model, key), since)) return true
      }
    return false
  }

  // ---- health, control record, failover and failback -----------------------------------------

  /** Starts the health loop (first check now: a new instance follows a failover already in force). */
  private start(): Promise<void> {
    if (this.started) return this.started
    this.started = this.tick().finally(() => {
      if (!this.closed) this.arm()
    })
    return this.started
  }

  private arm(): void {
    this.timer = setTimeout(() => {
      void this.tick().finally(() => {
        if (!this.closed) this.arm()
      })
    }, this.settings.healthIntervalMs)
    this.timer.unref()
  }

  /** One health check: ping both, follow the control record, fail over or back, resume the mirror. */
  private async tick(): Promise<void> {
    try {
      await Promise.all((['postgres', 'scylla'] as const).map((side) => this.check(side)))
      if (this.closed) return
      const control = await withTimeout(readControl(this.stores()), this.settings.healthTimeoutMs, 'control record')
      if (control && control.version > this.control.version) await this.follow(control)
      else if (!this.switching) {
        const p = this.health[this.primary]
        if (this.active === this.primary && p.fails >= this.settings.failoverAfter && this.usable(this.secondary))
          await this.failover('auto')
        else if (
          this.active === this.secondary &&
          this.control.mode === 'auto' &&
          p.passes >= this.settings.failbackAfter &&
          this.usable(this.secondary)
        )
          await this.failback('auto')
      }
      this.settleUnknown()
      void this.mirror.pump()
      this.background()
      await this.publish()
    } catch (e) {
      this.log('warn', `dual: health check: ${e instanceof Error ? e.message : String(e)}`)
    }
  }

  private async check(side: Side): Promise<void> {
    const h = this.health[side]
    const started = now()
    try {
      await withTimeout(this.members[side].ping(), this.settings.healthTimeoutMs, `${side} ping`)
      h.latencyMs = now() - started
      if (h.healthy === false) this.log('info', `dual: ${side} answers again`)
      if (h.healthy !== true) this.healthySince[side] = now()
      h.healthy = true
      h.passes++
      h.fails = 0
      h.error = undefined
    } catch (e) {
      h.latencyMs = now() - started
      if (h.healthy !== false) this.log('warn', `dual: ${side} failed its health check: ${e}`)
      h.healthy = false
      h.fails++
      h.passes = 0
      h.error = e instanceof Error ? e.message : String(e)
    }
  }

  /** Switches run one at a time (the health loop and a manual call may ask at once). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.switchChain.then(fn, fn)
    this.switchChain = run.catch(() => {})
    return run
  }

  private follow(control: ControlRecord): Promise<void> {
    return this.serial(() => this.followNow(control))
  }

  private async followNow(control: ControlRecord): Promise<void> {
    if (control.version <= this.control.version) return
    const from = this.active
    if (control.active !== this.active) {
      if (control.active === this.primary) {
        if (!(await this.failbackLocal(false))) return
      } else await this.failoverLocal(control.failedOverAt)
      this.emitSwitch(from, 'control')
    }
    this.control = control
  }

  /**
   * Switches to the secondary. Copies being written into it finish first (they could overwrite newer rows).
   * When the primary still answers (a manual failover), writes are held and the ones running on the primary
   * finish first, so none is cut off; a dead primary's calls are ended (BACKEND_UNAVAILABLE) at the switch.
   */
  private async failoverLocal(at?: string): Promise<void> {
    if (this.active === this.secondary) return
    this.switching = true
    const held = this.usable(this.primary)
    if (held) this.gate = new Promise<void>((r) => (this.openGate = r))
    try {
      if (held) await this.idle(this.primary, this.settings.healthTimeoutMs * 2)
      await this.mirror.settle(this.settings.healthTimeoutMs * 2)
      // a background copy into the secondary stops at its next page once the secondary is active (copyModel)
      if (this.syncing) await Promise.race([this.syncing, sleep(this.settings.healthTimeoutMs * 2)])
      this.active = this.secondary
      this.leave(this.primary)
      this.failedOverAt = at ? Date.parse(at) : Date.now()
    } finally {
      if (held) {
        this.openGate?.()
        this.gate = undefined
      }
      this.switching = false
    }
  }

  /** Resolves when no write runs on `side` (or after `timeoutMs`). */
  private async idle(side: Side, timeoutMs = Infinity): Promise<void> {
    const deadline = now() + timeoutMs
    while (this.writing[side] > 0 && now() < deadline)
      await Promise.race([new Promise<void>((r) => this.idleWaiters.push(r)), sleep(Math.min(100, timeoutMs))])
  }

  /**
   * Switches back to the primary: (1) the keys written on the secondary are copied back while it still
   * serves; (2) when this instance leads the failback, rows of update-time models changed since the failover
   * are synced too (what another instance's queue may have lost), and models marked for a full sync are
   * copied whole; (3) writes are held, the last keys copied, and the primary becomes active.
   * Returns false (still on the secondary) when the primary fails again meanwhile.
   */
  private async failbackLocal(lead: boolean): Promise<boolean> {
    if (this.active === this.primary) return true
    this.switching = true
    try {
      const budget = Math.max(30_000, this.settings.healthIntervalMs * 10)
      if (!(await this.mirror.drain(this.primary, budget, this.settings.batchSize))) return false
      if (lead) {
        // from the failover on, not earlier: a row the secondary got from the primary before it (its update
        // time is older) may be a version whose delete on the primary had not been copied yet; copying it
        // back would bring the deleted row back
        await this.syncSince(this.secondary, this.primary, new Date(this.failedOverAt ?? Date.now()))
        await this.fullCopies(this.primary)
      }
      this.gate = new Promise<void>((r) => (this.openGate = r))
      try {
        // writes still running on the secondary finish first (their keys are then in the queue), and a
        // background copy into the primary ends before it takes writes
        await this.idle(this.secondary)
        while (this.syncing) await this.syncing
        if (!(await this.mirror.drain(this.primary, budget))) return false
        this.active = this.primary
        this.leave(this.secondary)
        this.failedOverAt = undefined
        return true
      } finally {
        this.openGate?.()
        this.gate = undefined
      }
    } finally {
      this.switching = false
    }
  }

  private failover(reason: 'auto' | 'manual'): Promise<void> {
    return this.serial(() => this.failoverNow(reason))
  }

  private async failoverNow(reason: 'auto' | 'manual'): Promise<void> {
    if (this.active === this.secondary) return
    const from = this.active
    await this.failoverLocal()
    const record: ControlRecord = {
      version: this.control.version + 1,
      active: this.secondary,
      mode: reason,
      at: new Date().toISOString(),
      failedOverAt: new Date(this.failedOverAt ?? Date.now()).toISOString(),
      by: this.id,
    }
    this.control = record
    this.log('warn', `dual: failed over to ${this.secondary} (${reason})`)
    this.emitSwitch(from, reason)
    await writeControl(this.stores(), record).catch((e: unknown) =>
      this.log('error', `dual: could not write the control record: ${e}`),
    )
  }

  private failback(reason: 'auto' | 'manual'): Promise<boolean> {
    return this.serial(() => this.failbackNow(reason))
  }

  private async failbackNow(reason: 'auto' | 'manual'): Promise<boolean> {
    if (this.active === this.primary) return true
    const from = this.active
    if (!(await this.failbackLocal(true))) return false
    const record: ControlRecord = {
      version: this.control.version + 1,
      active: this.primary,
      mode: reason,
      at: new Date().toISOString(),
      by: this.id,
    }
    this.control = record
    this.log('warn', `dual: failed back to ${this.primary} (${reason})`)
    this.emitSwitch(from, reason)
    await writeControl(this.stores(), record).catch((e: unknown) =>
      this.log('error', `dual: could not write the control record: ${e}`),
    )
    return true
  }

  private emitSwitch(from: Side, reason: SwitchEvent['reason']): void {
    if (from === this.active) return
    const e: SwitchEvent = { from, to: this.active, reason }
    this.events.emit(this.active === this.primary ? 'failback' : 'failover', e)
  }

  /** Copies again the keys of writes whose outcome was unknown, once their database is active and settled. */
  private settleUnknown(): void {
    if (this.unsettled.length === 0) return
    const t = now()
    const wait = this.settings.settleMs
    const settled = (u: Unsettled) =>
      !u.running &&
      u.side === this.active &&
      this.health[u.side].healthy === true &&
      t - this.healthySince[u.side] >= wait &&
      t - u.at >= wait
    for (const u of this.unsettled) {
      if (!settled(u)) continue
      this.mirror.add(u.model, u.keys, u.side)
      // the rows such a delete cascaded to are not known by key: their models are compared whole
      if (u.deleted)
        for (const child of this.cascadeChildren(u.model.name))
          this.mirror.markFull(
            child,
            otherSide(u.side),
            `a delete of ${u.model.name} with an unknown outcome may have cascaded`,
          )
    }
    this.unsettled = this.unsettled.filter((u) => !settled(u))
  }

  /** The models whose rows a delete of `model` may change (cascade, set null), transitively. */
  private cascadeChildren(model: string, out = new Set<string>()): Set<string> {
    for (const [child, parents] of this.cascadeParents)
      if (!out.has(child) && parents.some((p) => p.model.name === model)) {
        out.add(child)
        this.cascadeChildren(child, out)
      }
    return out
  }

  // ---- syncs -----------------------------------------------------------------------------------

  /** Full copies of marked models and the periodic incremental sync, when the standby answers. */
  private background(): void {
    if (this.syncing || this.switching || this.closed) return
    const to = this.standby
    if (!this.usable(to) || !this.usable(this.active)) return
    const due = this.settings.syncIntervalMs > 0 && Date.now() - this.lastSync >= this.settings.syncIntervalMs
    if (this.mirror.fullSync[to].size === 0 && !due) return
    this.syncing = (async () => {
      await this.fullCopies(to)
      if (due) {
        const since = new Date(this.lastSync - SKEW_MS)
        this.lastSync = Date.now()
        await this.syncSince(this.active, to, since)
      }
    })()
      .catch((e: unknown) => this.log('error', `dual: background sync to ${to}: ${e}`))
      .finally(() => (this.syncing = undefined))
  }

  /** move's incremental sync for the models with an update-time field, keys written meanwhile queued again. */
  private async syncSince(from: Side, to: Side, since: Date): Promise<void> {
    const models = [...this.schema.models.values()].filter((m) => updateTimeField(m) !== undefined)
    if (models.length === 0) return
    for (const m of models) this.mirror.track(m.name)
    try {
      await this.syncFn(this.members[from].store, this.members[to].store, {
        since,
        models: models.map((m) => m.name),
      })
    } finally {
      for (const m of models) this.mirror.untrack(m, from)
    }
  }

  /** Copies every model marked for a full sync to `to`; a model that fails stays marked. */
  private async fullCopies(to: Side): Promise<void> {
    const marked = this.mirror.fullSync[to]
    for (const model of this.ordered()) {
      if (!marked.has(model.name)) continue
      marked.delete(model.name)
      try {
        await this.copyModel(model, otherSide(to), to)
      } catch (e) {
        marked.add(model.name)
        throw e
      }
    }
  }

  /** Models with the ones they reference first (a copied child finds its parent on PostgreSQL). */
  private ordered(): Model[] {
    const out: Model[] = []
    const seen = new Set<string>()
    const visit = (m: Model) => {
      if (seen.has(m.name)) return
      seen.add(m.name)
      for (const fk of m.foreignKeys) {
        const parent = this.schema.models.get(fk.targetModel)
        if (parent) visit(parent)
      }
      out.push(m)
    }
    for (const m of this.schema.models.values()) visit(m)
    return out
  }

  /**
   * Makes `to`'s rows of a model equal to `from`'s: every row written as it is, rows missing from `from`
   * deleted (through `to`'s own delete). Keys waiting to go the other way (a newer write on `to` not yet
   * copied) are left alone; keys written during the copy are queued again after it.
   */
  private async copyModel(model: Model, from: Side, to: Side): Promise<void> {
    const source = this.members[from].store
    const target = this.members[to].store
    const held = (r: Row) => this.mirror.pendingTo(model.name, keyText(model, r), from)
    this.mirror.track(model.name)
    try {
      let cursor: string | undefined
      const retry: Row[] = []
      // the application writes to the active database: a copy into it would overwrite newer rows
      const stillStandby = () => {
        if (to === this.active) throw new Error(`${to} became the active database during a full copy of ${model.name}`)
      }
      do {
        const page = await source.scan(model, cursor, 500)
        stillStandby()
        const rows = page.rows.filter((r) => !held(r))
        if (rows.length) {
          const result = await target.write(model, rows, 'mirror')
          if (result.skipped.length) {
            const skipped = new Set(result.skipped.map((s) => keyText(model, s.key)))
            retry.push(...rows.filter((r) => skipped.has(keyText(model, r))))
          }
        }
        cursor = page.next
      } while (cursor !== undefined)
      cursor = undefined
      do {
        const page = await target.scan(model, cursor, 500)
        const keys = page.rows.map((r) => keyOf(model, r))
        const present = new Set((await source.readByKeys(model, keys)).map((r) => keyText(model, r)))
        stillStandby()
        for (const key of keys)
          if (!present.has(keyText(model, key)) && !held(key))
            await this.members[to].run(model, { op: 'delete', query: byKey(model, key) })
        cursor = page.next
      } while (cursor !== undefined)
      // rows refused for a unique value another row held until the deletes above: once more
      if (retry.length) {
        const result = await target.write(model, retry, 'mirror')
        if (result.skipped.length)
          this.log('error', `dual: full copy of ${model.name} to ${to}: ${result.skipped.length} row(s) refused`)
      }
    } finally {
      this.mirror.untrack(model, from)
    }
  }

  // ---- status -----------------------------------------------------------------------------------

  status(): DualStatus {
    const backend = (s: Side) => ({
      healthy: this.health[s].healthy !== false,
      latencyMs: Math.round(this.health[s].latencyMs * 100) / 100,
    })
    return {
      primary: this.primary,
      active: this.active,
      backends: { postgres: backend('postgres'), scylla: backend('scylla') },
      queued: this.mirror.depth,
      mirrored: this.mirror.mirrored,
      mirrorFailures: this.mirror.mirrorFailures,
      mismatches: this.mismatches,
      shadowCompared: this.shadowCompared,
      shadowSkipped: this.shadowSkipped,
      shadowPending: this.shadowInFlight,
      fullSyncPending: { postgres: [...this.mirror.fullSync.postgres], scylla: [...this.mirror.fullSync.scylla] },
      syncing: this.syncing !== undefined || this.switching,
      unsettled: this.unsettled.reduce((n, u) => n + u.keys.length, 0),
      mode: this.control.mode,
      controlVersion: this.control.version,
      failedOverAt: this.failedOverAt === undefined ? undefined : new Date(this.failedOverAt).toISOString(),
    }
  }

  private async publish(): Promise<void> {
    const t = Date.now()
    if (t - this.lastPublish < Math.max(1000, this.settings.healthIntervalMs) || this.closed) return
    this.lastPublish = t
    await withTimeout(
      publishInstance(this.stores(), { ...this.status(), id: this.id, at: new Date(t).toISOString() }),
      this.settings.healthTimeoutMs,
      'instance record',
    ).catch(() => {})
  }

  log(level: 'info' | 'warn' | 'error', message: string): void {
    if (this.settings.logger) return this.settings.logger(level, message)
    if (level === 'info') return
    // the same message at most every 10 s on stderr
    const key = message.slice(0, 80)
    const t = Date.now()
    if ((this.logged.get(key) ?? 0) > t - 10_000) return
    if (this.logged.size > 1000) this.logged.clear()
    this.logged.set(key, t)
    process.stderr.write(`tandem ${level}: ${message}\n`)
  }

  private makeControls(): DualControls {
    const controls: DualControls = {
      status: () => this.status(),
      failover: async () => {
        await this.start()
        if (!this.usable(this.secondary))
          throw new TandemError(
            'BACKEND_UNAVAILABLE',
            `dual failover: ${this.secondary} does not answer its health check`,
          )
        if (this.active === this.secondary && this.control.mode === 'manual') return this.status()
        if (this.active === this.secondary) {
          // already failed over automatically: make it manual (no automatic failback)
          this.control = { ...this.control, version: this.control.version + 1, mode: 'manual', by: this.id }
          await writeControl(this.stores(), this.control)
        } else await this.failover('manual')
        return this.status()
      },
      failback: async () => {
        await this.start()
        const h = this.health[this.primary]
        if (h.healthy === false)
          throw new TandemError(
            'BACKEND_UNAVAILABLE',
            `dual failback: ${this.primary} does not answer its health check`,
          )
        if (!(await this.failback('manual')))
          throw new TandemError('BACKEND_UNAVAILABLE', `dual failback: ${this.primary} failed while copying back`)
        return this.status()
      },
      sync: async (options = {}) => {
        await this.start()
        const to = this.standby
        if (!this.usable(to)) throw new TandemError('BACKEND_UNAVAILABLE', `dual sync: ${to} does not answer`)
        while (this.syncing) await this.syncing
        const run = (async () => {
          if (options.full) {
            for (const m of this.schema.models.values()) this.mirror.fullSync[to].add(m.name)
            await this.fullCopies(to)
          } else {
            const since = new Date(this.lastSync - SKEW_MS)
            this.lastSync = Date.now()
            await this.syncSince(this.active, to, since)
          }
          await this.mirror.drain(to, 30_000)
        })()
        this.syncing = run.catch(() => {}).finally(() => (this.syncing = undefined))
        await run
      },
      instances: () => listInstances(this.stores()),
      on: (event: string, listener: (...args: never[]) => void) => {
        this.events.on(event, listener as (...args: unknown[]) => void)
        return controls
      },
      off: (event, listener) => {
        this.events.off(event, listener as (...args: unknown[]) => void)
        return controls
      },
    }
    return controls
  }
}
