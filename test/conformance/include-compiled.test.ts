// PostgreSQL compiles `include` into one statement (src/postgres/sql-include.ts); ScyllaDB and the calls
// the compiler does not take use the delegate's loader. Here every call runs both ways on the same rows
// and must give the same result: same values, same keys in the same order (compared as inspected text),
// and the compiled way one statement (explain).
import { inspect } from 'node:util'
import { relations } from 'drizzle-orm'
import {
  bigint,
  boolean,
  date,
  doublePrecision,
  integer,
  json,
  jsonb,
  numeric,
  pgTable,
  real,
  text,
  timestamp,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backendOf, createDb } from '../../src/create-db.js'
import { openDb, testUrl, uid } from '../support/backends.js'

type Method = (args?: any) => Promise<any>
type Client = Record<
  string,
  Record<string, Method> & { explain: (m: string, a: unknown) => Promise<{ statements: unknown[] }> }
>

/** A second client whose backend leaves includes to the loader: the reference result. */
function asLoader<T extends object>(db: T): T {
  Object.defineProperty(backendOf(db), 'includes', { value: 'loader' })
  return db
}
const shown = (v: unknown) => inspect(v, { depth: null, sorted: false, breakLength: Infinity })

describe('include compiled on postgres = the loader', () => {
  let compiled: Client
  let loader: Client
  let close: () => Promise<void>
  beforeAll(async () => {
    const a = await openDb('postgres')
    const b = asLoader(await openDb('postgres'))
    compiled = a as unknown as Client
    loader = b as unknown as Client
    close = async () => {
      await a.$disconnect()
      await b.$disconnect()
    }
  })
  afterAll(async () => {
    await close?.()
  })

  async function world() {
    const db = compiled
    const profile = await db.profile!.create!({ data: { userId: uid('u'), name: 'Owner', email: null } })
    const other = await db.profile!.create!({ data: { userId: uid('u'), name: 'Other', email: 'o@x' } })
    const server = await db.server!.create!({ data: { name: 'Srv', inviteCode: uid('inv'), profileId: profile.id } })
    const member = await db.member!.create!({ data: { profileId: profile.id, serverId: server.id, role: 'ADMIN' } })
    const guest = await db.member!.create!({ data: { profileId: other.id, serverId: server.id, role: 'GUEST' } })
    const textCh = await db.channel!.create!({ data: { name: 'text', serverId: server.id, type: 'TEXT' } })
    const audio = await db.channel!.create!({ data: { name: 'audio', serverId: server.id, type: 'AUDIO' } })
    for (let i = 0; i < 6; i++) {
      await db.message!.create!({
        data: {
          content: `m${i}`,
          fileUrl: i % 2 ? null : `f${i}`,
          memberId: i % 3 ? member.id : guest.id,
          channelId: textCh.id,
          createdAt: new Date(Date.UTC(2024, 0, 1, 0, i)),
          deleted: i === 2,
        },
      })
    }
    return { profile, other, server, member, guest, textCh, audio }
  }

  const cases = (w: Awaited<ReturnType<typeof world>>): [string, string, Record<string, unknown>][] => [
    [
      'message',
      'findMany',
      {
        where: { channelId: w.textCh.id },
        orderBy: { createdAt: 'desc' },
        take: 4,
        include: { member: { include: { profile: true } } },
      },
    ],
    [
      'message',
      'findMany',
      {
        where: { channelId: w.textCh.id },
        orderBy: { createdAt: 'asc' },
        take: -2,
        include: { member: true, channel: { select: { name: true } } },
      },
    ],
    [
      'message',
      'findFirst',
      {
        where: { channelId: w.textCh.id },
        orderBy: { createdAt: 'asc' },
        select: { content: true, member: { select: { role: true, profile: { omit: { userId: true } } } } },
      },
    ],
    [
      'server',
      'findUnique',
      {
        where: { id: w.server.id },
        include: {
          channels: {
            orderBy: { name: 'desc' },
            include: {
              messages: {
                where: { deleted: false },
                orderBy: { createdAt: 'desc' },
                take: 2,
                skip: 1,
                omit: { fileUrl: true },
              },
            },
          },
          profile: true,
        },
      },
    ],
    [
      'server',
      'findUnique',
      {
        where: { id: w.server.id },
        select: {
          name: true,
          _count: { select: { channels: true, members: { where: { role: 'GUEST' } } } },
          members: {
            orderBy: { role: 'asc' },
            select: {
              role: true,
              _count: true,
              messages: { orderBy: { createdAt: 'asc' }, select: { content: true } },
            },
          },
        },
      },
    ],
    [
      'channel',
      'findMany',
      {
        where: { serverId: w.server.id },
        orderBy: { name: 'asc' },
        include: { _count: true, server: { include: { profile: { select: { email: true } } } } },
      },
    ],
    [
      'channel',
      'findMany',
      {
        where: { serverId: w.server.id },
        orderBy: { name: 'asc' },
        skip: 1,
        include: { messages: { orderBy: [{ deleted: 'desc' }, { createdAt: 'desc' }], skip: 4 } },
      },
    ],
    [
      'profile',
      'findMany',
      {
        where: { id: { in: [w.profile.id, w.other.id] } },
        orderBy: { name: 'asc' },
        include: {
          servers: { include: { _count: { select: { members: true } } } },
          members: { where: { role: 'ADMIN' }, include: { server: true } },
        },
      },
    ],
    // a nested cursor: the loader serves it on both clients
    [
      'channel',
      'findUnique',
      {
        where: { id: w.textCh.id },
        include: {
          messages: { orderBy: { createdAt: 'asc' }, cursor: { id: undefined as unknown as string }, take: 2 },
        },
      },
    ],
  ]

  it('same results, keys in the same order', async () => {
    const w = await world()
    const firstMessage = (await compiled.message!.findFirst!({
      where: { channelId: w.textCh.id },
      orderBy: { createdAt: 'asc' },
    })) as { id: string }
    for (const [model, method, args] of cases(w)) {
      if (method === 'findUnique' && (args.include as any)?.messages?.cursor)
        (args.include as any).messages.cursor = { id: firstMessage.id }
      const got = await compiled[model]![method]!(args)
      const want = await loader[model]![method]!(args)
      expect(shown(got), `${model}.${method}(${shown(args)})`).toBe(shown(want))
    }
  })

  it('explain shows one statement where the loader shows one per relation level', async () => {
    const w = await world()
    const args = {
      where: { channelId: w.textCh.id },
      orderBy: { createdAt: 'desc' },
      take: 10,
      include: { member: { include: { profile: true } }, channel: { include: { _count: true } } },
    }
    expect((await compiled.message!.explain('findMany', args)).statements).toHaveLength(1)
    expect((await loader.message!.explain('findMany', args)).statements.length).toBeGreaterThan(1)
  })

  it('to-one absent: null; list absent: []', async () => {
    const w = await world()
    const lone = await compiled.server!.create!({
      data: { name: 'Lone', inviteCode: uid('inv'), profileId: w.profile.id },
    })
    const s = await compiled.server!.findUnique!({
      where: { id: lone.id },
      include: { channels: true, members: { include: { profile: true } }, _count: true },
    })
    expect(s.channels).toEqual([])
    expect(s._count).toEqual({ members: 0, channels: 0 })
  })

  it('include on create, update and delete results', async () => {
    const w = await world()
    const make = async (db: Client, content: string) => {
      const created = await db.message!.create!({
        data: { content, memberId: w.member.id, channelId: w.audio.id, createdAt: new Date(Date.UTC(2024, 1, 1)) },
        include: { member: { include: { profile: true } }, channel: { include: { _count: true } } },
      })
      const updated = await db.message!.update!({
        where: { id: created.id },
        data: { content: `${content}!` },
        select: {
          content: true,
          channel: { select: { name: true, messages: { select: { content: true }, orderBy: { content: 'asc' } } } },
        },
      })
      const deleted = await db.message!.delete!({ where: { id: created.id }, include: { member: true } })
      const strip = (r: any) => ({ ...r, id: '<id>', updatedAt: '<t>' })
      return shown([strip(created), updated, strip(deleted)])
    }
    // sequential: the second sees the same rows once the first has deleted its message
    const got = await make(compiled, 'c')
    const want = await make(loader, 'c')
    expect(got).toBe(want)
  })
})

