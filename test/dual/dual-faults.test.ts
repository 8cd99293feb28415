// Dual mode when a database dies: a PostgreSQL server of this file's own (OwnPostgres, killed with kill -9
// and started again) beside the shared Cassandra node (never stopped; keyspaces tandem_dual_f1/_f2).
// (1) the secondary dies under a write load: writes keep succeeding, it comes back and catches up without a
//     restart, every row equal on both sides; (2) the primary dies: failover after the threshold, writes
//     continue, it comes back: failback, and not one acknowledged write is missing on it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  checkAcked,
  differences,
  dropKeyspace,
  newAcked,
  openDual,
  openSingle,
  OwnPostgres,
  storeOf,
  until,
  writeLoad,
  type Acked,
} from './dual-support.js'

let pg: OwnPostgres
const log: string[] = []
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

beforeAll(async () => {
  pg = await OwnPostgres.start()
})

afterAll(async () => {
  // DUAL_LOG=<file>: what dual mode logged, for a failure's post-mortem
  if (process.env.DUAL_LOG) (await import('node:fs')).writeFileSync(process.env.DUAL_LOG, log.join('\n'))
  await pg?.stop()
})

/** Both databases equal for the models the load writes, and every acknowledged write on `on`. */
async function converged(url: string, keyspace: string, acked: Acked, on: 'postgres' | 'scylla'): Promise<void> {
  const direct = { postgres: openSingle('postgres', url, keyspace), scylla: openSingle('scylla', url, keyspace) }
  try {
    const [a, b] = [storeOf(direct.postgres), storeOf(direct.scylla)]
    for (const model of ['profile', 'server', 'sample']) expect(await differences(a, b, model)).toEqual([])
    expect(await checkAcked(on === 'postgres' ? a : b, acked)).toEqual([])
    expect(acked.profiles.size + acked.samples.size).toBeGreaterThan(20)
  } finally {
    await direct.postgres.$disconnect()
    await direct.scylla.$disconnect()
  }
}

describe('dual mode: a database dies', () => {
  it('the secondary dies under load: writes keep succeeding; back again, it catches up (queue overflow → full sync)', async () => {
    const keyspace = 'tandem_dual_f1'
    await dropKeyspace(keyspace)
    const url = await pg.createDatabase('tandem_dual_f1')
    const db = await openDual(url, keyspace, {
      primary: 'scylla',
      secondary: 'postgres',
      healthIntervalMs: 200,
      healthTimeoutMs: 1000,
      syncIntervalMs: 0,
      settleMs: 2500,
      // small, so the outage overflows it: the overflowing models are then copied whole when it is back
      queueLimit: 150,
    })
    try {
      const acked = newAcked()
      let stop = false
      const load = writeLoad(db, 'outage2', acked, () => stop, 4)
      await sleep(800)
      pg.kill9()
      await until('the secondary is seen down', () => !db.$dual.status().backends.postgres.healthy, 10_000)
      const before = acked.done
      await sleep(1500)
      expect(acked.done).toBeGreaterThan(before + 20)
      expect(acked.failed).toBe(0)
      expect(db.$dual.status().active).toBe('scylla')
      await pg.resume()
      await until('the secondary is seen back', () => db.$dual.status().backends.postgres.healthy, 10_000)
      await sleep(500)
      stop = true
      await load
      expect(acked.failed).toBe(0)
      await until(
        'the mirror catches up',
        () => {
          const s = db.$dual.status()
          return s.queued === 0 && !s.syncing && s.unsettled === 0 && s.fullSyncPending.postgres.length === 0
        },
        30_000,
      )
      await converged(url, keyspace, acked, 'postgres')
      expect(db.$dual.status().mirrorFailures).toBeGreaterThanOrEqual(0)
    } finally {
      await db.$disconnect()
    }
  }, 90_000)

  it('the primary dies: failover after the threshold, writes continue; back again: failback, no acknowledged write lost', async () => {
    const keyspace = 'tandem_dual_f2'
    await dropKeyspace(keyspace)
    const url = await pg.createDatabase('tandem_dual_f2')
    const db = await openDual(url, keyspace, {
      primary: 'postgres',
      secondary: 'scylla',
      healthIntervalMs: 200,
      healthTimeoutMs: 1000,
      failoverAfter: 3,
      failbackAfter: 3,
      syncIntervalMs: 0,
      settleMs: 2500,
      logger: (l, m) => log.push(`${Date.now() % 100000} ${l} ${m}`),
    })
    const switches: string[] = []
    db.$dual.on('failover', (e) => switches.push(`failover ${e.from}→${e.to} ${e.reason}`))
    db.$dual.on('failback', (e) => switches.push(`failback ${e.from}→${e.to} ${e.reason}`))
    try {
      const acked = newAcked()
      let stop = false
      const load = writeLoad(db, 'outage1', acked, () => stop, 4)
      await sleep(800)
      pg.kill9()
      log.push(`${Date.now() % 100000} killed`)
      await until('failover', () => db.$dual.status().active === 'scylla', 10_000)
      expect(switches).toEqual(['failover postgres→scylla auto'])
      const during = acked.done
      await sleep(1500)
      expect(acked.done).toBeGreaterThan(during + 20)
      await pg.resume()
      log.push(`${Date.now() % 100000} resumed`)
      await until('failback', () => db.$dual.status().active === 'postgres', 30_000)
      expect(switches).toEqual(['failover postgres→scylla auto', 'failback scylla→postgres auto'])
      await sleep(500)
      stop = true
      await load
      await until(
        'the mirror catches up',
        () => {
          const st = db.$dual.status()
          return st.queued === 0 && !st.syncing && st.unsettled === 0 && st.fullSyncPending.scylla.length === 0
        },
        30_000,
      )
      expect(db.$dual.status().fullSyncPending).toEqual({ postgres: [], scylla: [] })
      await converged(url, keyspace, acked, 'postgres')
    } finally {
      await db.$disconnect()
    }
  }, 90_000)
})
