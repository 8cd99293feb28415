import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, openDb, uid, type TestDb } from '../support/backends.js'
import { expectCode, makeChannel, randomUUID } from '../support/conformance-helpers.js'

type Explained = { backend: string; statements: { text: string; table?: string }[] }

function checkShape(result: Explained, backend: string): void {
  expect(result.backend).toBe(backend)
  expect(Array.isArray(result.statements)).toBe(true)
  expect(result.statements.length).toBeGreaterThan(0)
  for (const s of result.statements) {
    expect(typeof s.text).toBe('string')
    expect(s.text.length).toBeGreaterThan(0)
    if (s.table !== undefined) expect(typeof s.table).toBe('string')
    expect(s.text).not.toMatch(/ALLOW\s+FILTERING/i)
  }
}

describe.each(BACKENDS)('explain on %s', (backend) => {
  let db: TestDb
  beforeAll(async () => {
    db = await openDb(backend)
  })
  afterAll(async () => {
    await db?.$disconnect()
  })

  const scylla = backend === 'scylla'

  it('findUnique by a unique column: the lookup table then the base table on scylla; one SELECT on postgres', async () => {
    const r = await db.profile.explain('findUnique', { where: { userId: 'someone' } })
    checkShape(r, backend)
    if (scylla) {
      expect(r.statements.map((s) => s.table)).toEqual(['profile__by_user_id', 'profile'])
      expect(r.statements[0]!.text).toMatch(
        /^SELECT .* FROM "tandem_test"\."profile__by_user_id" WHERE "user_id" = \?$/,
      )
      expect(r.statements[1]!.text).toMatch(/^SELECT .* FROM "tandem_test"\."profile" WHERE "id" = \?$/)
    } else {
      expect(r.statements).toHaveLength(1)
      expect(r.statements[0]!.text).toMatch(/^select .* from "profile" where .*"user_id" = \$1/i)
    }
  })

  it('findUnique by primary key reads the base table directly', async () => {
    const r = await db.profile.explain('findUnique', { where: { id: randomUUID() } })
    checkShape(r, backend)
    expect(r.statements).toHaveLength(1)
    expect(r.statements[0]!.table).toBe('profile')
    if (scylla) expect(r.statements[0]!.text).toMatch(/FROM "tandem_test"\."profile" WHERE "id" = \?( LIMIT \?)?$/)
    else expect(r.statements[0]!.text).toMatch(/from "profile" where "profile"\."id" = \$1/i)
  })

  it('a feed read is one SELECT on the message partition with LIMIT', async () => {
    const r = await db.message.explain('findMany', {
      where: { channelId: randomUUID() },
      orderBy: { createdAt: 'desc' },
      take: 50,
    })
    checkShape(r, backend)
    expect(r.statements).toHaveLength(1)
    expect(r.statements[0]!.table).toBe('message')
    if (scylla) {
      expect(r.statements[0]!.text).toMatch(
        /^SELECT .* FROM "tandem_test"\."message" WHERE "channel_id" = \? LIMIT \?$/,
      )
      expect(r.statements[0]!.text).not.toMatch(/ORDER BY/)
    } else {
      expect(r.statements[0]!.text).toMatch(
        /from "message" where "message"\."channel_id" = \$1 order by "message"\."created_at" desc limit \$2/i,
      )
    }
  })

  it('a feed read against the clustering order asks CQL for the reverse order', async () => {
    const r = await db.message.explain('findMany', {
      where: { channelId: randomUUID() },
      orderBy: { createdAt: 'asc' },
      take: 10,
    })
    checkShape(r, backend)
    expect(r.statements).toHaveLength(1)
    if (scylla) expect(r.statements[0]!.text).toMatch(/WHERE "channel_id" = \? ORDER BY "created_at" ASC LIMIT \?$/)
    else expect(r.statements[0]!.text).toMatch(/order by "message"\."created_at" asc/i)
  })

  it('a cursor page on the feed is a clustering slice with LIMIT (as the call runs it when the cursor row exists)', async () => {
    const r = await db.message.explain('findMany', {
      where: { channelId: randomUUID() },
      orderBy: { createdAt: 'desc' },
      cursor: { id: randomUUID() },
      skip: 1,
      take: 20,
    })
    checkShape(r, backend)
    if (scylla) {
      expect(r.statements.map((s) => s.table)).toEqual(['message__by_id', 'message', 'message'])
      expect(r.statements[2]!.text).toMatch(
        /WHERE "channel_id" = \? AND \("created_at", "id"\) <= \(\?, \?\) LIMIT \?$/,
      )
    } else {
      expect(r.statements).toHaveLength(2)
      expect(r.statements[1]!.text).toMatch(/\("message"\."created_at", "message"\."id"\) <= \(\$\d+, \$\d+\)/i)
    }
  })

  it('a read by an index reads the index lookup then the base rows', async () => {
    const r = await db.sample.explain('findMany', { where: { group: 'g', count: { gt: 1 } } })
    checkShape(r, backend)
    if (scylla) expect(r.statements.map((s) => s.table)).toEqual(['sample__by_group', 'sample'])
    else
      expect(r.statements[0]!.text).toMatch(
        /from "sample" where \("sample"\."group" = \$1 and "sample"\."count" > \$2\)/i,
      )
  })

  it('create names every table it writes', async () => {
    const r = await db.profile.explain('create', { data: { userId: 'x', name: 'y' } })
    checkShape(r, backend)
    if (scylla) {
      expect(r.statements.map((s) => s.table)).toEqual(['profile__by_user_id', 'profile'])
      expect(r.statements.every((s) => /^INSERT INTO "tandem_test"\./.test(s.text))).toBe(true)
      expect(r.statements[0]!.text).toMatch(/IF NOT EXISTS$/)
    } else {
      expect(r.statements).toHaveLength(1)
      expect(r.statements[0]!.text).toMatch(/^insert into "profile"/i)
    }
  })

  it('explain runs nothing: create, update, delete, upsert, createMany and deleteMany leave the data as it was', async () => {
    const p = await db.profile.create({ data: { userId: uid('u'), name: 'Still' } })
    const newUser = uid('u')
    for (const [method, args] of [
      ['create', { data: { userId: newUser, name: 'ghost' } }],
      ['createMany', { data: [{ userId: newUser, name: 'ghost' }] }],
      ['update', { where: { id: p.id }, data: { name: 'Changed' } }],
      ['updateMany', { where: { userId: p.userId }, data: { name: 'Changed' } }],
      ['upsert', { where: { userId: p.userId }, create: { userId: p.userId, name: 'c' }, update: { name: 'Changed' } }],
      ['delete', { where: { id: p.id } }],
      ['deleteMany', { where: { userId: p.userId } }],
    ] as const) {
      const r = await db.profile.explain(method, args)
      checkShape(r, backend)
    }
    expect(await db.profile.findUnique({ where: { id: p.id } })).toEqual(p)
    expect(await db.profile.findUnique({ where: { userId: newUser } })).toBeNull()
  })

  it('explain shows update and delete statements after the read', async () => {
    const id = randomUUID()
    const u = await db.profile.explain('update', { where: { id }, data: { name: 'n' } })
    checkShape(u, backend)
    const d = await db.profile.explain('delete', { where: { id } })
    checkShape(d, backend)
    if (scylla) {
      expect(u.statements.map((s) => s.text.split(' ')[0])).toEqual(['SELECT', 'UPDATE'])
      expect(d.statements[0]!.text).toMatch(/^SELECT/)
      expect(d.statements.slice(1).every((s) => s.text.startsWith('DELETE'))).toBe(true)
    } else {
      expect(u.statements[0]!.text).toMatch(/^update "profile" set/i)
      expect(d.statements[0]!.text).toMatch(/^delete from "profile"/i)
    }
  })

  it('explain refuses what the call would refuse: unservable filters, bad arguments, unknown methods', async () => {
    const unservable = db.profile.explain('findMany', { where: { name: 'x' } })
    if (scylla) await expectCode(unservable, 'UNSERVABLE_QUERY')
    else expect((await unservable).statements[0]!.text).toMatch(/where "profile"\."name" = \$1/i)
    await expectCode(db.profile.explain('findMany', { where: { nope: 1 } }), 'VALIDATION')
    await expectCode(db.profile.explain('truncate' as never, {}), 'VALIDATION')
  })

  it('explain does not need the rows to exist and returns the same text as for existing rows', async () => {
    const ch = await makeChannel(db)
    const a = await db.channel.explain('findMany', { where: { serverId: ch.server.id } })
    const b = await db.channel.explain('findMany', { where: { serverId: randomUUID() } })
    checkShape(a, backend)
    expect(a).toEqual(b)
    if (scylla) expect(a.statements.map((s) => s.table)).toEqual(['channel__by_server_id', 'channel'])
  })
})
