import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, openDb, uid, type TestDb } from '../support/backends.js'
import { expectCode, randomUUID, sortedIds } from '../support/conformance-helpers.js'

describe.each(BACKENDS)('reads on %s', (backend) => {
  let db: TestDb
  beforeAll(async () => {
    db = await openDb(backend)
  })
  afterAll(async () => {
    await db?.$disconnect()
  })

  it('findUnique by id returns the full row; a missing id gives null', async () => {
    const created = await db.profile.create({ data: { userId: uid('u'), name: 'Ada', email: 'ada@example.com' } })
    const found = await db.profile.findUnique({ where: { id: created.id } })
    expect(found).toEqual(created)
    expect(Object.keys(found!).sort()).toEqual(['createdAt', 'email', 'id', 'imageUrl', 'name', 'updatedAt', 'userId'])
    expect(await db.profile.findUnique({ where: { id: randomUUID() } })).toBeNull()
  })

  it('findUnique by a unique column (userId)', async () => {
    const userId = uid('u')
    const created = await db.profile.create({ data: { userId, name: 'Grace' } })
    await db.profile.create({ data: { userId: uid('u'), name: 'Other' } })
    expect(await db.profile.findUnique({ where: { userId } })).toEqual(created)
    expect(await db.profile.findUnique({ where: { userId: uid('missing') } })).toBeNull()
  })

  it('findUnique by a compound unique key (group_label)', async () => {
    const group = uid('g')
    const a = await db.sample.create({ data: { group, label: 'a', count: 1 } })
    const b = await db.sample.create({ data: { group, label: 'b', count: 2 } })
    expect(await db.sample.findUnique({ where: { group_label: { group, label: 'a' } } })).toEqual(a)
    expect(await db.sample.findUnique({ where: { group_label: { group, label: 'b' } } })).toEqual(b)
    expect(await db.sample.findUnique({ where: { group_label: { group, label: 'c' } } })).toBeNull()
    expect(await db.sample.findUnique({ where: { group_label: { group: uid('g'), label: 'a' } } })).toBeNull()
  })

  it('findUnique by a composite primary key (scope_key)', async () => {
    const scope = uid('s')
    await db.setting.create({ data: { scope, key: 'theme', value: 'dark' } })
    await db.setting.create({ data: { scope, key: 'lang', value: 'en', version: 3 } })
    expect(await db.setting.findUnique({ where: { scope_key: { scope, key: 'theme' } } })).toEqual({
      scope,
      key: 'theme',
      value: 'dark',
      version: 1,
    })
    expect(await db.setting.findUnique({ where: { scope_key: { scope, key: 'lang' } } })).toEqual({
      scope,
      key: 'lang',
      value: 'en',
      version: 3,
    })
    expect(await db.setting.findUnique({ where: { scope_key: { scope, key: 'nope' } } })).toBeNull()
  })

  it('findUnique by a message id (primary key of a model with a layout)', async () => {
    const { makeChannel } = await import('../support/conformance-helpers.js')
    const ch = await makeChannel(db)
    const m = await db.message.create({ data: { content: 'hello', memberId: ch.member.id, channelId: ch.channel.id } })
    expect(await db.message.findUnique({ where: { id: m.id } })).toEqual(m)
    expect(await db.message.findUnique({ where: { id: randomUUID() } })).toBeNull()
  })

  it('findUniqueOrThrow returns the row, or rejects with P2025', async () => {
    const created = await db.profile.create({ data: { userId: uid('u'), name: 'Lin' } })
    expect(await db.profile.findUniqueOrThrow({ where: { id: created.id } })).toEqual(created)
    await expectCode(db.profile.findUniqueOrThrow({ where: { userId: uid('missing') } }), 'P2025')
    await expectCode(db.setting.findUniqueOrThrow({ where: { scope_key: { scope: uid('s'), key: 'k' } } }), 'P2025')
  })

  it('findFirstOrThrow returns a matching row, or rejects with P2025', async () => {
    const group = uid('g')
    const s = await db.sample.create({ data: { group, label: 'x', count: 5 } })
    expect(await db.sample.findFirstOrThrow({ where: { group, count: 5 } })).toEqual(s)
    await expectCode(db.sample.findFirstOrThrow({ where: { group, count: 6 } }), 'P2025')
  })

  it('findFirst returns one matching row or null', async () => {
    const group = uid('g')
    const rows = [
      await db.sample.create({ data: { group, label: 'a', count: 1 } }),
      await db.sample.create({ data: { group, label: 'b', count: 2 } }),
    ]
    const first = await db.sample.findFirst({ where: { group } })
    expect(first).not.toBeNull()
    expect(rows.map((r) => r.id)).toContain(first!.id)
    expect(await db.sample.findFirst({ where: { group, label: 'b' } })).toEqual(rows[1])
    expect(await db.sample.findFirst({ where: { group: uid('g') } })).toBeNull()
    const ordered = await db.sample.findFirst({ where: { group }, orderBy: { count: 'desc' } })
    expect(ordered).toEqual(rows[1])
  })

  it('findMany returns every matching row and only those', async () => {
    const group = uid('g')
    const rows = []
    for (let i = 0; i < 5; i++) rows.push(await db.sample.create({ data: { group, label: `l${i}`, count: i } }))
    await db.sample.create({ data: { group: uid('g'), label: 'other', count: 1 } })
    const found = await db.sample.findMany({ where: { group } })
    expect(found).toHaveLength(5)
    expect(sortedIds(found)).toEqual(sortedIds(rows))
    expect(await db.sample.findMany({ where: { group: uid('g') } })).toEqual([])
  })

  it('findMany by foreign key (index lookup) and by id in a list', async () => {
    const { makeChannel } = await import('../support/conformance-helpers.js')
    const ch = await makeChannel(db)
    const c2 = await db.channel.create({ data: { name: 'random', serverId: ch.server.id, type: 'AUDIO' } })
    const channels = await db.channel.findMany({ where: { serverId: ch.server.id } })
    expect(sortedIds(channels)).toEqual([ch.channel.id, c2.id].sort())
    const p1 = await db.profile.create({ data: { userId: uid('u'), name: 'A' } })
    const p2 = await db.profile.create({ data: { userId: uid('u'), name: 'B' } })
    const byIds = await db.profile.findMany({ where: { id: { in: [p1.id, p2.id, randomUUID()] } } })
    expect(sortedIds(byIds)).toEqual([p1.id, p2.id].sort())
  })

  it('select returns only the selected fields', async () => {
    const created = await db.profile.create({ data: { userId: uid('u'), name: 'Sel', email: 'e@x' } })
    expect(await db.profile.findUnique({ where: { id: created.id }, select: { id: true, email: true } })).toEqual({
      id: created.id,
      email: 'e@x',
    })
    expect(await db.profile.findMany({ where: { userId: created.userId }, select: { name: true } })).toEqual([
      { name: 'Sel' },
    ])
    expect(
      await db.profile.findFirst({ where: { userId: created.userId }, select: { userId: true, name: false } }),
    ).toEqual({ userId: created.userId })
  })

  it('omit returns every field except the omitted ones', async () => {
    const created = await db.profile.create({ data: { userId: uid('u'), name: 'Om' } })
    const found = await db.profile.findUnique({ where: { id: created.id }, omit: { createdAt: true, updatedAt: true } })
    const { createdAt: _c, updatedAt: _u, ...rest } = created
    expect(found).toEqual(rest)
    const many = await db.profile.findMany({ where: { id: created.id }, omit: { email: true } })
    expect(many).toHaveLength(1)
    expect(many[0]).not.toHaveProperty('email')
    expect(many[0]!.name).toBe('Om')
  })

  it('select applies to create, update and delete results', async () => {
    const userId = uid('u')
    expect(await db.profile.create({ data: { userId, name: 'C' }, select: { userId: true } })).toEqual({ userId })
    expect(await db.profile.update({ where: { userId }, data: { name: 'D' }, select: { name: true } })).toEqual({
      name: 'D',
    })
    expect(await db.profile.delete({ where: { userId }, select: { userId: true, name: true } })).toEqual({
      userId,
      name: 'D',
    })
  })

  it('extended unique where: unique key plus a matching field finds the row, a non-matching field gives null', async () => {
    const created = await db.profile.create({ data: { userId: uid('u'), name: 'Ext', email: 'ext@x' } })
    expect(await db.profile.findUnique({ where: { userId: created.userId, name: 'Ext' } })).toEqual(created)
    expect(await db.profile.findUnique({ where: { id: created.id, email: 'ext@x' } })).toEqual(created)
    expect(await db.profile.findUnique({ where: { userId: created.userId, name: 'Nope' } })).toBeNull()
    expect(await db.profile.findUnique({ where: { id: created.id, email: null } })).toBeNull()
    expect(await db.profile.findUnique({ where: { id: created.id, name: { startsWith: 'E' } } })).toEqual(created)
  })

  it('extended unique where also guards update and delete (P2025 when the extra field does not match)', async () => {
    const created = await db.profile.create({ data: { userId: uid('u'), name: 'Guard' } })
    await expectCode(db.profile.update({ where: { id: created.id, name: 'Other' }, data: { name: 'X' } }), 'P2025')
    await expectCode(db.profile.delete({ where: { id: created.id, name: 'Other' } }), 'P2025')
    expect(await db.profile.findUnique({ where: { id: created.id } })).toEqual(created)
    const updated = await db.profile.update({ where: { id: created.id, name: 'Guard' }, data: { name: 'X' } })
    expect(updated.name).toBe('X')
  })

  it('count counts the matching rows, with take and skip', async () => {
    const group = uid('g')
    for (let i = 0; i < 4; i++) await db.sample.create({ data: { group, label: `c${i}`, count: i } })
    expect(await db.sample.count({ where: { group } })).toBe(4)
    expect(await db.sample.count({ where: { group, count: { gte: 2 } } })).toBe(2)
    expect(await db.sample.count({ where: { group }, take: 3 })).toBe(3)
    expect(await db.sample.count({ where: { group }, skip: 3 })).toBe(1)
    expect(await db.sample.count({ where: { group: uid('g') } })).toBe(0)
  })

  it('a uuid given in upper case finds the row (uuids are case-insensitive)', async () => {
    const created = await db.profile.create({ data: { userId: uid('u'), name: 'Up' } })
    const found = await db.profile.findUnique({ where: { id: created.id.toUpperCase() } })
    expect(found).toEqual(created)
    expect(found!.id).toBe(created.id.toLowerCase())
  })

  it('repeated keys in an `in` list return each row once', async () => {
    const p = await db.profile.create({ data: { userId: uid('u'), name: 'Once' } })
    expect(sortedIds(await db.profile.findMany({ where: { id: { in: [p.id, p.id, p.id.toUpperCase()] } } }))).toEqual([
      p.id,
    ])
    expect(sortedIds(await db.profile.findMany({ where: { userId: { in: [p.userId, p.userId] } } }))).toEqual([p.id])
    expect(await db.profile.count({ where: { id: { in: [p.id, p.id] } } })).toBe(1)
  })

  it('where with a partition key and the primary key together (message id + channelId)', async () => {
    const { makeChannel } = await import('../support/conformance-helpers.js')
    const ch = await makeChannel(db)
    const other = await makeChannel(db)
    const m = await db.message.create({ data: { content: 'x', memberId: ch.member.id, channelId: ch.channel.id } })
    expect(await db.message.findUnique({ where: { id: m.id, channelId: ch.channel.id } })).toEqual(m)
    expect(await db.message.findUnique({ where: { id: m.id, channelId: other.channel.id } })).toBeNull()
    expect(sortedIds(await db.message.findMany({ where: { channelId: ch.channel.id, id: m.id } }))).toEqual([m.id])
  })
})
