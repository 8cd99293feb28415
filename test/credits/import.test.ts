// credits.import: opening balances from another system, one `import` ledger row per user, idempotent by user.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCredits } from '../../src/credits/index.js'
import { BACKENDS, uid } from '../support/backends.js'
import { openCreditsDb } from './support.js'

type Db = Awaited<ReturnType<typeof openCreditsDb>>

describe.each(BACKENDS)('credits.import on %s', (backend) => {
  let db: Db
  beforeAll(async () => {
    db = await openCreditsDb(backend)
  })
  afterAll(async () => {
    await db?.$disconnect()
  })

  it('writes one import row per user (amount = balanceAfter = balance) and sets the balance', async () => {
    const credits = createCredits(db)
    const [a, b] = [uid('imp'), uid('imp')]
    const result = await credits.import([
      { userId: a, balance: 120 },
      { userId: b, balance: 7, reason: 'legacy wallet' },
    ])
    expect(result).toEqual({ imported: 2, skipped: [] })
    expect(await credits.balance(a)).toBe(120)
    expect(await credits.balance(b)).toBe(7)
    const history = await credits.history(a)
    expect(history).toHaveLength(1)
    expect(history[0]).toMatchObject({
      userId: a,
      amount: 120,
      balanceAfter: 120,
      type: 'import',
      reason: 'opening balance import',
      idempotencyKey: `import:${a}`,
    })
    expect((await credits.history(b))[0]).toMatchObject({ type: 'import', amount: 7, reason: 'legacy wallet' })
    // the imported balance is an ordinary balance afterwards
    await credits.deduct(a, 20)
    expect(await credits.balance(a)).toBe(100)
  })

  it('is idempotent: a re-run (even after spending) and a concurrent run skip the user, never credit twice', async () => {
    const credits = createCredits(db)
    const users = Array.from({ length: 6 }, () => uid('idem'))
    const rows = users.map((userId, i) => ({ userId, balance: 10 + i }))
    // two imports of the same rows at once: each user is imported exactly once between them
    const [x, y] = await Promise.all([credits.import(rows), credits.import(rows)])
    expect(x.imported + y.imported).toBe(users.length)
    expect([...x.skipped, ...y.skipped].map((s) => s.reason).every((r) => r === 'already imported')).toBe(true)
    await credits.deduct(users[0]!, 5)
    const again = await credits.import(rows)
    expect(again.imported).toBe(0)
    expect(again.skipped).toEqual(users.map((userId) => ({ userId, reason: 'already imported' })))
    expect(await credits.balance(users[0]!)).toBe(5)
    for (const [i, u] of users.entries()) {
      const ledger = await db.creditTransactions.findMany({ where: { userId: u } })
      expect(ledger.filter((r) => r.type === 'import')).toHaveLength(1)
      if (i > 0) expect(await credits.balance(u)).toBe(10 + i)
    }
  })

  it('skips a user with a balance or ledger history of its own, and a zero balance', async () => {
    const credits = createCredits(db)
    const [own, zero, fresh] = [uid('own'), uid('zero'), uid('fresh')]
    await credits.grant(own, 3)
    const result = await credits.import([
      { userId: own, balance: 50 },
      { userId: zero, balance: 0 },
      { userId: fresh, balance: 1 },
    ])
    expect(result).toEqual({
      imported: 1,
      skipped: [
        { userId: own, reason: 'has a balance of its own (3): not overwritten' },
        { userId: zero, reason: 'zero balance: nothing to import' },
      ],
    })
    expect(await credits.balance(own)).toBe(3)
    expect(await credits.balance(zero)).toBe(0)
    expect(await db.userCredits.findUnique({ where: { userId: zero } })).toBeNull()
  })

  it.each([
    [
      [
        { userId: 'ok', balance: 1 },
        { userId: 42, balance: 1 },
      ],
      /row 2: `userId` must be a non-empty string/,
    ],
    [
      [
        { userId: 'ok', balance: 1 },
        { userId: 'neg', balance: -1 },
      ],
      /row 2: `balance` must be a safe integer ≥ 0/,
    ],
    [[{ userId: 'ok', balance: 1.5 }], /row 1: `balance` must be a safe integer/],
    [[{ userId: 'ok', balance: 2 ** 60 }], /row 1: `balance` must be a safe integer/],
    [[{ userId: 'ok', balance: 1, extra: true }], /row 1: unknown field `extra`/],
    [
      [
        { userId: 'dup', balance: 1 },
        { userId: 'dup', balance: 2 },
      ],
      /row 2: user "bad-.*" appears twice/,
    ],
    ['not an array', /pass an array/],
  ])('refuses bad input before writing anything: %j', async (rows, message) => {
    const credits = createCredits(db)
    const first = uid('bad')
    // 'ok' and 'dup' stand for this run's own user, so nothing of another run interferes
    const input = Array.isArray(rows)
      ? rows.map((r) => (r.userId === 'ok' || r.userId === 'dup' ? { ...r, userId: first } : r))
      : rows
    await expect(credits.import(input as never)).rejects.toMatchObject({ code: 'VALIDATION', message })
    expect(await db.userCredits.findUnique({ where: { userId: first } })).toBeNull()
    expect(await db.creditTransactions.findMany({ where: { userId: first } })).toEqual([])
  })
})
