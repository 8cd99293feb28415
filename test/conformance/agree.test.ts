// Differential tests: the same scripted calls, with the same input data (every id and timestamp given
// explicitly), run on both backends; the transcripts of results (or error codes) must be deep-equal.
// Rows whose order is unspecified (findMany without orderBy) are sorted by id before comparing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, openDb, uid, type BackendKind, type TestDb } from '../support/backends.js'
import { byId, OTHER, randomUUID } from '../support/conformance-helpers.js'

type Entry = { step: string; result?: unknown; error?: string }
type Script<C> = (
  db: TestDb,
  ctx: C,
  log: (step: string, fn: () => Promise<unknown>) => Promise<unknown>,
) => Promise<void>

async function transcript<C>(db: TestDb, ctx: C, script: Script<C>): Promise<Entry[]> {
  const out: Entry[] = []
  const log = async (step: string, fn: () => Promise<unknown>) => {
    try {
      const result = await fn()
      out.push({ step, result })
      return result
    } catch (e) {
      const code = (e as { code?: unknown }).code
      out.push({
        step,
        error: typeof code === 'string' ? code : `uncoded ${(e as Error).name}: ${(e as Error).message}`,
      })
      return undefined
    }
  }
  await script(db, ctx, log)
  return out
}

/** Compares two transcripts step by step, reporting every differing step (soft assertions). */
function compare(a: Entry[], b: Entry[], names: [BackendKind, BackendKind]): void {
  expect(a.map((e) => e.step)).toEqual(b.map((e) => e.step))
  for (let i = 0; i < a.length; i++) {
    expect.soft(a[i], `step "${a[i]!.step}": ${names[0]} vs ${names[1]}`).toEqual(b[i])
  }
}

const T = (minutes: number) => new Date(Date.UTC(2024, 0, 1, 0, minutes))

