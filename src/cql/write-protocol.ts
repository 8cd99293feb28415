import type { Model, Row } from '../schema/model.js'
import type { CqlTable, ModelTables } from '../schema/scylla-layout.js'
import { TandemError, uniqueViolation, validationError } from '../errors.js'
import { applyUpdate, compareValues } from '../adapter/evaluate.js'
import type { ReadQuery, UpdateOps } from '../adapter/query.js'
import { outOfRange } from '../adapter/values.js'
import type { PlanCache } from '../cache/plan-cache.js'
import { updateRow } from './cql-statements.js'
import { byPrimaryKey } from './scylla-undo.js'
import type { ReadPath } from './read-path.js'
import type { ScyllaSession } from './scylla-session.js'
import { rowFromCql } from './scylla-values.js'
import { casBackoffMs, DEFAULT_CAS_RETRIES, RowCombiner } from './row-combiner.js'

/** a unique entry whose row is missing is taken over only once it is this old (its create may be in flight) */
const ORPHAN_GRACE_MS = 30_000

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Equal values of a field, NULL equal to NULL (a change of a field is what this tells apart). */
export const sameValue = (model: Model, f: string, a: unknown, b: unknown): boolean =>
  a === null || a === undefined
    ? b === null || b === undefined
    : b !== null && b !== undefined && compareValues(model.fields.get(f), a, b) === 0

/** Lookup rows exist only for non-null key values (NULLs are never equal, as in SQL). */
export const hasKey = (table: CqlTable, row: Row): boolean =>
  table.keyFields.every((f) => row[f] !== null && row[f] !== undefined)

/** P2034, as Prisma reports a write lost to a conflict: nothing was changed and the call can be retried. */
export function contention(model: string, what: string, attempts: number): TandemError {
  return new TandemError(
    'P2034',
    `${model}: ${what} lost to concurrent writers of the same row after ${attempts} compare-and-set attempts; nothing was changed, please retry`,
    {
      meta: { modelName: model, attempts },
    },
  )
}

/**
 * How one row is written on ScyllaDB with its lookup tables in step. Unique values are claimed with
 * `INSERT … IF NOT EXISTS` before the row is written and released after it stops holding them; every
 * base-row write is a lightweight transaction, so writers of one row are linearized; index entries
 * go in LOGGED batches (a stale entry is harmless: reads re-check the row).
 */
export class WriteProtocol {
  /** concurrent arithmetic updates of one row, combined into one compare-and-set (row-combiner.ts) */
  private readonly combiner: RowCombiner

  constructor(
    private readonly s: ScyllaSession,
    private readonly reads: ReadPath,
    private readonly plans: PlanCache<object>,
    /** compare-and-set retries of an update before P2034 */
    private readonly casRetries = DEFAULT_CAS_RETRIES,
  ) {
    this.combiner = new RowCombiner({
      session: s,
      casRetries,
      updateText: (t, set, ifFields) => this.updateText(t, set, ifFields),
      reread: (t, row) => this.reread(t, row),
      contention: (model, attempts) => contention(model, 'the update', attempts),
    })
  }

  /** Creates one row; null when `skipDuplicates` and a unique value or the key is taken. */
  async insertOne(t: ModelTables, row: Row, skipDuplicates: boolean): Promise<Row | null> {
    const model = t.model
    const stored: Row = {}
    for (const f of model.fields.keys()) stored[f] = row[f] ?? null
    const claimed: CqlTable[] = []
    let baseWritten = false
    try {
      for (const u of t.uniques) {
        if (!hasKey(u, stored)) continue
        if (!(await this.claim(t, u, stored))) throw uniqueViolation(model.name, u.keyFields)
        claimed.push(u)
      }
      const indexWrites = t.indexes.filter((ix) => hasKey(ix, stored)).map((ix) => this.s.insert(t, ix, stored))
      if (t.baseKeyIsPrimary) {
        const s = this.s.insert(t, t.base, stored, true)
        if (!(await this.s.exec.lwt(s.query, s.params)).applied) throw uniqueViolation(model.name, model.primaryKey)
        baseWritten = true
        await this.s.exec.batch(indexWrites)
      } else {
        await this.s.exec.batch([...indexWrites, this.s.insert(t, t.base, stored)])
      }
      return stored
    } catch (e) {
      // undo what this call wrote (a failed create writes nothing); the failure is what the caller sees
      if (baseWritten) {
        const undo = [
          this.s.delete(t, t.base, stored),
          ...t.indexes.filter((ix) => hasKey(ix, stored)).map((ix) => this.s.delete(t, ix, stored)),
        ]
        await this.s.exec
          .batch(undo)
          .catch((u: unknown) => this.s.warn(`${model.name}.create: could not take back the row of a failed create`, u))
      }
      await this.releaseAll(t, claimed, stored).catch((u: unknown) =>
        this.s.warn(`${model.name}.create: could not release the unique values of a failed create`, u),
      )
      if (skipDuplicates && e instanceof TandemError && e.code === 'P2002') return null
      throw e
    }
  }

