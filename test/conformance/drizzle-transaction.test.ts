// db.transaction on tandem's facade (issue 13): tandem's interactive $transaction underneath, on both backends.
// Reads inside see the transaction's writes; tx.rollback() rejects with drizzle's TransactionRollbackError (as
// drizzle itself does on PostgreSQL, checked here too) and undoes the writes; an error inside undoes them and
// rejects with that error.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import postgres from 'postgres'
import { drizzle } from 'drizzle-orm/postgres-js'
import { eq, TransactionRollbackError } from 'drizzle-orm'
import { drizzleFacade } from '../../src/drizzle/facade-db.js'
import type { TandemDrizzle } from '../../src/drizzle/index.js'
import { BACKENDS, openDb, testUrl, type TestDb, type TestSchema } from '../support/backends.js'
import * as schema from '../support/schema.js'

const { layout: _layout, ...models } = schema
const { profile } = schema
const pool = postgres(testUrl(), { max: 2, onnotice: () => {} })
const oracle = drizzle(pool, { schema: models })
const opened: TestDb[] = []
afterAll(async () => {
  for (const db of opened) await db.$disconnect()
  await pool.end()
})

const newProfile = (tag: string) => {
  const id = randomUUID()
  return { id, userId: `dz-tx-${tag}-${id}`, name: tag }
}

it('drizzle itself on PostgreSQL: tx.rollback() rejects with TransactionRollbackError and undoes', async () => {
  const row = newProfile('oracle')
  const out = oracle.transaction(async (tx) => {
    await tx.insert(profile).values(row)
    tx.rollback()
  })
  await expect(out).rejects.toBeInstanceOf(TransactionRollbackError)
  expect(await oracle.select().from(profile).where(eq(profile.userId, row.userId))).toEqual([])
})

describe.each(BACKENDS)('drizzle transactions through tandem on %s', (backend) => {
  let db: TandemDrizzle<TestSchema>
  let tandem: TestDb
  beforeAll(async () => {
    tandem = await openDb(backend)
    opened.push(tandem)
    db = drizzleFacade(models, tandem)
  })
  const stored = async (userId: string) => tandem.profile.findMany({ where: { userId } })

  it('commits: reads inside (select, db.query) see the writes; the result is the callback’s', async () => {
    const row = newProfile('commit')
    const out = await db.transaction(async (tx) => {
      await tx.insert(profile).values(row)
      const selected = await tx.select({ id: profile.id }).from(profile).where(eq(profile.userId, row.userId))
      const found = await tx.query.profile.findFirst({ where: (p, { eq }) => eq(p.userId, row.userId) })
      return { selected, name: found?.name }
    })
    expect(out).toEqual({ selected: [{ id: row.id }], name: 'commit' })
    expect(await stored(row.userId)).toHaveLength(1)
  })

  it('tx.rollback() rejects with TransactionRollbackError and undoes the writes', async () => {
    const row = newProfile('rollback')
    let seenInside: unknown[] = []
    const out = db.transaction(async (tx) => {
      await tx.insert(profile).values(row)
      seenInside = await tx.select().from(profile).where(eq(profile.userId, row.userId))
      tx.rollback()
    })
    await expect(out).rejects.toBeInstanceOf(TransactionRollbackError)
    expect(seenInside).toHaveLength(1)
    expect(await stored(row.userId)).toEqual([])
  })

  it('an error inside undoes the writes and rejects with it', async () => {
    const row = newProfile('boom')
    const boom = new Error('boom')
    const out = db.transaction(async (tx) => {
      await tx.insert(profile).values(row)
      throw boom
    })
    await expect(out).rejects.toBe(boom)
    expect(await stored(row.userId)).toEqual([])
  })

  it('refusals inside a transaction are rejections; isolation options and nesting are refused', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.execute('select 1')
      }),
    ).rejects.toMatchObject({ code: 'UNSERVABLE_QUERY' })
    await expect(db.transaction(async () => 1, { isolationLevel: 'serializable' })).rejects.toMatchObject({
      code: 'VALIDATION',
    })
    await expect(db.transaction(async (tx) => tx.transaction(async () => 1))).rejects.toMatchObject({
      code: 'VALIDATION',
      message: /nested/,
    })
  })
})