describe.each(BACKENDS)('agreement: %s against the other backend', (backend) => {
  const other = OTHER[backend]
  const dbs = {} as Record<BackendKind, TestDb>
  beforeAll(async () => {
    dbs[backend] = await openDb(backend)
    dbs[other] = await openDb(other)
  })
  afterAll(async () => {
    await dbs[backend]?.$disconnect()
    await dbs[other]?.$disconnect()
  })

  async function agree<C>(ctx: C, script: Script<C>): Promise<Entry[]> {
    const a = await transcript(dbs[backend], ctx, script)
    const b = await transcript(dbs[other], ctx, script)
    compare(a, b, [backend, other])
    return a
  }

  it('profiles: create, unique reads, update, upsert, delete and their errors', async () => {
    const ctx = {
      ids: [randomUUID(), randomUUID(), randomUUID(), randomUUID()],
      users: [uid('u'), uid('u'), uid('u'), uid('u')],
    }
    const log = await agree(ctx, async (db, { ids, users }, log) => {
      for (let i = 0; i < 3; i++) {
        await log(`create ${i}`, () =>
          db.profile.create({
            data: {
              id: ids[i]!,
              userId: users[i]!,
              name: `P${i}`,
              email: i === 1 ? null : `p${i}@x`,
              createdAt: T(i),
              updatedAt: T(i),
            },
          }),
        )
      }
      await log('duplicate userId', () =>
        db.profile.create({ data: { id: ids[3]!, userId: users[0]!, name: 'dup', createdAt: T(9), updatedAt: T(9) } }),
      )
      await log('findUnique userId', () => db.profile.findUnique({ where: { userId: users[1]! } }))
      await log('findUnique id select', () =>
        db.profile.findUnique({ where: { id: ids[2]! }, select: { name: true, email: true } }),
      )
      await log('findUnique extended miss', () => db.profile.findUnique({ where: { id: ids[2]!, name: 'nope' } }))
      await log('findMany id in', async () => byId(await db.profile.findMany({ where: { id: { in: ids } } })))
      await log('findMany id in, ordered, email not null', () =>
        db.profile.findMany({ where: { id: { in: ids }, email: { not: null } }, orderBy: { name: 'desc' } }),
      )
      await log('update name', () =>
        db.profile.update({ where: { id: ids[0]! }, data: { name: 'P0b', updatedAt: T(20) } }),
      )
      await log('update userId to taken', () =>
        db.profile.update({ where: { id: ids[0]! }, data: { userId: users[1]!, updatedAt: T(21) } }),
      )
      await log('update userId to free', () =>
        db.profile.update({ where: { id: ids[0]! }, data: { userId: users[3]!, updatedAt: T(22) } }),
      )
      await log('old userId gone', () => db.profile.findUnique({ where: { userId: users[0]! } }))
      await log('upsert update path', () =>
        db.profile.upsert({
          where: { userId: users[3]! },
          create: { id: ids[3]!, userId: users[3]!, name: 'new', createdAt: T(30), updatedAt: T(30) },
          update: { name: 'upserted', updatedAt: T(31) },
        }),
      )
      await log('upsert create path', () =>
        db.profile.upsert({
          where: { userId: users[0]! },
          create: { id: ids[3]!, userId: users[0]!, name: 'created', createdAt: T(32), updatedAt: T(32) },
          update: { name: 'x', updatedAt: T(33) },
        }),
      )
      await log('delete', () => db.profile.delete({ where: { userId: users[2]! } }))
      await log('delete again', () => db.profile.delete({ where: { userId: users[2]! } }))
      await log('update missing', () =>
        db.profile.update({ where: { id: ids[2]! }, data: { name: 'x', updatedAt: T(40) } }),
      )
      await log('count', () => db.profile.count({ where: { id: { in: ids } } }))
      await log('deleteMany', () => db.profile.deleteMany({ where: { id: { in: ids }, name: { startsWith: 'P' } } }))
      await log('final', async () => byId(await db.profile.findMany({ where: { id: { in: ids } } })))
    })
    expect(log.length).toBe(21)
  })

  it('samples: every type, filters, counts, updateMany arithmetic', async () => {
    const ctx = {
      group: uid('g'),
      ids: Array.from({ length: 6 }, () => randomUUID()),
      codes: [uid('c'), uid('c'), uid('c')],
    }
    await agree(ctx, async (db, { group, ids, codes }, log) => {
      const rows = [
        {
          label: 'alpha',
          count: 1,
          big: 100,
          huge: 2n ** 40n,
          flag: true,
          ratio: 0.5,
          score: 1.25,
          price: '10.00',
          at: T(1),
          day: '2024-01-01',
          doc: { a: 1 },
          docb: [1, 2],
          role: 'ADMIN' as const,
          code: codes[0]!,
        },
        {
          label: 'Beta',
          count: 2,
          big: -5,
          huge: -(2n ** 50n),
          flag: false,
          ratio: -1.5,
          score: -0.125,
          price: '-3.25',
          at: T(2),
          day: '2023-06-30',
          doc: ['x'],
          docb: { b: { c: null } },
          role: 'GUEST' as const,
          code: null,
        },
        {
          label: 'gamma',
          count: 3,
          big: null,
          huge: null,
          flag: null,
          ratio: null,
          score: null,
          price: null,
          at: T(3),
          day: null,
          doc: null,
          docb: null,
          role: null,
          code: codes[1]!,
        },
        {
          label: null,
          count: 4,
          big: 7,
          huge: 7n,
          flag: true,
          ratio: 2,
          score: 1e-7,
          price: '9999999999.99',
          at: T(4),
          day: '2024-12-31',
          doc: 'str',
          docb: 3,
          role: 'MODERATOR' as const,
          code: null,
        },
        {
          label: '100%_x',
          count: 5,
          big: 0,
          huge: 0n,
          flag: false,
          ratio: 0,
          score: 0,
          price: '0.00',
          at: T(5),
          day: '2000-02-29',
          doc: true,
          docb: false,
          role: 'GUEST' as const,
          code: codes[2]!,
        },
      ]
      await log('createMany', () =>
        db.sample.createMany({ data: rows.map((r, i) => ({ id: ids[i]!, group, slug: `s${i}`, ...r })) }),
      )
      await log('create one more', () =>
        db.sample.create({ data: { id: ids[5]!, group, label: 'delta', count: 6, at: T(6), slug: 's5' } }),
      )
      const q = (where: object) => async () => byId(await db.sample.findMany({ where: { group, ...where } }))
      await log('all', q({}))
      await log('label not alpha', q({ label: { not: 'alpha' } }))
      await log('label notIn', q({ label: { notIn: ['alpha', 'gamma'] } }))
      await log('label null', q({ label: null }))
      await log('label contains %', q({ label: { contains: '%' } }))
      await log('label startsWith b insensitive', q({ label: { startsWith: 'b', mode: 'insensitive' } }))
      await log('count range', q({ count: { gt: 1, lte: 4 } }))
      await log('big gte 0', q({ big: { gte: 0 } }))
      await log('huge lt 0', q({ huge: { lt: 0n } }))
      await log('price gt 5', q({ price: { gt: '5' } }))
      await log('at between', q({ at: { gte: T(2), lt: T(5) } }))
      await log('day lt', q({ day: { lt: '2024-01-01' } }))
      await log('role in', q({ role: { in: ['GUEST', 'MODERATOR'] } }))
      await log('flag not true', q({ flag: { not: true } }))
      await log('OR/NOT', q({ OR: [{ count: 1 }, { NOT: { flag: true } }] }))
      await log('in []', q({ count: { in: [] } }))
      await log('orderBy label asc nulls first', () =>
        db.sample.findMany({
          where: { group },
          orderBy: [{ label: { sort: 'asc', nulls: 'first' } }],
          select: { id: true, label: true },
        }),
      )
      await log('orderBy role desc, count asc', () =>
        db.sample.findMany({ where: { group }, orderBy: [{ role: 'desc' }, { count: 'asc' }], select: { id: true } }),
      )
      await log('orderBy price desc take -2', () =>
        db.sample.findMany({ where: { group, price: { not: null } }, orderBy: { price: 'desc' }, take: -2 }),
      )
      await log('count flag', () => db.sample.count({ where: { group, flag: true } }))
      await log('findUnique code', () => db.sample.findUnique({ where: { code: rows[0]!.code! } }))
      await log('findUnique group_label', () =>
        db.sample.findUnique({ where: { group_label: { group, label: 'Beta' } } }),
      )
      await log('updateMany increment', () =>
        db.sample.updateMany({
          where: { group, count: { gte: 3 } },
          data: { count: { increment: 10 }, score: { multiply: 2 } },
        }),
      )
      await log('update divide', () =>
        db.sample.update({ where: { id: ids[0]! }, data: { big: { divide: 3 }, huge: { multiply: 2n } } }),
      )
      await log('update to duplicate code', () =>
        db.sample.update({ where: { id: ids[1]! }, data: { code: rows[0]!.code } }),
      )
      await log('deleteMany', () => db.sample.deleteMany({ where: { group, label: { in: ['alpha', 'delta'] } } }))
      await log('after', q({}))
    })
  })

  it('message feed: pages, cursors, moves and deletes', async () => {
    const ctx = {
      profileId: randomUUID(),
      serverId: randomUUID(),
      memberId: randomUUID(),
      channelId: randomUUID(),
      userId: uid('u'),
      invite: uid('inv'),
      msgIds: Array.from({ length: 8 }, () => randomUUID()),
    }
    await agree(ctx, async (db, c, log) => {
      await log('profile', () =>
        db.profile.create({ data: { id: c.profileId, userId: c.userId, name: 'o', createdAt: T(0), updatedAt: T(0) } }),
      )
      await log('server', () =>
        db.server.create({
          data: { id: c.serverId, name: 's', inviteCode: c.invite, profileId: c.profileId, createdAt: T(0) },
        }),
      )
      await log('member', () =>
        db.member.create({ data: { id: c.memberId, profileId: c.profileId, serverId: c.serverId, createdAt: T(0) } }),
      )
      await log('channel', () =>
        db.channel.create({ data: { id: c.channelId, name: 'ch', serverId: c.serverId, createdAt: T(0) } }),
      )
      for (let i = 0; i < c.msgIds.length; i++) {
        // two messages share a timestamp to exercise the id tie-break
        const at = T(10 + (i === 5 ? 4 : i))
        await log(`message ${i}`, () =>
          db.message.create({
            data: {
              id: c.msgIds[i]!,
              content: `m${i}`,
              memberId: c.memberId,
              channelId: c.channelId,
              createdAt: at,
              updatedAt: at,
            },
          }),
        )
      }
      // a total order (createdAt, then id): ties in createdAt would otherwise be in unspecified order
      const feed = {
        where: { channelId: c.channelId },
        orderBy: [{ createdAt: 'desc' as const }, { id: 'desc' as const }],
      }
      let cursor: string | undefined
      for (let page = 0; page < 4; page++) {
        const rows = (await log(`page ${page}`, () =>
          db.message.findMany({
            ...feed,
            take: 3,
            ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
            select: { id: true, content: true, createdAt: true },
          }),
        )) as { id: string }[] | undefined
        cursor = rows?.at(-1)?.id
        if (!cursor) break
      }
      await log('oldest first', () =>
        db.message.findMany({
          where: { channelId: c.channelId },
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
          take: 4,
          select: { id: true },
        }),
      )
      await log('backwards', () =>
        db.message.findMany({ ...feed, cursor: { id: c.msgIds[2]! }, take: -3, select: { id: true } }),
      )
      await log('range', async () =>
        byId(
          await db.message.findMany({
            where: { channelId: c.channelId, createdAt: { gt: T(11), lte: T(14) } },
            select: { id: true },
          }),
        ),
      )
      await log('by member', async () =>
        byId(await db.message.findMany({ where: { memberId: c.memberId, content: { in: ['m1', 'm7'] } } })),
      )
      await log('move', () =>
        db.message.update({ where: { id: c.msgIds[0]! }, data: { createdAt: T(99), updatedAt: T(99) } }),
      )
      await log('soft delete', () =>
        db.message.updateMany({
          where: { channelId: c.channelId, content: { in: ['m3', 'm4'] } },
          data: { deleted: true, content: 'gone', updatedAt: T(100) },
        }),
      )
      await log('delete', () => db.message.delete({ where: { id: c.msgIds[6]! } }))
      await log('feed after', () => db.message.findMany({ ...feed, take: 10 }))
      await log('count', () => db.message.count({ where: { channelId: c.channelId, deleted: false } }))
    })
  })

  it('events and settings: stream order, index lookups, composite keys', async () => {
    const ctx = {
      stream: uid('st'),
      kind: uid('k'),
      scope: uid('s'),
      ids: Array.from({ length: 6 }, () => randomUUID()),
    }
    await agree(ctx, async (db, c, log) => {
      for (const [i, seq] of [5, 1, 4, 2, 6, 3].entries()) {
        await log(`event ${seq}`, () =>
          db.event.create({
            data: {
              id: c.ids[i]!,
              stream: c.stream,
              seq,
              kind: seq % 2 ? c.kind : `${c.kind}-even`,
              payload: { seq },
              at: T(seq),
            },
          }),
        )
      }
      await log('stream asc', () => db.event.findMany({ where: { stream: c.stream }, orderBy: { seq: 'asc' } }))
      await log('stream desc take', () =>
        db.event.findMany({ where: { stream: c.stream }, orderBy: { seq: 'desc' }, take: 2, skip: 1 }),
      )
      await log('by kind', async () => byId(await db.event.findMany({ where: { kind: c.kind } })))
      await log('by kind ordered', () =>
        db.event.findMany({ where: { kind: c.kind }, orderBy: { seq: 'desc' }, select: { seq: true } }),
      )
      await log('seq slice', () =>
        db.event.findMany({
          where: { stream: c.stream, seq: { gte: 2, lt: 5 } },
          orderBy: { seq: 'asc' },
          select: { seq: true },
        }),
      )
      await log('renumber', () => db.event.update({ where: { id: c.ids[1]! }, data: { seq: 7, kind: c.kind } }))
      await log('stream after', () =>
        db.event.findMany({ where: { stream: c.stream }, orderBy: { seq: 'asc' }, select: { seq: true, kind: true } }),
      )
      await log('setting a', () => db.setting.create({ data: { scope: c.scope, key: 'a', value: '1' } }))
      await log('setting a dup', () => db.setting.create({ data: { scope: c.scope, key: 'a', value: '2' } }))
      await log('upsert b create', () =>
        db.setting.upsert({
          where: { scope_key: { scope: c.scope, key: 'b' } },
          create: { scope: c.scope, key: 'b', value: 'x' },
          update: { version: { increment: 1 } },
        }),
      )
      await log('upsert b update', () =>
        db.setting.upsert({
          where: { scope_key: { scope: c.scope, key: 'b' } },
          create: { scope: c.scope, key: 'b', value: 'x' },
          update: { version: { increment: 1 }, value: 'y' },
        }),
      )
      await log('settings', () =>
        db.setting.findMany({ where: { scope: c.scope, key: { in: ['a', 'b', 'c'] } }, orderBy: { key: 'asc' } }),
      )
      await log('delete a', () => db.setting.delete({ where: { scope_key: { scope: c.scope, key: 'a' } } }))
      await log('find a', () => db.setting.findUnique({ where: { scope_key: { scope: c.scope, key: 'a' } } }))
    })
  })

  it('non-canonical inputs are normalized the same way (numeric scale, real, upper-case uuid, ISO strings)', async () => {
    const ctx = { group: uid('g'), ids: [randomUUID(), randomUUID(), randomUUID()] }
    await agree(ctx, async (db, c, log) => {
      await log('create a', () =>
        db.sample.create({
          data: {
            id: c.ids[0]!.toUpperCase(),
            group: c.group,
            label: 'a',
            price: '12.5',
            ratio: 0.1,
            at: '2024-05-06T07:08:09.010Z' as never,
            day: new Date(Date.UTC(2024, 4, 6)) as never,
          },
        }),
      )
      await log('create b', () =>
        db.sample.create({
          data: {
            id: c.ids[1]!,
            group: c.group,
            label: 'b',
            price: 7 as never,
            ratio: 1 / 3,
            score: 1 / 3,
            at: new Date(Date.UTC(2024, 4, 6)),
          },
        }),
      )
      await log('create c', () =>
        db.sample.create({
          data: { id: c.ids[2]!, group: c.group, label: 'c', price: '0.105', big: 2 ** 53 - 1, at: new Date(0) },
        }),
      )
      await log('read back', async () => byId(await db.sample.findMany({ where: { group: c.group } })))
      await log('by upper-case id', () => db.sample.findUnique({ where: { id: c.ids[0]!.toUpperCase() } }))
      await log('price eq 12.50', async () =>
        byId(await db.sample.findMany({ where: { group: c.group, price: '12.50' } })),
      )
      await log('price eq 7', async () =>
        byId(await db.sample.findMany({ where: { group: c.group, price: 7 as never } })),
      )
      await log('increment price', () =>
        db.sample.update({ where: { id: c.ids[1]! }, data: { price: { increment: '0.5' } as never } }),
      )
    })
  })

  it('argument errors carry the same codes on both backends', async () => {
    const ctx = { id: randomUUID(), userId: uid('u') }
    await agree(ctx, async (db, c, log) => {
      await log('seed', () =>
        db.profile.create({ data: { id: c.id, userId: c.userId, name: 'e', createdAt: T(0), updatedAt: T(0) } }),
      )
      await log('unknown where field', () => db.profile.findFirst({ where: { userId: c.userId, bogus: 1 } as never }))
      await log('unknown data field', () => db.profile.update({ where: { id: c.id }, data: { bogus: 1 } as never }))
      await log('bad uuid', () => db.profile.findUnique({ where: { id: 'zzz' } }))
      await log('bad enum', () => db.member.findMany({ where: { profileId: c.id, role: 'KING' as never } }))
      await log('missing required', () => db.profile.create({ data: { userId: `${c.userId}-2` } as never }))
      await log('no unique key', () => db.profile.findUnique({ where: { name: 'e' } as never }))
      await log('unknown argument', () => db.profile.findMany({ where: { userId: c.userId }, limit: 1 } as never))
      await log('P2025 orThrow', () => db.profile.findUniqueOrThrow({ where: { userId: `${c.userId}-missing` } }))
      await log('P2025 delete', () => db.profile.delete({ where: { id: randomUUID() } }))
      await log('unchanged', () => db.profile.findUnique({ where: { id: c.id } }))
    })
  })
})
