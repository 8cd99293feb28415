// drizzle's relational queries (db.query.<table>.findMany/findFirst) through tandem's facade (issue 13, first
// part), compared with drizzle itself on PostgreSQL (the oracle) over the same rows: the facade runs on both
// backends, so the ScyllaDB answers are checked against what drizzle returns. Refusals by code, before I/O.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import postgres from 'postgres'
import { drizzle } from 'drizzle-orm/postgres-js'
import { sql, type asc as ascOp, type desc as descOp, type eq as eqOp } from 'drizzle-orm'
import { relationalQueries, type FindClient, type RelationalQuery } from '../../src/drizzle/relational-queries.js'
import { BACKENDS, openDb, testUrl, type TestDb } from '../support/backends.js'
import * as schema from '../support/schema.js'

const { layout: _layout, ...models } = schema
const pool = postgres(testUrl(), { max: 2, onnotice: () => {} })
const oracle = drizzle(pool, { schema: models })
const ids = {
  owner: randomUUID(),
  guest: randomUUID(),
  server: randomUUID(),
  lonely: randomUUID(),
  admin: randomUUID(),
  visitor: randomUUID(),
}
const users = { owner: `dq-owner-${ids.owner}`, guest: `dq-guest-${ids.guest}`, lonely: `dq-lonely-${ids.lonely}` }
const at = (n: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, n))

async function seed(db: TestDb): Promise<void> {
  await db.profile.createMany({
    data: [
      { id: ids.owner, userId: users.owner, name: 'Owner', email: 'o@x', createdAt: at(1), updatedAt: at(1) },
      { id: ids.guest, userId: users.guest, name: 'Guest', email: null, createdAt: at(2), updatedAt: at(2) },
      { id: ids.lonely, userId: users.lonely, name: 'Lonely', createdAt: at(3), updatedAt: at(3) },
    ],
  })
  await db.server.create({
    data: { id: ids.server, name: 'dq', inviteCode: `dq-${ids.server}`, profileId: ids.owner, createdAt: at(4) },
  })
  await db.member.createMany({
    data: [
      { id: ids.admin, role: 'ADMIN', profileId: ids.owner, serverId: ids.server, createdAt: at(5) },
      { id: ids.visitor, role: 'GUEST', profileId: ids.guest, serverId: ids.server, createdAt: at(6) },
    ],
  })
}

let seeded: TestDb[] = []
afterAll(async () => {
  for (const db of seeded) await db.$disconnect()
  await pool.end()
})

describe.each(BACKENDS)('drizzle relational queries through tandem on %s', (backend) => {
  let query: Record<string, RelationalQuery>
  beforeAll(async () => {
    const db = await openDb(backend)
    seeded.push(db)
    await seed(db)
    const clients = new Map<string, FindClient>(
      [...db.$schema.models.keys()].map((name) => [name, (db as unknown as Record<string, FindClient>)[name]!]),
    )
    query = relationalQueries(db.$schema, clients)
  })

  // each case: the same config to drizzle on PostgreSQL and to the facade
  const cases: [string, 'profile' | 'server' | 'member', 'findMany' | 'findFirst', () => Record<string, unknown>][] = [
    [
      'a row by a unique column (where callback)',
      'profile',
      'findFirst',
      () => ({
        where: (p: typeof schema.profile, { eq }: { eq: typeof eqOp }) => eq(p.userId, users.owner),
      }),
    ],
    [
      'no row: findFirst gives undefined',
      'profile',
      'findFirst',
      () => ({
        where: (p: typeof schema.profile, { eq }: { eq: typeof eqOp }) => eq(p.userId, 'dq-nobody'),
      }),
    ],
    [
      'columns pick, with nested relations and their own where/orderBy/limit',
      'server',
      'findMany',
      () => ({
        where: (s: typeof schema.server, { eq }: { eq: typeof eqOp }) => eq(s.profileId, ids.owner),
        columns: { id: true, name: true },
        with: {
          profile: { columns: { name: true, email: true } },
          members: {
            orderBy: (m: typeof schema.member, { desc }: { desc: typeof descOp }) => [desc(m.createdAt)],
            limit: 5,
            with: { profile: true },
          },
        },
      }),
    ],
    [
      'columns false leaves them out; orderBy and offset',
      'member',
      'findMany',
      () => ({
        where: (m: typeof schema.member, { eq }: { eq: typeof eqOp }) => eq(m.serverId, ids.server),
        columns: { createdAt: false },
        orderBy: (m: typeof schema.member, { asc }: { asc: typeof ascOp }) => [asc(m.createdAt)],
        offset: 1,
      }),
    ],
    [
      'a many relation with no rows is [] (and a one relation is an object)',
      'profile',
      'findFirst',
      () => ({
        where: (p: typeof schema.profile, { eq }: { eq: typeof eqOp }) => eq(p.userId, users.lonely),
        with: { servers: true, members: true },
      }),
    ],
  ]
  for (const [name, table, method, config] of cases)
    it(name, async () => {
      const expected = await (oracle.query[table][method] as (c: unknown) => Promise<unknown>)(config())
      const got = await query[table]![method](config())
      expect(got).toEqual(expected)
      if (method === 'findFirst' && name.includes('undefined')) expect(got).toBeUndefined()
    })

  it('refuses extras and raw SQL with UNSERVABLE_QUERY, unknown relations with VALIDATION', async () => {
    await expect(query.profile!.findMany({ where: sql`lower(${schema.profile.name}) = 'x'` })).rejects.toMatchObject({
      code: 'UNSERVABLE_QUERY',
    })
    await expect(query.profile!.findMany({ extras: { n: sql`1`.as('n') } })).rejects.toMatchObject({
      code: 'UNSERVABLE_QUERY',
    })
    await expect(query.profile!.findMany({ with: { nope: true } })).rejects.toMatchObject({ code: 'VALIDATION' })
  })
})
