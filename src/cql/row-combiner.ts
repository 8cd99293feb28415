import type { Model, Row } from '../schema/model.js'
import type { ModelTables } from '../schema/scylla-layout.js'
import { validationError } from '../errors.js'
import { applyUpdate, evaluate } from '../adapter/evaluate.js'
import type { Filter, UpdateOps } from '../adapter/query.js'
import { outOfRange } from '../adapter/values.js'
import { callScope } from './call-options.js'
import type { CqlStatement } from './cql-executor.js'
import type { ScyllaSession } from './scylla-session.js'

/** compare-and-set retries after the first attempt, before P2034 (`scylla.casRetries`) */
export const DEFAULT_CAS_RETRIES = 16
/** back-off between compare-and-set attempts: full jitter over min(CAP, BASE · 2^attempt) ms */
const BACKOFF_BASE_MS = 2
const BACKOFF_CAP_MS = 100

/**
 * The pause before compare-and-set attempt `attempt` (1 = the first retry): uniformly random up to an
 * exponentially growing bound, so writers of one row in different processes spread out instead of
 * colliding again in step.
 * @example await sleep(casBackoffMs(attempt))
 */
export function casBackoffMs(attempt: number, random: () => number = Math.random): number {
  return random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt)
}

/**
 * The values an update step produced, as the column types allow: a required field must not become NULL,
 * an int or bigint must stay in range. Returns the error the step fails with, or undefined.
 * @example stepError(model, { count: { op: 'increment', value: 1 } }, { count: 2 ** 31 }) // P2020
 */
export function stepError(model: Model, ops: UpdateOps, next: Row): Error | undefined {
  for (const f of Object.keys(ops)) {
    const field = model.fields.get(f)!
    const v = next[f]
    if (!field.nullable && (v === null || v === undefined))
      return validationError(`${model.name}.update`, `\`${f}\` must not be null`)
    if (field.kind === 'int' && typeof v === 'number' && (v > 2147483647 || v < -2147483648))
      return outOfRange(field, v)
    if (
      field.kind === 'bigint' &&
      v !== null &&
      v !== undefined &&
      (BigInt(v as number) >= 2n ** 63n || BigInt(v as number) < -(2n ** 63n))
    )
      return outOfRange(field, v)
  }
  return undefined
}

/** One caller waiting for its update of a row. */
interface Waiter {
  readonly ops: UpdateOps
  readonly where: Filter | undefined
  /** the non-key fields its `where` reads (compared by the compare-and-set, as the arithmetic fields are) */
  readonly whereFields: readonly string[]
  /** the row as this caller read it (undefined: the caller named it by its base key and read nothing) */
  readonly read: Row | undefined
  resolve(row: Row | null): void
  reject(error: unknown): void
}

/** The updates of one row: whether a compare-and-set is in flight, and who waits for the next one. */
interface RowQueue {
  busy: boolean
  readonly waiting: Waiter[]
}

/** What the combiner needs from the write protocol. */
export interface CombinerHost {
  readonly session: ScyllaSession
  /** `UPDATE … SET <set> WHERE <base key> IF <ifFields> = ?`, cached by field lists */
  updateText(t: ModelTables, set: readonly string[], ifFields: readonly string[]): string
  /** the row as it is now (by primary key), undefined when it is gone */
  reread(t: ModelTables, row: Row): Promise<Row | undefined>
  /**
   * Runs a compare-and-set of the base row (`current` → `next`, comparing `compared`) and says whether it
   * applied, its outcome settled by a SERIAL read when it timed out (OUTCOME_UNKNOWN when it cannot be told)
   */
  cas(
    t: ModelTables,
    statement: CqlStatement,
    current: Row,
    next: Row,
    fields: { set: readonly string[]; arithmetic: readonly string[] },
  ): Promise<boolean>
  /** compare-and-set retries before P2034 */
  readonly casRetries: number
  /** the P2034 a group fails with after its last attempt */
  contention(model: string, attempts: number): Error
}

type Step = { readonly row: Row | null } | { readonly error: Error }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** resumes after the pending I/O callbacks and promise continuations of this turn */
const yieldTurn = () => new Promise((r) => setImmediate(r))

