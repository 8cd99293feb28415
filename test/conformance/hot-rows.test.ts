// Hot rows (issue 11, item 4): many concurrent arithmetic updates of a few rows. On ScyllaDB the updates of one
// row made by one process are combined into one compare-and-set (src/cql/row-combiner.ts); on PostgreSQL the row
// lock serializes them. Either way every call must succeed, the totals must be exact, and each caller must get
// the row as of its own step in some serial order.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { backendOf } from '../../src/create-db.js'
import { createDb } from '../../src/index.js'
import type { ScyllaBackend } from '../../src/cql/scylla-backend.js'
import { TandemError } from '../../src/errors.js'
import { BACKENDS, openDb, uid, type TestDb } from '../support/backends.js'
import { expectCode, randomUUID } from '../support/conformance-helpers.js'
import * as schema from '../support/schema.js'

const { layout, ...models } = schema

/** Runs `total` calls with at most `callers` in flight (closed loop, like a server's request workers). */
async function closedLoop<T>(total: number, callers: number, call: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(total)
  let next = 0
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < total) {
        const i = next++
        out[i] = await call(i)
      }
    }),
  )
  return out
}

/** 1..n: what the values returned by n serialized increments of a row created at 1 (by the first) must be. */
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1)
const sortedNumbers = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)

