// aggregate and groupBy (issue 12): the same calls give the same results on both backends. ScyllaDB computes
// them in memory over the rows read through a key; a where no key serves is refused before any I/O.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, openDb, uid, type TestDb } from '../support/backends.js'
import { expectCode, makeChannel, makeMessages } from '../support/conformance-helpers.js'

/** Five sample rows of one group (count 1..4 and one 10; some NULLs), keyed by the group index on ScyllaDB. */
async function seedSamples(db: TestDb) {
  const group = uid('agg')
  const rows = [
    { label: 'a', count: 1, big: 10, huge: 100n, ratio: 0.5, score: 1.25, price: '10.00', role: 'ADMIN', flag: true },
    { label: 'b', count: 2, big: 20, huge: 200n, ratio: 1.5, score: 2.5, price: '20.50', role: 'GUEST', flag: false },
    { label: 'c', count: 3, big: null, huge: null, ratio: null, score: null, price: null, role: null, flag: null },
    { label: 'd', count: 4, big: 40, huge: 400n, ratio: 2, score: 4, price: '0.01', role: 'MODERATOR', flag: true },
    { label: null, count: 10, big: 5, huge: 5n, ratio: 0.25, score: 0.5, price: '1.99', role: 'GUEST', flag: true },
  ] as const
  for (const r of rows)
    await db.sample.create({
      data: { group, ...r, at: new Date(Date.UTC(2024, 0, r.count)), code: uid('code') },
    })
  return group
}

