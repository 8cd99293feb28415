import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCredits } from '../../src/credits/index.js'
import { BACKENDS, uid } from '../support/backends.js'
import { openCreditsDb } from './support.js'

type Db = Awaited<ReturnType<typeof openCreditsDb>>

/** Sum of the ledger rows of a user, read through the model API (the ledger is an ordinary model). */
async function ledgerOf(db: Db, userId: string) {
  const rows = await db.creditTransactions.findMany({ where: { userId }, orderBy: [{ seq: 'desc' }] })
  return { rows, sum: rows.reduce((s, r) => s + r.amount, 0) }
}

describe.each(BACKENDS)('credits on %s', (backend) => {
  let db: Db
  beforeAll(async () => {
    db = await openCreditsDb(backend)
  })
  afterAll(async () => {
    await db?.$disconnect()
  })

  it('64 concurrent deductions against one hot user never overspend, and the ledger sums to the balance', async () => {
    const credits = createCredits(db)
    const user = uid('hot')
    await credits.grant(user, 40)
    const results = await Promise.allSettled(Array.from({ length: 64 }, () => credits.deduct(user, 1)))
    const ok = results.filter((r) => r.status === 'fulfilled')
    const refused = results.filter((r) => r.status === 'rejected')
    expect(ok).toHaveLength(40)
    expect(refused).toHaveLength(24)
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'INSUFFICIENT_CREDITS' })
    const balances = ok
      .map((r) => (r as PromiseFulfilledResult<{ balance: number }>).value.balance)
      .sort((a, b) => a - b)
    expect(balances).toEqual(Array.from({ length: 40 }, (_, i) => i)) // every intermediate balance exactly once
    const account = await db.userCredits.findUnique({ where: { userId: user } })
    expect(account).toMatchObject({ balance: 0, totalPurchased: 40, totalUsed: 40, version: 41 })
    const { rows, sum } = await ledgerOf(db, user)
    expect(rows).toHaveLength(41)
    expect(sum).toBe(0)
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 41 }, (_, i) => 41 - i))
  })

  it('ledger sums equal balances for several users after mixed concurrent grants and deductions', async () => {
    const credits = createCredits(db)
    const users = [uid('mix'), uid('mix'), uid('mix')]
    await Promise.all(users.map((u) => credits.grant(u, 10)))
    const ops = users.flatMap((u, i) =>
      Array.from({ length: 12 }, (_, k) => (k % 3 === 0 ? credits.grant(u, i + 1) : credits.deduct(u, 2))),
    )
    await Promise.allSettled(ops)
    for (const u of users) {
      const account = await db.userCredits.findUniqueOrThrow({ where: { userId: u } })
      const { sum, rows } = await ledgerOf(db, u)
      expect(sum).toBe(account.balance)
      expect(account.balance).toBeGreaterThanOrEqual(0)
      expect(rows[0]!.balanceAfter).toBe(account.balance)
      expect(account.totalPurchased - account.totalUsed).toBe(account.balance)
    }
  })

  it('a retried idempotency key charges once and returns the first result', async () => {
    const credits = createCredits(db)
    const user = uid('idem')
    await credits.grant(user, 50)
    const key = uid('key')
    const first = await credits.deduct(user, 7, { idempotencyKey: key, reason: 'render' })
    const retry = await credits.deduct(user, 7, { idempotencyKey: key, reason: 'render' })
    expect(retry).toEqual(first)
    expect(await credits.balance(user)).toBe(43)
    const { rows } = await ledgerOf(db, user)
    expect(rows.filter((r) => r.idempotencyKey === key)).toHaveLength(1)
  })

  it('simultaneous calls with one idempotency key charge once', async () => {
    const credits = createCredits(db)
    const user = uid('idem2')
    await credits.grant(user, 100)
    const key = uid('key')
    const results = await Promise.all(
      Array.from({ length: 8 }, () => credits.deduct(user, 10, { idempotencyKey: key })),
    )
    for (const r of results) expect(r).toEqual(results[0])
    expect(results[0]!.balance).toBe(90)
    const account = await db.userCredits.findUniqueOrThrow({ where: { userId: user } })
    expect(account.balance).toBe(90)
    expect((await ledgerOf(db, user)).rows).toHaveLength(2)
  })

  it('an idempotency key that failed for lack of credits can be used again once funded', async () => {
    const credits = createCredits(db)
    const user = uid('idem3')
    const key = uid('key')
    await expect(credits.deduct(user, 5, { idempotencyKey: key })).rejects.toMatchObject({
      code: 'INSUFFICIENT_CREDITS',
    })
    await credits.grant(user, 5)
    expect((await credits.deduct(user, 5, { idempotencyKey: key })).balance).toBe(0)
  })

  it('bad amounts and overdrafts are refused and change nothing', async () => {
    const credits = createCredits(db)
    const user = uid('bad')
    await credits.grant(user, 10)
    for (const amount of [0, -1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1, '5' as unknown as number]) {
      expect(() => credits.deduct(user, amount)).toThrow(expect.objectContaining({ code: 'VALIDATION' }))
      expect(() => credits.grant(user, amount)).toThrow(expect.objectContaining({ code: 'VALIDATION' }))
    }
    await expect(credits.deduct(user, 11)).rejects.toMatchObject({
      code: 'INSUFFICIENT_CREDITS',
      meta: { balance: 10, requested: 11 },
    })
    await expect(credits.deduct(uid('nobody'), 1)).rejects.toMatchObject({ code: 'INSUFFICIENT_CREDITS' })
    const account = await db.userCredits.findUniqueOrThrow({ where: { userId: user } })
    expect(account).toMatchObject({ balance: 10, version: 1, totalUsed: 0 })
    expect((await ledgerOf(db, user)).rows).toHaveLength(1)
  })

  it('after a deduction returns, the same process never reads a higher balance', async () => {
    const credits = createCredits(db, { ttlMs: 60_000 })
    const user = uid('mono')
    await credits.grant(user, 1000)
    expect(await credits.balance(user)).toBe(1000) // cached
    // readers racing with writers: every read after a write returned must be <= that write's balance
    let floor = Infinity
    const violations: string[] = []
    const writers = Array.from({ length: 20 }, async () => {
      const r = await credits.deduct(user, 3)
      floor = Math.min(floor, r.balance)
      const seen = await credits.balance(user)
      if (seen > r.balance) violations.push(`read ${seen} after a deduction returned ${r.balance}`)
    })
    const readers = Array.from({ length: 40 }, async () => {
      const before = floor
      const seen = await credits.balance(user)
      if (seen > before) violations.push(`read ${seen} after ${before} was returned`)
    })
    await Promise.all([...writers, ...readers])
    expect(violations).toEqual([])
    expect(await credits.balance(user)).toBe(940)
  })

  it("a second client sees another client's change after the TTL (injected clock), and hot reads hit the cache", async () => {
    let now = 1_000_000 // lru-cache treats a start time of 0 as 'no TTL'
    const a = createCredits(db, { ttlMs: 1000, now: () => now })
    const b = createCredits(db, { ttlMs: 1000, now: () => now })
    const user = uid('ttl')
    await a.grant(user, 20)
    expect(await b.balance(user)).toBe(20)
    await a.deduct(user, 5)
    expect(await a.balance(user)).toBe(15) // the writer's own cache holds what its write returned
    expect(await b.balance(user)).toBe(20) // b still serves its cached value within the TTL
    now += 1001
    expect(await b.balance(user)).toBe(15) // expired: b reads again
    const before = b.stats()
    for (let i = 0; i < 1000; i++) await b.balance(user)
    const after = b.stats()
    expect(after.hits - before.hits).toBe(1000)
    expect(after.misses).toBe(before.misses)
    expect(after.size).toBe(1)
  })

  it('concurrent misses for one user share one read; ttlMs 0 disables the cache', async () => {
    const credits = createCredits(db)
    const user = uid('coalesce')
    await createCredits(db).grant(user, 9)
    const values = await Promise.all(Array.from({ length: 50 }, () => credits.balance(user)))
    expect(new Set(values)).toEqual(new Set([9]))
    expect(credits.stats().size).toBe(1)
    const uncached = createCredits(db, { ttlMs: 0 })
    expect(await uncached.balance(user)).toBe(9)
    expect(await uncached.balance(user)).toBe(9)
    expect(uncached.stats()).toEqual({ hits: 0, misses: 2, size: 0 })
    expect(() => createCredits(db, { ttlMs: -1 })).toThrow(expect.objectContaining({ code: 'VALIDATION' }))
  })

  it('charges by operation name from the price list, with the operation as reason', async () => {
    const credits = createCredits(db, { prices: { 'image.generate': 4 } })
    const user = uid('price')
    await credits.grant(user, 10, { type: 'bonus', reason: 'welcome' })
    expect((await credits.deduct(user, 'image.generate')).balance).toBe(6)
    expect(() => credits.deduct(user, 'video.generate')).toThrow(expect.objectContaining({ code: 'VALIDATION' }))
    const [last, first] = await credits.history(user)
    expect(last).toMatchObject({ amount: -4, type: 'deduction', reason: 'image.generate', balanceAfter: 6 })
    expect(first).toMatchObject({ amount: 10, type: 'bonus', reason: 'welcome', balanceAfter: 10 })
    expect(Object.keys(last!).sort()).toEqual([
      'amount',
      'balanceAfter',
      'createdAt',
      'id',
      'idempotencyKey',
      'reason',
      'type',
      'userId',
    ])
    expect(last!.createdAt).toBeInstanceOf(Date)
  })

  it('pages history newest first with a cursor that excludes itself', async () => {
    const credits = createCredits(db)
    const user = uid('pages')
    for (let i = 1; i <= 7; i++) await credits.grant(user, i)
    const seen: number[] = []
    let cursor: string | undefined
    for (;;) {
      const page = await credits.history(user, { take: 3, ...(cursor ? { cursor } : {}) })
      seen.push(...page.map((r) => r.amount))
      if (page.length < 3) break
      cursor = page.at(-1)!.id
    }
    expect(seen).toEqual([7, 6, 5, 4, 3, 2, 1])
    expect(await credits.history(uid('empty'))).toEqual([])
  })
})
