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
import type { CqlStatement } from './cql-executor.js'
import { rowFromCql } from './scylla-values.js'
import { lwtResult, lwtSettled, outcomeUnknown, serialRow, writeEach } from './settle-outcome.js'
import { casBackoffMs, DEFAULT_CAS_RETRIES, RowCombiner, stepError } from './row-combiner.js'

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
 * are plain idempotent writes, never batches (no batch log to stall on a dead node; a stale entry is
 * harmless: reads re-check the row). A write whose outcome is unknown is settled by a SERIAL read
 * (settle-outcome.ts) or reported as OUTCOME_UNKNOWN.
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
      cas: (t, statement, current, next, fields) => this.settledCas(t, statement, current, next, fields),
      casRetries,
      updateText: (t, set, ifFields) => this.updateText(t, set, ifFields),
      reread: (t, row) => this.reread(t, row),
      contention: (model, attempts) => contention(model, 'the update', attempts),
    })
  }

  /**
   * Creates one row; null when `skipDuplicates` and a unique value or the key is taken. Its outcome is
   * settled before it returns: a base-row write that timed out is read back (SERIAL) and either finished or
   * taken back with the unique values it claimed, so a failure means nothing was written (and a retry
   * succeeds) unless it is OUTCOME_UNKNOWN.
   */
  async insertOne(t: ModelTables, row: Row, skipDuplicates: boolean): Promise<Row | null> {
    const model = t.model
    const stored: Row = {}
    for (const f of model.fields.keys()) stored[f] = row[f] ?? null
    const claimed: CqlTable[] = []
    /** whether the base row may exist: 'no' until its write is sent, then 'yes' or 'unknown' */
    let base: 'no' | 'yes' | 'unknown' = 'no'
    const indexWrites = t.indexes.filter((ix) => hasKey(ix, stored)).map((ix) => this.s.insert(t, ix, stored))
    try {
      for (const u of t.uniques) {
        if (!hasKey(u, stored)) continue
        // claimed before it is known, so that a claim whose outcome is unknown is released (only if ours)
        claimed.push(u)
        if (!(await this.claim(t, u, stored))) {
          claimed.pop()
          throw uniqueViolation(model.name, u.keyFields)
        }
      }
      if (t.baseKeyIsPrimary) {
        // the base row's IF NOT EXISTS is the primary key's claim; its index entries follow it (an entry
        // written first could be another create's of the same key and values, which a failure would delete)
        const s = this.s.insert(t, t.base, stored, true)
        base = 'unknown'
        let applied = false
        for (let attempt = 0; ; attempt++) {
          let absent = false
          applied = await lwtSettled(this.s, s, `${model.name}.create`, async (e) => {
            const back = await serialRow(this.s, t, t.base, stored, e)
            // no row: it did not apply, and after this SERIAL read it cannot any more: sent again (below).
            // A row holding every value this call wrote is taken as its own (README: a concurrent create of
            // the same key with the very same values cannot be told apart, and either way that row exists)
            absent = back === undefined
            if (absent && attempt >= 2) return undefined
            return !absent && [...model.fields.keys()].every((f) => sameValue(model, f, back![f], stored[f]))
          })
          if (!applied && !absent && attempt > 0) {
            // re-sent and refused: the row may be this call's own first attempt, applied late
            const back = await serialRow(this.s, t, t.base, stored)
            applied = !!back && [...model.fields.keys()].every((f) => sameValue(model, f, back[f], stored[f]))
          }
          if (!absent) break
        }
        base = applied ? 'yes' : 'no'
        if (!applied) throw uniqueViolation(model.name, model.primaryKey)
        await writeEach(this.s, indexWrites)
      } else {
        // the primary key is claimed in its lookup: no other create writes this base key. Index entries
        // first (an interrupted create leaves entries that reads re-check), then the row
        await writeEach(this.s, indexWrites)
        base = 'unknown'
        await writeEach(this.s, [this.s.insert(t, t.base, stored)])
        base = 'yes'
      }
      return stored
    } catch (e) {
      return this.settleFailedCreate(t, stored, claimed, base, e, skipDuplicates)
    }
  }

  /**
   * A create failed: take back what it wrote so that it wrote nothing, then throw what the caller should see.
   * The row (if it may exist) goes first, so that the unique values are released only once no row can hold
   * them. When the row cannot be taken back, the claims stay (they may be the row's) and a timeout is
   * reported as OUTCOME_UNKNOWN; when everything was taken back, a timeout becomes BACKEND_UNAVAILABLE with
   * `meta.outcome: 'not-applied'` (a retry succeeds).
   */
  private async settleFailedCreate(
    t: ModelTables,
    stored: Row,
    claimed: readonly CqlTable[],
    base: 'no' | 'yes' | 'unknown',
    e: unknown,
    skipDuplicates: boolean,
  ): Promise<null> {
    const model = t.model
    const what = `${model.name}.create`
    const indexEntries = () => t.indexes.filter((ix) => hasKey(ix, stored)).map((ix) => this.s.delete(t, ix, stored))
    let cleared = base === 'no'
    if (!cleared) {
      try {
        if (t.baseKeyIsPrimary) {
          // written by LWT: taken back by LWT, only while the row holds every value this call wrote
          const take = this.s.delete(t, t.base, stored, 'ifOwned')
          const taken = await lwtSettled(
            this.s,
            take,
            what,
            async (u) => !(await serialRow(this.s, t, t.base, stored, u)),
          )
          cleared = taken || !(await serialRow(this.s, t, t.base, stored))
        } else {
          // the primary key is ours (claimed): a tombstone newer than the write shadows it for good
          await writeEach(this.s, [this.s.delete(t, t.base, stored)])
          cleared = true
        }
      } catch (u) {
        this.s.warn(`${what}: could not take back the row of a failed create`, u)
      }
    }
    if (cleared && (base !== 'no' || !t.baseKeyIsPrimary))
      await writeEach(this.s, indexEntries()).catch((u: unknown) =>
        this.s.warn(`${what}: could not remove the index entries of a failed create (reads skip them)`, u),
      )
    if (!cleared) {
      if (e instanceof TandemError && (e.code === 'OUTCOME_UNKNOWN' || e.code === 'BACKEND_UNAVAILABLE'))
        throw outcomeUnknown(what, e)
      throw e
    }
    const released = await this.releaseAll(t, claimed, stored).then(
      () => true,
      (u: unknown) => {
        this.s.warn(`${what}: could not release the unique values of a failed create`, u)
        return false
      },
    )
    if (skipDuplicates && e instanceof TandemError && e.code === 'P2002') return null
    if (e instanceof TandemError && e.code === 'OUTCOME_UNKNOWN')
      throw new TandemError(
        'BACKEND_UNAVAILABLE',
        `${what}: ScyllaDB did not confirm a write in time; the create was taken back and wrote nothing${released ? '' : ' (a unique value it claimed stays taken until it is reclaimed)'}; retry`,
        { cause: e, meta: { outcome: 'not-applied' } },
      )
    throw e
  }

  /**
   * Claims a unique value with `INSERT … IF NOT EXISTS`. If the value is taken by an entry whose base
   * row is gone or no longer holds it (left by an interrupted write), the entry is taken over by CAS.
   * A claim that timed out is read back (SERIAL): an entry pointing at this row is this claim; no entry
   * means it did not apply (and, once the server's LWT budget has passed, cannot any more), so it is sent
   * again; an entry pointing at this row that refuses the re-sent claim is the first attempt's.
   */
  private async claim(t: ModelTables, u: CqlTable, row: Row): Promise<boolean> {
    return (await this.claimValue(t, u, row)).claimed
  }

  /**
   * `claim`, telling why a value was not claimed: `holder` is the row whose base key the entry holds and
   * `holderRow` that base row as read (undefined: gone). A push fill uses it to tell a duplicate (the holder
   * holds the value), the row itself (already filled) and a young orphan (retry later) apart.
   */
  async claimValue(
    t: ModelTables,
    u: CqlTable,
    row: Row,
  ): Promise<{ claimed: boolean; holder?: Row; holderRow?: Row }> {
    const model = t.model
    const s = this.s.insert(t, u, row, true)
    const st = this.s.statements(u)
    const ours = (entry: Row) => st.ownedBy.length > 0 && st.ownedBy.every((f) => sameValue(model, f, entry[f], row[f]))
    const fields = u.fields.map((f) => model.fields.get(f)!)
    let holder: Row | undefined
    for (let attempt = 0; attempt < 4; attempt++) {
      const seen: { entry?: Row | undefined; read?: boolean } = {}
      const r = await lwtResult(this.s, s, `${model.name}.create`, async (e) => {
        seen.read = true
        seen.entry = await serialRow(this.s, t, u, row, e)
        return seen.entry !== undefined && ours(seen.entry)
      })
      if (r.applied) return { claimed: true }
      holder = seen.read ? seen.entry : r.current && rowFromCql(model, r.current, fields)
      // sent again and refused by an entry pointing at this row: this call's earlier attempt, applied late
      if (holder && attempt > 0 && ours(holder)) return { claimed: true }
      // no entry after a settled read-back: the claim did not apply and cannot any more; claim again
      if (holder || !seen.read) break
    }
    if (!holder) return { claimed: false }
    // the holder's row at SERIAL: a compare-and-set still in flight on it is settled by this read
    const base = await serialRow(this.s, t, t.base, holder)
    if (base && u.keyFields.every((f) => sameValue(model, f, base[f], row[f])))
      return { claimed: false, holder, holderRow: base }
    if (!st.writetime || !st.takeover) return { claimed: false, holder, holderRow: base }
    // a young entry may belong to a create still in flight (claimed, base row not yet written)
    const age = await this.s.exec.select(st.writetime, this.s.bind(model, st.key, row))
    const writtenMs = Number(age[0]?.w ?? 0n) / 1000
    if (Date.now() - writtenMs < ORPHAN_GRACE_MS) return { claimed: false, holder, holderRow: base }
    const owner = st.ownedBy
    const taken = await this.s.exec.lwt(st.takeover, [
      ...this.s.bind(model, owner, row),
      ...this.s.bind(model, st.key, row),
      ...this.s.bind(model, owner, holder),
    ])
    return taken.applied ? { claimed: true } : { claimed: false, holder, holderRow: base }
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
   * row; changed unique values are claimed first and the old entries released after; index entries are
   * written before and removed after. Returns the new row, or null when the row is gone or no longer
   * matches `query.where`.
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
      const invalid = stepError(model, ops, next)
      if (invalid) throw invalid
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
      await writeEach(
        this.s,
        added.map((ix) => this.s.insert(t, ix, next)),
      ).catch(async (e: unknown) => {
        // nothing written to the row yet: give the claims back (the new entries are stale, reads skip them)
        await this.releaseAll(t, claimed, next).catch(() => {})
        throw e
      })
      let applied: boolean
      if (keyMoved) {
        // a move takes the old row only if it still holds every value read, then writes it at its new key
        const take = this.s.delete(t, t.base, current, 'ifOwned')
        applied = await this.settledCas(t, take, current, next, undefined)
        const insert = this.s.insert(t, t.base, next)
        if (applied) await writeEach(this.s, [insert])
      } else {
        const set = Object.keys(ops).filter((f) => !t.baseKey.includes(f))
        applied =
          set.length === 0 ||
          (await this.settledCas(
            t,
            {
              query: this.updateText(t, set, arithmetic),
              params: [
                ...this.s.bind(model, set, next),
                ...this.s.bind(model, t.baseKey, current),
                ...this.s.bind(model, arithmetic, current),
              ],
            },
            current,
            next,
            { set, arithmetic },
          ))
      }
      if (!applied) {
        // someone else changed, moved or deleted the row: undo our claims and start again from it
        await writeEach(
          this.s,
          added.map((ix) => this.s.delete(t, ix, next)),
        ).catch((e: unknown) =>
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
      // the row is written: what follows only tidies lookups (stale entries are re-checked by reads)
      await this.afterCas(
        t,
        model.name,
        removals,
        t.uniques.filter((u) => u.keyFields.some(changed) && hasKey(u, current)),
        current,
      )
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

  /**
   * A compare-and-set on the base row, its outcome settled when it timed out: the row is read back at
   * SERIAL (which also settles any CAS still in flight) and judged by its values (README, "Failures and
   * unknown outcomes on ScyllaDB"). An update of plain `set` fields only: the row holding the new values →
   * applied, otherwise sent again from the row as it is (as if it came after what happened meanwhile).
   * Arithmetic: the row still holding the compared values and not the new ones → not applied (retried);
   * anything else → OUTCOME_UNKNOWN, since a concurrent writer that started from the same row with the same
   * increment produces the very same values. A row gone → not applied (deleted meanwhile). A move (no
   * `fields`, a DELETE … IF of the old key): the old row still there → not applied; gone → unknown.
   */
  settledCas(
    t: ModelTables,
    statement: CqlStatement,
    current: Row,
    next: Row,
    fields: { set: readonly string[]; arithmetic: readonly string[] } | undefined,
  ): Promise<boolean> {
    const model = t.model
    return lwtSettled(this.s, statement, `${model.name}.update`, async (e) => {
      const back = await serialRow(this.s, t, t.base, current, e)
      if (!fields) return back ? false : undefined
      if (!back) return false
      const holds = (fs: readonly string[], row: Row) => fs.every((f) => sameValue(model, f, back[f], row[f]))
      const isNext = holds(fields.set, next)
      if (fields.arithmetic.length === 0) return isNext
      const isCurrent = holds(fields.arithmetic, current)
      if (isCurrent) return isNext // both: the update changes nothing, applied or not
      return undefined
    })
  }

  /**
   * After a base-row write applied: lookup writes that follow it (removals of old index entries, unique
   * entries re-pointed at a moved row) and the release of unique values the row no longer holds. The call
   * has succeeded; a failure here leaves stale entries (reads re-check them) and is logged, except a unique
   * entry that must point at the row's new key, whose failure is thrown (OUTCOME_UNKNOWN or
   * BACKEND_UNAVAILABLE: the update itself applied).
   */
  private async afterCas(
    t: ModelTables,
    what: string,
    writes: readonly CqlStatement[],
    released: readonly CqlTable[],
    old: Row,
  ): Promise<void> {
    const repoint = writes.filter((w) => w.query.startsWith('INSERT'))
    await writeEach(this.s, repoint)
    await writeEach(
      this.s,
      writes.filter((w) => !repoint.includes(w)),
    ).catch((e: unknown) => this.s.warn(`${what}.update: could not remove old index entries (reads skip them)`, e))
    await this.releaseAll(t, released, old).catch((e: unknown) =>
      this.s.warn(`${what}.update: could not release old unique values (they are reclaimed when needed)`, e),
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
   * entries. A row moved meanwhile is followed to its new key. Returns whether this call removed it. A
   * delete that timed out is read back (SERIAL): the row gone → removed (by this call or a concurrent
   * delete: either way it is gone); still there → sent again.
   */
  async deleteRow(t: ModelTables, row: Row): Promise<boolean> {
    let current: Row | undefined = row
    for (let attempt = 0; current && attempt < 4; attempt++) {
      const s = this.s.delete(t, t.base, current, 'ifExists')
      let stillThere = false
      const key: Row = current
      const applied = await lwtSettled(this.s, s, `${t.model.name}.delete`, async (e) => {
        stillThere = (await serialRow(this.s, t, t.base, key, e)) !== undefined
        return !stillThere
      })
      if (applied) {
        const gone = current
        // the row is gone: its lookups only need tidying (stale entries are re-checked by reads)
        await writeEach(
          this.s,
          t.indexes.filter((ix) => hasKey(ix, gone)).map((ix) => this.s.delete(t, ix, gone)),
        ).catch((e: unknown) =>
          this.s.warn(`${t.model.name}.delete: could not remove index entries (reads skip them)`, e),
        )
        await this.releaseAll(
          t,
          t.uniques.filter((u) => hasKey(u, gone)),
          gone,
        ).catch((e: unknown) =>
          this.s.warn(`${t.model.name}.delete: could not release unique values (they are reclaimed when needed)`, e),
        )
        return true
      }
      if (stillThere) continue
      const [moved]: Row[] = await this.reads.read(t, byPrimaryKey(t.model, current), `${t.model.name} (re-read)`)
      current = moved && t.baseKey.some((f) => !sameValue(t.model, f, moved[f], current![f])) ? moved : undefined
    }
    return false
  }
}
