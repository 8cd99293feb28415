// Dual mode on the shared PostgreSQL (database tandem_dual) and the shared Cassandra (keyspace tandem_dual):
// the mirror under a concurrent write load with every read shadowed (zero mismatches, both sides equal by
// key), a divergence seeded behind dual mode's back is reported, sync mirror, the control record switching
// a second instance, USE_SCYLLA=dual, credits in dual mode and the start-up fallback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDb } from '../../src/index.js'
import { createCredits, creditsSchema } from '../../src/credits/index.js'
import type { MismatchEvent } from '../../src/dual/dual-backend.js'
import {
  checkAcked,
  differences,
  freshShared,
  MODELS,
  newAcked,
  openDual,
  openSingle,
  storeOf,
  until,
  writeLoad,
  type DualTestDb,
} from './dual-support.js'
import { backendOf } from '../../src/create-db.js'
import * as schema from '../support/schema.js'

const NAME = 'tandem_dual'
let url: string
let db: DualTestDb
/** single-backend clients on the same databases: to read each side, and to write behind dual mode's back */
let direct: { postgres: ReturnType<typeof openSingle>; scylla: ReturnType<typeof openSingle> }

beforeAll(async () => {
  url = await freshShared(NAME)
  db = await openDual(url, NAME, {
    primary: 'postgres',
    secondary: 'scylla',
    mirror: 'async',
    shadowReads: 1,
    healthIntervalMs: 200,
    syncIntervalMs: 0,
  })
  direct = { postgres: openSingle('postgres', url, NAME), scylla: openSingle('scylla', url, NAME) }
})

afterAll(async () => {
  await db?.$disconnect()
  await direct?.postgres.$disconnect()
  await direct?.scylla.$disconnect()
})

const stores = () => ({ postgres: storeOf(direct.postgres), scylla: storeOf(direct.scylla) })

