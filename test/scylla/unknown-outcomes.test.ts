// Writes whose outcome is unknown, made real on one Cassandra node by client timeouts far shorter than an
// LWT takes ($scylla({ timeoutMs })): the driver gives up while the server goes on and (usually) applies the
// write. Every call must end known (returned, or failed with nothing written) or with OUTCOME_UNKNOWN, and
// the data must agree with what the calls reported.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDb, uid, type TestDb } from '../support/backends.js'

const CODES = new Set(['OUTCOME_UNKNOWN', 'BACKEND_UNAVAILABLE', 'P2002', 'P2034', 'P2025'])

/**
 * A client of its own for the timed-out calls: cassandra-driver closes a connection after 64 timeouts on it
 * (defunctReadTimeoutThreshold) and marks the node down for a while, which the checking client must not share.
 */
async function withTightClient(fn: (tight: TestDb) => Promise<void>): Promise<void> {
  const tight = await openDb('scylla')
  try {
    await fn(tight)
  } finally {
    await tight.$disconnect()
  }
}

describe('unknown outcomes on ScyllaDB (real client timeouts)', () => {
  let db: TestDb
  beforeAll(async () => {
    db = await openDb('scylla')
  })
  afterAll(() => db.$disconnect())

  it('increments that time out are settled: the counter is within the acknowledged / unknown bounds', async () => {
    const row = await db.sample.create({ data: { group: uid('g'), count: 0 } })
    // timeouts from shorter than the read to longer than the compare-and-set: every phase gets cut somewhere
    const tally = { ok: 0, unknown: 0, failed: 0 }
    const codes: Record<string, number> = {}
    await withTightClient(async (tight) => {
      const clients = [1, 2, 3, 4, 6, 8].map((timeoutMs) => tight.$scylla({ timeoutMs }))
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let i = 0; i < 6; i++) {
            try {
              await clients[i % clients.length]!.sample.update({
                where: { id: row.id },
                data: { count: { increment: 1 } },
              })
              tally.ok++
            } catch (e) {
              const code = String((e as { code?: unknown }).code)
              codes[code] = (codes[code] ?? 0) + 1
              expect(CODES.has(code), `uncoded or unexpected: ${String(e)}`).toBe(true)
              if (code === 'OUTCOME_UNKNOWN') tally.unknown++
              else tally.failed++
            }
          }
        }),
      )
    })
    const final = (await db.sample.findUnique({ where: { id: row.id } }))!.count
    console.log('increments with timeoutMs 1-8:', tally, codes, 'final', final)
    expect(final).toBeGreaterThanOrEqual(tally.ok)
    expect(final).toBeLessThanOrEqual(tally.ok + tally.unknown)
  }, 120_000)

  it('creates that time out settle: a failed create wrote nothing and a retry succeeds (no P2002)', async () => {
    const tally: Record<string, number> = {}
    const results: { userId: string; outcome: string }[] = []
    await withTightClient(async (tight) => {
      const clients = [1, 2, 3, 4, 6].map((timeoutMs) => tight.$scylla({ timeoutMs }))
      results.push(
        ...(await Promise.all(
          Array.from({ length: 30 }, async (_, i) => {
            const userId = uid('settle')
            try {
              await clients[i % clients.length]!.profile.create({ data: { userId, name: 'n' } })
              tally.ok = (tally.ok ?? 0) + 1
              return { userId, outcome: 'ok' as const }
            } catch (e) {
              const code = String((e as { code?: unknown }).code)
              tally[code] = (tally[code] ?? 0) + 1
              expect(['OUTCOME_UNKNOWN', 'BACKEND_UNAVAILABLE'], String(e)).toContain(code)
              return { userId, outcome: code }
            }
          }),
        )),
      )
    })
    console.log('creates with timeoutMs 1-6:', tally)
    for (const r of results) {
      const found = await db.profile.findUnique({ where: { userId: r.userId } })
      if (r.outcome === 'ok') expect(found).not.toBeNull()
      if (r.outcome === 'BACKEND_UNAVAILABLE') {
        // nothing was written, and the unique value is free again: the application's retry succeeds
        expect(found).toBeNull()
        const again = await db.profile.create({ data: { userId: r.userId, name: 'retry' } })
        expect(again.userId).toBe(r.userId)
      }
    }
  }, 120_000)

  it('deletes that time out are settled: a delete reported done left no row', async () => {
    const rows = await Promise.all(
      Array.from({ length: 30 }, () => db.profile.create({ data: { userId: uid('del'), name: 'd' } })),
    )
    const tally: Record<string, number> = {}
    await withTightClient(async (tight) => {
      const clients = [2, 3, 4, 6].map((timeoutMs) => tight.$scylla({ timeoutMs }))
      await Promise.all(
        rows.map(async (r, i) => {
          try {
            await clients[i % clients.length]!.profile.delete({ where: { id: r.id } })
            tally.ok = (tally.ok ?? 0) + 1
            expect(await db.profile.findUnique({ where: { id: r.id } })).toBeNull()
            // the unique value is free
            await db.profile.create({ data: { userId: r.userId, name: 'again' } })
          } catch (e) {
            const code = String((e as { code?: unknown }).code)
            tally[code] = (tally[code] ?? 0) + 1
            expect(CODES.has(code), String(e)).toBe(true)
          }
        }),
      )
    })
    console.log('deletes with timeoutMs 2-6:', tally)
  }, 120_000)
})