describe.each(BACKENDS)('aggregate on %s', (backend) => {
  let db: TestDb
  let group: string
  beforeAll(async () => {
    db = await openDb(backend)
    group = await seedSamples(db)
  })
  afterAll(async () => {
    await db?.$disconnect()
  })

  it('_count, _sum, _avg, _min, _max over the rows of a where', async () => {
    const r = await db.sample.aggregate({
      where: { group },
      _count: { _all: true, big: true, label: true },
      _sum: { count: true, big: true, huge: true, ratio: true, score: true, price: true },
      _avg: { count: true, big: true, huge: true, ratio: true, score: true, price: true },
      _min: { count: true, label: true, price: true, at: true, role: true, flag: true },
      _max: { count: true, label: true, price: true, at: true, role: true, flag: true },
    })
    expect(r).toEqual({
      _count: { _all: 5, big: 4, label: 4 },
      _sum: { count: 20, big: 75, huge: 705n, ratio: 4.25, score: 8.25, price: '32.50' },
      _avg: { count: 4, big: 18.75, huge: 176.25, ratio: 1.0625, score: 2.0625, price: '8.1250000000000000' },
      _min: { count: 1, label: 'a', price: '0.01', at: new Date(Date.UTC(2024, 0, 1)), role: 'ADMIN', flag: false },
      _max: {
        count: 10,
        label: 'd',
        price: '20.50',
        at: new Date(Date.UTC(2024, 0, 10)),
        role: 'GUEST',
        flag: true,
      },
    })
  })

  it('_count: true is a number; no rows give 0 and nulls', async () => {
    expect(await db.sample.aggregate({ where: { group }, _count: true })).toEqual({ _count: 5 })
    const none = await db.sample.aggregate({
      where: { group: uid('none') },
      _count: true,
      _sum: { count: true, price: true },
      _avg: { count: true },
      _max: { label: true },
    })
    expect(none).toEqual({
      _count: 0,
      _sum: { count: null, price: null },
      _avg: { count: null },
      _max: { label: null },
    })
  })

  it('a window: orderBy, take, skip and cursor select the rows aggregated', async () => {
    const top2 = await db.sample.aggregate({
      where: { group },
      orderBy: { count: 'desc' },
      take: 2,
      _sum: { count: true },
      _count: true,
    })
    expect(top2).toEqual({ _sum: { count: 14 }, _count: 2 })
    const skip = await db.sample.aggregate({
      where: { group },
      orderBy: { count: 'asc' },
      skip: 3,
      _sum: { count: true },
    })
    expect(skip).toEqual({ _sum: { count: 14 } })
    const c = await db.sample.findFirstOrThrow({ where: { group, label: 'b' } })
    const fromCursor = await db.sample.aggregate({
      where: { group },
      orderBy: [{ count: 'asc' }, { id: 'asc' }],
      cursor: { id: c.id },
      take: 2,
      _sum: { count: true },
    })
    expect(fromCursor).toEqual({ _sum: { count: 5 } })
    // as Prisma: a cursor needs an orderBy that names a unique key (P2019)
    await expectCode(
      db.sample.aggregate({ where: { group }, orderBy: { count: 'asc' }, cursor: { id: c.id }, _count: true }),
      'P2019',
    )
  })

  it('filters beyond the key apply before aggregating', async () => {
    const r = await db.sample.aggregate({ where: { group, count: { gte: 3 }, label: { not: null } }, _count: true })
    expect(r).toEqual({ _count: 2 })
  })

  it('a partition of messages (ScyllaDB: one partition read)', async () => {
    const ch = await makeChannel(db)
    await makeMessages(db, ch, 4)
    const r = await db.message.aggregate({
      where: { channelId: ch.channel.id },
      _count: { _all: true, fileUrl: true },
      _min: { createdAt: true, content: true },
      _max: { createdAt: true },
    })
    expect(r).toEqual({
      _count: { _all: 4, fileUrl: 0 },
      _min: { createdAt: new Date(Date.UTC(2024, 0, 1)), content: 'm0' },
      _max: { createdAt: new Date(Date.UTC(2024, 0, 1) + 3000) },
    })
  })

  it('refuses _sum/_avg of a non-numeric field and unknown fields (VALIDATION)', async () => {
    await expectCode(db.sample.aggregate({ where: { group }, _sum: { label: true } } as never), 'VALIDATION')
    await expectCode(db.sample.aggregate({ where: { group }, _avg: { at: true } } as never), 'VALIDATION')
    await expectCode(db.sample.aggregate({ where: { group }, _min: { nope: true } } as never), 'VALIDATION')
    await expectCode(db.sample.aggregate({ where: { group }, _max: { doc: true } } as never), 'VALIDATION')
    await expectCode(db.sample.aggregate({ where: { group }, by: ['group'] } as never), 'VALIDATION')
  })

  it('explain shows the statements of aggregate and groupBy', async () => {
    const a = await db.sample.explain('aggregate', { where: { group }, _count: true })
    expect(a.statements.length).toBeGreaterThan(0)
    const g = await db.sample.explain('groupBy', { by: ['label'], where: { group }, _count: true })
    expect(g.statements.length).toBeGreaterThan(0)
    if (backend === 'postgres') expect(g.statements[0]!.text).toMatch(/group by/i)
    else expect(g.statements.some((s) => /aggregated in memory/.test(s.note ?? ''))).toBe(true)
    // a partition read selects only the columns the aggregate needs (ScyllaDB); one statement either way
    const m = await db.message.explain('aggregate', {
      where: { channelId: '00000000-0000-4000-8000-000000000000' },
      _max: { createdAt: true },
    })
    expect(m.statements).toHaveLength(1)
    if (backend === 'scylla') {
      expect(m.statements[0]!.text).toMatch(/^SELECT "channel_id", "created_at" FROM /)
      expect(m.statements[0]!.text).not.toMatch(/content/)
    }
  })
})

