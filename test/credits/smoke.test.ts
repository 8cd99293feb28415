import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCredits } from '../../src/credits/index.js'
import { BACKENDS, uid } from '../support/backends.js'
import { openCreditsDb } from './support.js'

describe.each(BACKENDS)('credits smoke on %s', (backend) => {
  let db: Awaited<ReturnType<typeof openCreditsDb>>
  beforeAll(async () => {
    db = await openCreditsDb(backend)
  })
  afterAll(async () => {
    await db?.$disconnect()
  })

  it('grants, deducts, refuses overdraft, replays keys, lists history', async () => {
    const credits = createCredits(db)
    const user = uid('user')
    expect(await credits.balance(user)).toBe(0)
    const g = await credits.grant(user, 100, { reason: 'signup' })
    expect(g.balance).toBe(100)
    const d = await credits.deduct(user, 30, { idempotencyKey: `${user}-k1` })
    expect(d.balance).toBe(70)
    const again = await credits.deduct(user, 30, { idempotencyKey: `${user}-k1` })
    expect(again).toEqual(d)
    await expect(credits.deduct(user, 71)).rejects.toMatchObject({ code: 'INSUFFICIENT_CREDITS' })
    expect(await credits.balance(user)).toBe(70)
    const h = await credits.history(user)
    expect(h.map((r) => r.amount)).toEqual([-30, 100])
    expect(h[0]).toMatchObject({ userId: user, type: 'deduction', balanceAfter: 70, idempotencyKey: `${user}-k1` })
    const page2 = await credits.history(user, { take: 1, cursor: h[0]!.id })
    expect(page2.map((r) => r.amount)).toEqual([100])
  })
})
