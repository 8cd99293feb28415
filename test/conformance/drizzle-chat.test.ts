// The chat application's reads and writes written as a Drizzle application writes them (core builders and
// db.query), run step by step on drizzle itself over PostgreSQL (the oracle) and on tandem's drizzle facade on
// each backend: every step's results (ids and run prefixes replaced by names) and errors must be the same.
// Errors compare by kind, side by side: drizzle on PostgreSQL throws DrizzleQueryError with PostgreSQL's
// SQLSTATE in `.cause.code`; tandem throws its codes (P2002 for a unique violation, …).
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import postgres from 'postgres'
import { and, asc, desc, DrizzleQueryError, eq, inArray, lt } from 'drizzle-orm'
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import { TandemError } from '../../src/errors.js'
import { drizzleFacade } from '../../src/drizzle/facade-db.js'
import { BACKENDS, openDb, testUrl, uid, type TestDb } from '../support/backends.js'
import * as schema from '../support/schema.js'

const { profile, server, member, channel, message, conversation, directMessage } = schema
const { layout: _layout, ...models } = schema
const pool = postgres(testUrl(), { max: 2, onnotice: () => {} })
const oracle = drizzlePostgres(pool, { schema: models })
type Db = typeof oracle

const PEOPLE = ['owner', 'alice', 'bob', 'carol'] as const
const DELETED = 'This message has been deleted.'
const minute = (base: string, i: number) => new Date(Date.parse(base) + i * 60_000)

