import { randomUUID } from 'node:crypto'
import { clientBackendOf } from '../create-db.js'
import type { Ledger, LedgerModels, LedgerResult } from './ledger.js'
import type { Backend } from '../adapter/backend.js'
import { PostgresBackend } from '../postgres/postgres-backend.js'
import { ScyllaBackend } from '../cql/scylla-backend.js'
import { DualBackend } from '../dual/dual-backend.js'
import { FallbackBackend } from '../dual/fallback-backend.js'
import { PostgresLedger } from './postgres-ledger.js'
import { ScyllaLedger } from './scylla-ledger.js'
import { TandemError, validationError } from '../errors.js'
import type { ModelDelegate } from '../adapter/model-delegate.js'
import { BalanceCache } from '../cache/balance-cache.js'

export interface CreditsOptions {
  /** how long a balance stays cached, in ms; 0 disables the cache. Default 60 000 */
  ttlMs?: number
  /** most users whose balance is cached. Default 100 000 */
  max?: number
  /** price list: `deduct(userId, 'image.generate')` charges `prices['image.generate']` */
  prices?: Record<string, number>
  /** clock for the cache TTL (ms), for tests. Default performance.now */
  now?: () => number
}

export type CreditType = 'grant' | 'deduction' | 'refund' | 'bonus' | 'import'

export interface ChangeOptions {
  reason?: string
  idempotencyKey?: string
  /** ledger row type; grants default to 'grant' ('refund' and 'bonus' also add) */
  type?: Exclude<CreditType, 'deduction' | 'import'>
}

export interface CreditTransaction {
  id: string
  userId: string
  amount: number
  type: CreditType
  reason: string | null
  balanceAfter: number
  idempotencyKey: string | null
  createdAt: Date
}

export interface Credits {
  balance(userId: string): Promise<number>
  grant(userId: string, amount: number, options?: ChangeOptions): Promise<{ balance: number; transactionId: string }>
  deduct(
    userId: string,
    amountOrOperation: number | string,
    options?: Omit<ChangeOptions, 'type'>,
  ): Promise<{ balance: number; transactionId: string }>
  history(userId: string, options?: { take?: number; cursor?: string }): Promise<CreditTransaction[]>
  stats(): { hits: number; misses: number; size: number }
  /**
   * Opening balances from another system: one `import` ledger row per user (amount = balanceAfter =
   * balance). Idempotent by user: a user already imported, or with a balance or ledger history of its own,
   * is skipped and reported, never credited twice. Every row is checked before anything is written.
   * @example await credits.import([{ userId: 'u1', balance: 500 }]) // { imported: 1, skipped: [] }
   */
  import(rows: readonly ImportRow[], options?: ImportOptions): Promise<ImportResult>
}

export interface ImportRow {
  userId: string
  /** the opening balance: a safe integer ≥ 0 (0 is skipped: there is nothing to record) */
  balance: number
  /** the ledger row's reason; default 'opening balance import' */
  reason?: string
}

export interface ImportOptions {
  /** users imported at once; default 16 */
  concurrency?: number
}

export interface ImportResult {
  imported: number
  skipped: { userId: string; reason: string }[]
}

/** The idempotency key of a user's import: the same user is never imported twice, by any process. */
export const importKey = (userId: string) => `import:${userId}`

const HISTORY_SELECT = {
  id: true,
  userId: true,
  amount: true,
  type: true,
  reason: true,
  balanceAfter: true,
  idempotencyKey: true,
  createdAt: true,
} as const

/**
 * The credits ledger over a tandem client whose schema includes `creditsSchema`: atomic deductions that
 * never overspend, a ledger row per change, idempotency keys, and a versioned in-memory balance cache.
 * @example const credits = createCredits(db, { ttlMs: 60_000 }); await credits.deduct(userId, 5, { idempotencyKey })
 */
