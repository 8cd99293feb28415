import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, openDb, uid, type TestDb } from '../support/backends.js'
import { makeChannel, sortedIds } from '../support/conformance-helpers.js'

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

const HOSTILE = [
  `it's`,
  `say "hi"`,
  'back`tick`',
  `'; DROP TABLE profile; --`,
  `"); DELETE FROM sample; --`,
  'back\\slash\\\\double',
  '100% _under_ score',
  'ünïcödé ñ 中文 العربية',
  'emoji 😀🚀👩‍👩‍👧 done',
  'line1\nline2\r\nline3\ttab',
  '$1 ? :name %s {0}',
]

describe.each(BACKENDS)('types on %s', (backend) => {
  let db: TestDb
  beforeAll(async () => {
    db = await openDb(backend)
  })
  afterAll(async () => {
    await db?.$disconnect()
  })

  it('every column type of sample round-trips', async () => {
    const data = {
      group: uid('g'),
      label: 'full',
      count: 42,
      big: 9007199254740991,
      huge: 2n ** 62n + 1n,
      flag: true,
      ratio: 1.5,
      score: 3.141592653589793,
      price: '1234567890.12',
      at: new Date(Date.UTC(2024, 1, 29, 23, 59, 59, 999)),
      day: '2024-02-29',
      doc: { a: 1, nested: { list: [1, 'two', null, true], empty: {} } },
      docb: [{ k: 'v' }, 2, 'three', false, null],
      role: 'MODERATOR' as const,
      code: uid('code'),
      slug: 'slug',
    }
    const created = await db.sample.create({ data })
    expect(created).toEqual({ id: created.id, ...data })
    const found = await db.sample.findUnique({ where: { id: created.id } })
    expect(found).toEqual(created)
    expect(await db.sample.findUnique({ where: { code: data.code } })).toEqual(created)
  })

  it('results are plain objects with Prisma shapes (uuid strings, Date instances, bigint for mode bigint)', async () => {
    const created = await db.sample.create({
      data: { group: uid('g'), big: 5, huge: 5n, at: new Date(), day: '2024-01-01', price: '1.50' },
    })
    const row = (await db.sample.findMany({ where: { id: created.id } }))[0]!
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype)
    expect(typeof row.id).toBe('string')
    expect(row.id).toMatch(UUID_RE)
    expect(row.at).toBeInstanceOf(Date)
    expect(typeof row.big).toBe('number')
    expect(typeof row.huge).toBe('bigint')
    expect(typeof row.price).toBe('string')
    expect(typeof row.day).toBe('string')
    expect(Object.keys(row).sort()).toEqual([
      'at',
      'big',
      'code',
      'count',
      'day',
      'doc',
      'docb',
      'flag',
      'group',
      'huge',
      'id',
      'label',
      'price',
      'ratio',
      'role',
      'score',
      'slug',
    ])
    const p = await db.profile.create({ data: { userId: uid('u'), name: 'shape' } })
    expect(Object.getPrototypeOf(p)).toBe(Object.prototype)
    expect(p.createdAt).toBeInstanceOf(Date)
  })

  it('nullable fields left out or set to null come back as null', async () => {
    const group = uid('g')
    const omitted = await db.sample.create({ data: { group } })
    for (const f of [
      'label',
      'big',
      'huge',
      'flag',
      'ratio',
      'score',
      'price',
      'at',
      'day',
      'doc',
      'docb',
      'role',
      'code',
    ] as const)
      expect(omitted[f], f).toBeNull()
    const explicit = await db.sample.create({
      data: {
        group,
        label: null,
        big: null,
        huge: null,
        flag: null,
        ratio: null,
        score: null,
        price: null,
        at: null,
        day: null,
        doc: null,
        docb: null,
        role: null,
        code: null,
      },
    })
    expect(await db.sample.findUnique({ where: { id: explicit.id } })).toEqual(explicit)
    expect(await db.sample.findUnique({ where: { id: omitted.id } })).toEqual(omitted)
    expect(await db.sample.count({ where: { group, at: null, label: null } })).toBe(2)
  })

  it('a json field left out is SQL NULL for filters (field: null finds it)', async () => {
    const group = uid('g')
    const s = await db.sample.create({ data: { group, at: new Date() } })
    await db.sample.create({ data: { group, at: new Date(), doc: { x: 1 }, docb: { x: 1 } } })
    expect(sortedIds(await db.sample.findMany({ where: { group, doc: null } }))).toEqual([s.id])
    expect(sortedIds(await db.sample.findMany({ where: { group, docb: null } }))).toEqual([s.id])
  })

  it('int and bigint limits', async () => {
    const group = uid('g')
    const max = await db.sample.create({
      data: { group, count: 2147483647, big: Number.MAX_SAFE_INTEGER, huge: 2n ** 63n - 1n, at: new Date() },
    })
    const min = await db.sample.create({
      data: { group, count: -2147483648, big: Number.MIN_SAFE_INTEGER, huge: -(2n ** 63n), at: new Date() },
    })
    expect(await db.sample.findUnique({ where: { id: max.id } })).toMatchObject({
      count: 2147483647,
      big: Number.MAX_SAFE_INTEGER,
      huge: 2n ** 63n - 1n,
    })
    expect(await db.sample.findUnique({ where: { id: min.id } })).toMatchObject({
      count: -2147483648,
      big: Number.MIN_SAFE_INTEGER,
      huge: -(2n ** 63n),
    })
    expect(sortedIds(await db.sample.findMany({ where: { group, huge: { gt: 0n } } }))).toEqual([max.id])
  })

  it('real and double precision', async () => {
    const group = uid('g')
    const s = await db.sample.create({ data: { group, ratio: -2.25, score: 0.1 + 0.2, at: new Date() } })
    const found = await db.sample.findUnique({ where: { id: s.id } })
    expect(found!.ratio).toBe(-2.25)
    expect(found!.score).toBe(0.1 + 0.2)
    const big = await db.sample.create({ data: { group, score: 1.7976931348623157e308, ratio: 0, at: new Date() } })
    expect((await db.sample.findUnique({ where: { id: big.id } }))!.score).toBe(1.7976931348623157e308)
  })

  it('real (float4) returns the value PostgreSQL prints (0.1, not 0.10000000149011612)', async () => {
    const s = await db.sample.create({ data: { group: uid('g'), ratio: 0.1, at: new Date() } })
    expect(s.ratio).toBe(0.1)
    expect((await db.sample.findUnique({ where: { id: s.id } }))!.ratio).toBe(0.1)
  })

  it('numeric is a string at the column scale', async () => {
    const group = uid('g')
    const a = await db.sample.create({ data: { group, price: '12.5', at: new Date() } })
    const b = await db.sample.create({ data: { group, price: 3 as never, at: new Date() } })
    const c = await db.sample.create({ data: { group, price: '-0.01', at: new Date() } })
    expect((await db.sample.findUnique({ where: { id: a.id } }))!.price).toBe('12.50')
    expect((await db.sample.findUnique({ where: { id: b.id } }))!.price).toBe('3.00')
    expect((await db.sample.findUnique({ where: { id: c.id } }))!.price).toBe('-0.01')
    expect(a.price).toBe('12.50')
  })

  it('timestamps keep millisecond precision; ISO strings are accepted; dates before 1970 work', async () => {
    const group = uid('g')
    const ms = new Date(Date.UTC(2023, 6, 14, 1, 2, 3, 456))
    const a = await db.sample.create({ data: { group, at: ms } })
    expect((await db.sample.findUnique({ where: { id: a.id } }))!.at).toEqual(ms)
    const b = await db.sample.create({ data: { group, at: '2001-09-09T01:46:40.123Z' as unknown as Date } })
    expect((await db.sample.findUnique({ where: { id: b.id } }))!.at).toEqual(new Date('2001-09-09T01:46:40.123Z'))
    const old = new Date(Date.UTC(1901, 0, 1, 0, 0, 0, 1))
    const c = await db.sample.create({ data: { group, at: old } })
    expect((await db.sample.findUnique({ where: { id: c.id } }))!.at).toEqual(old)
  })

  it("date columns are 'YYYY-MM-DD' strings (Date input accepted)", async () => {
    const group = uid('g')
    const a = await db.sample.create({ data: { group, day: '1900-01-01', at: new Date() } })
    const b = await db.sample.create({
      data: { group, day: new Date(Date.UTC(2031, 11, 31)) as unknown as string, at: new Date() },
    })
    expect((await db.sample.findUnique({ where: { id: a.id } }))!.day).toBe('1900-01-01')
    expect((await db.sample.findUnique({ where: { id: b.id } }))!.day).toBe('2031-12-31')
  })

  it('json and jsonb hold objects, arrays, strings, numbers and booleans', async () => {
    const group = uid('g')
    const values = [{ deep: { a: [1, { b: 'c' }] }, 'key with space': 'ü' }, [1, 2, [3]], 'just a string', 12.5, true]
    for (const v of values) {
      const s = await db.sample.create({ data: { group, doc: v, docb: v, at: new Date() } })
      const found = await db.sample.findUnique({ where: { id: s.id } })
      expect(found!.doc).toEqual(v)
      expect(found!.docb).toEqual(v)
    }
  })

  it('json fields are replaced whole by update, and can be set back to null', async () => {
    const s = await db.sample.create({
      data: { group: uid('g'), doc: { a: 1, b: [1] }, docb: { keep: true }, at: new Date() },
    })
    const u = await db.sample.update({ where: { id: s.id }, data: { doc: { c: 'new' }, docb: [3, 2, 1] } })
    expect(u.doc).toEqual({ c: 'new' })
    expect(u.docb).toEqual([3, 2, 1])
    const n = await db.sample.update({ where: { id: s.id }, data: { doc: null } })
    expect(n.doc).toBeNull()
    expect(await db.sample.findUnique({ where: { id: s.id } })).toEqual(n)
    expect((await db.sample.findMany({ where: { group: s.group, doc: null } })).map((r) => r.id)).toEqual([s.id])
  })

  it('enum values round-trip and bad ones are refused', async () => {
    const group = uid('g')
    for (const role of ['ADMIN', 'MODERATOR', 'GUEST'] as const) {
      const s = await db.sample.create({ data: { group, role, label: role, at: new Date() } })
      expect((await db.sample.findUnique({ where: { id: s.id } }))!.role).toBe(role)
    }
    expect((await db.sample.findMany({ where: { group }, orderBy: { role: 'desc' } })).map((r) => r.role)).toEqual([
      'GUEST',
      'MODERATOR',
      'ADMIN',
    ])
  })

  it('hostile strings round-trip in a non-key text field', async () => {
    for (const s of HOSTILE) {
      const p = await db.profile.create({ data: { userId: uid('u'), name: s, email: s } })
      const found = await db.profile.findUnique({ where: { id: p.id } })
      expect(found!.name).toBe(s)
      expect(found!.email).toBe(s)
    }
  })

  it('hostile strings work as unique values (profile.userId)', async () => {
    const suffix = uid('')
    for (const s of HOSTILE) {
      const userId = `${s}${suffix}`
      const p = await db.profile.create({ data: { userId, name: 'h' } })
      expect((await db.profile.findUnique({ where: { userId } }))!.id).toBe(p.id)
      await expect(db.profile.create({ data: { userId, name: 'dup' } })).rejects.toMatchObject({ code: 'P2002' })
    }
  })

  it('hostile strings work as index and primary key values (sample.group, setting scope/key)', async () => {
    for (const s of HOSTILE) {
      const group = `${s}${uid('')}`
      const row = await db.sample.create({ data: { group, label: s, at: new Date() } })
      expect(sortedIds(await db.sample.findMany({ where: { group } }))).toEqual([row.id])
      expect((await db.sample.findUnique({ where: { group_label: { group, label: s } } }))!.id).toBe(row.id)
      const scope = `${s}${uid('')}`
      await db.setting.create({ data: { scope, key: s, value: s } })
      expect(await db.setting.findUnique({ where: { scope_key: { scope, key: s } } })).toEqual({
        scope,
        key: s,
        value: s,
        version: 1,
      })
    }
  })

  it('contains / startsWith / endsWith with hostile strings match literally', async () => {
    const group = uid('g')
    for (const s of HOSTILE) await db.sample.create({ data: { group, label: s, at: new Date() } })
    const match = async (filter: object) =>
      (await db.sample.findMany({ where: { group, label: filter } })).map((r) => r.label).sort()
    expect(await match({ contains: '%' })).toEqual(['$1 ? :name %s {0}', '100% _under_ score'])
    expect(await match({ contains: '0%' })).toEqual(['100% _under_ score'])
    expect(await match({ contains: '_' })).toEqual(['100% _under_ score'])
    expect(await match({ contains: "'" })).toEqual([`'; DROP TABLE profile; --`, `it's`])
    expect(await match({ contains: '\\\\' })).toEqual(['back\\slash\\\\double'])
    expect(await match({ startsWith: '"' })).toEqual([`"); DELETE FROM sample; --`])
    expect(await match({ endsWith: '`' })).toEqual(['back`tick`'])
    expect(await match({ contains: '😀🚀' })).toEqual(['emoji 😀🚀👩‍👩‍👧 done'])
    expect(await match({ contains: '\nline2' })).toEqual(['line1\nline2\r\nline3\ttab'])
    expect(await match({ contains: 'ÜNÏ', mode: 'insensitive' })).toEqual(['ünïcödé ñ 中文 العربية'])
  })

  it('hostile strings inside json', async () => {
    const doc = Object.fromEntries(HOSTILE.map((s, i) => [`k${i}${s}`, s]))
    const s = await db.sample.create({ data: { group: uid('g'), doc, docb: HOSTILE, at: new Date() } })
    const found = await db.sample.findUnique({ where: { id: s.id } })
    expect(found!.doc).toEqual(doc)
    expect(found!.docb).toEqual(HOSTILE)
  })

  it('a 100 KB string round-trips in a non-key field', async () => {
    const big = 'x'.repeat(50_000) + '€'.repeat(10_000) + 'y'.repeat(20_500)
    expect(Buffer.byteLength(big)).toBeGreaterThan(100_000)
    const ch = await makeChannel(db)
    const m = await db.message.create({ data: { content: big, memberId: ch.member.id, channelId: ch.channel.id } })
    expect((await db.message.findUnique({ where: { id: m.id } }))!.content).toBe(big)
    const st = await db.setting.create({ data: { scope: uid('s'), key: 'big', value: big } })
    expect((await db.setting.findUnique({ where: { scope_key: { scope: st.scope, key: 'big' } } }))!.value).toBe(big)
  })

  it('the empty string is a value like any other (also as a unique value)', async () => {
    const p = await db.profile.create({ data: { userId: uid('u'), name: '', email: '' } })
    expect(await db.profile.findUnique({ where: { id: p.id } })).toMatchObject({ name: '', email: '' })
    const group = uid('g')
    const s = await db.sample.create({ data: { group, label: '', at: new Date() } })
    expect((await db.sample.findUnique({ where: { group_label: { group, label: '' } } }))!.id).toBe(s.id)
    expect(sortedIds(await db.sample.findMany({ where: { group, label: '' } }))).toEqual([s.id])
  })
})
