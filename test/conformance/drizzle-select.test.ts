// drizzle's select builder, prepared statements, $count and db.execute through tandem's facade (issue 13), compared
// with drizzle itself on PostgreSQL (the oracle) over the same rows: the facade runs on both backends. On ScyllaDB
// every where names the message partition (channelId) plus the operator under test. Refusals by code and part,
// before any I/O (the model clients are watched).
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import postgres from 'postgres'
import { drizzle } from 'drizzle-orm/postgres-js'
import {
  and,
  asc,
  between,
  desc,
  eq,
  gt,
  gte,
  ilike,
  inArray,
  isNotNull,
  isNull,
  like,
  lt,
  lte,
  ne,
  not,
  notInArray,
  or,
  sql,
  type SQL,
} from 'drizzle-orm'
import { drizzleFacade } from '../../src/drizzle/facade-db.js'
import type { TandemDrizzle } from '../../src/drizzle/index.js'
import { BACKENDS, openDb, testUrl, type BackendKind, type TestDb, type TestSchema } from '../support/backends.js'
import * as schema from '../support/schema.js'

const { layout: _layout, ...models } = schema
const { message, member, profile } = schema
const pool = postgres(testUrl(), { max: 2, onnotice: () => {} })
const oracle = drizzle(pool, { schema: models })
const ids = { profile: randomUUID(), server: randomUUID(), member: randomUUID(), channel: randomUUID() }
const ch = ids.channel
const at = (n: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, n))
const msgIds = Array.from({ length: 6 }, () => randomUUID())
const contents = ['hello world', 'Hello there', 'bye world', 'plain', 'HELLO again', 'last one']

async function seed(db: TestDb): Promise<void> {
  await db.profile.create({
    data: { id: ids.profile, userId: `dz-sel-${ids.profile}`, name: 'Sel', createdAt: at(1), updatedAt: at(1) },
  })
  await db.server.create({
    data: {
      id: ids.server,
      name: 'dz-sel',
      inviteCode: `dz-sel-${ids.server}`,
      profileId: ids.profile,
      createdAt: at(1),
    },
  })
  await db.member.create({
    data: { id: ids.member, role: 'ADMIN', profileId: ids.profile, serverId: ids.server, createdAt: at(1) },
  })
  await db.channel.create({ data: { id: ch, name: 'general', serverId: ids.server, createdAt: at(1) } })
  await db.message.createMany({
    data: contents.map((content, i) => ({
      id: msgIds[i]!,
      content,
      fileUrl: i % 2 === 0 ? `f${i}` : null,
      memberId: ids.member,
      channelId: ch,
      deleted: i === 3,
      createdAt: at(10 + i),
      updatedAt: at(10 + i),
    })),
  })
}

const tandems = new Map<BackendKind, TestDb>()
beforeAll(async () => {
  for (const backend of BACKENDS) {
    const db = await openDb(backend)
    tandems.set(backend, db)
    await seed(db)
  }
})
afterAll(async () => {
  for (const db of tandems.values()) await db.$disconnect()
  await pool.end()
})

type Db = TandemDrizzle<TestSchema>
const inChannel = (cond?: SQL) => and(eq(message.channelId, ch), cond)