describe.each(BACKENDS)('hot rows on %s', (backend) => {
  let db: TestDb
  beforeAll(async () => {
    db = await openDb(backend)
  })
  afterAll(async () => {
    await db?.$disconnect()
  })

  it('usage buffer: 64 callers, 3000 upserts over 3 new rows → no error, exact totals, every step once', async () => {
    const scope = uid('usage')
    const keys = ['a', 'b', 'c']
    const results = await closedLoop(3000, 64, (i) => {
      const key = keys[i % 3]!
      return db.setting.upsert({
        where: { scope_key: { scope, key } },
        create: { scope, key, value: 'usage', version: 1 },
        update: { version: { increment: 1 } },
      })
    })
    for (const key of keys) {
      const mine = results.filter((r) => r.key === key).map((r) => r.version)
      expect(mine).toHaveLength(1000)
      // one create (version 1) and 999 increments, each caller seeing its own step
      expect(sortedNumbers(mine)).toEqual(oneTo(1000))
      const row = await db.setting.findUnique({ where: { scope_key: { scope, key } } })
      expect(row?.version).toBe(1000)
    }
  })

  it('usage buffer on a model with lookups (uuid key, an index): the create race falls into the update path', async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID()]
    const group = uid('g')
    const results = await closedLoop(600, 64, (i) => {
      const id = ids[i % 3]!
      return db.sample.upsert({
        where: { id },
        create: { id, group, count: 1 },
        update: { count: { increment: 1 } },
      })
    })
    for (const id of ids) {
      expect(sortedNumbers(results.filter((r) => r.id === id).map((r) => r.count))).toEqual(oneTo(200))
      expect((await db.sample.findUnique({ where: { id } }))?.count).toBe(200)
    }
    expect(await db.sample.count({ where: { group } })).toBe(3)
  })

  it('200 concurrent decrements of one row: all applied, each caller gets its own serialized step', async () => {
    const s = await db.sample.create({ data: { group: uid('g'), count: 1000 } })
    const results = await Promise.all(
      Array.from({ length: 200 }, () => db.sample.update({ where: { id: s.id }, data: { count: { decrement: 1 } } })),
    )
    // the values after each step: 999 down to 800, each exactly once
    expect(sortedNumbers(results.map((r) => r.count))).toEqual(Array.from({ length: 200 }, (_, i) => 800 + i))
    expect((await db.sample.findUnique({ where: { id: s.id } }))?.count).toBe(800)
  })

  it('mixed increment and multiply: the returned values follow one serial order of the calls', async () => {
    const s = await db.sample.create({ data: { group: uid('g'), big: 1 } })
    const ops = Array.from({ length: 60 }, (_, i) => (i % 2 ? { multiply: 2 } : { increment: 3 }))
    const results = await Promise.all(ops.map((op) => db.sample.update({ where: { id: s.id }, data: { big: op } })))
    // every step makes the value grow, so the serial order is the order of the returned values
    const steps = results.map((r, i) => ({ value: r.big!, op: ops[i]! })).sort((a, b) => a.value - b.value)
    let value = 1
    for (const step of steps) {
      value = 'multiply' in step.op ? value * step.op.multiply! : value + step.op.increment!
      expect(step.value).toBe(value)
    }
    expect((await db.sample.findUnique({ where: { id: s.id } }))?.big).toBe(value)
  })

  it('a where checked at each caller’s step: decrement while positive stops exactly at 0', async () => {
    const s = await db.sample.create({ data: { group: uid('g'), count: 100 } })
    const settled = await Promise.allSettled(
      Array.from({ length: 150 }, () =>
        db.sample.update({ where: { id: s.id, count: { gt: 0 } }, data: { count: { decrement: 1 } } }),
      ),
    )
    const done = settled.filter((r) => r.status === 'fulfilled').map((r) => r.value.count)
    const failed = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as { code?: string }] : []))
    expect(sortedNumbers(done)).toEqual(Array.from({ length: 100 }, (_, i) => i))
    expect(failed.map((e) => e.code)).toEqual(Array.from({ length: 50 }, () => 'P2025'))
    expect((await db.sample.findUnique({ where: { id: s.id } }))?.count).toBe(0)
  })

  it('increments of a row that does not exist: P2025 for each, nothing created', async () => {
    const id = randomUUID()
    const settled = await Promise.allSettled(
      Array.from({ length: 10 }, () => db.sample.update({ where: { id }, data: { count: { increment: 1 } } })),
    )
    expect(settled.map((r) => (r.status === 'rejected' ? (r.reason as { code?: string }).code : 'fulfilled'))).toEqual(
      Array.from({ length: 10 }, () => 'P2025'),
    )
    expect(await db.sample.findUnique({ where: { id } })).toBeNull()
  })

  it('a step that would leave the column range fails alone; the steps around it apply', async () => {
    const s = await db.sample.create({ data: { group: uid('g'), count: 2147483000 } })
    const settled = await Promise.allSettled([
      db.sample.update({ where: { id: s.id }, data: { count: { increment: 100 } } }),
      db.sample.update({ where: { id: s.id }, data: { count: { increment: 1000 } } }),
      db.sample.update({ where: { id: s.id }, data: { count: { increment: 100 } } }),
    ])
    expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect((settled[1] as PromiseRejectedResult).reason.code).toBe('P2020')
    expect((await db.sample.findUnique({ where: { id: s.id } }))?.count).toBe(2147483200)
  })

  it('two clients (two processes’ worth of combiners) on one row: exact total, every step once', async () => {
    const other = await openDb(backend)
    try {
      const s = await db.sample.create({ data: { group: uid('g'), count: 0 } })
      const inc = (c: TestDb) => c.sample.update({ where: { id: s.id }, data: { count: { increment: 1 } } })
      const [a, b] = await Promise.all([closedLoop(150, 32, () => inc(db)), closedLoop(150, 32, () => inc(other))])
      expect(sortedNumbers([...a, ...b].map((r) => r.count))).toEqual(oneTo(300))
      expect((await db.sample.findUnique({ where: { id: s.id } }))?.count).toBe(300)
    } finally {
      await other.$disconnect()
    }
  })
})