export function createCredits(db: object, options: CreditsOptions = {}): Credits {
  const backend = clientBackendOf(db)
  const client = db as Record<string, ModelDelegate | undefined> & {
    $schema: { models: Map<string, import('../schema/model.js').Model> }
  }
  const account = client.$schema.models.get('userCredits')
  const entries = client.$schema.models.get('creditTransactions')
  const accounts = client.userCredits
  const transactions = client.creditTransactions
  if (!account || !entries || !accounts || !transactions) {
    throw validationError(
      'createCredits',
      'the client has no userCredits/creditTransactions models: createDb({ schema: { ...schema, ...creditsSchema } })',
    )
  }
  for (const key of Object.keys(options)) {
    if (!['ttlMs', 'max', 'prices', 'now'].includes(key))
      throw validationError('createCredits', `unknown option \`${key}\`; options are ttlMs, max, prices, now`)
  }
  const prices = options.prices ?? {}
  for (const [op, price] of Object.entries(prices)) checkAmount(price, `createCredits: prices.${op}`)
  const models: LedgerModels = { account, entries }
  const ledgerOn = ledgers(models)
  /**
   * The ledger of the database the client runs on now. Dual mode: the active one, and the changed account
   * and ledger rows are mirrored by key afterwards. Start-up fallback: balances never change on the
   * fallback (a deduction there could spend credits the real ledger no longer has): BACKEND_UNAVAILABLE.
   */
  const ledgerNow = async (
    ctx: string,
  ): Promise<{ ledger: Ledger; after?: (r: LedgerResult, userId: string) => Promise<void> }> => {
    if (backend instanceof DualBackend) {
      const { side, backend: member } = backend.activeMember()
      return {
        ledger: ledgerOn(member),
        after: async (r, userId) => {
          await backend.mirrorRows(account, [{ userId }], side)
          await backend.mirrorRows(entries, [{ id: r.transactionId }], side)
        },
      }
    }
    if (backend instanceof FallbackBackend) {
      const chosen = await backend.choose()
      if (backend.onFallback)
        throw new TandemError(
          'BACKEND_UNAVAILABLE',
          `${ctx}: ${backend.preferred.kind} could not be reached at start-up and this client runs on its ` +
            `${backend.fallback.kind} fallback, where credit balances never change; retry once ${backend.preferred.kind} is back (restart the client)`,
        )
      return { ledger: ledgerOn(chosen) }
    }
    return { ledger: ledgerOn(backend) }
  }
  let cache: BalanceCache
  try {
    cache = new BalanceCache({
      ttlMs: options.ttlMs ?? 60_000,
      max: options.max ?? 100_000,
      ...(options.now ? { now: options.now } : {}),
    })
  } catch (e) {
    throw validationError('createCredits', (e as Error).message)
  }

  const load = async (userId: string) => {
    const row = (await accounts.findUnique({ where: { userId }, select: { balance: true, version: true } })) as {
      balance: number
      version: number
    } | null
    return row ?? { balance: 0, version: 0 }
  }

  const apply = async (
    userId: string,
    delta: number,
    type: CreditType,
    opts: ChangeOptions | undefined,
    ctx: string,
  ) => {
    checkUser(userId, ctx)
    const o = checkOptions(opts, ctx)
    const { ledger, after } = await ledgerNow(ctx)
    const result: LedgerResult = await ledger.apply({
      userId,
      delta,
      type,
      reason: o.reason ?? null,
      idempotencyKey: o.idempotencyKey ?? null,
      transactionId: randomUUID(),
      now: new Date(),
    })
    await after?.(result, userId)
    cache.wrote(userId, { balance: result.balance, version: result.version })
    return { balance: result.balance, transactionId: result.transactionId }
  }

  return {
    async balance(userId) {
      checkUser(userId, 'credits.balance')
      return (await cache.get(userId, () => load(userId))).balance
    },
    grant(userId, amount, opts) {
      checkAmount(amount, 'credits.grant')
      const type = opts?.type ?? 'grant'
      if (!['grant', 'refund', 'bonus'].includes(type))
        throw validationError('credits.grant', '`type` must be "grant", "refund" or "bonus"')
      return apply(userId, amount, type, opts, 'credits.grant')
    },
    deduct(userId, amountOrOperation, opts) {
      let amount = amountOrOperation
      let reason = opts?.reason
      if (typeof amountOrOperation === 'string') {
        const price = prices[amountOrOperation]
        if (price === undefined)
          throw validationError(
            'credits.deduct',
            `no price for operation "${amountOrOperation}"; known: ${Object.keys(prices).join(', ') || '(no prices configured)'}`,
          )
        amount = price
        reason ??= amountOrOperation
      }
      checkAmount(amount, 'credits.deduct')
      return apply(
        userId,
        -(amount as number),
        'deduction',
        { ...opts, ...(reason === undefined ? {} : { reason }) },
        'credits.deduct',
      )
    },
    async history(userId, opts = {}) {
      checkUser(userId, 'credits.history')
      const take = opts.take ?? 50
      if (!Number.isInteger(take) || take < 1 || take > 1000)
        throw validationError('credits.history', '`take` must be an integer from 1 to 1000')
      if (opts.cursor !== undefined && typeof opts.cursor !== 'string')
        throw validationError('credits.history', '`cursor` must be a transaction id')
      await (await ledgerNow('credits.history')).ledger.sync?.(userId)
      const rows = (await transactions.findMany({
        where: { userId },
        orderBy: [{ seq: 'desc' }],
        take,
        ...(opts.cursor ? { cursor: { id: opts.cursor }, skip: 1 } : {}),
        select: HISTORY_SELECT,
      })) as unknown as CreditTransaction[]
      return rows
    },
    stats() {
      return { hits: cache.hits, misses: cache.misses, size: cache.size }
    },
    async import(rows, opts = {}) {
      const checked = checkImport(rows, opts)
      // by input row, so the report reads in the file's order whatever order the users finish in
      const skippedAt = new Map<number, ImportResult['skipped'][number]>()
      let imported = 0
      const one = async (row: ImportRow, i: number) => {
        if (row.balance === 0)
          return skippedAt.set(i, { userId: row.userId, reason: 'zero balance: nothing to import' })
        const prior = await priorHistory(row.userId)
        if (prior) return skippedAt.set(i, { userId: row.userId, reason: prior })
        // the key makes a concurrent or repeated import of this user a replay, never a second credit
        const { ledger, after } = await ledgerNow('credits.import')
        const result = await ledger.apply({
          userId: row.userId,
          delta: row.balance,
          type: 'import',
          reason: row.reason ?? 'opening balance import',
          idempotencyKey: importKey(row.userId),
          transactionId: randomUUID(),
          now: new Date(),
        })
        await after?.(result, row.userId)
        cache.wrote(row.userId, { balance: result.balance, version: result.version })
        if (result.replayed) skippedAt.set(i, { userId: row.userId, reason: 'already imported' })
        else imported++
      }
      let next = 0
      const worker = async () => {
        while (next < checked.rows.length) {
          const i = next++
          await one(checked.rows[i]!, i)
        }
      }
      await Promise.all(Array.from({ length: Math.min(checked.concurrency, checked.rows.length) }, worker))
      const skipped = [...skippedAt].sort(([a], [b]) => a - b).map(([, s]) => s)
      return { imported, skipped }
    },
  }

  /** Why a user must not be imported (already imported, or a history of its own), or undefined. */
  async function priorHistory(userId: string): Promise<string | undefined> {
    const account = (await accounts!.findUnique({ where: { userId }, select: { balance: true } })) as {
      balance: number
    } | null
    const own = account ? undefined : await transactions!.findFirst({ where: { userId }, select: { id: true } })
    if (!account && !own) return undefined
    // ScyllaDB: the newest ledger row may still be only in the account's last entry
    await (await ledgerNow('credits.import')).ledger.sync?.(userId)
    const done = await transactions!.findUnique({ where: { idempotencyKey: importKey(userId) }, select: { id: true } })
    if (done) return 'already imported'
    return account
      ? `has a balance of its own (${account.balance}): not overwritten`
      : 'has ledger history of its own: not overwritten'
  }
}