describe.each(BACKENDS)('groupBy on %s', (backend) => {
  let db: TestDb
  let group: string
  beforeAll(async () => {
    db = await openDb(backend)
    group = await seedSamples(db)
  })
  afterAll(async () => {
    await db?.$disconnect()
  })

  it('groups by a field with aggregates, ordered by the field', async () => {
    const r = await db.sample.groupBy({
      by: ['role'],
      where: { group },
      _count: { _all: true },
      _sum: { count: true, price: true },
      _avg: { score: true },
      orderBy: { role: 'asc' },
    })
    expect(r).toEqual([
      { role: 'ADMIN', _count: { _all: 1 }, _sum: { count: 1, price: '10.00' }, _avg: { score: 1.25 } },
      { role: 'MODERATOR', _count: { _all: 1 }, _sum: { count: 4, price: '0.01' }, _avg: { score: 4 } },
      { role: 'GUEST', _count: { _all: 2 }, _sum: { count: 12, price: '22.49' }, _avg: { score: 1.5 } },
      { role: null, _count: { _all: 1 }, _sum: { count: 3, price: null }, _avg: { score: null } },
    ])
  })

  it('orders by aggregates, with take and skip over groups', async () => {
    const byCount = await db.sample.groupBy({
      by: ['flag'],
      where: { group },
      _count: true,
      orderBy: [{ _count: { id: 'desc' } }, { flag: 'asc' }],
    })
    expect(byCount).toEqual([
      { flag: true, _count: 3 },
      { flag: false, _count: 1 },
      { flag: null, _count: 1 },
    ])
    const bySum = await db.sample.groupBy({
      by: ['role'],
      where: { group },
      _sum: { count: true },
      orderBy: { _sum: { count: 'desc' } },
      take: 2,
      skip: 1,
    })
    expect(bySum).toEqual([
      { role: 'MODERATOR', _sum: { count: 4 } },
      { role: null, _sum: { count: 3 } },
    ])
  })

  it('having filters groups by aggregates and by the by fields', async () => {
    const r = await db.sample.groupBy({
      by: ['role'],
      where: { group },
      having: { count: { _sum: { gt: 3 } } },
      _sum: { count: true },
      orderBy: { role: 'asc' },
    })
    expect(r).toEqual([
      { role: 'MODERATOR', _sum: { count: 4 } },
      { role: 'GUEST', _sum: { count: 12 } },
    ])
    const avg = await db.sample.groupBy({
      by: ['role', 'flag'],
      where: { group },
      having: { OR: [{ price: { _avg: { gte: 10 } } }, { role: 'MODERATOR' }], id: { _count: { equals: 1 } } },
      orderBy: [{ role: 'asc' }, { flag: 'asc' }],
    })
    expect(avg).toEqual([
      { role: 'ADMIN', flag: true },
      { role: 'MODERATOR', flag: true },
      { role: 'GUEST', flag: false },
    ])
  })

  it('a list of by fields, with NULL as its own group', async () => {
    const r = await db.sample.groupBy({ by: ['label', 'flag'], where: { group, count: { lt: 4 } }, _count: true })
    const sorted = [...r].sort((a, b) => String(a.label).localeCompare(String(b.label)))
    expect(sorted).toEqual([
      { label: 'a', flag: true, _count: 1 },
      { label: 'b', flag: false, _count: 1 },
      { label: 'c', flag: null, _count: 1 },
    ])
  })

  it('refuses take/skip without orderBy, orderBy or having on a field not in by (P2019), no by (VALIDATION)', async () => {
    await expectCode(db.sample.groupBy({ by: ['role'], where: { group }, take: 1 }), 'P2019')
    await expectCode(db.sample.groupBy({ by: ['role'], where: { group }, orderBy: { label: 'asc' } }), 'P2019')
    await expectCode(db.sample.groupBy({ by: ['role'], where: { group }, having: { label: 'a' } }), 'P2019')
    await expectCode(db.sample.groupBy({ by: [], where: { group } } as never), 'VALIDATION')
    await expectCode(db.sample.groupBy({ by: ['role'], _sum: { role: true } } as never), 'VALIDATION')
  })

  it('groups the messages of one channel by member', async () => {
    const ch = await makeChannel(db)
    const other = await db.member.create({
      data: { profileId: ch.profile.id, serverId: (await makeChannel(db)).server.id },
    })
    await makeMessages(db, ch, 3)
    await db.message.create({ data: { content: 'x', memberId: other.id, channelId: ch.channel.id } })
    const r = await db.message.groupBy({
      by: ['memberId'],
      where: { channelId: ch.channel.id },
      _count: { _all: true },
      orderBy: { _count: { id: 'desc' } },
    })
    expect(r).toEqual([
      { memberId: ch.member.id, _count: { _all: 3 } },
      { memberId: other.id, _count: { _all: 1 } },
    ])
  })

  it(`${backend === 'scylla' ? 'refuses' : 'serves'} a where no key serves`, async () => {
    const call = () => db.message.groupBy({ by: ['channelId'], where: { content: 'nope' }, _count: true })
    const aggregate = () => db.message.aggregate({ where: { deleted: true }, _count: true })
    if (backend === 'scylla') {
      const e = await expectCode(call(), 'UNSERVABLE_QUERY')
      expect(e.message).toMatch(/channelId/)
      await expectCode(aggregate(), 'UNSERVABLE_QUERY')
      await expectCode(db.message.aggregate({ _count: true }), 'UNSERVABLE_QUERY')
    } else {
      expect(Array.isArray(await call())).toBe(true)
      expect(typeof (await aggregate())._count).toBe('number')
    }
  })
})
