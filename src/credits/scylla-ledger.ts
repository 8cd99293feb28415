import type { Ledger, LedgerChange, LedgerModels, LedgerResult } from './ledger.js'
import { TandemError } from '../errors.js'
import { insufficient } from './postgres-ledger.js'
import type { Row } from '../schema/model.js'
import type { CqlTable, ModelTables } from '../schema/scylla-layout.js'
import { deleteRow, updateRow } from '../cql/cql-statements.js'
import { isOutcomeUnknown } from '../cql/driver-errors.js'
import { serialRow, untilServerGaveUp, writeEach } from '../cql/settle-outcome.js'
import type { ScyllaSession } from '../cql/scylla-session.js'
import { rowFromCql } from '../cql/scylla-values.js'

const MAX_CAS_ATTEMPTS = 200
const PENDING = -1
const PENDING_WAIT_MS = 10_000

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Credits on ScyllaDB, without counters (not idempotent, not conditional):
 * 1. an idempotency key is claimed first, by LWT, as "pending" (seq -1) with the new transaction id;
 * 2. the balance changes by compare-and-set on the account's version (`UPDATE … IF version = ?`),
 *    retried with the current row on contention; the same CAS stores the new ledger row in `last_entry`,
 *    so a change and its audit row are one write;
 * 3. the ledger row (partition per user, newest first) and the key's final seq are then written; any
 *    later change of the same user first re-writes the previous `last_entry` (idempotent), so a row
 *    lost to a crash between 2 and 3 reappears.
 * A CAS that times out is read back (SERIAL) before retrying: if `last_entry` is ours, it applied.
 */
export class ScyllaLedger implements Ledger {
  private readonly pk: CqlTable
  private readonly idem: CqlTable | undefined
  private readonly account: ModelTables
  private readonly entries: ModelTables
  /** the ledger's own statements, built once */
  private readonly cas: string
  private readonly keyDone: string | undefined
  private readonly keyTake: string | undefined
  private readonly keyRelease: string | undefined

  constructor(
    private readonly b: ScyllaSession,
    models: LedgerModels,
  ) {
    this.account = b.tablesOf(models.account)
    this.entries = b.tablesOf(models.entries)
    const pk = this.entries.uniques.find((u) => u.primary)
    if (!pk)
      throw new TandemError(
        'VALIDATION',
        'credits: creditTransactions needs its ScyllaDB layout (partition userId, clustering seq desc); use creditsSchema',
      )
    this.pk = pk
    const idem = this.entries.uniques.find((u) => u.keyFields.length === 1 && u.keyFields[0] === 'idempotencyKey')
    this.idem = idem
    const [a, e] = [this.account.model, this.entries.model]
    this.cas = updateRow(
      b.keyspace,
      a,
      this.account.base,
      ['userId'],
      ['balance', 'totalPurchased', 'totalUsed', 'version', 'lastEntry', 'updatedAt'],
      ['version'],
    )
    this.keyDone = idem && updateRow(b.keyspace, e, idem, ['idempotencyKey'], ['userId', 'seq', 'id'])
    this.keyTake = idem && updateRow(b.keyspace, e, idem, ['idempotencyKey'], ['userId', 'id'], ['seq', 'id'])
    this.keyRelease = idem && deleteRow(b.keyspace, e, idem, ['idempotencyKey'], ['seq', 'id'])
  }

  async apply(change: LedgerChange): Promise<LedgerResult> {
    if (change.idempotencyKey) {
      if (!this.idem) throw new TandemError('VALIDATION', 'credits: creditTransactions.idempotencyKey must be unique')
      const replay = await this.claimKey(change)
      if (replay) return replay
    }
    try {
      return await this.casLoop(change)
    } catch (e) {
      // give the key back only when the change certainly did not apply
      const uncertain = e instanceof TandemError && e.meta?.uncertain === true
      if (change.idempotencyKey && !uncertain)
        await this.releaseKey(change).catch((r: unknown) =>
          this.b.warn(
            `credits: could not give back idempotency key ${JSON.stringify(change.idempotencyKey)} (it is taken over after ${PENDING_WAIT_MS / 1000} s)`,
            r,
          ),
        )
      throw e
    }
  }

  async sync(userId: string): Promise<void> {
    const acc = await this.readAccount(userId, false)
    if (acc?.lastEntry) await this.materialize(JSON.parse(acc.lastEntry as string) as EntryJson)
  }