/** Every import row checked before anything is written: VALIDATION names the first bad row. */
function checkImport(rows: unknown, opts: ImportOptions): { rows: ImportRow[]; concurrency: number } {
  const ctx = 'credits.import'
  if (!Array.isArray(rows)) throw validationError(ctx, 'pass an array of { userId, balance, reason? }')
  if (typeof opts !== 'object' || opts === null) throw validationError(ctx, 'options must be an object')
  for (const key of Object.keys(opts))
    if (key !== 'concurrency') throw validationError(ctx, `unknown option \`${key}\`; options are concurrency`)
  const concurrency = opts.concurrency ?? 16
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > 256)
    throw validationError(ctx, '`concurrency` must be an integer from 1 to 256')
  const seen = new Set<string>()
  rows.forEach((row: unknown, i) => {
    const at = `${ctx}: row ${i + 1}`
    if (typeof row !== 'object' || row === null || Array.isArray(row))
      throw validationError(at, 'must be an object { userId, balance, reason? }')
    const r = row as Record<string, unknown>
    for (const key of Object.keys(r))
      if (!['userId', 'balance', 'reason'].includes(key))
        throw validationError(at, `unknown field \`${key}\`; fields are userId, balance, reason`)
    if (typeof r.userId !== 'string' || r.userId.length === 0 || r.userId.length > 190)
      throw validationError(at, '`userId` must be a non-empty string of at most 190 characters')
    if (typeof r.balance !== 'number' || !Number.isSafeInteger(r.balance) || r.balance < 0)
      throw validationError(
        at,
        `\`balance\` must be a safe integer ≥ 0, got ${typeof r.balance === 'number' ? r.balance : typeof r.balance}`,
      )
    if (r.reason !== undefined && typeof r.reason !== 'string') throw validationError(at, '`reason` must be a string')
    if (seen.has(r.userId)) throw validationError(at, `user ${JSON.stringify(r.userId)} appears twice`)
    seen.add(r.userId)
  })
  return { rows: rows as ImportRow[], concurrency }
}