describe('dual mode: mirror and shadow reads', () => {
  it('is the dual backend: $backend, $health per database, status', async () => {
    expect(db.$backend).toBe('dual')
    const health = await db.$health()
    expect(health.map((h) => h.backend)).toEqual(['postgres', 'scylla'])
    expect(health.every((h) => h.ok && h.latencyMs >= 0)).toBe(true)
    const s = db.$dual.status()
    expect(s).toMatchObject({ primary: 'postgres', active: 'postgres', mismatches: 0 })
    expect(Object.keys(s.backends).sort()).toEqual(['postgres', 'scylla'])
    expect(backendOf(db).kind).toBe('postgres')
  })

  it('under a concurrent write load with every read shadowed: zero mismatches, both databases equal', async () => {
    const acked = newAcked()
    const events: MismatchEvent[] = []
    db.$dual.on('mismatch', (e) => events.push(e))
    const until3s = Date.now() + 3000
    // at least 3 s, and until a delete has happened (a worker deletes once it holds 4 profiles: a loaded
    // machine may need longer than 3 s for that), at most 30 s more
    const enough = () => acked.deletedProfiles.size > 0 || Date.now() > until3s + 30_000
    await writeLoad(db, 'load1', acked, () => Date.now() > until3s && enough(), 4)
    expect(acked.failed).toBe(0)
    expect(acked.deletedProfiles.size).toBeGreaterThan(0)
    await until('the mirror queue drains', () => db.$dual.status().queued === 0)
    // shadow comparisons still running (a re-check waits for the mirror) end before the counters are read
    await until('shadow reads settle', () => db.$dual.status().shadowPending === 0)
    // reads once the mirror caught up and the load's re-checks ended: every one compared (none explained
    // away by mirror lag, none skipped for too many comparisons at once)
    await until('the load shadow reads settle', () => db.$dual.status().shadowPending === 0)
    const compared = db.$dual.status().shadowCompared
    // 40 reads compared; a read whose shadow was skipped because a loaded machine failed a health check of
    // the secondary (a legitimate skip, counted as such) is made again, up to 100 reads in all
    for (let i = 0; i < 50 && db.$dual.status().shadowCompared < compared + 40; i++) {
      await db.sample.findMany({ where: { group: 'load1' } })
      await db.sample.count({ where: { group: 'load1' } })
      await until('shadow reads settle', () => db.$dual.status().shadowPending === 0)
    }
    const s = db.$dual.status()
    expect(s.mirrorFailures).toBe(0)
    expect(s.mirrored).toBeGreaterThan(acked.done / 2)
    expect(s.shadowCompared).toBeGreaterThanOrEqual(compared + 40)
    expect(events).toEqual([])
    expect(s.mismatches).toBe(0)
    const { postgres, scylla } = stores()
    for (const model of ['profile', 'server', 'sample']) expect(await differences(postgres, scylla, model)).toEqual([])
    expect(await checkAcked(scylla, acked)).toEqual([])
  })

  it('reports a divergence written behind its back (directly on the secondary)', async () => {
    const events: MismatchEvent[] = []
    db.$dual.on('mismatch', (e) => events.push(e))
    const row = await db.sample.create({ data: { group: 'diverge', label: 'one', count: 1 } })
    await db.sample.create({ data: { group: 'diverge', label: 'two', count: 2 } })
    await until('mirrored', () => db.$dual.status().queued === 0)
    await direct.scylla.sample.update({ where: { id: row.id }, data: { label: 'changed behind its back' } })
    const before = db.$dual.status().mismatches
    expect((await db.sample.findMany({ where: { group: 'diverge' } })).length).toBe(2)
    await db.sample.count({ where: { group: 'diverge' } })
    await until('the mismatch is reported', () => events.length > 0, 10_000)
    expect(db.$dual.status().mismatches).toBe(before + 1)
    expect(events[0]).toMatchObject({ model: 'sample', method: 'findMany' })
    expect(events[0]!.shape).toContain('sample|findMany')
    expect(events[0]!.shape).not.toContain('diverge')
    const secondary = events[0]!.secondary as { label: string }[]
    expect(secondary.map((r) => r.label).sort()).toEqual(['changed behind its back', 'two'])
    // a full sync makes the secondary equal again
    await db.$dual.sync({ full: true })
    const { postgres, scylla } = stores()
    expect(await differences(postgres, scylla, 'sample')).toEqual([])
  })

  it('sync mirror: the secondary has the row when the call returns; transactions are mirrored after they end', async () => {
    const syncDb = await openDual(url, NAME, { mirror: 'sync', healthIntervalMs: 200, syncIntervalMs: 0 })
    try {
      const p = await syncDb.profile.create({
        data: { userId: 'sync-1', name: 'S', servers: { create: [{ name: 'nested', inviteCode: 'sync-inv-1' }] } },
        include: { servers: true },
      })
      const serverId = (p as unknown as { servers: { id: string }[] }).servers[0]!.id
      const { scylla } = stores()
      const m = (n: string) => scylla.schema.models.get(n)!
      expect((await scylla.readByKeys(m('profile'), [{ id: p.id }]))[0]?.name).toBe('S')
      expect(await scylla.readByKeys(m('server'), [{ id: serverId }])).toHaveLength(1)
      await syncDb.profile.update({ where: { id: p.id }, data: { name: 'S2' } })
      expect((await scylla.readByKeys(m('profile'), [{ id: p.id }]))[0]?.name).toBe('S2')
      // a delete cascades on the secondary through its own delete path
      await syncDb.profile.delete({ where: { id: p.id } })
      expect(await scylla.readByKeys(m('server'), [{ id: serverId }])).toEqual([])
      expect(syncDb.$dual.status().mirrorFailures).toBe(0)
    } finally {
      await syncDb.$disconnect()
    }
  })

  it('a manual failover through the control record switches a second instance, and failback switches it back', async () => {
    const other = await openDual(url, NAME, { healthIntervalMs: 100, syncIntervalMs: 0, failbackAfter: 1000 })
    try {
      await other.profile.count()
      expect(other.$dual.status().active).toBe('postgres')
      await db.$dual.failover()
      expect(db.$dual.status()).toMatchObject({ active: 'scylla', mode: 'manual' })
      await until('the second instance follows', () => other.$dual.status().active === 'scylla', 5000)
      // writes on either instance now land on ScyllaDB and are mirrored back to PostgreSQL
      const p = await other.profile.create({ data: { userId: 'during-manual-failover', name: 'F' } })
      await db.$dual.failback()
      expect(db.$dual.status().active).toBe('postgres')
      await until('the second instance follows back', () => other.$dual.status().active === 'postgres', 5000)
      await until('copied back', () => other.$dual.status().queued === 0)
      const { postgres } = stores()
      expect((await postgres.readByKeys(postgres.schema.models.get('profile')!, [{ id: p.id }]))[0]?.name).toBe('F')
      const instances = await db.$dual.instances()
      expect(instances.length).toBeGreaterThanOrEqual(1)
    } finally {
      await other.$disconnect()
    }
  })
})