describe.each(BACKENDS)('drizzle select through tandem on %s', (backend) => {
  let db: Db
  /** model-API calls made (to show a refusal ran nothing) */
  const calls: string[] = []
  beforeAll(() => {
    db = drizzleFacade(models, watched(tandems.get(backend)!, calls))
  })

  // each case: the same builder chain on drizzle (PostgreSQL) and on the facade
  const cases: [string, (d: Db) => PromiseLike<unknown>][] = [
    [
      'select() every column, a clustering order',
      (d) => d.select().from(message).where(inChannel()).orderBy(desc(message.createdAt)),
    ],
    [
      'select({ chosen, nested: { fields } })',
      (d) =>
        d
          .select({ id: message.id, body: { content: message.content, at: message.createdAt } })
          .from(message)
          .where(inChannel())
          .orderBy(asc(message.createdAt)),
    ],
    ['eq', (d) => sel(d, eq(message.content, 'plain'))],
    ['ne', (d) => sel(d, ne(message.content, 'plain'))],
    ['gt', (d) => sel(d, gt(message.createdAt, at(12)))],
    ['gte', (d) => sel(d, gte(message.createdAt, at(12)))],
    ['lt', (d) => sel(d, lt(message.createdAt, at(12)))],
    ['lte', (d) => sel(d, lte(message.createdAt, at(12)))],
    ['inArray', (d) => sel(d, inArray(message.id, [msgIds[0]!, msgIds[4]!, randomUUID()]))],
    ['notInArray', (d) => sel(d, notInArray(message.id, [msgIds[0]!, msgIds[4]!]))],
    ['isNull', (d) => sel(d, isNull(message.fileUrl))],
    ['isNotNull', (d) => sel(d, isNotNull(message.fileUrl))],
    ['or', (d) => sel(d, or(eq(message.content, 'plain'), eq(message.deleted, false)))],
    ['and (nested)', (d) => sel(d, and(eq(message.deleted, false), isNotNull(message.fileUrl)))],
    ['not', (d) => sel(d, not(eq(message.deleted, false)))],
    ['like', (d) => sel(d, like(message.content, '%world'))],
    ['ilike', (d) => sel(d, ilike(message.content, 'hello%'))],
    ['between', (d) => sel(d, between(message.createdAt, at(11), at(13)))],
    ['limit', (d) => sel(d, undefined).limit(2)],
    ['limit and offset', (d) => sel(d, undefined).limit(2).offset(3)],
    ['findFirst-like .limit(1)', (d) => sel(d, like(message.content, '%world')).limit(1)],
    ['no row', (d) => sel(d, eq(message.content, 'nobody said this'))],
  ]
  for (const [name, run] of cases)
    it(name, async () => {
      const expected = await run(oracle as unknown as Db)
      const got = await run(db)
      expect(got).toEqual(expected)
      expect((expected as unknown[]).length).toBeGreaterThanOrEqual(name === 'no row' ? 0 : 1)
    })

  it('a unique column (no partition key) on profile, and no orderBy (compared as a set)', async () => {
    const q = (d: Db) =>
      d
        .select({ id: profile.id, name: profile.name })
        .from(profile)
        .where(eq(profile.userId, `dz-sel-${ids.profile}`))
    expect(await q(db)).toEqual(await q(oracle as unknown as Db))
    const byId = (rows: { id: string }[]) => [...rows].sort((a, b) => a.id.localeCompare(b.id))
    const all = (d: Db) => d.select().from(message).where(eq(message.channelId, ch))
    expect(byId(await all(db))).toEqual(byId(await all(oracle as unknown as Db)))
  })

  it('prepared statements: where and limit placeholders filled at execute', async () => {
    const build = (d: Db, name: string) =>
      d
        .select({ id: message.id, content: message.content })
        .from(message)
        .where(and(eq(message.channelId, sql.placeholder('ch')), ne(message.content, sql.placeholder('skip'))))
        .orderBy(desc(message.createdAt))
        .limit(sql.placeholder('n'))
        .prepare(name)
    const mine = build(db, `dz_sel_${backend}`)
    const theirs = build(oracle as unknown as Db, `dz_sel_oracle_${backend}`)
    for (const values of [
      { ch, skip: 'plain', n: 3 },
      { ch, skip: 'last one', n: 10 },
    ]) {
      const expected = await theirs.execute(values)
      expect(expected.length).toBeGreaterThan(0)
      expect(await mine.execute(values)).toEqual(expected)
    }
    await expect(mine.execute({ ch, n: 1 })).rejects.toMatchObject({ code: 'VALIDATION', message: /skip/ })
  })

  it('prepared relational queries: placeholders in where and limit', async () => {
    const build = (d: Db, name: string) =>
      d.query.message
        .findMany({
          columns: { id: true, content: true },
          where: (m, { eq }) => eq(m.channelId, sql.placeholder('ch')),
          orderBy: (m, { desc }) => [desc(m.createdAt)],
          limit: sql.placeholder('n'),
          with: { member: { columns: { role: true } } },
        })
        .prepare(name)
    const mine = build(db, `dz_rq_${backend}`)
    const theirs = build(oracle as unknown as Db, `dz_rq_oracle_${backend}`)
    for (const values of [
      { ch, n: 2 },
      { ch, n: 10 },
    ]) {
      const expected = await theirs.execute(values)
      expect(expected).toHaveLength(Math.min(values.n, contents.length))
      expect(await mine.execute(values)).toEqual(expected)
    }
  })

  it('$count(table, where) through the model API count', async () => {
    for (const where of [eq(message.channelId, ch), inChannel(isNull(message.fileUrl))]) {
      const expected = await oracle.$count(message, where)
      expect(await db.$count(message, where)).toBe(expected)
    }
    await expect(db.$count(db.select().from(message).as('sq'))).rejects.toMatchObject({ code: 'UNSERVABLE_QUERY' })
  })

  it('refuses what tandem cannot serve with UNSERVABLE_QUERY naming the part, before any I/O', async () => {
    const whereCh = eq(message.channelId, ch)
    const sq = db.select().from(message).where(whereCh).as('sq')
    const cte = db.$with('recent').as(db.select().from(message).where(whereCh))
    const refused: [RegExp, () => PromiseLike<unknown>][] = [
      [
        /join/,
        () =>
          db
            .select()
            .from(member)
            .innerJoin(profile, eq(member.profileId, profile.id))
            .where(eq(member.id, ids.member)),
      ],
      [
        /join/,
        () =>
          db.select().from(member).leftJoin(profile, eq(member.profileId, profile.id)).where(eq(member.id, ids.member)),
      ],
      [
        /subquery/,
        () =>
          db
            .select()
            .from(message)
            .where(and(whereCh, inArray(message.memberId, db.select({ id: member.id }).from(member)))),
      ],
      [/subquery/, () => db.select().from(sq)],
      [
        /sql`` field `n`/,
        () =>
          db
            .select({ n: sql<number>`count(*)` })
            .from(message)
            .where(whereCh),
      ],
      [/groupBy/, () => db.select({ c: message.channelId }).from(message).where(whereCh).groupBy(message.channelId)],
      [
        /having/,
        () =>
          db
            .select()
            .from(message)
            .where(whereCh)
            .having(sql`true`),
      ],
      [/distinct/, () => db.selectDistinct().from(message).where(whereCh)],
      [/locking/, () => db.select().from(message).where(whereCh).for('update')],
      [/set operator/, () => db.select().from(message).where(whereCh).union(db.select().from(message).where(whereCh))],
      [/CTE/, () => db.with(cte).select().from(message).where(whereCh)],
      [/CTE/, () => db.with(cte).select().from(cte)],
      [
        /condition/,
        () =>
          db
            .select()
            .from(message)
            .where(and(whereCh, sql`${message.content} = 'x'`)),
      ],
    ]
    calls.length = 0
    for (const [part, run] of refused)
      await expect(run(), String(part)).rejects.toMatchObject({
        code: 'UNSERVABLE_QUERY',
        message: expect.stringMatching(part),
      })
    // raw SQL: a rejected promise, not a synchronous throw
    let pending: PromiseLike<unknown> | undefined
    expect(() => (pending = db.execute(sql`select 1`))).not.toThrow()
    await expect(pending).rejects.toMatchObject({ code: 'UNSERVABLE_QUERY', message: /db\.execute/ })
    expect(calls).toEqual([])
  })
})

/** a select of the channel's messages with one more condition, newest first (the clustering order) */
function sel(d: Db, cond: SQL | undefined) {
  return d.select().from(message).where(inChannel(cond)).orderBy(desc(message.createdAt))
}

/** the tandem client with its model delegates' calls recorded in `calls` */
function watched(db: TestDb, calls: string[]): TestDb {
  const models = new Set(db.$schema.models.keys())
  return new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown
      if (typeof prop !== 'string' || !models.has(prop)) return typeof value === 'function' ? value.bind(target) : value
      return new Proxy(value as object, {
        get(delegate, method) {
          const f = Reflect.get(delegate, method, delegate) as unknown
          if (typeof f !== 'function') return f
          return (...args: unknown[]) => {
            calls.push(`${prop}.${String(method)}`)
            return f.apply(delegate, args)
          }
        },
      })
    },
  })
}