  private async casLoop(change: LedgerChange): Promise<LedgerResult> {
    const m = this.account.model
    const base = this.account.base
    const casText = this.cas
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      // on contention, back off a random few ms (growing) so competing writers spread out
      if (attempt > 0) await sleep(Math.random() * Math.min(50, 2 ** Math.min(attempt, 6)))
      let acc = await this.readAccount(change.userId, attempt > 0)
      if (!acc) {
        if (change.delta < 0) throw insufficient(change.userId, -change.delta, 0)
        const fresh: Row = {
          userId: change.userId,
          balance: 0,
          totalPurchased: 0,
          totalUsed: 0,
          version: 0,
          lastEntry: null,
          createdAt: change.now,
          updatedAt: change.now,
        }
        const s = this.b.insert(this.account, base, fresh, true)
        // an account creation that timed out is settled by the SERIAL read that follows
        await this.b.exec.lwt(s.query, s.params).catch((e: unknown) => {
          if (!isOutcomeUnknown(e)) throw e
        })
        acc = await this.readAccount(change.userId, true)
        if (!acc) continue
      }
      if (acc.lastEntry) await this.materialize(JSON.parse(acc.lastEntry as string) as EntryJson)
      const balance = (acc.balance as number) + change.delta
      if (balance < 0) throw insufficient(change.userId, -change.delta, acc.balance as number)
      const version = (acc.version as number) + 1
      const entry: EntryJson = {
        id: change.transactionId,
        userId: change.userId,
        seq: version,
        amount: change.delta,
        type: change.type,
        reason: change.reason,
        balanceAfter: balance,
        idempotencyKey: change.idempotencyKey,
        createdAt: change.now.toISOString(),
      }
      const next: Row = {
        balance,
        totalPurchased: (acc.totalPurchased as number) + Math.max(0, change.delta),
        totalUsed: (acc.totalUsed as number) + Math.max(0, -change.delta),
        version,
        lastEntry: JSON.stringify(entry),
        updatedAt: change.now,
      }
      const params = [
        ...this.b.bind(m, ['balance', 'totalPurchased', 'totalUsed', 'version', 'lastEntry', 'updatedAt'], next),
        ...this.b.bind(m, ['userId'], acc),
        ...this.b.bind(m, ['version'], acc),
      ]
      let applied: boolean
      const sentAt = Date.now()
      try {
        applied = (await this.b.exec.lwt(casText, params)).applied
      } catch (e) {
        if (!isOutcomeUnknown(e)) throw e
        // the client gave up (no server write timeout): the server may still run the CAS; wait it out
        if (e.meta?.writeType === undefined) await untilServerGaveUp(this.b, sentAt, e)
        // a CAS that timed out may still have applied: read back (SERIAL, which settles it) before deciding.
        // The version decides exactly: below ours, it did not apply (and cannot any more); our entry in
        // last_entry, it applied; a later version with another entry: ours may be under it, unknown.
        const back = await serialRow(this.b, this.account, this.account.base, { userId: change.userId }).catch(
          () => undefined,
        )
        const last = back?.lastEntry ? (JSON.parse(back.lastEntry as string) as EntryJson) : undefined
        if (last?.id !== change.transactionId) {
          if (back && (back.version as number) < version) continue
          throw new TandemError(
            'OUTCOME_UNKNOWN',
            `credits: the balance update of ${JSON.stringify(change.userId)} timed out and could not be confirmed; retry with the same idempotency key (it returns the first result if this one applied)`,
            { cause: e, meta: { uncertain: true, outcome: 'unknown' } },
          )
        }
        applied = true
      }
      if (applied) {
        // the row is already safe in last_entry; a failure here is repaired by the next change or read
        await this.materialize(entry).catch((r: unknown) =>
          this.b.warn(
            `credits: ledger row ${change.transactionId} is kept in the account row and written by the next change or history read`,
            r,
          ),
        )
        return { balance, version, transactionId: change.transactionId, replayed: false }
      }
    }
    throw new TandemError(
      'P2034',
      `credits: too much contention on user ${JSON.stringify(change.userId)} (${MAX_CAS_ATTEMPTS} compare-and-set attempts); nothing was charged, please retry`,
      { meta: { userId: change.userId, attempts: MAX_CAS_ATTEMPTS } },
    )
  }

  private async readAccount(userId: string, serial: boolean): Promise<Row | undefined> {
    const m = this.account.model
    const text = this.b.statements(this.account.base).selectByKey
    const rows = await this.b.exec.select(text, this.b.bind(m, ['userId'], { userId }), undefined, serial)
    return rows[0] && rowFromCql(m, rows[0])
  }

  /**
   * Writes a ledger row and its id lookup, then its key's final seq; idempotent (same values every time),
   * plain writes (no batch log: a LOGGED batch stalls until a dead node is convicted). A failure in between
   * leaves the key pending, which `resultOf` repairs from `last_entry`; the key is marked final only once the
   * row it names exists, so a replay never finds a final key without its row.
   */
  private async materialize(entry: EntryJson): Promise<void> {
    const m = this.entries.model
    const row: Row = { ...entry, createdAt: new Date(entry.createdAt) }
    await writeEach(this.b, [
      this.b.insert(this.entries, this.entries.base, row),
      this.b.insert(this.entries, this.pk, row),
    ])
    if (entry.idempotencyKey && this.idem)
      await writeEach(this.b, [
        {
          query: this.keyDone!,
          params: [...this.b.bind(m, ['userId', 'seq', 'id'], row), ...this.b.bind(m, ['idempotencyKey'], row)],
        },
      ])
  }

  /**
   * Claims the idempotency key for this change. Returns the first call's result when the key was
   * used; waits while another call holding it is in flight; takes over a claim abandoned for 10 s.
   */
  private async claimKey(change: LedgerChange): Promise<LedgerResult | undefined> {
    const idem = this.idem!
    const m = this.entries.model
    const mine: Row = {
      idempotencyKey: change.idempotencyKey,
      userId: change.userId,
      seq: PENDING,
      id: change.transactionId,
    }
    const started = Date.now()
    for (;;) {
      const s = this.b.insert(this.entries, idem, mine, true)
      const sentAt = Date.now()
      const r = await this.b.exec.lwt(s.query, s.params).catch(async (e: unknown) => {
        if (!isOutcomeUnknown(e)) throw e
        // the claim timed out: read the key back (SERIAL settles it); ours if it names this transaction;
        // none: it did not apply (once the server cannot still be running it), so claim again
        if (e.meta?.writeType === undefined) await untilServerGaveUp(this.b, sentAt, e)
        const back = await serialRow(this.b, this.entries, idem, mine, e)
        if (back?.id === change.transactionId) return { applied: true, current: undefined }
        return { applied: false, current: undefined, holder: back }
      })
      if (r.applied) return undefined
      const known = 'holder' in r ? (r.holder as Row | undefined) : undefined
      if ('holder' in r && !known) continue
      let holder =
        known ??
        (r.current &&
          rowFromCql(
            m,
            r.current,
            idem.fields.map((f) => m.fields.get(f)!),
          ))
      // a re-sent claim refused by this transaction's own first attempt (applied late)
      if (holder && holder.id === change.transactionId) return undefined
      while (holder) {
        const done = await this.resultOf(holder)
        if (done) return done
        if (Date.now() - started > PENDING_WAIT_MS) {
          const taken = await this.b.exec.lwt(this.keyTake!, [
            ...this.b.bind(m, ['userId', 'id'], mine),
            ...this.b.bind(m, ['idempotencyKey'], mine),
            ...this.b.bind(m, ['seq', 'id'], holder),
          ])
          if (taken.applied) return undefined
        }
        await sleep(20)
        const again = await this.b.exec.select(
          this.b.statements(idem).selectPartition,
          this.b.bind(m, ['idempotencyKey'], mine),
          undefined,
          true,
        )
        holder =
          again[0] &&
          rowFromCql(
            m,
            again[0],
            idem.fields.map((f) => m.fields.get(f)!),
          )
      }
      // the holder gave the key back (its change failed): claim it again
    }
  }

  /** The result recorded for a key's holder, once its ledger row exists. */
  private async resultOf(holder: Row): Promise<LedgerResult | undefined> {
    const m = this.entries.model
    if ((holder.seq as number) === PENDING) {
      // the change may have applied with its ledger row not yet written: repair from the account, then look by id
      await this.sync(holder.userId as string)
      const byId = await this.b.exec.select(this.b.statements(this.pk).selectPartition, this.b.bind(m, ['id'], holder))
      if (!byId[0]) return undefined
      holder = {
        ...holder,
        ...rowFromCql(
          m,
          byId[0],
          this.pk.fields.map((f) => m.fields.get(f)!),
        ),
      }
    }
    const [entry] = await this.b.readByBaseKeys(this.entries, [holder])
    return (
      entry && {
        balance: entry.balanceAfter as number,
        version: entry.seq as number,
        transactionId: entry.id as string,
        replayed: true,
      }
    )
  }

  private async releaseKey(change: LedgerChange): Promise<void> {
    const row: Row = { idempotencyKey: change.idempotencyKey, seq: PENDING, id: change.transactionId }
    const m = this.entries.model
    await this.b.exec.lwt(this.keyRelease!, [
      ...this.b.bind(m, ['idempotencyKey'], row),
      ...this.b.bind(m, ['seq', 'id'], row),
    ])
  }
}

/** The ledger row kept in `user_credits.last_entry` (JSON) until it is written to the ledger table. */
export interface EntryJson {
  id: string
  userId: string
  seq: number
  amount: number
  type: string
  reason: string | null
  balanceAfter: number
  idempotencyKey: string | null
  createdAt: string
}
