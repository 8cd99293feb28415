// db.$scylla({ consistency, timeoutMs, ttl }): per-call options on ScyllaDB (real Cassandra), refused or
// ignored on PostgreSQL, and never leaking into the calls of the normal client.
import type cassandra from 'cassandra-driver'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { backendOf } from '../../src/create-db.js'
import { createDb } from '../../src/index.js'
import type { ScyllaBackend } from '../../src/cql/scylla-backend.js'
import { openDb, uid, type TestDb } from '../support/backends.js'
import * as schema from '../support/schema.js'

const { layout, ...models } = schema
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('db.$scylla on ScyllaDB', () => {
  let db: TestDb
  let scylla: ScyllaBackend
  beforeAll(async () => {
    db = await openDb('scylla')
    scylla = backendOf(db) as ScyllaBackend
  })
  afterAll(() => db.$disconnect())

  /** TTL left on a profile's `name` cell (null: none) and on its userId lookup entry. */
  async function ttlOf(id: string, userId: string): Promise<{ row: unknown; lookup: unknown }> {
    const ks = scylla.session.keyspace
    const t = scylla.session.tablesOf('profile')
    const u = t.uniques.find((x) => x.keyFields.includes('userId'))!
    const [row] = await scylla.session.exec.select(`SELECT TTL(name) AS t FROM "${ks}"."${t.base.name}" WHERE id = ?`, [
      id,
    ])
    const [entry] = await scylla.session.exec.select(`SELECT TTL(id) AS t FROM "${ks}"."${u.name}" WHERE user_id = ?`, [
      userId,
    ])
    return { row: row?.t ?? null, lookup: entry?.t ?? null }
  }

  it("consistency 'one' and 'all' both work on a one-node cluster; a bad name is VALIDATION", async () => {
    for (const consistency of ['one', 'all', 'LOCAL_QUORUM', 'localOne']) {
      const c = db.$scylla({ consistency })
      const userId = uid('cons')
      const created = await c.profile.create({ data: { userId, name: consistency } })
      expect(await c.profile.findUnique({ where: { userId } })).toEqual(created)
      await c.profile.delete({ where: { id: created.id } })
      expect(await c.profile.findUnique({ where: { userId } })).toBeNull()
    }
    expect(() => db.$scylla({ consistency: 'most' })).toThrow(expect.objectContaining({ code: 'VALIDATION' }))
    expect(() => db.$scylla({ ttl: 0 })).toThrow(expect.objectContaining({ code: 'VALIDATION' }))
    expect(() => db.$scylla({ timeoutMs: -1 })).toThrow(expect.objectContaining({ code: 'VALIDATION' }))
    expect(() => db.$scylla({ ttl: 1.5 })).toThrow(expect.objectContaining({ code: 'VALIDATION' }))
  })

  it('consistency and timeoutMs reach the driver for that client only', async () => {
    const client = scylla.session.exec.client
    const seen: cassandra.QueryOptions[] = []
    // a pass-through spy on the real driver: records each request's options, the request still runs
    const original = client.execute.bind(client) as (...args: unknown[]) => unknown
    const spy = vi.spyOn(client, 'execute').mockImplementation(((...args: unknown[]) => {
      seen.push((args[2] ?? {}) as cassandra.QueryOptions)
      return original(...args)
    }) as never)
    try {
      const userId = uid('opts')
      await db.$scylla({ consistency: 'one', timeoutMs: 4321 }).profile.findUnique({ where: { userId } })
      expect(seen.length).toBeGreaterThan(0)
      for (const o of seen) expect(o).toMatchObject({ consistency: 1, readTimeout: 4321 })
      seen.length = 0
      await db.profile.findUnique({ where: { userId } })
      expect(seen.length).toBeGreaterThan(0)
      for (const o of seen) {
        expect(o.readTimeout).toBeUndefined()
        expect(o.consistency).toBeUndefined()
      }
    } finally {
      spy.mockRestore()
    }
  })

  it('ttl: the row and its unique lookup entry expire together; the value can be created again', async () => {
    const userId = uid('ttl')
    const short = db.$scylla({ ttl: 2 })
    const created = await short.profile.create({ data: { userId, name: 'brief' } })
    const live = await ttlOf(created.id, userId)
    expect(live.row).toBeGreaterThan(0)
    expect(live.lookup).toBeGreaterThan(0)
    expect(await db.profile.findUnique({ where: { userId } })).toEqual(created)
    await sleep(3100)
    expect(await db.profile.findUnique({ where: { userId } })).toBeNull()
    expect(await db.profile.findUnique({ where: { id: created.id } })).toBeNull()
    expect(await ttlOf(created.id, userId)).toEqual({ row: null, lookup: null })
    const again = await db.profile.create({ data: { userId, name: 'lasting' } })
    expect(await db.profile.findUnique({ where: { userId } })).toEqual(again)
    expect(await ttlOf(again.id, userId)).toEqual({ row: null, lookup: null })
  })

  it('explain shows the USING TTL of a ttl client, and none on db', async () => {
    const create = { data: { userId: 'x', name: 'y' } }
    const ttled = await db.$scylla({ ttl: 60 }).profile.explain('create', create)
    const plain = await db.profile.explain('create', create)
    const writes = ttled.statements.filter((s) => s.text.startsWith('INSERT'))
    expect(writes.length).toBeGreaterThan(1)
    for (const s of writes) expect(s.text).toMatch(/ USING TTL \?$/)
    for (const s of plain.statements) expect(s.text).not.toContain('USING TTL')
  })

  it('ttl on an update applies to the cells it sets', async () => {
    const userId = uid('ttlu')
    const p = await db.profile.create({ data: { userId, name: 'kept', email: 'a@b.c' } })
    await db.$scylla({ ttl: 600 }).profile.update({ where: { id: p.id }, data: { name: 'expiring' } })
    const ks = scylla.session.keyspace
    const [r] = await scylla.session.exec.select(
      `SELECT TTL(name) AS n, TTL(email) AS e FROM "${ks}"."${scylla.session.tablesOf('profile').base.name}" WHERE id = ?`,
      [p.id],
    )
    expect(r!.n).toBeGreaterThan(500)
    expect(r!.e).toBeNull()
  })

  it('concurrent calls on db and db.$scylla({ ttl }) do not leak options into each other', async () => {
    const short = db.$scylla({ ttl: 900 })
    const plain = Array.from({ length: 20 }, () => uid('plain'))
    const ttled = Array.from({ length: 20 }, () => uid('ttled'))
    const made = await Promise.all(
      plain.flatMap((userId, i) => [
        db.profile.create({ data: { userId, name: 'plain' } }),
        short.profile.create({ data: { userId: ttled[i]!, name: 'ttl' } }),
      ]),
    )
    for (const p of made) {
      const t = await ttlOf(p.id, p.userId)
      if (p.name === 'plain') expect(t).toEqual({ row: null, lookup: null })
      else {
        expect(t.row).toBeGreaterThan(800)
        expect(t.lookup).toBeGreaterThan(800)
      }
    }
  })

  it('createDb scylla.consistency / serialConsistency: set defaults that work on a one-node cluster', async () => {
    const other = createDb({
      schema: models,
      backend: 'scylla',
      scylla: { keyspace: 'tandem_test', consistency: 'ONE', serialConsistency: 'serial' },
      layout: layout as never,
    })
    try {
      const userId = uid('dflt')
      const p = await other.profile.create({ data: { userId, name: 'd' } })
      expect(await other.profile.update({ where: { userId }, data: { name: 'e' } })).toMatchObject({ id: p.id })
      expect(await other.profile.findUnique({ where: { userId } })).toMatchObject({ name: 'e' })
    } finally {
      await other.$disconnect()
    }
  })

  it('createDb scylla.consistency: a bad name is VALIDATION at once', () => {
    expect(() =>
      createDb({ schema: models, backend: 'scylla', scylla: { consistency: 'nearly' }, layout: layout as never }),
    ).toThrow(expect.objectContaining({ code: 'VALIDATION' }))
    expect(() =>
      createDb({ schema: models, backend: 'scylla', scylla: { serialConsistency: 'one' }, layout: layout as never }),
    ).toThrow(expect.objectContaining({ code: 'VALIDATION' }))
  })
})

