// $transaction on both backends: model calls are lazy (nothing runs until awaited or taken by a transaction),
// the array form is all or nothing with its results in order, the interactive form commits or rolls back
// (PostgreSQL: a transaction; ScyllaDB: the undo log), the timeout and maxWait limits give Prisma's P2028,
// ScyllaDB refuses an isolation level, PostgreSQL's Serializable conflicts give P2034; and dual mode.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDb } from '../../src/index.js'
import { BACKENDS, openDb, testUrl, uid, type TestDb } from '../support/backends.js'
import { expectCode } from '../support/conformance-helpers.js'
import { openDual, type DualTestDb } from '../dual/dual-support.js'
import * as schema from '../support/schema.js'

const { layout: _layout, ...schemaModels } = schema
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe.each(BACKENDS)('$transaction on %s', (backend) => {
  let db: TestDb
  beforeAll(async () => {
    db = await openDb(backend)
  })
  afterAll(async () => {
    await db?.$disconnect()
  })

  const profileOf = (userId: string) => db.profile.findUnique({ where: { userId } })

  // ---- lazy calls ------------------------------------------------------------------------------

  it('a model call runs nothing until awaited, then runs once', async () => {
    const userId = uid('lazy')
    const call = db.profile.create({ data: { userId, name: 'Lazy' } })
    expect(Object.prototype.toString.call(call)).toBe('[object TandemPromise]')
    expect(typeof call.catch).toBe('function')
    expect(typeof call.finally).toBe('function')
    await sleep(50)
    expect(await profileOf(userId)).toBeNull()
    const created = await call
    expect(created.userId).toBe(userId)
    // awaiting again gives the same result and does not create a second row (it would be P2002)
    expect(await call).toBe(created)
    expect(await db.profile.count({ where: { userId } })).toBe(1)
  })

  it('a call that fails validation rejects when awaited, not when built', async () => {
    const call = db.profile.create({ data: { userId: uid('v'), name: 'V', nope: 1 } as never })
    await expectCode(call, 'VALIDATION')
    await expectCode(
      db.profile.findMany({ where: { nope: 1 } } as never).finally(() => {}),
      'VALIDATION',
    )
  })

  // ---- array form ------------------------------------------------------------------------------

  it('array form: runs in order, results in order, later calls see earlier writes', async () => {
    const userId = uid('arr')
    const scope = uid('s')
    const group = uid('g')
    const [p, s, found, n] = await db.$transaction([
      db.profile.create({ data: { userId, name: 'A' } }),
      db.setting.create({ data: { scope, key: 'k', value: 'v' } }),
      db.profile.findUnique({ where: { userId } }),
      db.sample.count({ where: { group } }),
    ])
    expect(p.userId).toBe(userId)
    expect(s).toMatchObject({ scope, key: 'k', value: 'v', version: 1 })
    expect(found).toEqual(p)
    expect(n).toBe(0)
  })

  it('array form: all or nothing — a failing 2nd call undoes the 1st', async () => {
    const userId = uid('aon')
    const taken = await db.profile.create({ data: { userId: uid('taken'), name: 'T' } })
    const scope = uid('s')
    await db.setting.create({ data: { scope, key: 'k', value: 'before' } })
    await expectCode(
      db.$transaction([
        db.profile.create({ data: { userId, name: 'first' } }),
        db.setting.update({ where: { scope_key: { scope, key: 'k' } }, data: { value: 'after' } }),
        db.profile.create({ data: { userId: taken.userId, name: 'duplicate' } }),
      ]),
      'P2002',
    )
    expect(await profileOf(userId)).toBeNull()
    expect((await db.setting.findUnique({ where: { scope_key: { scope, key: 'k' } } }))?.value).toBe('before')
  })

  it('array form: an element that is not a tandem call, or already ran, is refused before anything runs', async () => {
    const userId = uid('bad')
    const err = await expectCode(
      db.$transaction([db.profile.create({ data: { userId, name: 'x' } }), Promise.resolve(1)] as never),
      'VALIDATION',
    )
    expect(err.message).toMatch(/element 1/)
    const ran = db.profile.findMany({ where: { userId } })
    await ran
    await expectCode(db.$transaction([db.profile.create({ data: { userId, name: 'x' } }), ran]), 'VALIDATION')
    expect(await profileOf(userId)).toBeNull()
    await expectCode(db.$transaction('nope' as never), 'VALIDATION')
    await expectCode(db.$transaction([], { timeout: -1 }), 'VALIDATION')
    await expectCode(db.$transaction([], { bogus: 1 } as never), 'VALIDATION')
  })

  // ---- interactive form ------------------------------------------------------------------------

  it('interactive form: commits what fn wrote and resolves to its result', async () => {
    const userId = uid('itx')
    const out = await db.$transaction(async (tx) => {
      const p = await tx.profile.create({ data: { userId, name: 'I' } })
      const again = await tx.profile.findUnique({ where: { userId } })
      await tx.profile.update({ where: { id: p.id }, data: { name: 'I2' } })
      return { id: p.id, seen: again?.id }
    })
    expect(out.seen).toBe(out.id)
    expect((await profileOf(userId))?.name).toBe('I2')
  })

  it('interactive form: fn throwing rolls back every write (nested writes included), error passed on', async () => {
    const userId = uid('itxr')
    const keep = await db.profile.create({ data: { userId: uid('keep'), name: 'keep' } })
    const inviteCode = uid('inv')
    const boom = new Error('boom')
    await expect(
      db.$transaction(async (tx) => {
        await tx.profile.create({ data: { userId, name: 'R' } })
        await tx.profile.update({ where: { id: keep.id }, data: { name: 'changed' } })
        // a nested write inside the transaction runs in it (no second transaction)
        await tx.server.create({
          data: { name: 'srv', inviteCode, profileId: keep.id, channels: { create: [{ name: 'general' }] } },
        })
        throw boom
      }),
    ).rejects.toBe(boom)
    expect(await profileOf(userId)).toBeNull()
    expect((await db.profile.findUnique({ where: { id: keep.id } }))?.name).toBe('keep')
    expect(await db.server.findUnique({ where: { inviteCode } })).toBeNull()
  })

  it('interactive form: calls still under way when another fails are rolled back too', async () => {
    const userId = uid('par')
    const group = uid('g')
    const taken = await db.profile.create({ data: { userId: uid('taken'), name: 'T' } })
    await expectCode(
      db.$transaction(async (tx) =>
        Promise.all([
          tx.profile.create({ data: { userId, name: 'P' } }),
          tx.sample.createMany({ data: Array.from({ length: 20 }, (_, i) => ({ group, label: `l${i}` })) }),
          // fails at once, before any I/O, while the two writes above are under way
          tx.profile.create({ data: { userId: uid('bad'), name: 'bad', nope: 1 } as never }),
        ]),
      ),
      'VALIDATION',
    )
    expect(await profileOf(userId)).toBeNull()
    expect(await db.sample.count({ where: { group } })).toBe(0)
    // a duplicate (found by the database, later) rolls back the same way
    await expectCode(
      db.$transaction(async (tx) =>
        Promise.all([
          tx.profile.create({ data: { userId, name: 'P' } }),
          tx.profile.create({ data: { userId: taken.userId, name: 'dup' } }),
        ]),
      ),
      'P2002',
    )
    expect(await profileOf(userId)).toBeNull()
  })

  it('interactive form: nested $transaction on tx is refused', async () => {
    await expectCode(
      db.$transaction(async (tx) => {
        const nested = (tx as unknown as { $transaction: (a: unknown[]) => Promise<unknown> }).$transaction
        return nested([])
      }),
      'VALIDATION',
    )
  })

  it('timeout: the transaction is rolled back, later calls on tx and the transaction give P2028', async () => {
    const userId = uid('to')
    let late: unknown
    const err = await expectCode(
      db.$transaction(
        async (tx) => {
          await tx.profile.create({ data: { userId, name: 'T' } })
          await sleep(400)
          try {
            await tx.profile.findMany({ where: { userId } })
          } catch (e) {
            late = e
          }
        },
        { timeout: 150 },
      ),
      'P2028',
    )
    expect(err.message).toMatch(
      /^Transaction API error: A commit cannot be executed on an expired transaction\. The timeout for this transaction was 150 ms/,
    )
    expect((late as { code?: string })?.code).toBe('P2028')
    expect((late as Error).message).toMatch(/A query cannot be executed on an expired transaction/)
    expect(await profileOf(userId)).toBeNull()
  })

  it('a tx client used after its transaction ended is refused (P2028)', async () => {
    let kept: unknown
    await db.$transaction(async (tx) => {
      kept = tx
    })
    const tx = kept as TestDb
    const err = await expectCode(tx.profile.findMany({ where: { userId: uid('x') } }), 'P2028')
    expect(err.message).toMatch(/committed transaction/)
  })

  it('isolation: Serializable on PostgreSQL (a write skew gives P2034); refused on ScyllaDB', async () => {
    const group = uid('iso')
    if (backend === 'scylla') {
      let ran = false
      const err = await expectCode(
        db.$transaction(
          async () => {
            ran = true
          },
          { isolationLevel: 'Serializable' },
        ),
        'VALIDATION',
      )
      expect(err.message).toMatch(/no multi-row isolation/)
      expect(ran).toBe(false)
      await expectCode(
        db.$transaction([db.sample.create({ data: { group, label: 'a' } })], {
          isolationLevel: 'ReadCommitted',
        }),
        'VALIDATION',
      )
      expect(await db.sample.count({ where: { group } })).toBe(0)
      return
    }
    // both count the group, then each inserts: one of the two must fail under Serializable
    let arrived = 0
    let release!: () => void
    const bothRead = new Promise<void>((r) => (release = r))
    const txn = (key: string) =>
      db.$transaction(
        async (tx) => {
          const n = await tx.sample.count({ where: { group } })
          if (++arrived === 2) release()
          await bothRead
          await tx.sample.create({ data: { group, label: key, count: n } })
        },
        { isolationLevel: 'Serializable' },
      )
    const results = await Promise.allSettled([txn('a'), txn('b')])
    const failed = results.filter((r) => r.status === 'rejected')
    expect(failed).toHaveLength(1)
    expect(((failed[0] as PromiseRejectedResult).reason as { code: string }).code).toBe('P2034')
    expect(await db.sample.count({ where: { group } })).toBe(1)
    // each level runs
    for (const isolationLevel of ['ReadUncommitted', 'ReadCommitted', 'RepeatableRead'] as const)
      expect(await db.$transaction([db.sample.count({ where: { group } })], { isolationLevel })).toEqual([1])
  })

  it('maxWait: P2028 when the transaction cannot start in time (PostgreSQL: no free connection); ScyllaDB starts at once', async () => {
    const one = createDb({
      schema: schemaModels,
      backend,
      postgres: { url: testUrl(), max: 1 },
      scylla: { keyspace: 'tandem_test' },
      layout: schema.layout as never,
    })
    try {
      let release!: () => void
      const held = new Promise<void>((r) => (release = r))
      let entered!: () => void
      const inside = new Promise<void>((r) => (entered = r))
      const first = one.$transaction(async (tx) => {
        await tx.profile.count({ where: { userId: uid('x') } })
        entered()
        await held
        return 'first'
      })
      await inside
      const second = one.$transaction(async () => 'second', { maxWait: 100 })
      if (backend === 'postgres') {
        const err = await expectCode(second, 'P2028')
        expect(err.message).toBe('Transaction API error: Unable to start a transaction in the given time.')
      } else expect(await second).toBe('second')
      release()
      expect(await first).toBe('first')
    } finally {
      await one.$disconnect()
    }
  })
})