/**
 * Combines concurrent arithmetic updates of one row made in this process. While a compare-and-set (CAS)
 * for a row is in flight, later updates of that row wait; when it settles, everything that waited is
 * applied as ONE CAS, computed from the row as the last CAS left it, in arrival order. Each caller gets
 * the row as of its own step in that order, as if the calls had run one after the other. A lost CAS
 * (another process wrote the row) re-reads the row and recomputes the whole group, after a jittered
 * exponential back-off; after every retry the whole group fails with P2034 and nothing was written.
 *
 * Only updates that cannot move the row or its lookup entries are combined: at least one arithmetic
 * operation, no key, unique, indexed or foreign key field among the changed ones, and a `where` without
 * relation filters (it is re-checked at the caller's step, and the fields it reads are compared by the
 * CAS). Everything else takes the write protocol's one-row path. A call that names the row by its base
 * key is not read on its own: the group reads the row once, or not at all when the last CAS left it known.
 * @example
 * const fields = combiner.combinable(t, ops, query.where)
 * if (fields) return combiner.update(t, row, row, ops, query.where, fields)
 */
export class RowCombiner {
  private readonly rows = new Map<string, RowQueue>()
  /** fields an update must not change to be combined, per model tables */
  private readonly locked = new WeakMap<ModelTables, ReadonlySet<string>>()
  /** a number per `$scylla` option set, so calls with other options (TTL, consistency) are never combined */
  private readonly scopes = new WeakMap<object, number>()
  private lastScope = 0

  constructor(private readonly host: CombinerHost) {}

  /**
   * The non-key fields `where` reads, when the update can be combined; undefined when it must take the
   * one-row path.
   */
  combinable(t: ModelTables, ops: UpdateOps, where: Filter | undefined): readonly string[] | undefined {
    let arithmetic = false
    const locked = this.lockedFields(t)
    for (const [f, op] of Object.entries(ops)) {
      if (locked.has(f)) return undefined
      // a push is compared by its whole list: the one-row compare-and-set path
      if (op.op === 'push') return undefined
      if (op.op !== 'set') arithmetic = true
    }
    if (!arithmetic) return undefined
    const fields = new Set<string>()
    if (where && !collectFields(where, fields)) return undefined
    const out: string[] = []
    for (const f of fields) {
      if (t.baseKey.includes(f)) continue
      // a JSON value compared by CAS is compared as text, which need not be the text stored
      if (t.model.fields.get(f)?.kind === 'json') return undefined
      out.push(f)
    }
    return out
  }

  /**
   * The base key a `where` names by equality (every base key field, at the top of the filter or in its
   * ANDs), or undefined. An update of such a row needs no read of its own: its group reads the row once.
   */
  baseKeyOf(t: ModelTables, where: Filter | undefined): Row | undefined {
    if (!where) return undefined
    const key: Row = {}
    const visit = (f: Filter): void => {
      if (f.kind === 'and') f.items.forEach(visit)
      else if (f.kind === 'cmp' && f.op === 'eq' && !f.insensitive && f.value !== null && t.baseKey.includes(f.field))
        key[f.field] = f.value
    }
    visit(where)
    return t.baseKey.every((f) => f in key) ? key : undefined
  }

  /**
   * Updates one row with `ops`, combined with the other updates of the same row in flight: the row `read`
   * (read through `where`), or the row whose base key is `key` when the caller read nothing. Resolves to
   * the row after this caller's step, or null when the row is missing or does not match `where` at that step.
   */
  update(
    t: ModelTables,
    key: Row,
    read: Row | undefined,
    ops: UpdateOps,
    where: Filter | undefined,
    whereFields: readonly string[],
  ): Promise<Row | null> {
    const id = this.queueKey(t, key)
    let queue = this.rows.get(id)
    if (!queue) this.rows.set(id, (queue = { busy: false, waiting: [] }))
    const q = queue
    return new Promise<Row | null>((resolve, reject) => {
      q.waiting.push({ ops, where, whereFields, read, resolve, reject })
      if (!q.busy) void this.drain(t, id, key, q)
    })
  }

  /** Runs the waiting updates of one row, group after group, until none waits. */
  private async drain(t: ModelTables, id: string, key: Row, q: RowQueue): Promise<void> {
    q.busy = true
    let known: Row | undefined
    try {
      for (;;) {
        // after a CAS: let the callers it just answered come back first (their next call on this row, if it
        // needs no I/O before it, queues within this turn of the event loop) so they join the next group
        if (known) await yieldTurn()
        if (q.waiting.length === 0) break
        const group = q.waiting.splice(0, q.waiting.length)
        // the row as the last CAS left it is at least as new as any row the waiters read before it
        known = await this.applyGroup(t, group, known ?? group.find((w) => w.read)?.read, key)
      }
    } catch (e) {
      // applyGroup settles its own group; nobody still waiting may hang on an unexpected failure
      for (const w of q.waiting.splice(0)) w.reject(e)
    } finally {
      q.busy = false
      this.rows.delete(id)
    }
  }