describe('db.$scylla on PostgreSQL', () => {
  let db: TestDb
  beforeAll(async () => {
    db = await openDb('postgres')
  })
  afterAll(() => db.$disconnect())

  it('refuses ttl and ignores consistency and timeoutMs', async () => {
    expect(() => db.$scylla({ ttl: 5 })).toThrow(expect.objectContaining({ code: 'VALIDATION' }))
    expect(() => db.$scylla({ consistency: 'bogus' })).toThrow(expect.objectContaining({ code: 'VALIDATION' }))
    const c = db.$scylla({ consistency: 'all', timeoutMs: 1 })
    const userId = uid('pg')
    const created = await c.profile.create({ data: { userId, name: 'pg' } })
    expect(await c.profile.findUnique({ where: { userId } })).toEqual(created)
  })
})

describe('db.$scylla in dual mode and with fallback', () => {
  it('is refused (VALIDATION)', async () => {
    // nothing is pushed or written: the refusal comes before any call reaches a database
    const dual = createDb({
      schema: models,
      backend: 'dual',
      postgres: { url: process.env.DATABASE_URL! },
      scylla: { keyspace: 'tandem_test' },
      layout: layout as never,
      dual: { logger: () => {} },
    })
    const fallback = createDb({
      schema: models,
      backend: 'scylla',
      fallback: 'postgres',
      postgres: { url: process.env.DATABASE_URL! },
      scylla: { keyspace: 'tandem_test' },
      layout: layout as never,
    })
    try {
      expect(() => dual.$scylla({ consistency: 'one' })).toThrow(expect.objectContaining({ code: 'VALIDATION' }))
      expect(() => fallback.$scylla({ ttl: 5 })).toThrow(expect.objectContaining({ code: 'VALIDATION' }))
    } finally {
      await dual.$disconnect()
      await fallback.$disconnect()
    }
  })
})