// Every column type inside the JSON of a list relation and of a joined to-one, against the top-level values.
const kid = pgTable('inc_kid', {
  id: uuid('id').primaryKey().defaultRandom(),
  parentId: uuid('parent_id'),
  label: varchar('label', { length: 20 }),
  count: integer('count'),
  big: bigint('big', { mode: 'number' }),
  huge: bigint('huge', { mode: 'bigint' }),
  flag: boolean('flag'),
  ratio: real('ratio'),
  score: doublePrecision('score'),
  price: numeric('price', { precision: 30, scale: 10 }),
  at: timestamp('at', { precision: 3 }),
  atz: timestamp('atz', { withTimezone: true }),
  atText: timestamp('at_text', { mode: 'string' }),
  day: date('day'),
  dayDate: date('day_date', { mode: 'date' }),
  doc: json('doc'),
  docb: jsonb('docb'),
  note: text('note'),
})
const parent = pgTable('inc_parent', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  kidId: uuid('kid_id'),
})
const kidRelations = relations(kid, ({ one }) => ({
  parent: one(parent, { fields: [kid.parentId], references: [parent.id] }),
}))
const parentRelations = relations(parent, ({ one, many }) => ({
  kids: many(kid),
  favourite: one(kid, { fields: [parent.kidId], references: [kid.id] }),
}))

