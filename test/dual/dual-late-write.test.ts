// Dual mode and a write that lands after dual mode stopped waiting for it, on the shared PostgreSQL (database
// tandem_dual_late) and the shared Cassandra (keyspace tandem_dual_late). An increment waits on the primary for a
// row lock another session holds (a real lock: nothing simulated) while a failover switches to the secondary, so
// the caller gets BACKEND_UNAVAILABLE (outcome unknown); it commits on the primary only after failback, as a write
// held in postgres.js's reconnect backoff does after a kill -9 (dual-faults.test.ts). Its key stays unsettled
// until the driver's call ended, then is copied: both databases agree on the row.
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TandemError } from '../../src/errors.js'
import { differences, freshShared, openDual, openSingle, storeOf, until, type DualTestDb } from './dual-support.js'

const NAME = 'tandem_dual_late'
let url: string
let db: DualTestDb
let locker: postgres.Sql
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

beforeAll(async () => {
  url = await freshShared(NAME)
  db = await openDual(url, NAME, {
    primary: 'postgres',
    secondary: 'scylla',
    healthIntervalMs: 200,
    healthTimeoutMs: 1000,
    syncIntervalMs: 0,
    // no time-based wait: only the end of the driver's call holds the key back
    settleMs: 0,
  })
  locker = postgres(url, { max: 1, onnotice: () => {} })
})

afterAll(async () => {
  await locker?.end({ timeout: 0 })
  await db?.$disconnect()
})

describe('dual mode: a write whose outcome was unknown lands late', () => {
  it('held on the primary past a failover, it commits after failback: its key is copied once it ended', async () => {
    const row = await db.sample.create({ data: { group: 'late', label: 'x', count: 0 } })
    await until('the create is mirrored', () => db.$dual.status().queued === 0)

    const lock = await locker.reserve()
    await lock`BEGIN`
    await lock`SELECT id FROM sample WHERE id = ${row.id} FOR UPDATE`
    const late = db.sample.update({ where: { id: row.id }, data: { count: { increment: 1 } } }).then(
      () => 'acknowledged',
      (e: unknown) => e,
    )
    await until('the increment waits for the lock', async () => {
      const [w] = await lock`SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`
      return w!.n === 1
    })

    // the primary still answers: the failover waits for the running write (2 × healthTimeoutMs), then ends it
    await db.$dual.failover()
    const outcome = await late
    expect(outcome).toBeInstanceOf(TandemError)
    expect((outcome as TandemError).code).toBe('BACKEND_UNAVAILABLE')
    expect(db.$dual.status()).toMatchObject({ active: 'scylla', unsettled: 1 })

    await db.$dual.failback()
    expect(db.$dual.status().active).toBe('postgres')
    // several health checks with settleMs 0: the increment still waits on PostgreSQL, so its key is not settled
    await sleep(1000)
    await until('failback copies done', () => db.$dual.status().queued === 0)
    expect(db.$dual.status().unsettled).toBe(1)

    await lock`COMMIT`
    lock.release()
    const direct = { postgres: openSingle('postgres', url, NAME), scylla: openSingle('scylla', url, NAME) }
    try {
      await until('the increment commits on PostgreSQL', async () => {
        const r = await direct.postgres.sample.findUnique({ where: { id: row.id } })
        return r?.count === 1
      })
      await until(
        'the key is settled and copied',
        () => {
          const s = db.$dual.status()
          return s.unsettled === 0 && s.queued === 0 && !s.syncing
        },
        10_000,
      )
      expect(await differences(storeOf(direct.postgres), storeOf(direct.scylla), 'sample')).toEqual([])
      expect((await direct.scylla.sample.findUnique({ where: { id: row.id } }))?.count).toBe(1)
    } finally {
      await direct.postgres.$disconnect()
      await direct.scylla.$disconnect()
    }
  }, 60_000)
})