/** One ledger per database backend, made on first use. */
function ledgers(models: LedgerModels): (backend: Backend) => Ledger {
  const made = new Map<Backend, Ledger>()
  return (backend) => {
    let ledger = made.get(backend)
    if (!ledger) {
      if (backend instanceof PostgresBackend) ledger = new PostgresLedger(backend.sql, models)
      else if (backend instanceof ScyllaBackend) ledger = new ScyllaLedger(backend.session, models)
      else throw new TandemError('VALIDATION', `credits: no ledger for a ${backend.kind} backend of this kind`)
      made.set(backend, ledger)
    }
    return ledger
  }
}

function checkUser(userId: unknown, ctx: string): asserts userId is string {
  if (typeof userId !== 'string' || userId.length === 0)
    throw validationError(ctx, '`userId` must be a non-empty string')
}

function checkAmount(amount: unknown, ctx: string): asserts amount is number {
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) {
    throw validationError(
      ctx,
      `amount must be a positive safe integer, got ${typeof amount === 'number' ? amount : typeof amount}`,
    )
  }
}

function checkOptions(opts: ChangeOptions | undefined, ctx: string): ChangeOptions {
  if (opts === undefined) return {}
  if (typeof opts !== 'object' || opts === null) throw validationError(ctx, 'options must be an object')
  for (const key of Object.keys(opts))
    if (!['reason', 'idempotencyKey', 'type'].includes(key)) throw validationError(ctx, `unknown option \`${key}\``)
  if (opts.reason !== undefined && typeof opts.reason !== 'string')
    throw validationError(ctx, '`reason` must be a string')
  if (
    opts.idempotencyKey !== undefined &&
    (typeof opts.idempotencyKey !== 'string' || opts.idempotencyKey.length === 0 || opts.idempotencyKey.length > 200)
  ) {
    throw validationError(ctx, '`idempotencyKey` must be a non-empty string of at most 200 characters')
  }
  return opts
}

export { TandemError }
