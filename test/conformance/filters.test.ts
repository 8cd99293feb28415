import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, openDb, uid, type TestDb } from '../support/backends.js'
import { makeChannel, makeMessages, sortedIds } from '../support/conformance-helpers.js'

type SampleData = Parameters<TestDb['sample']['create']>[0]['data']

describe.each(BACKENDS)('filters on %s', (backend) => {
  let db: TestDb
  beforeAll(async () => {
    db = await openDb(backend)
  })
  afterAll(async () => {
    await db?.$disconnect()
  })

  const T0 = Date.UTC(2024, 4, 1, 12, 0, 0)

  /** Five samples in a fresh group: labels alpha, beta, Gamma, delta, null; counts 1..5; every type varied. */
  async function seed() {
    const group = uid('g')
    const data: Omit<SampleData, 'group'>[] = [
      {
        label: 'alpha',
        count: 1,
        big: 10,
        score: 1.5,
        flag: true,
        at: new Date(T0),
        day: '2024-01-01',
        price: '1.00',
        role: 'ADMIN',
      },
      {
        label: 'beta',
        count: 2,
        big: 20,
        score: 2.5,
        flag: false,
        at: new Date(T0 + 60_000),
        day: '2024-02-01',
        price: '20.50',
        role: 'MODERATOR',
      },
      {
        label: 'Gamma',
        count: 3,
        big: 30,
        score: 3.5,
        flag: null,
        at: new Date(T0 + 120_000),
        day: '2024-03-01',
        price: '300.25',
        role: 'GUEST',
      },
      {
        label: 'delta',
        count: 4,
        big: null,
        score: null,
        flag: true,
        at: new Date(T0 + 180_000),
        day: null,
        price: null,
        role: null,
      },
      {
        label: null,
        count: 5,
        big: 50,
        score: 5.5,
        flag: false,
        at: new Date(T0 + 240_000),
        day: '2024-05-01',
        price: '5.00',
        role: 'GUEST',
      },
    ]
    const rows: { id: string; label: string | null }[] = []
    for (const d of data) rows.push(await db.sample.create({ data: { group, ...d } }))
    const byLabel = (l: string | null) => rows.find((r) => r.label === l)!.id
    return { group, rows, byLabel }
  }
  /** labels in code-point order, NULL last */
  const labels = (rows: { label: string | null }[]) =>
    rows.map((r) => r.label).sort((a, b) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1))

  it('equals, explicit and shorthand, on string and int fields', async () => {
    const { group, byLabel } = await seed()
    expect(sortedIds(await db.sample.findMany({ where: { group, label: 'beta' } }))).toEqual([byLabel('beta')])
    expect(sortedIds(await db.sample.findMany({ where: { group, label: { equals: 'beta' } } }))).toEqual([
      byLabel('beta'),
    ])
    expect(sortedIds(await db.sample.findMany({ where: { group, count: { equals: 3 } } }))).toEqual([byLabel('Gamma')])
    expect(await db.sample.findMany({ where: { group, count: 99 } })).toEqual([])
  })

  it('not with a value excludes that value and also NULL rows (SQL semantics)', async () => {
    const { group } = await seed()
    expect(labels(await db.sample.findMany({ where: { group, label: { not: 'beta' } } }))).toEqual([
      'Gamma',
      'alpha',
      'delta',
    ])
    expect(labels(await db.sample.findMany({ where: { group, count: { not: 1 } } }))).toEqual([
      'Gamma',
      'beta',
      'delta',
      null,
    ])
    // flag: true, false, null, true, false → not true keeps only the two false rows
    expect((await db.sample.findMany({ where: { group, flag: { not: true } } })).map((r) => r.flag)).toEqual([
      false,
      false,
    ])
  })

  it('in and notIn', async () => {
    const { group } = await seed()
    expect(labels(await db.sample.findMany({ where: { group, label: { in: ['alpha', 'delta', 'zzz'] } } }))).toEqual([
      'alpha',
      'delta',
    ])
    expect(labels(await db.sample.findMany({ where: { group, count: { in: [2, 5] } } }))).toEqual(['beta', null])
    // notIn, like SQL NOT IN, does not match NULL labels
    expect(labels(await db.sample.findMany({ where: { group, label: { notIn: ['alpha', 'beta'] } } }))).toEqual([
      'Gamma',
      'delta',
    ])
    expect(labels(await db.sample.findMany({ where: { group, count: { notIn: [1, 2, 3] } } }))).toEqual(['delta', null])
  })

  it('in: [] matches nothing; notIn: [] matches everything', async () => {
    const { group } = await seed()
    expect(await db.sample.findMany({ where: { group, label: { in: [] } } })).toEqual([])
    expect(await db.sample.count({ where: { group, count: { in: [] } } })).toBe(0)
    expect(await db.sample.findMany({ where: { group, count: { notIn: [] } } })).toHaveLength(5)
  })

  it('lt, lte, gt, gte on an int field', async () => {
    const { group } = await seed()
    const counts = async (where: object) =>
      (await db.sample.findMany({ where: { group, ...where } })).map((r) => r.count).sort()
    expect(await counts({ count: { lt: 3 } })).toEqual([1, 2])
    expect(await counts({ count: { lte: 3 } })).toEqual([1, 2, 3])
    expect(await counts({ count: { gt: 3 } })).toEqual([4, 5])
    expect(await counts({ count: { gte: 3 } })).toEqual([3, 4, 5])
    expect(await counts({ count: { gt: 1, lt: 5 } })).toEqual([2, 3, 4])
    expect(await counts({ count: { gt: 5 } })).toEqual([])
  })

  it('ranges on bigint, double and numeric fields skip NULLs', async () => {
    const { group } = await seed()
    expect(labels(await db.sample.findMany({ where: { group, big: { gte: 20 } } }))).toEqual(['Gamma', 'beta', null])
    expect(labels(await db.sample.findMany({ where: { group, score: { lt: 3 } } }))).toEqual(['alpha', 'beta'])
    // numeric compares as a number, not as text ('300.25' > '5.00')
    expect(labels(await db.sample.findMany({ where: { group, price: { gt: '10' } } }))).toEqual(['Gamma', 'beta'])
    expect(labels(await db.sample.findMany({ where: { group, price: { lte: 5 as never } } }))).toEqual(['alpha', null])
  })

  it('ranges on timestamps (Date and ISO string) and on dates', async () => {
    const { group } = await seed()
    expect(labels(await db.sample.findMany({ where: { group, at: { gt: new Date(T0 + 60_000) } } }))).toEqual([
      'Gamma',
      'delta',
      null,
    ])
    expect(
      labels(await db.sample.findMany({ where: { group, at: { lte: new Date(T0 + 60_000).toISOString() as never } } })),
    ).toEqual(['alpha', 'beta'])
    expect(
      labels(
        await db.sample.findMany({ where: { group, at: { gte: new Date(T0 + 60_000), lt: new Date(T0 + 180_000) } } }),
      ),
    ).toEqual(['Gamma', 'beta'])
    expect(labels(await db.sample.findMany({ where: { group, at: new Date(T0 + 120_000) } }))).toEqual(['Gamma'])
    expect(
      labels(await db.sample.findMany({ where: { group, day: { gte: '2024-02-01', lt: '2024-05-01' } } })),
    ).toEqual(['Gamma', 'beta'])
  })

  it('ranges on strings use code-point order (upper case before lower case)', async () => {
    const { group } = await seed()
    expect(labels(await db.sample.findMany({ where: { group, label: { lt: 'beta' } } }))).toEqual(['Gamma', 'alpha'])
    expect(labels(await db.sample.findMany({ where: { group, label: { gte: 'beta' } } }))).toEqual(['beta', 'delta'])
    expect(labels(await db.sample.findMany({ where: { group, label: { gt: 'a', lte: 'c' } } }))).toEqual([
      'alpha',
      'beta',
    ])
  })

  it('contains, startsWith, endsWith are case-sensitive by default', async () => {
    const { group } = await seed()
    expect(labels(await db.sample.findMany({ where: { group, label: { contains: 'ta' } } }))).toEqual(['beta', 'delta'])
    expect(labels(await db.sample.findMany({ where: { group, label: { contains: 'amm' } } }))).toEqual(['Gamma'])
    expect(labels(await db.sample.findMany({ where: { group, label: { startsWith: 'g' } } }))).toEqual([])
    expect(labels(await db.sample.findMany({ where: { group, label: { startsWith: 'G' } } }))).toEqual(['Gamma'])
    expect(labels(await db.sample.findMany({ where: { group, label: { endsWith: 'a' } } }))).toEqual([
      'Gamma',
      'alpha',
      'beta',
      'delta',
    ])
    expect(labels(await db.sample.findMany({ where: { group, label: { endsWith: 'HA' } } }))).toEqual([])
  })

  it('mode insensitive on contains, startsWith, endsWith and equals', async () => {
    const { group } = await seed()
    expect(
      labels(await db.sample.findMany({ where: { group, label: { startsWith: 'g', mode: 'insensitive' } } })),
    ).toEqual(['Gamma'])
    expect(
      labels(await db.sample.findMany({ where: { group, label: { contains: 'AL', mode: 'insensitive' } } })),
    ).toEqual(['alpha'])
    expect(
      labels(await db.sample.findMany({ where: { group, label: { endsWith: 'MMA', mode: 'insensitive' } } })),
    ).toEqual(['Gamma'])
    expect(
      labels(await db.sample.findMany({ where: { group, label: { equals: 'gamma', mode: 'insensitive' } } })),
    ).toEqual(['Gamma'])
    expect(
      labels(await db.sample.findMany({ where: { group, label: { in: ['GAMMA', 'BETA'], mode: 'insensitive' } } })),
    ).toEqual(['Gamma', 'beta'])
  })

  it('AND as a list and as an object', async () => {
    const { group } = await seed()
    expect(
      labels(await db.sample.findMany({ where: { group, AND: [{ count: { gt: 1 } }, { count: { lt: 4 } }] } })),
    ).toEqual(['Gamma', 'beta'])
    expect(labels(await db.sample.findMany({ where: { group, AND: { flag: true } } }))).toEqual(['alpha', 'delta'])
    expect(labels(await db.sample.findMany({ where: { group, AND: [] } }))).toHaveLength(5)
  })

  it('OR within a keyed read', async () => {
    const { group } = await seed()
    expect(
      labels(await db.sample.findMany({ where: { group, OR: [{ label: 'alpha' }, { count: { gte: 4 } }] } })),
    ).toEqual(['alpha', 'delta', null])
    expect(labels(await db.sample.findMany({ where: { group, OR: [{ label: 'nope' }, { count: 99 }] } }))).toEqual([])
    // an empty OR matches nothing, as in Prisma
    expect(await db.sample.findMany({ where: { group, OR: [] } })).toEqual([])
  })

  it('NOT as an object and as a list', async () => {
    const { group } = await seed()
    expect(labels(await db.sample.findMany({ where: { group, NOT: { count: { lte: 3 } } } }))).toEqual(['delta', null])
    expect(labels(await db.sample.findMany({ where: { group, NOT: [{ count: 1 }, { count: 2 }] } }))).toEqual([
      'Gamma',
      'delta',
      null,
    ])
    expect(labels(await db.sample.findMany({ where: { group, NOT: { label: { startsWith: 'a' } } } }))).toEqual([
      'Gamma',
      'beta',
      'delta',
    ])
  })

  it('nested AND / OR / NOT combinations', async () => {
    const { group } = await seed()
    const rows = await db.sample.findMany({
      where: {
        group,
        OR: [
          { AND: [{ flag: true }, { count: { gt: 1 } }] },
          { NOT: { OR: [{ count: { lt: 3 } }, { count: { gt: 3 } }] } },
        ],
      },
    })
    expect(labels(rows)).toEqual(['Gamma', 'delta'])
  })

  it('null checks: field: null, equals: null, not: null', async () => {
    const { group, byLabel } = await seed()
    expect(sortedIds(await db.sample.findMany({ where: { group, label: null } }))).toEqual([byLabel(null)])
    expect(sortedIds(await db.sample.findMany({ where: { group, label: { equals: null } } }))).toEqual([byLabel(null)])
    expect(await db.sample.findMany({ where: { group, label: { not: null } } })).toHaveLength(4)
    expect(labels(await db.sample.findMany({ where: { group, score: null } }))).toEqual(['delta'])
    expect(labels(await db.sample.findMany({ where: { group, flag: { not: null }, count: { lt: 3 } } }))).toEqual([
      'alpha',
      'beta',
    ])
  })

  it('NOT over an equality excludes NULL rows too (NOT (label = x) is unknown for NULL)', async () => {
    const { group } = await seed()
    expect(labels(await db.sample.findMany({ where: { group, NOT: { label: 'alpha' } } }))).toEqual([
      'Gamma',
      'beta',
      'delta',
    ])
    expect(labels(await db.sample.findMany({ where: { group, label: { not: { in: ['alpha', 'beta'] } } } }))).toEqual([
      'Gamma',
      'delta',
    ])
  })

  it('boolean, enum and date equality', async () => {
    const { group } = await seed()
    expect(labels(await db.sample.findMany({ where: { group, flag: false } }))).toEqual(['beta', null])
    expect(labels(await db.sample.findMany({ where: { group, role: 'GUEST' } }))).toEqual(['Gamma', null])
    expect(labels(await db.sample.findMany({ where: { group, role: { in: ['ADMIN', 'MODERATOR'] } } }))).toEqual([
      'alpha',
      'beta',
    ])
    expect(labels(await db.sample.findMany({ where: { group, role: { not: 'GUEST' } } }))).toEqual(['alpha', 'beta'])
    expect(labels(await db.sample.findMany({ where: { group, day: '2024-03-01' } }))).toEqual(['Gamma'])
  })

  it('undefined filter values are ignored, as in Prisma', async () => {
    const { group } = await seed()
    expect(
      await db.sample.findMany({ where: { group, label: undefined, count: { gt: undefined, lt: 3 } } }),
    ).toHaveLength(2)
  })

  it('contains with LIKE metacharacters matches them literally', async () => {
    const group = uid('g')
    for (const label of ['100%', '100 percent', 'a_b', 'axb', 'back\\slash', 'backslash'])
      await db.sample.create({ data: { group, label, at: new Date(T0) } })
    expect(labels(await db.sample.findMany({ where: { group, label: { contains: '%' } } }))).toEqual(['100%'])
    expect(labels(await db.sample.findMany({ where: { group, label: { contains: '_' } } }))).toEqual(['a_b'])
    expect(labels(await db.sample.findMany({ where: { group, label: { endsWith: '0%' } } }))).toEqual(['100%'])
    expect(labels(await db.sample.findMany({ where: { group, label: { startsWith: 'a_' } } }))).toEqual(['a_b'])
    expect(labels(await db.sample.findMany({ where: { group, label: { contains: '\\' } } }))).toEqual(['back\\slash'])
    expect(
      labels(await db.sample.findMany({ where: { group, label: { contains: '_', mode: 'insensitive' } } })),
    ).toEqual(['a_b'])
  })

  it('message feed: filters within a channel (partition key plus residual filters)', async () => {
    const ch = await makeChannel(db)
    const msgs = await makeMessages(db, ch, 6)
    await db.message.update({ where: { id: msgs[2]!.id }, data: { deleted: true } })
    await db.message.update({ where: { id: msgs[4]!.id }, data: { fileUrl: 'https://f/x.png' } })
    const live = await db.message.findMany({ where: { channelId: ch.channel.id, deleted: false } })
    expect(sortedIds(live)).toEqual(sortedIds(msgs.filter((_, i) => i !== 2)))
    const withFile = await db.message.findMany({ where: { channelId: ch.channel.id, fileUrl: { not: null } } })
    expect(sortedIds(withFile)).toEqual([msgs[4]!.id])
    const text = await db.message.findMany({ where: { channelId: ch.channel.id, content: { in: ['m1', 'm5'] } } })
    expect(sortedIds(text)).toEqual(sortedIds([msgs[1]!, msgs[5]!]))
  })

  it('message feed: createdAt ranges within a channel (clustering slice)', async () => {
    const ch = await makeChannel(db)
    const base = Date.UTC(2024, 6, 1)
    const msgs = await makeMessages(db, ch, 6, base)
    const between = await db.message.findMany({
      where: { channelId: ch.channel.id, createdAt: { gte: new Date(base + 1000), lt: new Date(base + 4000) } },
    })
    expect(sortedIds(between)).toEqual(sortedIds(msgs.slice(1, 4)))
    const after = await db.message.findMany({
      where: { channelId: ch.channel.id, createdAt: { gt: new Date(base + 4000) } },
    })
    expect(sortedIds(after)).toEqual([msgs[5]!.id])
    const exact = await db.message.findMany({ where: { channelId: ch.channel.id, createdAt: new Date(base + 2000) } })
    expect(sortedIds(exact)).toEqual([msgs[2]!.id])
  })

  it('message feed: channelId in a list reads several partitions', async () => {
    const a = await makeChannel(db)
    const b = await makeChannel(db)
    const ma = await makeMessages(db, a, 2)
    const mb = await makeMessages(db, b, 3)
    const rows = await db.message.findMany({ where: { channelId: { in: [a.channel.id, b.channel.id] } } })
    expect(sortedIds(rows)).toEqual(sortedIds([...ma, ...mb]))
    expect(await db.message.count({ where: { channelId: { in: [a.channel.id, b.channel.id] }, content: 'm0' } })).toBe(
      2,
    )
  })

  it('event stream: seq ranges within a stream', async () => {
    const stream = uid('st')
    for (let seq = 1; seq <= 6; seq++) await db.event.create({ data: { stream, seq, kind: seq % 2 ? 'odd' : 'even' } })
    const seqs = async (where: object) =>
      (await db.event.findMany({ where: { stream, ...where } })).map((e) => e.seq).sort()
    expect(await seqs({ seq: { gt: 2, lte: 5 } })).toEqual([3, 4, 5])
    expect(await seqs({ seq: { lt: 3 } })).toEqual([1, 2])
    expect(await seqs({ seq: 4 })).toEqual([4])
    expect(await seqs({ kind: 'even', seq: { gte: 4 } })).toEqual([4, 6])
  })

  it('composite primary key: scope with key in a list', async () => {
    const scope = uid('s')
    for (const key of ['a', 'b', 'c']) await db.setting.create({ data: { scope, key, value: key.toUpperCase() } })
    const rows = await db.setting.findMany({ where: { scope, key: { in: ['a', 'c', 'z'] } } })
    expect(rows.map((r) => r.value).sort()).toEqual(['A', 'C'])
    expect(await db.setting.findMany({ where: { scope, key: 'b', value: 'nope' } })).toEqual([])
  })

  it('a compound unique key in a findMany where acts as equality on both fields', async () => {
    const { group, byLabel } = await seed()
    expect(sortedIds(await db.sample.findMany({ where: { group_label: { group, label: 'delta' } } }))).toEqual([
      byLabel('delta'),
    ])
  })
})
