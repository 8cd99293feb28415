import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, openDb, uid, type TestDb } from '../support/backends.js'
import { expectCode, ids, makeChannel, makeMessages, randomUUID, sortedIds } from '../support/conformance-helpers.js'

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe.each(BACKENDS)('writes on %s', (backend) => {
  let db: TestDb
  beforeAll(async () => {
    db = await openDb(backend)
  })
  afterAll(async () => {
    await db?.$disconnect()
  })

  // ---- create ----------------------------------------------------------------------------------

  it('create fills defaults: defaultRandom uuid, defaultNow, $onUpdate on insert', async () => {
    const before = Date.now()
    const p = await db.profile.create({ data: { userId: uid('u'), name: 'Def' } })
    const after = Date.now()
    expect(p.id).toMatch(UUID_RE)
    expect(p.email).toBeNull()
    expect(p.imageUrl).toBeNull()
    expect(p.createdAt).toBeInstanceOf(Date)
    expect(p.updatedAt).toBeInstanceOf(Date)
    expect(p.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000)
    expect(p.createdAt.getTime()).toBeLessThanOrEqual(after + 1000)
    expect(await db.profile.findUnique({ where: { id: p.id } })).toEqual(p)
  })

  it('create fills .default and $defaultFn values', async () => {
    const s = await db.sample.create({ data: { group: uid('g'), at: new Date() } })
    expect(s.count).toBe(0)
    expect(s.slug).toBe('generated')
    expect(s.label).toBeNull()
    const ch = await makeChannel(db)
    expect(ch.channel.type).toBe('TEXT')
    const p = await db.profile.create({ data: { userId: uid('u'), name: 'G' } })
    const m = await db.member.create({ data: { profileId: p.id, serverId: ch.server.id } })
    expect(m.role).toBe('GUEST')
    const msg = await db.message.create({ data: { content: 'x', memberId: m.id, channelId: ch.channel.id } })
    expect(msg.deleted).toBe(false)
    expect(msg.fileUrl).toBeNull()
    const st = await db.setting.create({ data: { scope: uid('s'), key: 'k', value: 'v' } })
    expect(st.version).toBe(1)
  })

  it('create keeps explicit values over defaults (id, timestamps, default fields)', async () => {
    const id = randomUUID()
    const at = new Date(Date.UTC(2020, 1, 2, 3, 4, 5, 678))
    const p = await db.profile.create({ data: { id, userId: uid('u'), name: 'Exp', createdAt: at, updatedAt: at } })
    expect(p.id).toBe(id)
    expect(p.createdAt).toEqual(at)
    expect(p.updatedAt).toEqual(at)
    const s = await db.sample.create({ data: { group: uid('g'), count: 7, slug: 'mine', at } })
    expect(s.count).toBe(7)
    expect(s.slug).toBe('mine')
    expect(await db.profile.findUnique({ where: { id } })).toEqual(p)
  })

  it('$onUpdate sets updatedAt on update and leaves createdAt alone', async () => {
    const old = new Date(Date.UTC(2020, 0, 1))
    const p = await db.profile.create({ data: { userId: uid('u'), name: 'Upd', createdAt: old, updatedAt: old } })
    const before = Date.now()
    const u = await db.profile.update({ where: { id: p.id }, data: { name: 'Upd2' } })
    expect(u.createdAt).toEqual(old)
    expect(u.updatedAt.getTime()).toBeGreaterThanOrEqual(before - 1000)
    expect(await db.profile.findUnique({ where: { id: p.id } })).toEqual(u)
    const explicit = new Date(Date.UTC(2030, 0, 1))
    const u2 = await db.profile.update({ where: { id: p.id }, data: { updatedAt: explicit } })
    expect(u2.updatedAt).toEqual(explicit)
  })

  it('createMany returns the count and stores every row', async () => {
    const group = uid('g')
    const res = await db.sample.createMany({
      data: [1, 2, 3].map((count) => ({ group, count, label: `l${count}`, at: new Date() })),
    })
    expect(res).toEqual({ count: 3 })
    expect((await db.sample.findMany({ where: { group }, orderBy: { count: 'asc' } })).map((r) => r.count)).toEqual([
      1, 2, 3,
    ])
    expect(await db.sample.createMany({ data: [] })).toEqual({ count: 0 })
  })

  it('createMany skipDuplicates skips rows whose unique value exists (or repeats in the batch)', async () => {
    const taken = uid('u')
    const existing = await db.profile.create({ data: { userId: taken, name: 'Existing' } })
    const fresh = uid('u')
    const twice = uid('u')
    const res = await db.profile.createMany({
      data: [
        { userId: taken, name: 'Dup' },
        { userId: fresh, name: 'Fresh' },
        { userId: twice, name: 'First' },
        { userId: twice, name: 'Second' },
      ],
      skipDuplicates: true,
    })
    expect(res).toEqual({ count: 2 })
    expect(await db.profile.findUnique({ where: { userId: taken } })).toEqual(existing)
    expect(
      await db.profile.createMany({
        data: [{ id: existing.id, userId: uid('u'), name: 'same id' }],
        skipDuplicates: true,
      }),
    ).toEqual({ count: 0 })
    expect((await db.profile.findUnique({ where: { userId: fresh } }))!.name).toBe('Fresh')
    expect(await db.profile.count({ where: { userId: twice } })).toBe(1)
  })

  it('createMany without skipDuplicates fails with P2002 and writes nothing', async () => {
    const taken = uid('u')
    await db.profile.create({ data: { userId: taken, name: 'Existing' } })
    const a = uid('u')
    const b = uid('u')
    await expectCode(
      db.profile.createMany({
        data: [
          { userId: a, name: 'A' },
          { userId: taken, name: 'Dup' },
          { userId: b, name: 'B' },
        ],
      }),
      'P2002',
    )
    expect(await db.profile.findUnique({ where: { userId: a } })).toBeNull()
    expect(await db.profile.findUnique({ where: { userId: b } })).toBeNull()
    expect((await db.profile.findUnique({ where: { userId: taken } }))!.name).toBe('Existing')
  })

  it('createManyAndReturn returns the stored rows with defaults, honouring select', async () => {
    const group = uid('g')
    const rows = await db.sample.createManyAndReturn({
      data: [
        { group, label: 'x', at: new Date() },
        { group, label: 'y', count: 9, at: new Date() },
      ],
    })
    expect(rows).toHaveLength(2)
    for (const r of rows) {
      expect(r.id).toMatch(UUID_RE)
      expect(r.slug).toBe('generated')
    }
    expect(rows.map((r) => [r.label, r.count]).sort()).toEqual([
      ['x', 0],
      ['y', 9],
    ])
    expect(sortedIds(await db.sample.findMany({ where: { group } }))).toEqual(sortedIds(rows))
    const picked = await db.sample.createManyAndReturn({
      data: [{ group, label: 'z', at: new Date() }],
      select: { label: true },
    })
    expect(picked).toEqual([{ label: 'z' }])
  })

  // ---- update ----------------------------------------------------------------------------------

  it('update sets values, plain and with { set }, including null', async () => {
    const p = await db.profile.create({ data: { userId: uid('u'), name: 'Old', email: 'a@x', imageUrl: 'img' } })
    const u = await db.profile.update({
      where: { id: p.id },
      data: { name: 'New', email: { set: 'b@x' }, imageUrl: null },
    })
    expect(u).toMatchObject({ id: p.id, userId: p.userId, name: 'New', email: 'b@x', imageUrl: null })
    expect(await db.profile.findUnique({ where: { id: p.id } })).toEqual(u)
  })

  it('increment, decrement, multiply, divide on int, bigint and double fields', async () => {
    const s = await db.sample.create({
      data: { group: uid('g'), count: 10, big: 1000, huge: 10n ** 15n, score: 1.5, at: new Date() },
    })
    let u = await db.sample.update({
      where: { id: s.id },
      data: { count: { increment: 5 }, big: { decrement: 1 }, huge: { multiply: 3n }, score: { divide: 2 } },
    })
    expect([u.count, u.big, u.huge, u.score]).toEqual([15, 999, 3n * 10n ** 15n, 0.75])
    u = await db.sample.update({
      where: { id: s.id },
      data: {
        count: { multiply: 2 },
        big: { increment: 2 ** 40 },
        huge: { decrement: 1n },
        score: { increment: 0.25 },
      },
    })
    expect([u.count, u.big, u.huge, u.score]).toEqual([30, 999 + 2 ** 40, 3n * 10n ** 15n - 1n, 1])
    u = await db.sample.update({ where: { id: s.id }, data: { count: { decrement: 40 } } })
    expect(u.count).toBe(-10)
    expect(await db.sample.findUnique({ where: { id: s.id } })).toEqual(u)
  })

  it('integer division truncates, as in SQL', async () => {
    const s = await db.sample.create({ data: { group: uid('g'), count: 7, big: -7, at: new Date() } })
    const u = await db.sample.update({ where: { id: s.id }, data: { count: { divide: 2 }, big: { divide: 2 } } })
    expect(u.count).toBe(3)
    expect(u.big).toBe(-3)
  })

  it('numeric arithmetic keeps the column scale', async () => {
    const s = await db.sample.create({ data: { group: uid('g'), price: '20.50', at: new Date() } })
    const u = await db.sample.update({ where: { id: s.id }, data: { price: { increment: 1.5 } as never } })
    expect(u.price).toBe('22.00')
    expect((await db.sample.findUnique({ where: { id: s.id } }))!.price).toBe('22.00')
  })

  it('arithmetic on a NULL value leaves it NULL', async () => {
    const s = await db.sample.create({ data: { group: uid('g'), big: null, score: null, at: new Date() } })
    const u = await db.sample.update({ where: { id: s.id }, data: { big: { increment: 1 }, score: { multiply: 2 } } })
    expect(u.big).toBeNull()
    expect(u.score).toBeNull()
  })

  it('update of a unique value: the old value no longer finds the row, the new one does, the old is reusable', async () => {
    const oldId = uid('u')
    const newId = uid('u')
    const p = await db.profile.create({ data: { userId: oldId, name: 'Mover' } })
    const u = await db.profile.update({ where: { userId: oldId }, data: { userId: newId } })
    expect(u.id).toBe(p.id)
    expect(await db.profile.findUnique({ where: { userId: oldId } })).toBeNull()
    expect((await db.profile.findUnique({ where: { userId: newId } }))!.id).toBe(p.id)
    const q = await db.profile.create({ data: { userId: oldId, name: 'Reuser' } })
    expect((await db.profile.findUnique({ where: { userId: oldId } }))!.id).toBe(q.id)
    expect((await db.profile.findUnique({ where: { userId: newId } }))!.id).toBe(p.id)
  })

  it('update of part of a compound unique key moves it', async () => {
    const group = uid('g')
    const s = await db.sample.create({ data: { group, label: 'one', at: new Date() } })
    await db.sample.update({ where: { group_label: { group, label: 'one' } }, data: { label: 'two' } })
    expect(await db.sample.findUnique({ where: { group_label: { group, label: 'one' } } })).toBeNull()
    expect((await db.sample.findUnique({ where: { group_label: { group, label: 'two' } } }))!.id).toBe(s.id)
    const again = await db.sample.create({ data: { group, label: 'one', at: new Date() } })
    expect((await db.sample.findUnique({ where: { group_label: { group, label: 'one' } } }))!.id).toBe(again.id)
  })

  it('update of an index value moves the row between index lookups', async () => {
    const g1 = uid('g')
    const g2 = uid('g')
    const s = await db.sample.create({ data: { group: g1, label: 'm', at: new Date() } })
    await db.sample.update({ where: { id: s.id }, data: { group: g2 } })
    expect(await db.sample.findMany({ where: { group: g1 } })).toEqual([])
    expect(ids(await db.sample.findMany({ where: { group: g2 } }))).toEqual([s.id])
  })

  it('update of a layout key column (message createdAt): the row is found once, in its new place', async () => {
    const ch = await makeChannel(db)
    const base = Date.UTC(2024, 8, 1)
    const msgs = await makeMessages(db, ch, 5, base)
    const moved = await db.message.update({
      where: { id: msgs[1]!.id },
      data: { createdAt: new Date(base + 10_000), content: 'moved' },
    })
    expect(moved.createdAt).toEqual(new Date(base + 10_000))
    const feed = await db.message.findMany({ where: { channelId: ch.channel.id }, orderBy: { createdAt: 'desc' } })
    expect(ids(feed)).toEqual(ids([msgs[1]!, msgs[4]!, msgs[3]!, msgs[2]!, msgs[0]!]))
    expect(feed[0]!.content).toBe('moved')
    expect(await db.message.findUnique({ where: { id: msgs[1]!.id } })).toEqual(moved)
    expect(
      await db.message.findMany({ where: { channelId: ch.channel.id, createdAt: new Date(base + 1000) } }),
    ).toEqual([])
    expect(await db.message.count({ where: { channelId: ch.channel.id } })).toBe(5)
  })

  it('after a move, every lookup finds the row once, with its new values (message by memberId, event by kind)', async () => {
    const ch = await makeChannel(db)
    const base = Date.UTC(2024, 10, 1)
    const msgs = await makeMessages(db, ch, 3, base)
    await db.message.update({ where: { id: msgs[0]!.id }, data: { createdAt: new Date(base + 99_000) } })
    const byMember = await db.message.findMany({ where: { memberId: ch.member.id } })
    expect(sortedIds(byMember)).toEqual(sortedIds(msgs))
    expect(byMember.find((m) => m.id === msgs[0]!.id)!.createdAt).toEqual(new Date(base + 99_000))
    expect(
      await db.message.count({ where: { memberId: ch.member.id, createdAt: { gt: new Date(base + 50_000) } } }),
    ).toBe(1)
    const kind = uid('k')
    const stream = uid('st')
    const e = await db.event.create({ data: { stream, seq: 1, kind } })
    await db.event.update({ where: { id: e.id }, data: { seq: 5 } })
    expect((await db.event.findMany({ where: { kind } })).map((r) => [r.id, r.seq])).toEqual([[e.id, 5]])
    await db.event.update({ where: { id: e.id }, data: { stream: `${stream}-b` } })
    expect((await db.event.findMany({ where: { kind } })).map((r) => [r.id, r.stream])).toEqual([[e.id, `${stream}-b`]])
    expect(await db.event.findMany({ where: { stream } })).toEqual([])
  })

  it('after an index value changes, the compound unique key and the index agree', async () => {
    const g1 = uid('g')
    const g2 = uid('g')
    const s = await db.sample.create({ data: { group: g1, label: 'same', at: new Date() } })
    await db.sample.update({ where: { id: s.id }, data: { group: g2 } })
    expect(await db.sample.findUnique({ where: { group_label: { group: g1, label: 'same' } } })).toBeNull()
    expect((await db.sample.findUnique({ where: { group_label: { group: g2, label: 'same' } } }))!.id).toBe(s.id)
    const again = await db.sample.create({ data: { group: g1, label: 'same', at: new Date() } })
    expect(ids(await db.sample.findMany({ where: { group: g1 } }))).toEqual([again.id])
  })

  it('update of a clustering column (event seq) reorders the stream', async () => {
    const stream = uid('st')
    const evs = []
    for (let seq = 1; seq <= 3; seq++) evs.push(await db.event.create({ data: { stream, seq, kind: 'k' } }))
    await db.event.update({ where: { id: evs[0]!.id }, data: { seq: 10 } })
    expect((await db.event.findMany({ where: { stream }, orderBy: { seq: 'asc' } })).map((e) => [e.id, e.seq])).toEqual(
      [
        [evs[1]!.id, 2],
        [evs[2]!.id, 3],
        [evs[0]!.id, 10],
      ],
    )
  })

  it('updateMany returns the count and changes only the matching rows', async () => {
    const group = uid('g')
    for (let i = 1; i <= 5; i++) await db.sample.create({ data: { group, count: i, label: `u${i}`, at: new Date() } })
    expect(
      await db.sample.updateMany({ where: { group, count: { gte: 3 } }, data: { flag: true, score: { set: 1 } } }),
    ).toEqual({ count: 3 })
    const rows = await db.sample.findMany({ where: { group }, orderBy: { count: 'asc' } })
    expect(rows.map((r) => r.flag)).toEqual([null, null, true, true, true])
    expect(rows.map((r) => r.score)).toEqual([null, null, 1, 1, 1])
    expect(await db.sample.updateMany({ where: { group, count: 99 }, data: { flag: false } })).toEqual({ count: 0 })
    expect(await db.sample.updateMany({ where: { group }, data: { count: { increment: 10 } } })).toEqual({ count: 5 })
    expect((await db.sample.findMany({ where: { group }, orderBy: { count: 'asc' } })).map((r) => r.count)).toEqual([
      11, 12, 13, 14, 15,
    ])
  })

  it('update of the primary key moves the row; its unique values follow it', async () => {
    const userId = uid('u')
    const p = await db.profile.create({ data: { userId, name: 'Rekey' } })
    const newId = randomUUID()
    const u = await db.profile.update({ where: { id: p.id }, data: { id: newId } })
    expect(u).toEqual({ ...p, id: newId, updatedAt: u.updatedAt })
    expect(await db.profile.findUnique({ where: { id: p.id } })).toBeNull()
    expect((await db.profile.findUnique({ where: { id: newId } }))!.userId).toBe(userId)
    expect((await db.profile.findUnique({ where: { userId } }))!.id).toBe(newId)
  })

  it('update of a partition key (message channelId) moves the message to the other feed', async () => {
    const ch = await makeChannel(db)
    const other = await db.channel.create({ data: { name: 'other', serverId: ch.server.id } })
    const msgs = await makeMessages(db, ch, 3)
    const moved = await db.message.update({ where: { id: msgs[1]!.id }, data: { channelId: other.id } })
    expect(moved.channelId).toBe(other.id)
    expect(sortedIds(await db.message.findMany({ where: { channelId: ch.channel.id } }))).toEqual(
      sortedIds([msgs[0]!, msgs[2]!]),
    )
    expect(ids(await db.message.findMany({ where: { channelId: other.id } }))).toEqual([msgs[1]!.id])
    expect((await db.message.findUnique({ where: { id: msgs[1]!.id } }))!.channelId).toBe(other.id)
    expect(ids(await db.message.findMany({ where: { memberId: ch.member.id, channelId: other.id } }))).toEqual([
      msgs[1]!.id,
    ])
  })

  it('update of part of a composite primary key (setting key) moves the row', async () => {
    const scope = uid('s')
    await db.setting.create({ data: { scope, key: 'old', value: 'v', version: 4 } })
    const u = await db.setting.update({ where: { scope_key: { scope, key: 'old' } }, data: { key: 'new' } })
    expect(u).toEqual({ scope, key: 'new', value: 'v', version: 4 })
    expect(await db.setting.findUnique({ where: { scope_key: { scope, key: 'old' } } })).toBeNull()
    expect(await db.setting.findUnique({ where: { scope_key: { scope, key: 'new' } } })).toEqual(u)
    expect((await db.setting.findMany({ where: { scope, key: { in: ['old', 'new'] } } })).map((r) => r.key)).toEqual([
      'new',
    ])
  })

  it('updateMany that would give two rows one unique value rejects with P2002 and changes nothing', async () => {
    const group = uid('g')
    const a = await db.sample.create({ data: { group, label: 'a', code: uid('c'), at: new Date() } })
    const b = await db.sample.create({ data: { group, label: 'b', code: uid('c'), at: new Date() } })
    const code = uid('c')
    await expectCode(db.sample.updateMany({ where: { group }, data: { code } }), 'P2002')
    expect(await db.sample.findUnique({ where: { id: a.id } })).toEqual(a)
    expect(await db.sample.findUnique({ where: { id: b.id } })).toEqual(b)
    expect(await db.sample.findUnique({ where: { code } })).toBeNull()
  })

  // ---- upsert ----------------------------------------------------------------------------------

  it('upsert creates when missing and updates when present', async () => {
    const userId = uid('u')
    const created = await db.profile.upsert({
      where: { userId },
      create: { userId, name: 'Created' },
      update: { name: 'Updated' },
    })
    expect(created.name).toBe('Created')
    expect(await db.profile.count({ where: { userId } })).toBe(1)
    const updated = await db.profile.upsert({
      where: { userId },
      create: { userId, name: 'Created again' },
      update: { name: 'Updated' },
    })
    expect(updated.id).toBe(created.id)
    expect(updated.name).toBe('Updated')
    expect(await db.profile.count({ where: { userId } })).toBe(1)
  })

  it('upsert on a composite primary key, with increment on the update path', async () => {
    const scope = uid('s')
    const where = { scope_key: { scope, key: 'counter' } }
    const a = await db.setting.upsert({
      where,
      create: { scope, key: 'counter', value: 'v' },
      update: { version: { increment: 1 } },
    })
    expect(a).toEqual({ scope, key: 'counter', value: 'v', version: 1 })
    const b = await db.setting.upsert({
      where,
      create: { scope, key: 'counter', value: 'v' },
      update: { version: { increment: 1 } },
    })
    expect(b).toEqual({ scope, key: 'counter', value: 'v', version: 2 })
  })

  it('upsert whose update takes a unique value in use rejects with P2002 and changes nothing', async () => {
    const a = await db.profile.create({ data: { userId: uid('u'), name: 'A' } })
    const b = await db.profile.create({ data: { userId: uid('u'), name: 'B' } })
    await expectCode(
      db.profile.upsert({ where: { id: b.id }, create: { userId: uid('u'), name: 'C' }, update: { userId: a.userId } }),
      'P2002',
    )
    expect(await db.profile.findUnique({ where: { id: b.id } })).toEqual(b)
    expect((await db.profile.findUnique({ where: { userId: a.userId } }))!.id).toBe(a.id)
  })

  it('upsert honours select on both paths', async () => {
    const userId = uid('u')
    expect(
      await db.profile.upsert({
        where: { userId },
        create: { userId, name: 'S1' },
        update: { name: 'S2' },
        select: { name: true },
      }),
    ).toEqual({ name: 'S1' })
    expect(
      await db.profile.upsert({
        where: { userId },
        create: { userId, name: 'S1' },
        update: { name: 'S2' },
        select: { name: true },
      }),
    ).toEqual({ name: 'S2' })
  })

  // ---- delete ----------------------------------------------------------------------------------

  it('delete returns the deleted row; the row and its unique value are gone', async () => {
    const userId = uid('u')
    const p = await db.profile.create({ data: { userId, name: 'Del' } })
    expect(await db.profile.delete({ where: { userId } })).toEqual(p)
    expect(await db.profile.findUnique({ where: { id: p.id } })).toBeNull()
    expect(await db.profile.findUnique({ where: { userId } })).toBeNull()
    const again = await db.profile.create({ data: { userId, name: 'Again' } })
    expect((await db.profile.findUnique({ where: { userId } }))!.id).toBe(again.id)
  })

  it('delete of a message (layout model) by id removes it from the feed', async () => {
    const ch = await makeChannel(db)
    const msgs = await makeMessages(db, ch, 3)
    expect((await db.message.delete({ where: { id: msgs[1]!.id } })).id).toBe(msgs[1]!.id)
    expect(sortedIds(await db.message.findMany({ where: { channelId: ch.channel.id } }))).toEqual(
      sortedIds([msgs[0]!, msgs[2]!]),
    )
    expect(await db.message.findUnique({ where: { id: msgs[1]!.id } })).toBeNull()
  })

  it('deleteMany returns the count and deletes only the matching rows', async () => {
    const group = uid('g')
    const codes = [1, 2, 3, 4, 5].map(() => uid('c'))
    for (let i = 1; i <= 5; i++)
      await db.sample.create({ data: { group, count: i, code: codes[i - 1]!, at: new Date() } })
    expect(await db.sample.deleteMany({ where: { group, count: { lte: 2 } } })).toEqual({ count: 2 })
    expect((await db.sample.findMany({ where: { group }, orderBy: { count: 'asc' } })).map((r) => r.count)).toEqual([
      3, 4, 5,
    ])
    expect(await db.sample.deleteMany({ where: { group, count: 99 } })).toEqual({ count: 0 })
    expect(await db.sample.deleteMany({ where: { group } })).toEqual({ count: 3 })
    expect(await db.sample.count({ where: { group } })).toBe(0)
    // the deleted rows' unique values are free again
    const again = await db.sample.create({ data: { group, code: codes[0]!, at: new Date() } })
    expect((await db.sample.findUnique({ where: { code: codes[0]! } }))!.id).toBe(again.id)
  })

  it('onDelete cascade: deleting a channel deletes its messages', async () => {
    const ch = await makeChannel(db)
    const msgs = await makeMessages(db, ch, 3)
    await db.channel.delete({ where: { id: ch.channel.id } })
    expect(await db.message.findMany({ where: { channelId: ch.channel.id } })).toEqual([])
    expect(await db.message.findUnique({ where: { id: msgs[0]!.id } })).toBeNull()
  })

  it('onDelete cascade across several levels: deleting a profile deletes its servers, members, channels and messages', async () => {
    const ch = await makeChannel(db)
    const msgs = await makeMessages(db, ch, 2)
    await db.profile.delete({ where: { id: ch.profile.id } })
    expect(await db.server.findUnique({ where: { id: ch.server.id } })).toBeNull()
    expect(await db.server.findUnique({ where: { inviteCode: ch.server.inviteCode } })).toBeNull()
    expect(await db.member.findUnique({ where: { id: ch.member.id } })).toBeNull()
    expect(await db.channel.findMany({ where: { serverId: ch.server.id } })).toEqual([])
    expect(await db.message.findMany({ where: { channelId: ch.channel.id } })).toEqual([])
    expect(await db.message.findUnique({ where: { id: msgs[1]!.id } })).toBeNull()
  })

  it('a deleted message id can be used again, in any channel', async () => {
    const ch = await makeChannel(db)
    const [m] = await makeMessages(db, ch, 1)
    const other = await db.channel.create({ data: { name: 'b', serverId: ch.server.id } })
    await db.message.delete({ where: { id: m!.id } })
    const again = await db.message.create({
      data: { id: m!.id, content: 'again', memberId: ch.member.id, channelId: other.id },
    })
    expect(await db.message.findUnique({ where: { id: m!.id } })).toEqual(again)
    expect(await db.message.findMany({ where: { channelId: ch.channel.id } })).toEqual([])
  })

  // ---- errors of writes ------------------------------------------------------------------------

  it('update and delete of a missing row reject with P2025', async () => {
    await expectCode(db.profile.update({ where: { id: randomUUID() }, data: { name: 'x' } }), 'P2025')
    await expectCode(db.profile.update({ where: { userId: uid('missing') }, data: { name: 'x' } }), 'P2025')
    await expectCode(db.profile.delete({ where: { id: randomUUID() } }), 'P2025')
    await expectCode(db.setting.delete({ where: { scope_key: { scope: uid('s'), key: 'k' } } }), 'P2025')
  })

  it('create with a taken unique value rejects with P2002 and writes nothing', async () => {
    const userId = uid('u')
    const p = await db.profile.create({ data: { userId, name: 'First' } })
    const id = randomUUID()
    const err = await expectCode(db.profile.create({ data: { id, userId, name: 'Second' } }), 'P2002')
    expect(err.message).toMatch(/userId|user_id/)
    expect(await db.profile.findUnique({ where: { id } })).toBeNull()
    expect(await db.profile.findUnique({ where: { userId } })).toEqual(p)
  })

  it('create with a taken primary key (single and composite) rejects with P2002', async () => {
    const p = await db.profile.create({ data: { userId: uid('u'), name: 'Pk' } })
    const other = uid('u')
    await expectCode(db.profile.create({ data: { id: p.id, userId: other, name: 'Clash' } }), 'P2002')
    expect(await db.profile.findUnique({ where: { userId: other } })).toBeNull()
    expect(await db.profile.findUnique({ where: { id: p.id } })).toEqual(p)
    const scope = uid('s')
    await db.setting.create({ data: { scope, key: 'k', value: 'one' } })
    await expectCode(db.setting.create({ data: { scope, key: 'k', value: 'two' } }), 'P2002')
    expect((await db.setting.findUnique({ where: { scope_key: { scope, key: 'k' } } }))!.value).toBe('one')
  })

  it('create with a taken compound unique value rejects with P2002', async () => {
    const group = uid('g')
    await db.sample.create({ data: { group, label: 'same', at: new Date() } })
    await expectCode(db.sample.create({ data: { group, label: 'same', at: new Date() } }), 'P2002')
    expect(await db.sample.count({ where: { group } })).toBe(1)
  })

  it('update to a taken unique value rejects with P2002 and leaves both rows unchanged', async () => {
    const a = await db.profile.create({ data: { userId: uid('u'), name: 'A' } })
    const b = await db.profile.create({ data: { userId: uid('u'), name: 'B' } })
    await expectCode(db.profile.update({ where: { id: b.id }, data: { userId: a.userId, name: 'B2' } }), 'P2002')
    expect(await db.profile.findUnique({ where: { id: a.id } })).toEqual(a)
    expect(await db.profile.findUnique({ where: { id: b.id } })).toEqual(b)
    expect((await db.profile.findUnique({ where: { userId: b.userId } }))!.id).toBe(b.id)
    expect((await db.profile.findUnique({ where: { userId: a.userId } }))!.id).toBe(a.id)
  })

  it('a primary key is unique across partitions (message id in another channel, event id in another stream)', async () => {
    const ch = await makeChannel(db)
    const other = await db.channel.create({ data: { name: 'b', serverId: ch.server.id } })
    const [m] = await makeMessages(db, ch, 1)
    await expectCode(
      db.message.create({ data: { id: m!.id, content: 'clash', memberId: ch.member.id, channelId: other.id } }),
      'P2002',
    )
    expect(await db.message.findMany({ where: { channelId: other.id } })).toEqual([])
    expect(await db.message.findUnique({ where: { id: m!.id } })).toEqual(m)
    const e = await db.event.create({ data: { stream: uid('st'), seq: 1, kind: 'k' } })
    const stream2 = uid('st')
    await expectCode(db.event.create({ data: { id: e.id, stream: stream2, seq: 2, kind: 'k' } }), 'P2002')
    expect(await db.event.findMany({ where: { stream: stream2 } })).toEqual([])
  })

  it('moving a message to a time where its id already exists elsewhere is impossible: ids stay unique after moves', async () => {
    const ch = await makeChannel(db)
    const msgs = await makeMessages(db, ch, 2)
    await expectCode(db.message.update({ where: { id: msgs[0]!.id }, data: { id: msgs[1]!.id } }), 'P2002')
    expect(await db.message.findUnique({ where: { id: msgs[0]!.id } })).toEqual(msgs[0])
    expect(await db.message.findUnique({ where: { id: msgs[1]!.id } })).toEqual(msgs[1])
    expect(await db.message.count({ where: { channelId: ch.channel.id } })).toBe(2)
  })

  it('NULL unique values do not collide; setting a unique value to NULL frees it', async () => {
    const group = uid('g')
    const a = await db.sample.create({ data: { group, label: null, code: null, at: new Date() } })
    const b = await db.sample.create({ data: { group, label: null, code: null, at: new Date() } })
    expect(sortedIds(await db.sample.findMany({ where: { group, label: null } }))).toEqual(sortedIds([a, b]))
    const code = uid('c')
    await db.sample.update({ where: { id: a.id }, data: { code } })
    await expectCode(db.sample.update({ where: { id: b.id }, data: { code } }), 'P2002')
    await db.sample.update({ where: { id: a.id }, data: { code: null } })
    await db.sample.update({ where: { id: b.id }, data: { code } })
    expect((await db.sample.findUnique({ where: { code } }))!.id).toBe(b.id)
  })

  it('create with a foreign key to a missing row rejects with P2003', async () => {
    const ch = await makeChannel(db)
    const channelId = randomUUID()
    await expectCode(db.message.create({ data: { content: 'orphan', memberId: ch.member.id, channelId } }), 'P2003')
    expect(await db.message.findMany({ where: { channelId } })).toEqual([])
  })

  // ---- concurrency -----------------------------------------------------------------------------

  it('20 concurrent increments of one row all apply', async () => {
    const s = await db.sample.create({ data: { group: uid('g'), count: 100, at: new Date() } })
    const results = await Promise.all(
      Array.from({ length: 20 }, () => db.sample.update({ where: { id: s.id }, data: { count: { increment: 1 } } })),
    )
    expect(results.map((r) => r.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => 101 + i))
    expect((await db.sample.findUnique({ where: { id: s.id } }))!.count).toBe(120)
  })

  it('concurrent creates of one unique value: exactly one wins, the others get P2002', async () => {
    const userId = uid('u')
    const settled = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => db.profile.create({ data: { userId, name: `racer${i}` } })),
    )
    const won = settled.filter((r) => r.status === 'fulfilled')
    const lost = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    expect(won).toHaveLength(1)
    expect(lost.map((r) => (r.reason as { code?: string }).code)).toEqual(Array(7).fill('P2002'))
    expect(await db.profile.count({ where: { userId } })).toBe(1)
  })

  it('concurrent updates of two rows to one new unique value: one wins, the other gets P2002', async () => {
    const a = await db.profile.create({ data: { userId: uid('u'), name: 'A' } })
    const b = await db.profile.create({ data: { userId: uid('u'), name: 'B' } })
    const target = uid('u')
    const settled = await Promise.allSettled(
      [a, b].map((p) => db.profile.update({ where: { id: p.id }, data: { userId: target } })),
    )
    const won = settled.flatMap((r, i) => (r.status === 'fulfilled' ? [[a, b][i]!] : []))
    const lost = settled.flatMap((r, i) =>
      r.status === 'rejected' ? [{ row: [a, b][i]!, code: (r.reason as { code?: string }).code }] : [],
    )
    expect(won).toHaveLength(1)
    expect(lost.map((l) => l.code)).toEqual(['P2002'])
    expect((await db.profile.findUnique({ where: { userId: target } }))!.id).toBe(won[0]!.id)
    expect((await db.profile.findUnique({ where: { userId: lost[0]!.row.userId } }))!.id).toBe(lost[0]!.row.id)
  })

  it('concurrent increments of a clustering column (event seq) all apply and keep one row', async () => {
    const stream = uid('st')
    const e = await db.event.create({ data: { stream, seq: 1, kind: 'k' } })
    await Promise.all(
      Array.from({ length: 5 }, () => db.event.update({ where: { id: e.id }, data: { seq: { increment: 1 } } })),
    )
    const rows = await db.event.findMany({ where: { stream } })
    expect(rows.map((r) => [r.id, r.seq])).toEqual([[e.id, 6]])
    expect((await db.event.findUnique({ where: { id: e.id } }))!.seq).toBe(6)
  })

  it('concurrent moves of one message (createdAt) leave it in the feed exactly once', async () => {
    const ch = await makeChannel(db)
    const base = Date.UTC(2024, 9, 1)
    const [m] = await makeMessages(db, ch, 1, base)
    const targets = [1, 2, 3, 4].map((i) => new Date(base + i * 60_000))
    await Promise.all(targets.map((createdAt) => db.message.update({ where: { id: m!.id }, data: { createdAt } })))
    const feed = await db.message.findMany({ where: { channelId: ch.channel.id } })
    expect(feed.map((r) => r.id)).toEqual([m!.id])
    const found = await db.message.findUnique({ where: { id: m!.id } })
    expect(targets.map((t) => t.getTime())).toContain(found!.createdAt.getTime())
    expect(feed[0]!.createdAt).toEqual(found!.createdAt)
  })

  it('a delete racing updates of the same row never leaves a row behind', async () => {
    for (let round = 0; round < 20; round++) {
      const scope = uid('s')
      const where = { scope_key: { scope, key: 'k' } }
      await db.setting.create({ data: { scope, key: 'k', value: 'v' } })
      const settled = await Promise.allSettled([
        db.setting.delete({ where }),
        db.setting.update({ where, data: { value: 'a' } }),
        db.setting.update({ where, data: { version: 7 } }),
        db.setting.update({ where, data: { value: 'b', version: 8 } }),
      ])
      expect(settled[0]!.status).toBe('fulfilled')
      for (const r of settled) if (r.status === 'rejected') expect((r.reason as { code?: string }).code).toBe('P2025')
      expect(await db.setting.findUnique({ where }), `round ${round}`).toBeNull()
      expect(await db.setting.findMany({ where: { scope, key: 'k' } }), `round ${round}`).toEqual([])
    }
  })

  it('concurrent upserts of one key create one row and apply every update', async () => {
    const scope = uid('s')
    const where = { scope_key: { scope, key: 'n' } }
    await Promise.all(
      Array.from({ length: 6 }, () =>
        db.setting.upsert({ where, create: { scope, key: 'n', value: 'v' }, update: { version: { increment: 1 } } }),
      ),
    )
    const row = await db.setting.findUnique({ where })
    expect(row!.version).toBe(6) // one create (version 1) plus five increments
    await sleep(0)
  })
})