describe('include compiled on postgres: every column type decodes as at the top level', () => {
  const schema = { kid, parent, kidRelations, parentRelations }
  let db: any
  beforeAll(async () => {
    db = createDb({ schema, backend: 'postgres', postgres: { url: testUrl() } })
    await db.$push()
  })
  afterAll(async () => {
    await db?.$disconnect()
  })

  it('values, nulls and precision', async () => {
    const p = await db.parent.create({ data: { name: uid('p') } })
    const full = {
      parentId: p.id,
      label: 'ü "q"',
      count: -5,
      big: 9007199254740991,
      huge: 9223372036854775807n,
      flag: true,
      ratio: 1.1,
      score: 0.1 + 0.2,
      price: '12345678901234567890.0123456789',
      at: new Date('2024-02-29T23:59:59.123Z'),
      atz: new Date('2024-06-01T12:00:00.000Z'),
      atText: '2024-01-02 03:04:05.678',
      day: '2024-02-29',
      dayDate: new Date('2024-03-01T00:00:00.000Z'),
      doc: { a: [1, 'x', null, true], n: 1.5 },
      docb: ['z', { y: 2 }],
      note: 'line\nbreak',
    }
    const k1 = await db.kid.create({ data: full })
    await db.kid.create({ data: { parentId: p.id, label: 'empty' } })
    await db.parent.update({ where: { id: p.id }, data: { kidId: k1.id } })
    const top = await db.kid.findMany({ where: { parentId: p.id }, orderBy: { label: 'asc' } })
    const got = await db.parent.findUnique({
      where: { id: p.id },
      include: { kids: { orderBy: { label: 'asc' } }, favourite: true },
    })
    expect(shown(got.kids)).toBe(shown(top))
    expect(shown(got.favourite)).toBe(shown(top.find((k: any) => k.id === k1.id)))
    // and through a JSON to-one (under a list relation)
    const viaKid = await db.kid.findMany({
      where: { parentId: p.id },
      orderBy: { label: 'asc' },
      include: { parent: { include: { favourite: true } } },
    })
    expect(shown(viaKid[0].parent.favourite)).toBe(shown(top.find((k: any) => k.id === k1.id)))
    const nested = await db.parent.findUnique({
      where: { id: p.id },
      include: { kids: { orderBy: { label: 'asc' }, include: { parent: { include: { favourite: true } } } } },
    })
    expect(shown(nested.kids[0].parent.favourite)).toBe(shown(top.find((k: any) => k.id === k1.id)))
    expect(
      (
        await db.parent.explain('findUnique', {
          where: { id: p.id },
          include: { kids: { include: { parent: { include: { favourite: true } } } } },
        })
      ).statements,
    ).toHaveLength(1)
  })
})
