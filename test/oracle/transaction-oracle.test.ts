// Differential oracle for $transaction and lazy calls: the same steps through tandem (PostgreSQL backend) and
// through Prisma 7 on the same database, each with its own run prefix; the outcomes (values normalized as in
// oracle.test.ts, or error codes) and the rows left afterwards must be equal; for P2028 the messages too.
//
// Run: npx vitest run test/oracle/transaction-oracle.test.ts   (generates the Prisma client first if stale)
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDb, testUrl, uid, type TestDb } from '../support/backends.js'
import { attempt, errorCode, fromPrisma, placeholders, show } from './oracle-support.js'
import type { OraclePrisma } from './prisma-oracle.js'

type Call = (args?: unknown) => Promise<unknown>
/** what the steps use of either client (tandem's and Prisma's have the same shape here) */
interface Client {
  profile: Record<string, Call>
  sample: Record<string, Call>
  $transaction(arg: unknown, options?: unknown): Promise<unknown>
}

let db: TestDb
let prisma: OraclePrisma
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Runs `steps` on both clients (prefix `T` differs per client) and returns both normalized outcomes: the
 * steps' value (or error code), then the profiles and samples of the run.
 */
async function both(steps: (c: Client, T: string) => Promise<unknown>): Promise<{ tandem: unknown; prisma: unknown }> {
  const run = async (client: Client, isPrisma: boolean) => {
    const T = `${uid('txo')}:`
    const since = Date.now() - 1000
    const outcome = await attempt(() => steps(client, T))
    const rows = {
      profile: await client.profile.findMany!({ where: { userId: { startsWith: T } }, orderBy: { userId: 'asc' } }),
      sample: await client.sample.findMany!({ where: { group: { startsWith: T } }, orderBy: { label: 'asc' } }),
    }
    const seen = new Map<string, string>()
    const norm = (v: unknown) => placeholders(isPrisma ? fromPrisma(v) : v, new Set(), since, seen)
    const text = (v: unknown) => JSON.parse(JSON.stringify(v).replaceAll(T, '<T>')) as unknown
    return text({
      outcome: 'error' in outcome ? { error: outcome.error } : { value: norm(outcome.value) },
      rows: norm(rows),
    })
  }
  return {
    tandem: await run(db as unknown as Client, false),
    prisma: await run(prisma as unknown as Client, true),
  }
}

async function same(steps: (c: Client, T: string) => Promise<unknown>): Promise<unknown> {
  const { tandem, prisma } = await both(steps)
  expect(tandem, `tandem ${show(tandem)}\nprisma ${show(prisma)}`).toEqual(prisma)
  return tandem
}