describe('dual mode: selection, credits, start-up fallback', () => {
  it('USE_SCYLLA=dual selects dual mode with PostgreSQL primary', async () => {
    const saved = process.env.USE_SCYLLA
    process.env.USE_SCYLLA = 'dual'
    try {
      const envDb = createDb({
        schema: MODELS,
        postgres: { url },
        scylla: { keyspace: NAME },
        layout: schema.layout as never,
      })
      expect(envDb.$backend).toBe('dual')
      if (envDb.$backend !== 'dual') throw new Error('not dual')
      expect(envDb.$dual.status()).toMatchObject({ primary: 'postgres', active: 'postgres' })
      expect(await envDb.profile.count({ where: { userId: 'nobody' } })).toBe(0)
      await envDb.$disconnect()
    } finally {
      if (saved === undefined) delete process.env.USE_SCYLLA
      else process.env.USE_SCYLLA = saved
    }
  })

  it('credits in dual mode: balances change on the active database and are mirrored', async () => {
    const cdb = createDb({
      schema: { ...MODELS, ...creditsSchema },
      backend: 'dual',
      postgres: { url },
      scylla: { keyspace: NAME },
      layout: schema.layout as never,
      dual: { mirror: 'sync', healthIntervalMs: 200, syncIntervalMs: 0, logger: () => {} },
    })
    try {
      await cdb.$push()
      const credits = createCredits(cdb)
      await credits.grant('dual-user', 100, { idempotencyKey: 'dual-grant-1' })
      const r = await credits.deduct('dual-user', 30, { idempotencyKey: 'dual-deduct-1' })
      expect(r.balance).toBe(70)
      const onScylla = createDb({
        schema: { ...MODELS, ...creditsSchema },
        backend: 'scylla',
        scylla: { keyspace: NAME },
        layout: schema.layout as never,
      })
      expect(await createCredits(onScylla).balance('dual-user')).toBe(70)
      expect((await createCredits(onScylla).history('dual-user')).map((t) => t.amount)).toEqual([-30, 100])
      await onScylla.$disconnect()
    } finally {
      await cdb.$disconnect()
    }
  })

  it('start-up fallback to PostgreSQL when ScyllaDB cannot be reached; credits refuse to change balances on it', async () => {
    const fdb = createDb({
      schema: { ...MODELS, ...creditsSchema },
      backend: 'scylla',
      fallback: 'postgres',
      postgres: { url },
      scylla: { contactPoints: ['127.0.0.1:1'], keyspace: NAME, connectTimeoutMs: 1000, logger: () => {} },
      layout: schema.layout as never,
    })
    try {
      expect(await fdb.profile.count({ where: { userId: 'nobody' } })).toBe(0)
      expect(backendOf(fdb).kind).toBe('postgres')
      const credits = createCredits(fdb)
      await expect(credits.deduct('fallback-user', 1)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' })
      await expect(credits.grant('fallback-user', 1)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' })
    } finally {
      await fdb.$disconnect()
    }
    expect(() => createDb({ schema: MODELS, backend: 'postgres', fallback: 'postgres' })).toThrow(/fallback/)
  })
})