/** Every id a run uses, fixed in advance, so results compare once ids are replaced by their names. */
function chatState() {
  const name = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`)
  const names = [
    ...PEOPLE.map((p) => `profile.${p}`),
    ...PEOPLE.map((p) => `member.${p}`),
    'server.hq',
    'server.side',
    'channel.general',
    'channel.random',
    'conversation',
    ...name('message.', 12),
    ...name('dm.', 6),
  ]
  const id = Object.fromEntries(names.map((n) => [n, randomUUID()])) as Record<string, string>
  return { T: uid('dzchat'), id }
}
type State = ReturnType<typeof chatState>

/** Ids become their names and the run's prefix `T`, so two runs' results compare. */
function normalise(value: unknown, s: State): unknown {
  const names = new Map(Object.entries(s.id).map(([n, id]) => [id, n]))
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return names.get(v) ?? v.replaceAll(s.T, 'T')
    if (Array.isArray(v)) return v.map(walk)
    if (v instanceof Date || v === null || typeof v !== 'object') return v
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
  }
  return walk(value)
}

/**
 * What a failed call means, the same word on both sides: drizzle on PostgreSQL by SQLSTATE, tandem by its code.
 * (README "Using tandem from a Drizzle application" shows the table.)
 */
function errorKind(e: unknown): string {
  if (e instanceof DrizzleQueryError) {
    const code = (e.cause as { code?: string } | undefined)?.code
    return { '23505': 'unique', '23503': 'foreign-key', '23502': 'not-null' }[code ?? ''] ?? `sqlstate ${code}`
  }
  if (e instanceof TandemError)
    return { P2002: 'unique', P2003: 'foreign-key', P2011: 'not-null' }[e.code as string] ?? e.code
  throw e
}
const outcome = (p: Promise<unknown>) =>
  p.then(
    (value) => ({ value }),
    (e: unknown) => ({ error: errorKind(e) }),
  )

interface Step {
  name: string
  run(db: Db, s: State): Promise<Record<string, unknown>>
}

const steps: Step[] = [
  {
    name: 'profiles sign up; the current profile is found by its user id',
    async run(db, s) {
      await db.insert(profile).values(
        PEOPLE.map((p, i) => ({
          id: s.id[`profile.${p}`]!,
          userId: `${s.T}-${p}`,
          name: p,
          email: `${p}@chat.io`,
          createdAt: minute('2024-01-01T00:00:00.000Z', i),
          updatedAt: minute('2024-01-01T00:00:00.000Z', i),
        })),
      )
      const current = await db
        .select()
        .from(profile)
        .where(eq(profile.userId, `${s.T}-owner`))
      const byQuery = await db.query.profile.findFirst({
        where: (p, { eq }) => eq(p.userId, `${s.T}-alice`),
        columns: { id: true, name: true, email: true },
      })
      return { current, byQuery }
    },
  },
  {
    name: 'the owner creates a server with its channels and becomes its admin',
    async run(db, s) {
      const created = await db
        .insert(server)
        .values({
          id: s.id['server.hq']!,
          name: 'HQ',
          inviteCode: `${s.T}-hq`,
          profileId: s.id['profile.owner']!,
          createdAt: new Date('2024-02-01T00:00:00.000Z'),
        })
        .returning()
      const admin = await db
        .insert(member)
        .values({
          id: s.id['member.owner']!,
          role: 'ADMIN',
          profileId: s.id['profile.owner']!,
          serverId: s.id['server.hq']!,
          createdAt: new Date('2024-02-01T00:00:01.000Z'),
        })
        .returning({ id: member.id, role: member.role })
      const channels = await db
        .insert(channel)
        .values(
          ['general', 'random'].map((n, i) => ({
            id: s.id[`channel.${n}`]!,
            name: n,
            serverId: s.id['server.hq']!,
            createdAt: minute('2024-02-01T00:01:00.000Z', i),
          })),
        )
        .returning({ id: channel.id, name: channel.name, type: channel.type })
      return { created, admin, channels }
    },
  },
  {
    name: 'others join through the invite code; joining twice changes nothing',
    async run(db, s) {
      const [found] = await db
        .select({ id: server.id })
        .from(server)
        .where(eq(server.inviteCode, `${s.T}-hq`))
      const joined = await db
        .insert(member)
        .values(
          (['alice', 'bob', 'carol'] as const).map((p, i) => ({
            id: s.id[`member.${p}`]!,
            profileId: s.id[`profile.${p}`]!,
            serverId: found!.id,
            createdAt: minute('2024-02-02T00:00:00.000Z', i),
          })),
        )
        .returning({ id: member.id, role: member.role })
      const again = await db
        .insert(member)
        .values({ profileId: s.id['profile.alice']!, serverId: found!.id })
        .onConflictDoNothing({ target: [member.profileId, member.serverId] })
        .returning()
      expect(again).toEqual([])
      return { found, joined, again }
    },
  },
  {
    name: 'the server page: channels and members with their profiles',
    async run(db, s) {
      const page = await db.query.server.findFirst({
        where: eq(server.id, s.id['server.hq']!),
        columns: { id: true, name: true, inviteCode: true },
        with: {
          channels: { orderBy: [asc(channel.createdAt)], columns: { id: true, name: true } },
          members: {
            orderBy: [asc(member.createdAt)],
            columns: { id: true, role: true },
            with: { profile: { columns: { name: true, email: true } } },
          },
        },
      })
      return { page }
    },
  },
  {
    name: 'messages are posted to a channel',
    async run(db, s) {
      const authors = ['owner', 'alice', 'bob'] as const
      const posted = await db
        .insert(message)
        .values(
          Array.from({ length: 12 }, (_, i) => ({
            id: s.id[`message.${i}`]!,
            content: `hello ${i}`,
            memberId: s.id[`member.${authors[i % 3]}`]!,
            channelId: s.id['channel.general']!,
            createdAt: minute('2024-06-01T00:00:00.000Z', i),
            updatedAt: minute('2024-06-01T00:00:00.000Z', i),
          })),
        )
        .returning({ id: message.id, content: message.content, deleted: message.deleted })
      return { posted }
    },
  },
  {
    name: 'the feed reads newest first, page by page, with each author',
    async run(db, s) {
      const general = s.id['channel.general']!
      const first = await db.query.message.findMany({
        where: eq(message.channelId, general),
        orderBy: [desc(message.createdAt)],
        limit: 5,
        columns: { id: true, content: true, createdAt: true },
        with: { member: { columns: { role: true }, with: { profile: { columns: { name: true } } } } },
      })
      const second = await db.query.message.findMany({
        where: and(eq(message.channelId, general), lt(message.createdAt, first.at(-1)!.createdAt)),
        orderBy: [desc(message.createdAt)],
        limit: 5,
        columns: { id: true, content: true },
      })
      const third = await db
        .select({ id: message.id, content: message.content })
        .from(message)
        .where(eq(message.channelId, general))
        .orderBy(desc(message.createdAt))
        .limit(5)
        .offset(10)
      expect([first.length, second.length, third.length]).toEqual([5, 5, 2])
      return { first, second, third }
    },
  },
  {
    name: 'an author edits a message; a moderator deletes one softly',
    async run(db, s) {
      const edited = await db
        .update(message)
        .set({ content: 'hello again', updatedAt: new Date('2024-06-02T00:00:00.000Z') })
        .where(and(eq(message.id, s.id['message.1']!), eq(message.memberId, s.id['member.alice']!)))
        .returning({ id: message.id, content: message.content, updatedAt: message.updatedAt })
      const notTheirs = await db
        .update(message)
        .set({ content: 'hijacked', updatedAt: new Date('2024-06-02T00:00:00.000Z') })
        .where(and(eq(message.id, s.id['message.0']!), eq(message.memberId, s.id['member.alice']!)))
        .returning({ id: message.id })
      const removed = await db
        .update(message)
        .set({ deleted: true, content: DELETED, fileUrl: null, updatedAt: new Date('2024-06-03T00:00:00.000Z') })
        .where(eq(message.id, s.id['message.2']!))
        .returning({ id: message.id, content: message.content, deleted: message.deleted })
      const after = await db
        .select({ id: message.id, content: message.content, deleted: message.deleted })
        .from(message)
        .where(inArray(message.id, [s.id['message.0']!, s.id['message.1']!, s.id['message.2']!]))
        .orderBy(asc(message.createdAt))
      expect(notTheirs).toEqual([])
      expect(edited).toHaveLength(1)
      return { edited, notTheirs, removed, after }
    },
  },
  {
    name: 'a member is promoted to moderator',
    async run(db, s) {
      const promoted = await db
        .update(member)
        .set({ role: 'MODERATOR' })
        .where(and(eq(member.serverId, s.id['server.hq']!), eq(member.profileId, s.id['profile.bob']!)))
        .returning({ id: member.id, role: member.role })
      return { promoted }
    },
  },
  {
    name: 'a conversation is found or created, then direct messages page',
    async run(db, s) {
      const one = s.id['member.alice']!
      const two = s.id['member.bob']!
      const find = (a: string, b: string) =>
        db
          .select()
          .from(conversation)
          .where(and(eq(conversation.memberOneId, a), eq(conversation.memberTwoId, b)))
      const before = [...(await find(one, two)), ...(await find(two, one))]
      const created = await db
        .insert(conversation)
        .values({ id: s.id['conversation']!, memberOneId: one, memberTwoId: two })
        .returning()
      const reversed = await find(two, one)
      await db.insert(directMessage).values(
        Array.from({ length: 6 }, (_, i) => ({
          id: s.id[`dm.${i}`]!,
          content: `dm ${i}`,
          memberId: i % 2 ? two : one,
          conversationId: s.id['conversation']!,
          createdAt: minute('2024-07-01T00:00:00.000Z', i),
          updatedAt: minute('2024-07-01T00:00:00.000Z', i),
        })),
      )
      const page = await db.query.directMessage.findMany({
        where: (d, { eq }) => eq(d.conversationId, s.id['conversation']!),
        orderBy: (d, { desc }) => [desc(d.createdAt)],
        limit: 3,
        columns: { content: true },
        with: { member: { columns: { id: true } } },
      })
      return { before, created, reversed, page }
    },
  },
  {
    name: 'an invite code taken twice is refused and nothing changes',
    async run(db, s) {
      const taken = await outcome(
        db.insert(server).values({ name: 'Copy', inviteCode: `${s.T}-hq`, profileId: s.id['profile.bob']! }),
      )
      const holders = await db
        .select({ id: server.id })
        .from(server)
        .where(eq(server.inviteCode, `${s.T}-hq`))
      expect(taken).toEqual({ error: 'unique' })
      expect(holders).toHaveLength(1)
      return { taken, holders }
    },
  },
  {
    name: 'the invite code is regenerated',
    async run(db, s) {
      const renewed = await db
        .update(server)
        .set({ inviteCode: `${s.T}-hq-2` })
        .where(eq(server.id, s.id['server.hq']!))
        .returning({ inviteCode: server.inviteCode })
      const byOld = await db
        .select({ id: server.id })
        .from(server)
        .where(eq(server.inviteCode, `${s.T}-hq`))
      const byNew = await db
        .select({ id: server.id })
        .from(server)
        .where(eq(server.inviteCode, `${s.T}-hq-2`))
      return { renewed, byOld, byNew }
    },
  },
  {
    name: 'a member leaves the server',
    async run(db, s) {
      const left = await db
        .delete(member)
        .where(and(eq(member.serverId, s.id['server.hq']!), eq(member.profileId, s.id['profile.carol']!)))
        .returning({ id: member.id })
      const remaining = await db.query.member.findMany({
        where: eq(member.serverId, s.id['server.hq']!),
        columns: { id: true, role: true },
        orderBy: [asc(member.createdAt)],
      })
      return { left, remaining }
    },
  },
  {
    name: 'the owner deletes the server: its members, channels and messages go with it',
    async run(db, s) {
      await db.delete(server).where(eq(server.id, s.id['server.hq']!))
      const members = await db.select().from(member).where(eq(member.serverId, s.id['server.hq']!))
      const channels = await db.select().from(channel).where(eq(channel.serverId, s.id['server.hq']!))
      const messages = await db.select().from(message).where(eq(message.channelId, s.id['channel.general']!))
      const owner = await db.query.profile.findFirst({
        where: eq(profile.id, s.id['profile.owner']!),
        columns: { name: true },
        with: { servers: true },
      })
      expect([members, channels, messages]).toEqual([[], [], []])
      return { members, channels, messages, owner }
    },
  },
]

afterAll(async () => {
  await pool.end()
})

describe.each(BACKENDS)('the chat application in Drizzle style: drizzle on PostgreSQL vs tandem on %s', (backend) => {
  let tandem: TestDb
  let facade: Db
  const mine = chatState()
  const theirs = chatState()
  beforeAll(async () => {
    tandem = await openDb(backend)
    facade = drizzleFacade(models, tandem as never) as unknown as Db
  })
  afterAll(async () => {
    await tandem?.$disconnect()
  })

  let broken: string | undefined
  for (const step of steps)
    it(step.name, async () => {
      if (broken) throw new Error(`not run: an earlier step threw (${broken})`)
      try {
        const expected = normalise(await step.run(oracle, theirs), theirs)
        const got = normalise(await step.run(facade, mine), mine)
        expect(got).toEqual(expected)
      } catch (e) {
        broken = step.name
        throw e
      }
    })

  it('the oracle saw what the application expects (a sanity check on the steps themselves)', async () => {
    const rows = await oracle
      .select()
      .from(profile)
      .where(eq(profile.userId, `${theirs.T}-owner`))
    expect(rows).toHaveLength(1)
    const servers = await oracle.select().from(server).where(eq(server.id, theirs.id['server.hq']!))
    expect(servers).toEqual([])
  })
})