  /**
   * Claims a unique value with `INSERT … IF NOT EXISTS`. If the value is taken by an entry whose base
   * row is gone or no longer holds it (left by an interrupted write), the entry is taken over by CAS.
   */
  private async claim(t: ModelTables, u: CqlTable, row: Row): Promise<boolean> {
    const model = t.model
    const s = this.s.insert(t, u, row, true)
    const r = await this.s.exec.lwt(s.query, s.params)
    if (r.applied) return true
    const holder = r.current
      ? rowFromCql(
          model,
          r.current,
          u.fields.map((f) => model.fields.get(f)!),
        )
      : undefined
    if (!holder) return false
    const [base] = await this.s.readByBaseKeys(t, [holder])
    if (base && u.keyFields.every((f) => sameValue(model, f, base[f], row[f]))) return false
    const statements = this.s.statements(u)
    if (!statements.writetime || !statements.takeover) return false
    // a young entry may belong to a create still in flight (claimed, base row not yet written)
    const age = await this.s.exec.select(statements.writetime, this.s.bind(model, statements.key, row))
    const writtenMs = Number(age[0]?.w ?? 0n) / 1000
    if (Date.now() - writtenMs < ORPHAN_GRACE_MS) return false
    const owner = statements.ownedBy
    const taken = await this.s.exec.lwt(statements.takeover, [
      ...this.s.bind(model, owner, row),
      ...this.s.bind(model, statements.key, row),
      ...this.s.bind(model, owner, holder),
    ])
    return taken.applied
  }

  /** Removes unique entries this row holds, only while they still point at it. */
  async releaseAll(t: ModelTables, tables: readonly CqlTable[], row: Row): Promise<void> {
    for (const u of tables) {
      const owned = this.s.statements(u).ownedBy.length > 0
      const s = this.s.delete(t, u, row, owned ? 'ifOwned' : 'plain')
      if (owned) await this.s.exec.lwt(s.query, s.params)
      else await this.s.exec.write(s.query, s.params)
    }
  }

  /** `UPDATE … SET <set> WHERE <base key> IF <arithmetic fields> = ?` (or IF EXISTS), compiled once per field set. */
  updateText(t: ModelTables, set: readonly string[], arithmetic: readonly string[]): string {
    const key = `U|${t.base.name}|${set.join(',')}|${arithmetic.join(',')}`
    let text = this.plans.get(key) as { text: string } | undefined
    if (!text) {
      text = { text: updateRow(this.s.keyspace, t.model, t.base, t.baseKey, set, arithmetic, true) }
      this.plans.set(key, text)
    }
    return text.text
  }