describe('$transaction in dual mode and with fallback', () => {
  let dual: DualTestDb
  let pg: TestDb
  let scylla: TestDb
  beforeAll(async () => {
    dual = await openDual(testUrl(), 'tandem_test', {
      primary: 'postgres',
      secondary: 'scylla',
      mirror: 'sync',
      shadowReads: 0,
      healthIntervalMs: 60_000,
      syncIntervalMs: 0,
    })
    ;[pg, scylla] = await Promise.all([openDb('postgres'), openDb('scylla')])
  })
  afterAll(async () => {
    await dual?.$disconnect()
    await pg?.$disconnect()
    await scylla?.$disconnect()
  })

  it('runs on the active database (all or nothing) and mirrors what committed', async () => {
    const userId = uid('dual')
    const taken = await dual.profile.create({ data: { userId: uid('dt'), name: 'T' } })
    await expectCode(
      dual.$transaction([
        dual.profile.create({ data: { userId, name: 'D' } }),
        dual.profile.create({ data: { userId: taken.userId, name: 'dup' } }),
      ]),
      'P2002',
    )
    expect(await pg.profile.findUnique({ where: { userId } })).toBeNull()
    expect(await scylla.profile.findUnique({ where: { userId } })).toBeNull()
    const [created] = await dual.$transaction([dual.profile.create({ data: { userId, name: 'D' } })])
    const made = await dual.$transaction(async (tx) =>
      tx.profile.update({ where: { id: created.id }, data: { name: 'D2' } }),
    )
    expect(made.name).toBe('D2')
    expect((await pg.profile.findUnique({ where: { userId } }))?.name).toBe('D2')
    expect((await scylla.profile.findUnique({ where: { userId } }))?.name).toBe('D2')
  })

  it('an extended dual client keeps $dual and runs its hooks inside $transaction', async () => {
    const seen: string[] = []
    const x = dual.$extends({
      query: {
        $allOperations: ({ model, operation, args, query }) => {
          seen.push(`${model}.${operation}`)
          return query(args)
        },
      },
    })
    expect(x.$dual.status().active).toBe('postgres')
    const userId = uid('dx')
    await x.$transaction(async (tx) => tx.profile.create({ data: { userId, name: 'X' } }))
    expect(seen).toEqual(['profile.create'])
    expect((await scylla.profile.findUnique({ where: { userId } }))?.name).toBe('X')
  })

  it('with `fallback`: runs on the database chosen at start-up (here PostgreSQL, isolation allowed)', async () => {
    const fdb = createDb({
      schema: schemaModels,
      backend: 'scylla',
      fallback: 'postgres',
      postgres: { url: testUrl() },
      scylla: { contactPoints: ['127.0.0.1:1'], keyspace: 'tandem_test', connectTimeoutMs: 1000, logger: () => {} },
      layout: schema.layout as never,
    })
    try {
      const userId = uid('fb')
      const taken = await fdb.profile.create({ data: { userId: uid('fbt'), name: 'T' } })
      await expectCode(
        fdb.$transaction(
          [
            fdb.profile.create({ data: { userId, name: 'F' } }),
            fdb.profile.create({ data: { userId: taken.userId, name: 'dup' } }),
          ],
          { isolationLevel: 'Serializable' },
        ),
        'P2002',
      )
      expect(await pg.profile.findUnique({ where: { userId } })).toBeNull()
      const made = await fdb.$transaction(async (tx) => tx.profile.create({ data: { userId, name: 'F' } }))
      expect((await pg.profile.findUnique({ where: { userId } }))?.id).toBe(made.id)
    } finally {
      await fdb.$disconnect()
    }
  })
})