describe('hot rows on scylla: combining and giving up', () => {
  let db: TestDb
  let scylla: ScyllaBackend
  beforeAll(async () => {
    db = await openDb('scylla')
    scylla = backendOf(db) as ScyllaBackend
  })
  afterAll(async () => {
    vi.restoreAllMocks()
    await db?.$disconnect()
  })

  it('concurrent updates of one row share compare-and-sets: far fewer LWTs than calls', async () => {
    const s = await db.sample.create({ data: { group: uid('g'), count: 0 } })
    const lwt = vi.spyOn(scylla.session.exec, 'lwt')
    try {
      await Promise.all(
        Array.from({ length: 200 }, () => db.sample.update({ where: { id: s.id }, data: { count: { increment: 1 } } })),
      )
      // the first call's CAS runs alone, everything that arrived meanwhile goes in the next few
      expect(lwt.mock.calls.length).toBeLessThan(20)
    } finally {
      lwt.mockRestore()
    }
    expect((await db.sample.findUnique({ where: { id: s.id } }))?.count).toBe(200)
  })

  it('an update that changes an indexed or unique field is not combined (one CAS per call)', async () => {
    const s = await db.sample.create({ data: { group: uid('g'), count: 0 } })
    const lwt = vi.spyOn(scylla.session.exec, 'lwt')
    try {
      // `group` is indexed: the call moves an index entry, so it takes the one-row path
      await Promise.all(
        Array.from({ length: 5 }, () =>
          db.sample.update({ where: { id: s.id }, data: { count: { increment: 1 }, group: s.group } }),
        ),
      )
      expect(lwt.mock.calls.length).toBeGreaterThanOrEqual(5)
    } finally {
      lwt.mockRestore()
    }
    expect((await db.sample.findUnique({ where: { id: s.id } }))?.count).toBe(5)
  })

  it('calls of a $scylla client are combined only among themselves, and the totals stay exact', async () => {
    const s = await db.sample.create({ data: { group: uid('g'), count: 0 } })
    const scoped = db.$scylla({ ttl: 3600 })
    const inc = (c: Pick<TestDb, 'sample'>) =>
      c.sample.update({ where: { id: s.id }, data: { count: { increment: 1 } } })
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => inc(i % 2 ? db : scoped)))
    expect(sortedNumbers(results.map((r) => r.count))).toEqual(oneTo(100))
    expect((await db.sample.findUnique({ where: { id: s.id } }))?.count).toBe(100)
  })

  it('a group that loses every compare-and-set fails with P2034 for each caller and changes nothing', async () => {
    // a client with no retries loses its CAS whenever the other client wrote the row since it read it
    const eager = createDb({
      schema: models,
      backend: 'scylla',
      scylla: { keyspace: 'tandem_test', casRetries: 0 },
      layout: layout as never,
    })
    try {
      const s = await db.sample.create({ data: { group: uid('g'), count: 0 } })
      const inc = (c: Pick<TestDb, 'sample'>) =>
        c.sample.update({ where: { id: s.id }, data: { count: { increment: 1 } } })
      let expected = 0
      let gaveUp: unknown[] = []
      for (let round = 0; round < 10 && gaveUp.length === 0; round++) {
        const [mine, theirs] = await Promise.all([
          Promise.allSettled(Array.from({ length: 100 }, () => inc(eager))),
          closedLoop(100, 16, () => inc(db)),
        ])
        gaveUp = mine.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []))
        expected += theirs.length + mine.filter((r) => r.status === 'fulfilled').length
        // nothing a failed call did is left: the row holds exactly the successful increments
        expect((await db.sample.findUnique({ where: { id: s.id } }))?.count).toBe(expected)
      }
      expect(gaveUp.length).toBeGreaterThan(0)
      for (const e of gaveUp) {
        expect(e).toBeInstanceOf(TandemError)
        expect((e as TandemError).code).toBe('P2034')
        expect((e as TandemError).message).toMatch(/nothing was changed/)
        expect((e as TandemError).meta).toMatchObject({ modelName: 'sample', attempts: 1 })
      }
    } finally {
      await eager.$disconnect()
    }
  })

  it('scylla.casRetries must be a whole number from 0 to 1000', async () => {
    for (const casRetries of [-1, 1.5, 1001]) {
      await expectCode(
        (async () => createDb({ schema: models, backend: 'scylla', scylla: { casRetries } }))(),
        'VALIDATION',
      )
    }
  })
})