describe('$transaction: tandem against Prisma 7 (PostgreSQL)', () => {
  beforeAll(async () => {
    execFileSync(process.execPath, [fileURLToPath(new URL('./generate.mjs', import.meta.url)), '--if-stale'], {
      stdio: 'inherit',
    })
    db = await openDb('postgres')
    const { openPrisma } = await import('./prisma-oracle.js')
    prisma = openPrisma(testUrl())
  }, 180_000)
  afterAll(async () => {
    await db?.$disconnect()
    await prisma?.$disconnect()
  })

  it('array form: results in order; later calls see earlier writes', async () => {
    const out = await same((c, T) =>
      c.$transaction([
        c.profile.create!({ data: { userId: `${T}a`, name: 'A' } }),
        c.sample.create!({ data: { group: T, label: 'x', count: 3 } }),
        c.profile.findUnique!({ where: { userId: `${T}a` }, select: { userId: true, name: true } }),
        c.sample.count!({ where: { group: T } }),
        c.sample.updateMany!({ where: { group: T }, data: { count: { increment: 1 } } }),
      ]),
    )
    expect((out as { rows: { sample: { count: number }[] } }).rows.sample[0]?.count).toBe(4)
  })

  it('array form: a failing call rolls back the calls before it (P2002)', async () => {
    const out = await same(async (c, T) => {
      await c.profile.create!({ data: { userId: `${T}taken`, name: 'T' } })
      return c.$transaction([
        c.profile.create!({ data: { userId: `${T}first`, name: 'first' } }),
        c.sample.create!({ data: { group: T, label: 'gone' } }),
        c.profile.create!({ data: { userId: `${T}taken`, name: 'dup' } }),
      ])
    })
    expect(out).toMatchObject({ outcome: { error: 'P2002' } })
  })

  it('array form: a P2025 in the middle rolls back too', async () => {
    await same((c, T) =>
      c.$transaction([
        c.sample.create!({ data: { group: T, label: 'a' } }),
        c.sample.update!({ where: { id: '00000000-0000-4000-8000-000000000000' }, data: { label: 'b' } }),
      ]),
    )
  })

  it('interactive form: commit, and rollback on a thrown error or a failing call', async () => {
    await same((c, T) =>
      c.$transaction(async (tx: Client) => {
        const p = (await tx.profile.create!({ data: { userId: `${T}i`, name: 'I' } })) as { id: string }
        await tx.profile.update!({ where: { id: p.id }, data: { name: 'I2' } })
        return tx.profile.count!({ where: { userId: { startsWith: T } } })
      }),
    )
    const thrown = await same((c, T) =>
      c.$transaction(async (tx: Client) => {
        await tx.profile.create!({ data: { userId: `${T}r`, name: 'R' } })
        throw Object.assign(new Error('mine'), { code: 'MINE' })
      }),
    )
    expect(thrown).toMatchObject({ outcome: { error: 'MINE' }, rows: { profile: [] } })
    await same((c, T) =>
      c.$transaction(async (tx: Client) => {
        await tx.sample.create!({ data: { group: T, label: 'r' } })
        await tx.profile.update!({ where: { userId: `${T}none` }, data: { name: 'x' } })
      }),
    )
  })

  it('timeout: P2028 for a call after the expiry and for the commit; the writes are rolled back', async () => {
    const messages: Record<string, string[]> = {}
    for (const [name, client] of [
      ['tandem', db],
      ['prisma', prisma],
    ] as const) {
      const c = client as unknown as Client
      const T = `${uid('txo-to')}:`
      const late = await attempt(() =>
        c.$transaction(
          async (tx: Client) => {
            await tx.sample.create!({ data: { group: T, label: 'a' } })
            await sleep(400)
            await tx.sample.count!({ where: { group: T } })
          },
          { timeout: 150 },
        ),
      )
      const commit = await attempt(() =>
        c.$transaction(
          async (tx: Client) => {
            await tx.sample.create!({ data: { group: T, label: 'b' } })
            await sleep(400)
          },
          { timeout: 150 },
        ),
      )
      expect([late, commit].map((o) => ('error' in o ? o.error : 'ok'))).toEqual(['P2028', 'P2028'])
      expect(await c.sample.count!({ where: { group: T } })).toBe(0)
      // the time taken differs from run to run
      messages[name] = [late.message!, commit.message!].map((m) => m.trim().replace(/\d+ ms passed/, 'N ms passed'))
    }
    expect(messages.tandem).toEqual(messages.prisma)
    expect(messages.tandem![0]).toMatch(/^Transaction API error: A query cannot be executed on an expired transaction/)
  })

  it('a tx client used after commit or rollback: P2028, same message', async () => {
    const messages: string[][] = []
    for (const client of [db, prisma]) {
      const c = client as unknown as Client
      let kept: Client | undefined
      await c.$transaction(async (tx: Client) => {
        kept = tx
      })
      const afterCommit = await attempt(() => kept!.sample.count!({ where: { group: 'none' } }))
      await attempt(() =>
        c.$transaction(async (tx: Client) => {
          kept = tx
          throw new Error('undo')
        }),
      )
      const afterRollback = await attempt(() => kept!.sample.count!({ where: { group: 'none' } }))
      expect([afterCommit, afterRollback].map((o) => ('error' in o ? o.error : 'ok'))).toEqual(['P2028', 'P2028'])
      messages.push([afterCommit.message!.trim(), afterRollback.message!.trim()])
    }
    expect(messages[0]).toEqual(messages[1])
  })

  it('lazy calls: nothing runs until awaited (or taken by $transaction)', async () => {
    await same(async (c, T) => {
      const pending = c.profile.create!({ data: { userId: `${T}lazy`, name: 'L' } })
      await sleep(50)
      const before = await c.profile.count!({ where: { userId: { startsWith: T } } })
      await pending
      const after = await c.profile.count!({ where: { userId: { startsWith: T } } })
      return [before, after]
    })
  })

  it('array form refuses what is not a model call (tandem: VALIDATION; Prisma: an error, nothing run)', async () => {
    for (const client of [db, prisma]) {
      const c = client as unknown as Client
      const T = `${uid('txo-bad')}:`
      const out = await attempt(() =>
        c.$transaction([c.sample.create!({ data: { group: T, label: 'a' } }), Promise.resolve(1)]),
      )
      expect('error' in out).toBe(true)
      if (client === db) expect(out).toMatchObject({ error: 'VALIDATION' })
      expect(await c.sample.count!({ where: { group: T } })).toBe(0)
    }
  })

  // Known difference: Prisma 7 codes the conflict P2034 when a statement meets it, but when PostgreSQL reports it
  // at COMMIT, Prisma's pg adapter passes an uncoded DriverAdapterError "TransactionWriteConflict"; tandem gives
  // P2034 in both cases.
  it('Serializable write skew: one of two transactions fails with P2034 on both', async () => {
    for (const client of [db, prisma]) {
      const c = client as unknown as Client
      const group = uid('txo-ser')
      let arrived = 0
      let release!: () => void
      const bothRead = new Promise<void>((r) => (release = r))
      const txn = (label: string) =>
        c.$transaction(
          async (tx: Client) => {
            const n = await tx.sample.count!({ where: { group } })
            if (++arrived === 2) release()
            await bothRead
            await tx.sample.create!({ data: { group, label, count: n } })
          },
          { isolationLevel: 'Serializable' },
        )
      const results = await Promise.allSettled([txn('a'), txn('b')])
      const codes = results.map((r) => (r.status === 'rejected' ? errorCode(r.reason) : 'ok')).sort()
      const commitConflict = 'UNCODED DriverAdapterError: TransactionWriteConflict'
      const asPrisma = codes.map((code) => (client === prisma && code === commitConflict ? 'P2034' : code))
      expect(asPrisma, client === db ? 'tandem' : 'prisma').toEqual(['P2034', 'ok'])
    }
  })
})
