import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, openDb, uid, type TestDb } from '../support/backends.js'
import { expectCode, makeChannel, makeMessages, randomUUID, sortedIds } from '../support/conformance-helpers.js'

/** Arguments the types would refuse, passed on purpose to check the runtime checks. */
const bad = (v: unknown): never => v as never

describe.each(BACKENDS)('errors on %s', (backend) => {
  let db: TestDb
  beforeAll(async () => {
    db = await openDb(backend)
  })
  afterAll(async () => {
    await db?.$disconnect()
  })

  const scylla = backend === 'scylla'

  // ---- VALIDATION --------------------------------------------------------------------------------

  it('unknown field in where → VALIDATION naming the field', async () => {
    const p = await db.profile.create({ data: { userId: uid('u'), name: 'V' } })
    const err = await expectCode(db.profile.findFirst({ where: bad({ userId: p.userId, nmae: 'V' }) }), 'VALIDATION')
    expect(err.message).toContain('nmae')
    await expectCode(db.profile.findUnique({ where: bad({ id: p.id, bogus: 1 }) }), 'VALIDATION')
  })

  it('unknown field in create data → VALIDATION and nothing written', async () => {
    const userId = uid('u')
    const err = await expectCode(db.profile.create({ data: bad({ userId, name: 'x', nickname: 'y' }) }), 'VALIDATION')
    expect(err.message).toContain('nickname')
    expect(await db.profile.findUnique({ where: { userId } })).toBeNull()
  })

  it('unknown field in update data → VALIDATION and the row unchanged', async () => {
    const p = await db.profile.create({ data: { userId: uid('u'), name: 'Keep' } })
    await expectCode(
      db.profile.update({ where: { id: p.id }, data: bad({ name: 'Changed', nickname: 'y' }) }),
      'VALIDATION',
    )
    await expectCode(db.profile.updateMany({ where: { userId: p.userId }, data: bad({ nickname: 'y' }) }), 'VALIDATION')
    expect(await db.profile.findUnique({ where: { id: p.id } })).toEqual(p)
  })

  it('unknown field in select, omit or orderBy → VALIDATION', async () => {
    const p = await db.profile.create({ data: { userId: uid('u'), name: 'S' } })
    const e1 = await expectCode(
      db.profile.findUnique({ where: { id: p.id }, select: bad({ name: true, secret: true }) }),
      'VALIDATION',
    )
    expect(e1.message).toContain('secret')
    await expectCode(db.profile.findUnique({ where: { id: p.id }, omit: bad({ secret: true }) }), 'VALIDATION')
    await expectCode(
      db.profile.findMany({ where: { userId: p.userId }, orderBy: bad({ secret: 'asc' }) }),
      'VALIDATION',
    )
    await expectCode(db.profile.findMany({ where: { userId: p.userId }, orderBy: bad({ name: 'up' }) }), 'VALIDATION')
    await expectCode(
      db.profile.findUnique({ where: { id: p.id }, select: { name: true }, omit: { email: true } } as never),
      'VALIDATION',
    )
  })

  it('unknown argument → VALIDATION', async () => {
    const p = await db.profile.create({ data: { userId: uid('u'), name: 'A' } })
    const e = await expectCode(db.profile.findMany(bad({ wher: { userId: p.userId } })), 'VALIDATION')
    expect(e.message).toContain('wher')
    await expectCode(db.profile.create(bad({ data: { userId: uid('u'), name: 'x' }, extra: true })), 'VALIDATION')
    await expectCode(db.profile.update(bad({ where: { id: p.id }, data: { name: 'x' }, limit: 1 })), 'VALIDATION')
    expect(await db.profile.findUnique({ where: { id: p.id } })).toEqual(p)
  })

  it('wrong value types → VALIDATION (string for int, number for string, bad uuid, bad date)', async () => {
    const group = uid('g')
    await expectCode(db.sample.findMany({ where: bad({ group, count: '3' }) }), 'VALIDATION')
    await expectCode(db.sample.findMany({ where: bad({ group: 42 }) }), 'VALIDATION')
    await expectCode(db.sample.create({ data: bad({ group, count: 'three' }) }), 'VALIDATION')
    await expectCode(db.sample.create({ data: bad({ group, count: 1.5 }) }), 'VALIDATION')
    await expectCode(db.sample.create({ data: bad({ group, flag: 'yes' }) }), 'VALIDATION')
    await expectCode(db.sample.create({ data: bad({ group, at: 'not a date' }) }), 'VALIDATION')
    await expectCode(db.sample.create({ data: bad({ group, day: '2024/01/01' }) }), 'VALIDATION')
    const e = await expectCode(db.profile.findUnique({ where: { id: 'not-a-uuid' } }), 'VALIDATION')
    expect(e.message).toContain('id')
    await expectCode(db.member.create({ data: bad({ profileId: '123', serverId: randomUUID() }) }), 'VALIDATION')
    expect(await db.sample.count({ where: { group } })).toBe(0)
  })

  it('integers outside the column range → P2020 (as Prisma reports them), nothing written', async () => {
    const group = uid('g')
    await expectCode(db.sample.create({ data: { group, count: 2 ** 31 } }), 'P2020')
    await expectCode(db.sample.create({ data: { group, count: -(2 ** 31) - 1 } }), 'P2020')
    await expectCode(db.sample.create({ data: { group, huge: 2n ** 63n } }), 'P2020')
    expect(await db.sample.count({ where: { group } })).toBe(0)
  })

  it('a day that is not in the calendar → VALIDATION', async () => {
    const group = uid('g')
    await expectCode(db.sample.create({ data: { group, day: '2023-02-30' } }), 'VALIDATION')
    await expectCode(db.sample.create({ data: { group, day: '2023-13-01' } }), 'VALIDATION')
    expect(await db.sample.count({ where: { group } })).toBe(0)
  })

  it('bad enum value → VALIDATION, in data and in where', async () => {
    const ch = await makeChannel(db)
    const e = await expectCode(
      db.channel.create({ data: bad({ name: 'c', serverId: ch.server.id, type: 'HOLOGRAM' }) }),
      'VALIDATION',
    )
    expect(e.message).toContain('HOLOGRAM')
    await expectCode(db.channel.findMany({ where: bad({ serverId: ch.server.id, type: 'HOLOGRAM' }) }), 'VALIDATION')
    await expectCode(db.member.update({ where: { id: ch.member.id }, data: bad({ role: 'OWNER' }) }), 'VALIDATION')
    expect((await db.member.findUnique({ where: { id: ch.member.id } }))!.role).toBe('ADMIN')
    expect(await db.channel.count({ where: { serverId: ch.server.id } })).toBe(1)
  })

  it('missing required field on create → VALIDATION naming it, nothing written', async () => {
    const userId = uid('u')
    const e = await expectCode(db.profile.create({ data: bad({ userId }) }), 'VALIDATION')
    expect(e.message).toContain('name')
    expect(await db.profile.findUnique({ where: { userId } })).toBeNull()
    await expectCode(db.sample.create({ data: bad({ label: 'no group' }) }), 'VALIDATION')
    await expectCode(
      db.profile.createMany({ data: bad([{ userId: uid('u'), name: 'ok' }, { userId: uid('u') }]) }),
      'VALIDATION',
    )
  })

  it('null for a required field → VALIDATION, on create and on update', async () => {
    const userId = uid('u')
    await expectCode(db.profile.create({ data: bad({ userId, name: null }) }), 'VALIDATION')
    const p = await db.profile.create({ data: { userId, name: 'N' } })
    await expectCode(db.profile.update({ where: { id: p.id }, data: bad({ name: null }) }), 'VALIDATION')
    expect(await db.profile.findUnique({ where: { id: p.id } })).toEqual(p)
  })

  it('findUnique / update / delete without a unique key in where → VALIDATION', async () => {
    const p = await db.profile.create({ data: { userId: uid('u'), name: 'NoKey' } })
    const e = await expectCode(db.profile.findUnique({ where: bad({ name: 'NoKey' }) }), 'VALIDATION')
    expect(e.message).toMatch(/userId/)
    await expectCode(db.profile.update({ where: bad({ name: 'NoKey' }), data: { name: 'x' } }), 'VALIDATION')
    await expectCode(db.profile.delete({ where: bad({ email: null }) }), 'VALIDATION')
    await expectCode(db.setting.findUnique({ where: bad({ scope: 'only-half' }) }), 'VALIDATION')
    expect(await db.profile.findUnique({ where: { id: p.id } })).toEqual(p)
  })

  it('bad take / skip / operators → VALIDATION', async () => {
    const group = uid('g')
    await expectCode(db.sample.findMany({ where: { group }, take: 1.5 }), 'VALIDATION')
    await expectCode(db.sample.findMany({ where: { group }, skip: -1 }), 'VALIDATION')
    await expectCode(db.sample.findMany({ where: bad({ group, count: { between: [1, 2] } }) }), 'VALIDATION')
    await expectCode(db.sample.findMany({ where: bad({ group, count: { contains: '1' } }) }), 'VALIDATION')
    await expectCode(db.sample.findMany({ where: bad({ group, label: { in: 'a' } }) }), 'VALIDATION')
    await expectCode(
      db.sample.findMany({ where: bad({ group, label: { contains: 'a', mode: 'fuzzy' } }) }),
      'VALIDATION',
    )
  })

  it('arithmetic on a non-numeric field → VALIDATION', async () => {
    const p = await db.profile.create({ data: { userId: uid('u'), name: 'Ar' } })
    await expectCode(db.profile.update({ where: { id: p.id }, data: bad({ name: { increment: 1 } }) }), 'VALIDATION')
    await expectCode(db.profile.update({ where: { id: p.id }, data: bad({ name: { append: 'x' } }) }), 'VALIDATION')
    expect(await db.profile.findUnique({ where: { id: p.id } })).toEqual(p)
  })

  it('an arithmetic update past the column range → P2020 and the value unchanged', async () => {
    const s = await db.sample.create({ data: { group: uid('g'), count: 2147483000, huge: 2n ** 62n, at: new Date() } })
    await expectCode(db.sample.update({ where: { id: s.id }, data: { count: { increment: 1000 } } }), 'P2020')
    await expectCode(db.sample.update({ where: { id: s.id }, data: { huge: { multiply: 2n } } }), 'P2020')
    expect(await db.sample.findUnique({ where: { id: s.id } })).toEqual(s)
  })

  // ---- UNSERVABLE_QUERY (ScyllaDB only) ----------------------------------------------------------

  it('a filter on a non-key field: UNSERVABLE_QUERY naming the keys on scylla; rows on postgres', async () => {
    const name = uid('name')
    const p = await db.profile.create({ data: { userId: uid('u'), name } })
    const call = db.profile.findMany({ where: { name } })
    if (scylla) {
      const e = await expectCode(call, 'UNSERVABLE_QUERY')
      expect(e.message).toContain('userId')
      expect(e.message).toContain('id')
      expect(e.message).not.toContain(name)
    } else {
      expect(sortedIds(await call)).toEqual([p.id])
    }
  })

  it('findMany and count with no where: UNSERVABLE_QUERY on scylla; every row on postgres', async () => {
    const p = await db.profile.create({ data: { userId: uid('u'), name: 'All' } })
    if (scylla) {
      await expectCode(db.profile.findMany(), 'UNSERVABLE_QUERY')
      await expectCode(db.profile.findMany({}), 'UNSERVABLE_QUERY')
      await expectCode(db.profile.count(), 'UNSERVABLE_QUERY')
      await expectCode(db.profile.findFirst(), 'UNSERVABLE_QUERY')
    } else {
      const all = await db.profile.findMany()
      expect(all.map((r) => r.id)).toContain(p.id)
      expect(await db.profile.count()).toBe(all.length)
      expect(await db.profile.findFirst()).not.toBeNull()
    }
  })

  it('updateMany / deleteMany on a non-key filter: UNSERVABLE_QUERY and nothing changed on scylla; applied on postgres', async () => {
    const name = uid('name')
    const a = await db.profile.create({ data: { userId: uid('u'), name } })
    const b = await db.profile.create({ data: { userId: uid('u'), name } })
    if (scylla) {
      await expectCode(db.profile.updateMany({ where: { name }, data: { email: 'x' } }), 'UNSERVABLE_QUERY')
      await expectCode(db.profile.deleteMany({ where: { name } }), 'UNSERVABLE_QUERY')
      expect(await db.profile.findUnique({ where: { id: a.id } })).toEqual(a)
      expect(await db.profile.findUnique({ where: { id: b.id } })).toEqual(b)
    } else {
      expect(await db.profile.updateMany({ where: { name }, data: { email: 'x' } })).toEqual({ count: 2 })
      expect(await db.profile.deleteMany({ where: { name } })).toEqual({ count: 2 })
      expect(await db.profile.findUnique({ where: { id: a.id } })).toBeNull()
    }
  })

  it('keys inside OR or case-insensitive key equality do not serve a read on scylla', async () => {
    const ch1 = await makeChannel(db)
    const ch2 = await makeChannel(db)
    const m1 = await makeMessages(db, ch1, 1)
    const m2 = await makeMessages(db, ch2, 1)
    const orCall = db.message.findMany({
      where: { OR: [{ channelId: ch1.channel.id }, { channelId: ch2.channel.id }] },
    })
    const insensitive = db.profile.findMany({
      where: { userId: { equals: ch1.profile.userId.toUpperCase(), mode: 'insensitive' } },
    })
    if (scylla) {
      const e = await expectCode(orCall, 'UNSERVABLE_QUERY')
      expect(e.message).toContain('channelId')
      await expectCode(insensitive, 'UNSERVABLE_QUERY')
    } else {
      expect(sortedIds(await orCall)).toEqual(sortedIds([...m1, ...m2]))
      expect(sortedIds(await insensitive)).toEqual([ch1.profile.id])
    }
  })

  it('a range on a non-key field of a model with a layout is unservable without its partition key on scylla', async () => {
    const ch = await makeChannel(db)
    const msgs = await makeMessages(db, ch, 2, Date.UTC(1999, 0, 1))
    const call = db.message.findMany({
      where: { memberId: ch.member.id, createdAt: { lt: new Date(Date.UTC(1999, 0, 2)) } },
    })
    // memberId is a foreign key, so it has an index lookup: this one IS servable on both
    expect(sortedIds(await call)).toEqual(sortedIds(msgs))
    const unkeyed = db.message.findMany({ where: { createdAt: { lt: new Date(Date.UTC(1999, 0, 2)) }, content: 'm0' } })
    if (scylla) await expectCode(unkeyed, 'UNSERVABLE_QUERY')
    else expect((await unkeyed).map((m) => m.id)).toContain(msgs[0]!.id)
  })
})
