import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, openDb, uid, type TestDb } from '../support/backends.js'

describe.each(BACKENDS)('smoke on %s', (backend) => {
  let db: TestDb
  beforeAll(async () => {
    db = await openDb(backend)
  })
  afterAll(async () => {
    await db?.$disconnect()
  })

  it('creates and finds a profile by unique key', async () => {
    const userId = uid('u')
    const created = await db.profile.create({ data: { userId, name: 'Ada' } })
    expect(created.userId).toBe(userId)
    expect(created.createdAt).toBeInstanceOf(Date)
    const found = await db.profile.findUnique({ where: { userId } })
    expect(found).toEqual(created)
    const byId = await db.profile.findUnique({ where: { id: created.id }, select: { name: true } })
    expect(byId).toEqual({ name: 'Ada' })
    await expect(db.profile.create({ data: { userId, name: 'dup' } })).rejects.toMatchObject({ code: 'P2002' })
    const updated = await db.profile.update({ where: { userId }, data: { name: 'Ada L.' } })
    expect(updated.name).toBe('Ada L.')
    const deleted = await db.profile.delete({ where: { id: created.id } })
    expect(deleted.id).toBe(created.id)
    expect(await db.profile.findUnique({ where: { userId } })).toBeNull()
  })
})
