import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, openDb, uid, type TestDb } from '../support/backends.js'
import { ids, makeChannel, makeMessages, randomUUID } from '../support/conformance-helpers.js'

describe.each(BACKENDS)('ordering and pagination on %s', (backend) => {
  let db: TestDb
  beforeAll(async () => {
    db = await openDb(backend)
  })
  afterAll(async () => {
    await db?.$disconnect()
  })

  const AT = new Date(Date.UTC(2024, 0, 1))

  /** Samples in one group, created in a scrambled order. */
  async function seed() {
    const group = uid('g')
    const data = [
      { label: 'c', count: 3, flag: true, score: 0.5, price: '300.25', big: 3000, day: '2024-03-01' },
      { label: 'A', count: 1, flag: false, score: null, price: '5.00', big: null, day: '2023-12-31' },
      { label: 'e', count: 5, flag: true, score: 2.5, price: null, big: 5, day: null },
      { label: 'b', count: 2, flag: false, score: -1, price: '20.50', big: 20, day: '2024-01-15' },
      { label: null, count: 4, flag: true, score: 9, price: '1.00', big: -7, day: '2025-01-01' },
    ]
    const rows = []
    for (const d of data) rows.push(await db.sample.create({ data: { group, at: AT, ...d } }))
    return { group, rows }
  }
  const labelsOf = (rows: { label: string | null }[]) => rows.map((r) => r.label)

  it('orderBy one field, asc and desc', async () => {
    const { group } = await seed()
    expect((await db.sample.findMany({ where: { group }, orderBy: { count: 'asc' } })).map((r) => r.count)).toEqual([
      1, 2, 3, 4, 5,
    ])
    expect((await db.sample.findMany({ where: { group }, orderBy: { count: 'desc' } })).map((r) => r.count)).toEqual([
      5, 4, 3, 2, 1,
    ])
    expect((await db.sample.findMany({ where: { group }, orderBy: [{ count: 'desc' }] })).map((r) => r.count)).toEqual([
      5, 4, 3, 2, 1,
    ])
  })

  it('orderBy several fields', async () => {
    const { group } = await seed()
    const rows = await db.sample.findMany({ where: { group }, orderBy: [{ flag: 'asc' }, { count: 'desc' }] })
    expect(rows.map((r) => [r.flag, r.count])).toEqual([
      [false, 2],
      [false, 1],
      [true, 5],
      [true, 4],
      [true, 3],
    ])
    const rows2 = await db.sample.findMany({ where: { group }, orderBy: [{ flag: 'desc' }, { count: 'asc' }] })
    expect(rows2.map((r) => r.count)).toEqual([3, 4, 5, 1, 2])
  })

  it('strings sort in code-point order', async () => {
    const { group } = await seed()
    expect(
      labelsOf(await db.sample.findMany({ where: { group, label: { not: null } }, orderBy: { label: 'asc' } })),
    ).toEqual(['A', 'b', 'c', 'e'])
    expect(
      labelsOf(await db.sample.findMany({ where: { group, label: { not: null } }, orderBy: { label: 'desc' } })),
    ).toEqual(['e', 'c', 'b', 'A'])
  })

  it('NULLs sort last ascending and first descending by default', async () => {
    const { group } = await seed()
    expect(labelsOf(await db.sample.findMany({ where: { group }, orderBy: { label: 'asc' } }))).toEqual([
      'A',
      'b',
      'c',
      'e',
      null,
    ])
    expect(labelsOf(await db.sample.findMany({ where: { group }, orderBy: { label: 'desc' } }))).toEqual([
      null,
      'e',
      'c',
      'b',
      'A',
    ])
  })

  it('nulls: first / last', async () => {
    const { group } = await seed()
    expect(
      labelsOf(await db.sample.findMany({ where: { group }, orderBy: { label: { sort: 'asc', nulls: 'first' } } })),
    ).toEqual([null, 'A', 'b', 'c', 'e'])
    expect(
      labelsOf(await db.sample.findMany({ where: { group }, orderBy: { label: { sort: 'desc', nulls: 'last' } } })),
    ).toEqual(['e', 'c', 'b', 'A', null])
    expect(
      (await db.sample.findMany({ where: { group }, orderBy: { score: { sort: 'asc', nulls: 'last' } } })).map(
        (r) => r.score,
      ),
    ).toEqual([-1, 0.5, 2.5, 9, null])
  })

  it('orders numeric, bigint, double and date fields by value', async () => {
    const { group } = await seed()
    expect(
      (await db.sample.findMany({ where: { group, price: { not: null } }, orderBy: { price: 'asc' } })).map(
        (r) => r.price,
      ),
    ).toEqual(['1.00', '5.00', '20.50', '300.25'])
    expect(
      (await db.sample.findMany({ where: { group, big: { not: null } }, orderBy: { big: 'desc' } })).map((r) => r.big),
    ).toEqual([3000, 20, 5, -7])
    expect(
      (await db.sample.findMany({ where: { group, score: { not: null } }, orderBy: { score: 'asc' } })).map(
        (r) => r.score,
      ),
    ).toEqual([-1, 0.5, 2.5, 9])
    expect(
      (await db.sample.findMany({ where: { group, day: { not: null } }, orderBy: { day: 'asc' } })).map((r) => r.day),
    ).toEqual(['2023-12-31', '2024-01-15', '2024-03-01', '2025-01-01'])
  })

  it('take and skip', async () => {
    const { group } = await seed()
    const counts = async (args: { take?: number; skip?: number }) =>
      (await db.sample.findMany({ where: { group }, orderBy: { count: 'asc' }, ...args })).map((r) => r.count)
    expect(await counts({ take: 2 })).toEqual([1, 2])
    expect(await counts({ skip: 2 })).toEqual([3, 4, 5])
    expect(await counts({ skip: 1, take: 3 })).toEqual([2, 3, 4])
    expect(await counts({ skip: 4, take: 3 })).toEqual([5])
    expect(await counts({ skip: 10 })).toEqual([])
    expect(await counts({ take: 0 })).toEqual([])
  })

  it('negative take returns the last rows, still in the requested order', async () => {
    const { group } = await seed()
    const counts = async (args: object) =>
      (await db.sample.findMany({ where: { group }, orderBy: { count: 'asc' }, ...args })).map((r) => r.count)
    expect(await counts({ take: -2 })).toEqual([4, 5])
    expect(await counts({ take: -2, skip: 1 })).toEqual([3, 4])
    const lastDesc = await db.sample.findMany({ where: { group }, orderBy: { count: 'desc' }, take: -3 })
    expect(lastDesc.map((r) => r.count)).toEqual([3, 2, 1])
  })

  it('findFirst honours orderBy and skip', async () => {
    const { group } = await seed()
    expect((await db.sample.findFirst({ where: { group }, orderBy: { count: 'desc' } }))!.count).toBe(5)
    expect((await db.sample.findFirst({ where: { group }, orderBy: { count: 'asc' }, skip: 2 }))!.count).toBe(3)
    expect((await db.sample.findFirst({ where: { group }, orderBy: { label: 'asc' } }))!.label).toBe('A')
  })

  it('enums sort by declaration order (ADMIN < MODERATOR < GUEST)', async () => {
    const ch = await makeChannel(db, { role: 'MODERATOR' })
    for (const role of ['GUEST', 'ADMIN'] as const) {
      const p = await db.profile.create({ data: { userId: uid('u'), name: role } })
      await db.member.create({ data: { profileId: p.id, serverId: ch.server.id, role } })
    }
    const asc = await db.member.findMany({ where: { serverId: ch.server.id }, orderBy: { role: 'asc' } })
    expect(asc.map((m) => m.role)).toEqual(['ADMIN', 'MODERATOR', 'GUEST'])
    const desc = await db.member.findMany({ where: { serverId: ch.server.id }, orderBy: { role: 'desc' } })
    expect(desc.map((m) => m.role)).toEqual(['GUEST', 'MODERATOR', 'ADMIN'])
  })

  it('message feed: newest first with take (the layout order)', async () => {
    const ch = await makeChannel(db)
    const msgs = await makeMessages(db, ch, 7)
    const page = await db.message.findMany({
      where: { channelId: ch.channel.id },
      orderBy: { createdAt: 'desc' },
      take: 3,
    })
    expect(ids(page)).toEqual(ids([msgs[6]!, msgs[5]!, msgs[4]!]))
    const all = await db.message.findMany({
      where: { channelId: ch.channel.id },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    })
    expect(ids(all)).toEqual(ids([...msgs].reverse()))
  })

  it('message feed: oldest first (against the layout order) with take and skip', async () => {
    const ch = await makeChannel(db)
    const msgs = await makeMessages(db, ch, 6)
    const page = await db.message.findMany({
      where: { channelId: ch.channel.id },
      orderBy: { createdAt: 'asc' },
      take: 2,
      skip: 1,
    })
    expect(ids(page)).toEqual(ids(msgs.slice(1, 3)))
    const last = await db.message.findMany({
      where: { channelId: ch.channel.id },
      orderBy: { createdAt: 'desc' },
      take: -2,
    })
    expect(ids(last)).toEqual(ids([msgs[1]!, msgs[0]!]))
  })

  it('message feed: "older than" a timestamp, newest first, with take', async () => {
    const ch = await makeChannel(db)
    const base = Date.UTC(2024, 3, 1)
    const msgs = await makeMessages(db, ch, 8, base)
    const older = await db.message.findMany({
      where: { channelId: ch.channel.id, createdAt: { lt: new Date(base + 5000) } },
      orderBy: { createdAt: 'desc' },
      take: 3,
    })
    expect(ids(older)).toEqual(ids([msgs[4]!, msgs[3]!, msgs[2]!]))
    const newer = await db.message.findMany({
      where: { channelId: ch.channel.id, createdAt: { gte: new Date(base + 5000) } },
      orderBy: { createdAt: 'asc' },
      take: 2,
      skip: 1,
    })
    expect(ids(newer)).toEqual(ids([msgs[6]!, msgs[7]!]))
    const live = await db.message.findMany({
      where: { channelId: ch.channel.id, content: { not: 'm7' } },
      orderBy: { createdAt: 'desc' },
      take: 2,
    })
    expect(ids(live)).toEqual(ids([msgs[6]!, msgs[5]!]))
  })

  it('message feed: cursor pagination visits every message once, in order', async () => {
    const ch = await makeChannel(db)
    const msgs = await makeMessages(db, ch, 8)
    const expected = ids([...msgs].reverse())
    const seen: string[] = []
    let cursor: string | undefined
    for (let pages = 0; pages < 10; pages++) {
      const page = await db.message.findMany({
        where: { channelId: ch.channel.id },
        orderBy: { createdAt: 'desc' },
        take: 3,
        ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
      })
      if (page.length === 0) break
      seen.push(...ids(page))
      cursor = page.at(-1)!.id
    }
    expect(seen).toEqual(expected)
  })

  it('cursor without skip includes the cursor row; a missing cursor row gives no rows', async () => {
    const ch = await makeChannel(db)
    const msgs = await makeMessages(db, ch, 5)
    const page = await db.message.findMany({
      where: { channelId: ch.channel.id },
      orderBy: { createdAt: 'desc' },
      cursor: { id: msgs[3]!.id },
      take: 2,
    })
    expect(ids(page)).toEqual(ids([msgs[3]!, msgs[2]!]))
    const none = await db.message.findMany({
      where: { channelId: ch.channel.id },
      orderBy: { createdAt: 'desc' },
      cursor: { id: randomUUID() },
      take: 2,
    })
    expect(none).toEqual([])
  })

  it('cursor with negative take pages backwards', async () => {
    const ch = await makeChannel(db)
    const msgs = await makeMessages(db, ch, 6)
    // newest first: m5 m4 m3 m2 m1 m0; the two rows before m2 (excluding it) are m4, m3
    const prev = await db.message.findMany({
      where: { channelId: ch.channel.id },
      orderBy: { createdAt: 'desc' },
      cursor: { id: msgs[2]!.id },
      skip: 1,
      take: -2,
    })
    expect(ids(prev)).toEqual(ids([msgs[4]!, msgs[3]!]))
    const incl = await db.message.findMany({
      where: { channelId: ch.channel.id },
      orderBy: { createdAt: 'desc' },
      cursor: { id: msgs[2]!.id },
      take: -2,
    })
    expect(ids(incl)).toEqual(ids([msgs[3]!, msgs[2]!]))
  })

  it('message feed: equal timestamps page without loss or duplicates (ties by id)', async () => {
    const ch = await makeChannel(db)
    const at = new Date(Date.UTC(2024, 2, 3))
    const msgs = []
    for (let i = 0; i < 5; i++)
      msgs.push(
        await db.message.create({
          data: { content: `t${i}`, memberId: ch.member.id, channelId: ch.channel.id, createdAt: at },
        }),
      )
    const expected = ids(msgs).sort().reverse()
    const seen: string[] = []
    let cursor: string | undefined
    for (let pages = 0; pages < 10; pages++) {
      const page = await db.message.findMany({
        where: { channelId: ch.channel.id },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: 2,
        ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
      })
      if (page.length === 0) break
      seen.push(...ids(page))
      cursor = page.at(-1)!.id
    }
    expect(seen).toEqual(expected)
  })

  it('cursor pagination on a keyed read ordered in memory (samples by count)', async () => {
    const { group, rows } = await seed()
    const byCount = [...rows].sort((a, b) => a.count - b.count)
    const first = await db.sample.findMany({ where: { group }, orderBy: { count: 'asc' }, take: 2 })
    expect(ids(first)).toEqual(ids(byCount.slice(0, 2)))
    const second = await db.sample.findMany({
      where: { group },
      orderBy: { count: 'asc' },
      take: 2,
      skip: 1,
      cursor: { id: first[1]!.id },
    })
    expect(ids(second)).toEqual(ids(byCount.slice(2, 4)))
    expect(await db.sample.count({ where: { group }, orderBy: { count: 'asc' }, cursor: { id: first[1]!.id } })).toBe(4)
  })

  it('event stream: ordered by seq whatever the insertion order', async () => {
    const stream = uid('st')
    for (const seq of [3, 1, 5, 2, 4]) await db.event.create({ data: { stream, seq, kind: 'k' } })
    expect((await db.event.findMany({ where: { stream }, orderBy: { seq: 'asc' } })).map((e) => e.seq)).toEqual([
      1, 2, 3, 4, 5,
    ])
    expect(
      (await db.event.findMany({ where: { stream }, orderBy: { seq: 'desc' }, take: 2 })).map((e) => e.seq),
    ).toEqual([5, 4])
    expect(
      (await db.event.findMany({ where: { stream, seq: { gt: 1 } }, orderBy: { seq: 'asc' }, take: 2 })).map(
        (e) => e.seq,
      ),
    ).toEqual([2, 3])
    const after = await db.event.findFirst({ where: { stream }, orderBy: { seq: 'asc' }, skip: 4 })
    expect(after!.seq).toBe(5)
  })

  it('event stream: cursor pages by seq', async () => {
    const stream = uid('st')
    const evs = []
    for (let seq = 1; seq <= 5; seq++) evs.push(await db.event.create({ data: { stream, seq, kind: 'k' } }))
    const page = await db.event.findMany({
      where: { stream },
      orderBy: { seq: 'asc' },
      cursor: { id: evs[1]!.id },
      skip: 1,
      take: 2,
    })
    expect(page.map((e) => e.seq)).toEqual([3, 4])
    const back = await db.event.findMany({
      where: { stream },
      orderBy: { seq: 'asc' },
      cursor: { id: evs[3]!.id },
      skip: 1,
      take: -2,
    })
    expect(back.map((e) => e.seq)).toEqual([2, 3])
  })

  it('several partitions are merged in the requested order', async () => {
    const a = await makeChannel(db)
    const b = await makeChannel(db)
    const base = Date.UTC(2024, 5, 1)
    const ma = await makeMessages(db, a, 3, base) // t+0, t+1, t+2
    const mb = await makeMessages(db, b, 3, base + 500) // t+0.5, t+1.5, t+2.5
    const rows = await db.message.findMany({
      where: { channelId: { in: [a.channel.id, b.channel.id] } },
      orderBy: { createdAt: 'desc' },
      take: 4,
    })
    expect(ids(rows)).toEqual(ids([mb[2]!, ma[2]!, mb[1]!, ma[1]!]))
  })

  it('strings outside the BMP sort by code point (as PostgreSQL C.UTF-8 and CQL do), not by UTF-16 unit', async () => {
    const group = uid('g')
    for (const label of ['😀', 'z', '\uFFFD', 'é', 'Z']) await db.sample.create({ data: { group, label, at: AT } })
    expect(labelsOf(await db.sample.findMany({ where: { group }, orderBy: { label: 'asc' } }))).toEqual([
      'Z',
      'z',
      'é',
      '\uFFFD',
      '😀',
    ])
    expect(labelsOf(await db.sample.findMany({ where: { group, label: { gt: '\uFFFD' } } }))).toEqual(['😀'])
  })

  it('event stream: newest first with cursor pages (against the clustering order)', async () => {
    const stream = uid('st')
    for (let seq = 1; seq <= 7; seq++) await db.event.create({ data: { stream, seq, kind: 'k' } })
    const seen: number[] = []
    let cursor: string | undefined
    for (let pages = 0; pages < 10; pages++) {
      const page = await db.event.findMany({
        where: { stream },
        orderBy: { seq: 'desc' },
        take: 3,
        ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
      })
      if (page.length === 0) break
      seen.push(...page.map((e) => e.seq))
      cursor = page.at(-1)!.id
    }
    expect(seen).toEqual([7, 6, 5, 4, 3, 2, 1])
  })

  it('message feed: oldest first with cursor pages (against the clustering order)', async () => {
    const ch = await makeChannel(db)
    const msgs = await makeMessages(db, ch, 7)
    const seen: string[] = []
    let cursor: string | undefined
    for (let pages = 0; pages < 10; pages++) {
      const page = await db.message.findMany({
        where: { channelId: ch.channel.id },
        orderBy: { createdAt: 'asc' },
        take: 2,
        ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
      })
      if (page.length === 0) break
      seen.push(...ids(page))
      cursor = page.at(-1)!.id
    }
    expect(seen).toEqual(ids(msgs))
  })

  it('more rows than one driver page (1200 events in one stream)', async () => {
    const stream = uid('st')
    const n = 1200
    expect(
      await db.event.createMany({
        data: Array.from({ length: n }, (_, i) => ({ stream, seq: i, kind: 'bulk', at: AT })),
      }),
    ).toEqual({ count: n })
    const all = await db.event.findMany({ where: { stream }, orderBy: { seq: 'asc' }, select: { seq: true } })
    expect(all.map((e) => e.seq)).toEqual(Array.from({ length: n }, (_, i) => i))
    expect(await db.event.count({ where: { stream } })).toBe(n)
    const tail = await db.event.findMany({
      where: { stream },
      orderBy: { seq: 'asc' },
      skip: 1100,
      take: 50,
      select: { seq: true },
    })
    expect(tail.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 1100 + i))
    const last = await db.event.findMany({
      where: { stream },
      orderBy: { seq: 'desc' },
      take: 1050,
      select: { seq: true },
    })
    expect(last).toHaveLength(1050)
    expect(last[1049]!.seq).toBe(150)
    expect(await db.event.count({ where: { stream, seq: { gte: 1000 } } })).toBe(200)
  }, 120_000)
})
