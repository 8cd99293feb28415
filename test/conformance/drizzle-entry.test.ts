// tandem-orm/drizzle's entry (issue 13): on PostgreSQL `drizzle()` is drizzle itself over tandem's pool (every
// drizzle feature: joins, raw SQL), `$client` is that pool and `$tandem.$disconnect()` closes it; `{ client }`
// takes a tandem client made already; ScyllaDB and dual mode give the facade; the package imports by name (dist).
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import postgres from 'postgres'
import { drizzle as plainDrizzle, PostgresJsDatabase } from 'drizzle-orm/postgres-js'
import { asc, eq, is, sql } from 'drizzle-orm'
import { createDb } from '../../src/index.js'
import { drizzle } from '../../src/drizzle/index.js'
import { FacadeDatabase } from '../../src/drizzle/facade-database.js'
import { openDb, testUrl, type TestDb } from '../support/backends.js'
import * as schema from '../support/schema.js'

const { layout, ...models } = schema
const { member, profile } = schema
const pool = postgres(testUrl(), { max: 2, onnotice: () => {} })
const oracle = plainDrizzle(pool, { schema: models })
const ids = { owner: randomUUID(), server: randomUUID(), admin: randomUUID() }
const userId = `dz-entry-${ids.owner}`
const options = { postgres: { url: testUrl() }, scylla: { keyspace: 'tandem_test' }, layout: layout as never }
const opened: TestDb[] = []
const at = new Date(Date.UTC(2024, 0, 1))

beforeAll(async () => {
  for (const backend of ['postgres', 'scylla'] as const) {
    const db = await openDb(backend)
    opened.push(db)
    await db.profile.create({ data: { id: ids.owner, userId, name: 'Entry', createdAt: at, updatedAt: at } })
    await db.server.create({ data: { id: ids.server, name: 'e', inviteCode: `e-${ids.server}`, profileId: ids.owner } })
    await db.member.create({ data: { id: ids.admin, role: 'ADMIN', profileId: ids.owner, serverId: ids.server } })
  }
})
afterAll(async () => {
  for (const db of opened) await db.$disconnect()
  await pool.end()
})

describe('drizzle() on PostgreSQL is drizzle itself', () => {
  it('a PostgresJsDatabase: joins and raw SQL as plain drizzle gives them; $client is the pool', async () => {
    const db = drizzle({ schema: models, backend: 'postgres', ...options })
    try {
      expect(is(db, PostgresJsDatabase)).toBe(true)
      expect(db.$tandem.$backend).toBe('postgres')
      const joined = (d: PostgresJsDatabase<typeof models>) =>
        d
          .select({ role: member.role, name: profile.name })
          .from(member)
          .innerJoin(profile, eq(member.profileId, profile.id))
          .where(eq(member.serverId, ids.server))
      expect(await joined(db)).toEqual(await joined(oracle))
      expect(await joined(db)).toEqual([{ role: 'ADMIN', name: 'Entry' }])
      const raw = await db.execute(sql`select ${profile.name} from ${profile} where ${profile.userId} = ${userId}`)
      expect([...raw]).toEqual([{ name: 'Entry' }])
      expect(await db.$client!`select 41 + 1 as n`).toEqual([{ n: 42 }])
      // the same pool as tandem's own calls: a query through it sees tandem's rows
      expect(await db.$tandem.profile.findUnique({ where: { userId }, select: { name: true } })).toEqual({
        name: 'Entry',
      })
    } finally {
      await db.$tandem.$disconnect()
    }
    await expect(Promise.resolve().then(() => db.$client!`select 1`)).rejects.toThrow()
  })

  it('{ schema, client } takes a tandem client: drizzle itself on PostgreSQL, the facade on ScyllaDB', async () => {
    const [pg, scylla] = opened as [TestDb, TestDb]
    const onPg = drizzle({ schema: models, client: pg })
    const onScylla = drizzle({ schema: models, client: scylla })
    expect(is(onPg, PostgresJsDatabase)).toBe(true)
    expect(onScylla).toBeInstanceOf(FacadeDatabase)
    expect(onScylla.$client).toBeUndefined()
    expect(onScylla.$tandem).toBe(scylla)
    const q = (d: PostgresJsDatabase<typeof models>) => d.select().from(profile).where(eq(profile.userId, userId))
    const expected = await q(oracle)
    expect(expected).toHaveLength(1)
    expect(await q(onPg)).toEqual(expected)
    expect(await q(onScylla)).toEqual(expected)
  })

  it('dual mode gives the facade over the dual client (a drizzle insert mirrored to both, read back)', async () => {
    const db = drizzle({
      schema: models,
      backend: 'dual',
      ...options,
      dual: { primary: 'postgres', secondary: 'scylla', mirror: 'sync', healthIntervalMs: 60_000, syncIntervalMs: 0 },
    })
    try {
      expect(db).toBeInstanceOf(FacadeDatabase)
      expect(db.$tandem.$backend).toBe('dual')
      const id = randomUUID()
      await db.insert(profile).values({ id, userId: `dz-dual-${id}`, name: 'Dual' })
      const rows = await db
        .select({ id: profile.id, name: profile.name })
        .from(profile)
        .where(eq(profile.userId, `dz-dual-${id}`))
        .orderBy(asc(profile.id))
      expect(rows).toEqual([{ id, name: 'Dual' }])
      for (const side of opened)
        expect(await side.profile.findUnique({ where: { id } })).toMatchObject({ name: 'Dual' })
    } finally {
      await db.$tandem.$disconnect()
    }
  })
})

it('imports by name as tandem-orm/drizzle (the built package: npm run build)', () => {
  expect(existsSync('dist/drizzle/index.js'), 'dist/ is missing: run `npm run -s build` first').toBe(true)
  const out = execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "const m = await import('tandem-orm/drizzle'); console.log(JSON.stringify(Object.keys(m).sort()))",
    ],
    { encoding: 'utf8' },
  )
  expect(JSON.parse(out)).toEqual(['TandemError', 'drizzle', 'explain'])
})