  /**
   * Updates one row read through a key. Arithmetic (increment, …) is a compare-and-set on the base
   * row, retried on contention; concurrent arithmetic updates of one row are combined into one
   * compare-and-set when nothing but plain columns changes (row-combiner.ts); a changed key moves the
   * row; changed unique values are claimed first and the old entries released after; index entries
   * follow in LOGGED batches. Returns the new row, or null when the row is gone or no longer matches
   * `query.where`.
   */
  async updateOne(t: ModelTables, read: Row, ops: UpdateOps, query: ReadQuery): Promise<Row | null> {
    const model = t.model
    const whereFields = this.combiner.combinable(t, ops, query.where)
    if (whereFields) return this.combiner.update(t, read, read, ops, query.where, whereFields)
    const arithmetic = Object.entries(ops)
      .filter(([, op]) => op.op !== 'set')
      .map(([f]) => f)
    let current = read
    for (let attempt = 0; attempt <= this.casRetries; attempt++) {
      if (attempt > 0) await sleep(casBackoffMs(attempt))
      const next = applyUpdate(model, current, ops)
      for (const f of Object.keys(ops)) {
        const field = model.fields.get(f)!
        if (!field.nullable && (next[f] === null || next[f] === undefined))
          throw validationError(`${model.name}.update`, `\`${f}\` must not be null`)
        if (
          field.kind === 'int' &&
          typeof next[f] === 'number' &&
          ((next[f] as number) > 2147483647 || (next[f] as number) < -2147483648)
        )
          throw outOfRange(field, next[f])
        if (
          field.kind === 'bigint' &&
          next[f] !== null &&
          (BigInt(next[f] as number) >= 2n ** 63n || BigInt(next[f] as number) < -(2n ** 63n))
        )
          throw outOfRange(field, next[f])
      }
      const changed = (f: string) => !sameValue(model, f, current[f], next[f])
      const keyMoved = t.baseKey.some(changed)
      const claimed: CqlTable[] = []
      for (const u of t.uniques) {
        if (!u.keyFields.some(changed) || !hasKey(u, next)) continue
        if (!(await this.claim(t, u, next))) {
          await this.releaseAll(t, claimed, next)
          throw uniqueViolation(model.name, u.keyFields)
        }
        claimed.push(u)
      }
      const moved = t.indexes.filter((ix) => ix.fields.some(changed))
      const added = moved.filter((ix) => hasKey(ix, next))
      const removals = moved.filter((ix) => hasKey(ix, current)).map((ix) => this.s.delete(t, ix, current))
      await this.s.exec.batch(added.map((ix) => this.s.insert(t, ix, next)))
      let applied: boolean
      if (keyMoved) {
        // a move takes the old row only if it still holds every value read, then writes it at its new key
        const take = this.s.delete(t, t.base, current, 'ifOwned')
        applied = (await this.s.exec.lwt(take.query, take.params)).applied
        const insert = this.s.insert(t, t.base, next)
        if (applied) await this.s.exec.write(insert.query, insert.params)
      } else {
        const set = Object.keys(ops).filter((f) => !t.baseKey.includes(f))
        applied =
          set.length === 0 ||
          (
            await this.s.exec.lwt(this.updateText(t, set, arithmetic), [
              ...this.s.bind(model, set, next),
              ...this.s.bind(model, t.baseKey, current),
              ...this.s.bind(model, arithmetic, current),
            ])
          ).applied
      }
      if (!applied) {
        // someone else changed, moved or deleted the row: undo our claims and start again from it
        await this.s.exec
          .batch(added.map((ix) => this.s.delete(t, ix, next)))
          .catch((e: unknown) =>
            this.s.warn(`${model.name}.update: could not remove index entries of a lost compare-and-set`, e),
          )
        await this.releaseAll(t, claimed, next)
        const fresh = await this.reread(t, current)
        if (!fresh || (query.where && !(await this.reads.matches(t, query.where, fresh)))) return null
        current = fresh
        continue
      }
      // unique entries whose value stayed but whose base key moved get the new base key
      for (const u of t.uniques)
        if (keyMoved && !u.keyFields.some(changed) && hasKey(u, next)) removals.unshift(this.s.insert(t, u, next))
      await this.s.exec.batch(removals)
      const stale = t.uniques.filter((u) => u.keyFields.some(changed) && hasKey(u, current))
      await this.releaseAll(t, stale, current)
      return next
    }
    throw contention(model.name, 'the update', this.casRetries + 1)
  }

  /**
   * An update of the one row its `where` names by base key, combined with the other updates of that row
   * in flight and not read on its own (see row-combiner.ts); undefined when it takes the read-then-update
   * path. Resolves to the new row, or null when there is no such row.
   */
  updateByKey(t: ModelTables, query: ReadQuery, ops: UpdateOps): Promise<Row | null> | undefined {
    const key = query.unique ? this.combiner.baseKeyOf(t, query.where) : undefined
    const whereFields = key && this.combiner.combinable(t, ops, query.where)
    return whereFields && this.combiner.update(t, key, undefined, ops, query.where, whereFields)
  }

  /** Whether `updateByKey` takes the update (for explain; nothing runs). */
  combinesByKey(t: ModelTables, query: ReadQuery, ops: UpdateOps): boolean {
    return (
      query.unique &&
      this.combiner.baseKeyOf(t, query.where) !== undefined &&
      this.combiner.combinable(t, ops, query.where) !== undefined
    )
  }

  /** The row as it is now, by primary key; a row being moved is briefly absent, so look a few times. */
  private async reread(t: ModelTables, row: Row): Promise<Row | undefined> {
    for (let i = 0; i < 8; i++) {
      const [fresh] = await this.reads.read(t, byPrimaryKey(t.model, row), `${t.model.name} (re-read)`)
      if (fresh) return fresh
      await sleep(5 * (i + 1))
    }
    return undefined
  }

  /**
   * Removes one row (`DELETE … IF EXISTS`: it linearizes with updates), then its index entries and unique
   * entries. A row moved meanwhile is followed to its new key. Returns whether this call removed it.
   */
  async deleteRow(t: ModelTables, row: Row): Promise<boolean> {
    let current: Row | undefined = row
    for (let attempt = 0; current && attempt < 4; attempt++) {
      const s = this.s.delete(t, t.base, current, 'ifExists')
      if ((await this.s.exec.lwt(s.query, s.params)).applied) {
        const gone = current
        await this.s.exec.batch(t.indexes.filter((ix) => hasKey(ix, gone)).map((ix) => this.s.delete(t, ix, gone)))
        await this.releaseAll(
          t,
          t.uniques.filter((u) => hasKey(u, gone)),
          gone,
        )
        return true
      }
      const [moved]: Row[] = await this.reads.read(t, byPrimaryKey(t.model, current), `${t.model.name} (re-read)`)
      current = moved && t.baseKey.some((f) => !sameValue(t.model, f, moved[f], current![f])) ? moved : undefined
    }
    return false
  }
}
