// explain(db, query) from tandem-orm/drizzle (issue 13): on the facade the statements tandem's planner chose for the
// model-API call a builder or relational query becomes (the same as db.<model>.explain shows, nothing run); on
// PostgreSQL (drizzle itself) drizzle's SQL text.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { desc, eq, sql } from 'drizzle-orm'
import { drizzle, explain } from '../../src/drizzle/index.js'
import { drizzleFacade } from '../../src/drizzle/facade-db.js'
import { BACKENDS, openDb, testUrl, type TestDb } from '../support/backends.js'
import * as schema from '../support/schema.js'

const { layout, ...models } = schema
const { message, profile } = schema
const channelId = randomUUID()
const userId = `dz-explain-${randomUUID()}`
const opened: TestDb[] = []
afterAll(async () => {
  for (const db of opened) await db.$disconnect()
})

describe.each(BACKENDS)('explain on the facade over %s', (backend) => {
  let tandem: TestDb
  beforeAll(async () => {
    tandem = await openDb(backend)
    opened.push(tandem)
  })

  it('a select builder: the model API plan for its findMany', async () => {
    const db = drizzleFacade(models, tandem)
    const query = db
      .select({ id: message.id })
      .from(message)
      .where(eq(message.channelId, channelId))
      .orderBy(desc(message.createdAt))
    const plan = await explain(db, query)
    const expected = await tandem.message.explain('findMany', {
      select: { id: true },
      where: { channelId: { equals: channelId } },
      orderBy: [{ createdAt: 'desc' }],
    })
    expect(plan).toEqual(expected)
    expect(plan.backend).toBe(backend)
    expect(plan.statements.length).toBeGreaterThan(0)
    if (backend === 'scylla') {
      expect(plan.statements[0]!.text).toMatch(/^SELECT .* FROM .*message.* WHERE .*channel_id/)
      // a numeric limit is part of the plan (the partition read is limited)
      const limited = await explain(db, query.limit(50))
      expect(limited).toEqual(
        await tandem.message.explain('findMany', {
          select: { id: true },
          where: { channelId: { equals: channelId } },
          orderBy: [{ createdAt: 'desc' }],
          take: 50,
        }),
      )
      expect(limited.statements[0]!.text).toMatch(/LIMIT/)
      // a unique column: tandem reads its lookup table, then the row
      const byUser = await explain(db, db.select().from(profile).where(eq(profile.userId, userId)))
      expect(byUser.statements.length).toBeGreaterThanOrEqual(2)
      expect(byUser.statements.map((s) => s.text).join('\n')).toMatch(/user_id/)
    } else expect(plan.statements[0]!.text).toMatch(/select .*"message"/i)
  })

  it('a relational query (lazy: explained, not run) and refusals before any I/O', async () => {
    const db = drizzleFacade(models, tandem)
    const query = db.query.profile.findFirst({ where: (p, { eq }) => eq(p.userId, userId), with: { servers: true } })
    const plan = await explain(db, query)
    expect(plan).toEqual(
      await tandem.profile.explain('findFirst', {
        where: { userId: { equals: userId } },
        include: { servers: true },
      }),
    )
    await expect(explain(db, db.select({ n: sql`1` }).from(profile))).rejects.toMatchObject({
      code: 'UNSERVABLE_QUERY',
    })
  })
})

it('on PostgreSQL, drizzle itself: drizzle’s SQL text', async () => {
  const db = drizzle({ schema: models, backend: 'postgres', postgres: { url: testUrl() }, layout: layout as never })
  try {
    const query = db.select().from(message).where(eq(message.channelId, channelId)).limit(5)
    const plan = await explain(db, query)
    expect(plan).toEqual({ backend: 'postgres', statements: [{ text: query.toSQL().sql }] })
    expect(plan.statements[0]!.text).toMatch(/^select .* from "message" where "message"."channel_id" = \$1 limit \$2$/)
    const rq = await explain(db, db.query.profile.findMany({ where: (p, { eq }) => eq(p.userId, userId) }))
    expect(rq.statements[0]!.text).toMatch(/from "profile"/)
  } finally {
    await db.$tandem.$disconnect()
  }
})