  /**
   * One group as one CAS, retried on a lost CAS from the row as it is then. Settles every waiter of the
   * group; returns the row as the CAS left it (undefined when that is not known).
   */
  private async applyGroup(
    t: ModelTables,
    group: readonly Waiter[],
    from: Row | undefined,
    key: Row,
  ): Promise<Row | undefined> {
    const model = t.model
    const s = this.host.session
    const attempts = this.host.casRetries + 1
    try {
      // nobody read the row: one read for the whole group
      const start = from ?? (await s.readByBaseKeys(t, [key]))[0]
      if (!start) {
        for (const w of group) w.resolve(null)
        return undefined
      }
      let current = start
      for (let attempt = 0; attempt < attempts; attempt++) {
        if (attempt > 0) {
          // the last CAS lost to another writer: wait, then recompute the group from the row as it is now
          await sleep(casBackoffMs(attempt))
          const fresh = await this.host.reread(t, current)
          if (!fresh) {
            for (const w of group) w.resolve(null)
            return undefined
          }
          current = fresh
        }
        const steps: Step[] = []
        const set = new Set<string>()
        const compared = new Set<string>()
        let row = current
        for (const w of group) {
          if (w.where && evaluate(model, w.where, row) !== true) {
            steps.push({ row: null })
            continue
          }
          const next = applyUpdate(model, row, w.ops)
          const error = stepError(model, w.ops, next)
          if (error) {
            steps.push({ error })
            continue
          }
          for (const [f, op] of Object.entries(w.ops)) {
            set.add(f)
            if (op.op !== 'set') compared.add(f)
          }
          for (const f of w.whereFields) compared.add(f)
          steps.push({ row: next })
          row = next
        }
        if (set.size > 0) {
          const setFields = [...set].sort()
          const ifFields = [...compared].sort()
          const statement = {
            query: this.host.updateText(t, setFields, ifFields),
            params: [
              ...s.bind(model, setFields, row),
              ...s.bind(model, t.baseKey, current),
              ...s.bind(model, ifFields, current),
            ],
          }
          if (!(await this.host.cas(t, statement, current, row, { set: setFields, arithmetic: ifFields }))) continue
        }
        group.forEach((w, i) => {
          const step = steps[i]!
          if ('error' in step) w.reject(step.error)
          else w.resolve(step.row)
        })
        return row
      }
      const error = this.host.contention(model.name, attempts)
      for (const w of group) w.reject(error)
      return undefined
    } catch (e) {
      // the CAS or the re-read failed (BACKEND_UNAVAILABLE, OUTCOME_UNKNOWN, …): every caller of the group sees it
      for (const w of group) w.reject(e)
      return undefined
    }
  }

  /** The row's identity: its table and base key, and the `$scylla` options of the call. */
  private queueKey(t: ModelTables, row: Row): string {
    const scope = callScope.getStore()
    let id = 0
    if (scope) {
      id = this.scopes.get(scope) ?? 0
      if (!id) this.scopes.set(scope, (id = ++this.lastScope))
    }
    let key = `${id}|${t.base.name}`
    for (const f of t.baseKey) {
      const v = row[f]
      key += `|${v instanceof Date ? v.toISOString() : String(v)}`
    }
    return key
  }
  private lockedFields(t: ModelTables): ReadonlySet<string> {
    let locked = this.locked.get(t)
    if (!locked) {
      const fields = new Set<string>(t.baseKey)
      for (const table of [...t.uniques, ...t.indexes]) for (const f of table.fields) fields.add(f)
      // a changed reference is checked against its parent first (the backend does that on its own path)
      for (const fk of t.model.foreignKeys) for (const f of fk.fields) fields.add(f)
      this.locked.set(t, (locked = fields))
    }
    return locked
  }
}

/** Adds the fields a filter reads; false when it has a relation filter (not decidable on the row alone). */
function collectFields(filter: Filter, into: Set<string>): boolean {
  switch (filter.kind) {
    case 'and':
    case 'or':
      return filter.items.every((item) => collectFields(item, into))
    case 'not':
      return collectFields(filter.item, into)
    case 'cmp':
    case 'json':
      into.add(filter.field)
      return true
    case 'after':
      for (const f of filter.fields) into.add(f)
      return true
    case 'const':
      return true
    case 'relation':
      return false
  }
}
