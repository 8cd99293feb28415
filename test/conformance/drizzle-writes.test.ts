// drizzle's write builders (insert / update / delete, returning, onConflict…) through tandem's facade, compared
// with drizzle itself on PostgreSQL (the oracle): the facade runs over a PostgreSQL and over a ScyllaDB tandem
// client, each scenario runs once on the oracle and once on the facade with its own keys, and the results are
// compared after the keys and generated ids are normalised. Refusals by code, before any I/O; errors side by side.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import postgres from 'postgres'
import { drizzle } from 'drizzle-orm/postgres-js'
import { DrizzleQueryError, asc, eq, sql } from 'drizzle-orm'
import { drizzleFacade } from '../../src/drizzle/facade-db.js'
import { TandemError } from '../../src/errors.js'
import { BACKENDS, openDb, testUrl, uid, type TestDb } from '../support/backends.js'
import * as schema from '../support/schema.js'

const { layout: _layout, ...models } = schema
const { sample, profile, server } = schema
const pool = postgres(testUrl(), { max: 2, onnotice: () => {} })
const oracle = drizzle(pool, { schema: models })
type Db = typeof oracle

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** a result with the scenario's key written K and generated uuids written ID (so two runs compare) */
function normalised(value: unknown, key: string): unknown {
  if (typeof value === 'string') return UUID.test(value) ? 'ID' : value.replaceAll(key, 'K')
  if (Array.isArray(value)) return value.map((v) => normalised(v, key))
  if (value !== null && typeof value === 'object' && !(value instanceof Date))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalised(v, key)]))
  return value
}

/** what a write without returning gives (postgres.js's row list): its length, count and command */
function rowList(result: unknown): unknown {
  const list = result as unknown[] & { count: number; command: string }
  return { length: list.length, count: list.count, command: list.command }
}

/** the rows of a scenario's group, by code (what a scenario left behind) */
function groupRows(db: Db, k: string) {
  return db
    .select({ code: sample.code, label: sample.label, count: sample.count, slug: sample.slug })
    .from(sample)
    .where(eq(sample.group, k))
    .then((rows) => rows.sort((a, b) => String(a.code).localeCompare(String(b.code))))
}

const byCode = <R extends { code?: unknown }>(rows: R[]): R[] =>
  [...rows].sort((a, b) => String(a.code).localeCompare(String(b.code)))

const row = (k: string, n: number, extra: Record<string, unknown> = {}) => ({
  group: k,
  code: `${k}-${n}`,
  label: `label ${n}`,
  ...extra,
})

/** each scenario runs on the oracle and on the facade, with its own key k; results compared normalised */
const scenarios: [string, (db: Db, k: string) => Promise<unknown>][] = [
  ['insert one, no returning: count 1, no rows', async (db, k) => rowList(await db.insert(sample).values(row(k, 1)))],
  [
    'insert many, returning() every column (defaults from the create: count 0, slug $defaultFn, id random)',
    async (db, k) =>
      byCode(
        await db
          .insert(sample)
          .values([row(k, 1), row(k, 2, { count: 5 })])
          .returning(),
      ),
  ],
  [
    'insert returning chosen fields, keyed as given',
    async (db, k) =>
      db
        .insert(sample)
        .values(row(k, 1, { big: 7 }))
        .returning({ c: sample.code, n: sample.count, b: sample.big }),
  ],
  [
    'insert many without returning: count',
    async (db, k) => [
      rowList(await db.insert(sample).values([row(k, 1), row(k, 2), row(k, 3)])),
      await groupRows(db, k),
    ],
  ],
  [
    'insert with sql`default` for a column: its default',
    async (db, k) =>
      db
        .insert(sample)
        .values(row(k, 1, { count: sql`default` }))
        .returning({ count: sample.count }),
  ],
  [
    'onConflictDoNothing (no target): returning gives only the inserted rows',
    async (db, k) => {
      await db.insert(sample).values(row(k, 1))
      const inserted = await db
        .insert(sample)
        .values([row(k, 9, { code: `${k}-1` }), row(k, 2)])
        .onConflictDoNothing()
        .returning({ code: sample.code, label: sample.label })
      return [inserted, await groupRows(db, k)]
    },
  ],
  [
    'onConflictDoNothing({ target }) without returning: count of inserted rows',
    async (db, k) => {
      await db.insert(sample).values(row(k, 1))
      const result = await db
        .insert(sample)
        .values([row(k, 9, { code: `${k}-1` }), row(k, 2), row(k, 3)])
        .onConflictDoNothing({ target: sample.code })
      return [rowList(result), await groupRows(db, k)]
    },
  ],
  [
    'onConflictDoUpdate: the update path (increment in set) and the insert path, returning',
    async (db, k) => {
      await db.insert(sample).values(row(k, 1, { count: 3 }))
      const rows = await db
        .insert(sample)
        .values([row(k, 1, { count: 100, label: 'proposed' }), row(k, 2, { count: 7 })])
        .onConflictDoUpdate({ target: sample.code, set: { count: sql`${sample.count} + 1`, label: 'updated' } })
        .returning({ code: sample.code, count: sample.count, label: sample.label })
      return [rows, await groupRows(db, k)]
    },
  ],
  [
    'onConflictDoUpdate one row, set from excluded, no returning',
    async (db, k) => {
      await db.insert(sample).values(row(k, 1))
      const result = await db
        .insert(sample)
        .values(row(k, 1, { label: 'proposed', count: 4 }))
        .onConflictDoUpdate({
          target: sample.code,
          set: { label: sql`excluded.label`, count: sql`${sample.count} - 2` },
        })
      return [rowList(result), await groupRows(db, k)]
    },
  ],
  [
    'update set where, no returning: count',
    async (db, k) => {
      await db.insert(sample).values([row(k, 1), row(k, 2)])
      const result = await db.update(sample).set({ flag: true, count: 9 }).where(eq(sample.group, k))
      return [rowList(result), await groupRows(db, k)]
    },
  ],
  [
    'update returning() every column; returning chosen fields',
    async (db, k) => {
      await db.insert(sample).values([row(k, 1), row(k, 2)])
      const all = await db
        .update(sample)
        .set({ flag: true })
        .where(eq(sample.code, `${k}-1`))
        .returning()
      const some = await db
        .update(sample)
        .set({ flag: false, count: 2 })
        .where(eq(sample.group, k))
        .returning({ code: sample.code, flag: sample.flag, count: sample.count })
      return [all, byCode(some)]
    },
  ],
  [
    'update increments and decrements (a literal and a bound number)',
    async (db, k) => {
      await db.insert(sample).values([row(k, 1, { count: 10 }), row(k, 2, { count: 20 })])
      await db
        .update(sample)
        .set({ count: sql`${sample.count} + ${5}` })
        .where(eq(sample.group, k))
      const down = await db
        .update(sample)
        .set({ count: sql`${sample.count} - 3`, label: 'down' })
        .where(eq(sample.code, `${k}-2`))
        .returning({ count: sample.count })
      return [down, await groupRows(db, k)]
    },
  ],
  [
    'update matching nothing: count 0',
    async (db, k) => rowList(await db.update(sample).set({ flag: true }).where(eq(sample.group, k))),
  ],
  [
    'delete where, no returning: count',
    async (db, k) => {
      await db.insert(sample).values([row(k, 1), row(k, 2), row(k, 3)])
      const result = await db.delete(sample).where(eq(sample.code, `${k}-2`))
      return [rowList(result), await groupRows(db, k)]
    },
  ],
  [
    'delete returning chosen fields / every column',
    async (db, k) => {
      await db.insert(sample).values([row(k, 1), row(k, 2), row(k, 3)])
      const one = await db
        .delete(sample)
        .where(eq(sample.code, `${k}-1`))
        .returning()
      const rest = await db.delete(sample).where(eq(sample.group, k)).returning({ code: sample.code })
      return [one, byCode(rest), await groupRows(db, k)]
    },
  ],
  [
    'delete matching nothing: count 0, returning []',
    async (db, k) => [
      rowList(await db.delete(sample).where(eq(sample.group, k))),
      await db.delete(sample).where(eq(sample.group, k)).returning(),
    ],
  ],
  [
    'prepared update and delete with placeholders in where and set',
    async (db, k) => {
      await db.insert(sample).values([row(k, 1), row(k, 2), row(k, 3)])
      const bump = db
        .update(sample)
        .set({ count: sql`${sample.count} + ${sql.placeholder('by')}` })
        .where(eq(sample.code, sql.placeholder('code')))
        .returning({ code: sample.code, count: sample.count })
        .prepare(`bump_${k.replace(/\W/g, '_')}`)
      const drop = db
        .delete(sample)
        .where(eq(sample.code, sql.placeholder('code')))
        .returning({ code: sample.code })
        .prepare(`drop_${k.replace(/\W/g, '_')}`)
      const bumped = [await bump.execute({ by: 2, code: `${k}-1` }), await bump.execute({ by: 3, code: `${k}-1` })]
      const dropped = await drop.execute({ code: `${k}-3` })
      return [bumped, dropped, await groupRows(db, k)]
    },
  ],
  [
    'writes in db.transaction (onConflictDoUpdate of several rows inside it)',
    async (db, k) => {
      await db.transaction(async (tx) => {
        await tx.insert(sample).values(row(k, 1))
        await tx
          .insert(sample)
          .values([row(k, 1), row(k, 2)])
          .onConflictDoUpdate({ target: sample.code, set: { count: sql`${sample.count} + 1` } })
        await tx
          .update(sample)
          .set({ label: 'in tx' })
          .where(eq(sample.code, `${k}-2`))
      })
      return groupRows(db, k)
    },
  ],
]

const opened: TestDb[] = []
afterAll(async () => {
  for (const db of opened) await db.$disconnect()
  await pool.end()
})

describe.each(BACKENDS)('drizzle write builders through tandem on %s', (backend) => {
  let facade: Db
  let tandem: TestDb
  beforeAll(async () => {
    tandem = await openDb(backend)
    opened.push(tandem)
    facade = drizzleFacade(models, tandem as never) as unknown as Db
  })

  for (const [name, scenario] of scenarios)
    it(name, async () => {
      const [ko, kf] = [uid('dw'), uid('dw')]
      const expected = normalised(await scenario(oracle, ko), ko)
      const got = normalised(await scenario(facade, kf), kf)
      expect(got).toEqual(expected)
    })

  it('the model-API calls a write becomes (explain)', async () => {
    const { translate } = await import('../../src/drizzle/facade-session.js')
    const callOf = (q: { getSQL(): unknown }) => {
      const built = q.getSQL() as { queryChunks: unknown[] }
      return translate(tandem.$schema, built.queryChunks[0] as never).calls
    }
    expect(callOf(facade.insert(sample).values({ group: 'g', code: 'c' }).onConflictDoNothing())).toEqual([
      { method: 'createMany', args: { data: [{ group: 'g', code: 'c' }], skipDuplicates: true } },
    ])
    expect(
      callOf(
        facade
          .update(sample)
          .set({ count: sql`${sample.count} + 2` })
          .where(eq(sample.group, 'g'))
          .returning({ c: sample.code }),
      ),
    ).toEqual([
      {
        method: 'updateManyAndReturn',
        args: { where: { group: { equals: 'g' } }, data: { count: { increment: 2 } }, select: { code: true } },
      },
    ])
    expect(
      callOf(
        facade
          .insert(sample)
          .values([
            { group: 'g', code: 'c', label: 'l' },
            { group: 'g', code: 'd', label: 'm' },
          ])
          .onConflictDoUpdate({ target: sample.code, set: { label: sql`excluded.label`, count: 0 } }),
      ),
    ).toEqual([
      {
        method: 'upsert',
        args: { where: { code: 'c' }, create: { group: 'g', code: 'c', label: 'l' }, update: { label: 'l', count: 0 } },
      },
      {
        method: 'upsert',
        args: { where: { code: 'd' }, create: { group: 'g', code: 'd', label: 'm' }, update: { label: 'm', count: 0 } },
      },
    ])
    const read = { where: { code: { equals: 'c' } }, select: { code: true, id: true } }
    expect(callOf(facade.delete(sample).where(eq(sample.code, 'c')).returning({ code: sample.code }))).toEqual([
      { method: 'findMany', args: read },
      { method: 'deleteMany', args: { where: read.where } },
    ])
  })

  it("explain(db, write) gives tandem's statements for each write shape, running nothing", async () => {
    const { explain } = await import('../../src/drizzle/index.js')
    const k = uid('dw')
    const writes = [
      facade.insert(sample).values(row(k, 1)),
      facade.insert(sample).values(row(k, 1)).returning({ id: sample.id }),
      facade.insert(sample).values(row(k, 1)).onConflictDoNothing(),
      facade
        .insert(sample)
        .values([row(k, 1), row(k, 2)])
        .onConflictDoUpdate({ target: sample.code, set: { count: sql`${sample.count} + 1` } }),
      facade
        .update(sample)
        .set({ count: sql`${sample.count} + 1` })
        .where(eq(sample.group, k)),
      facade.delete(sample).where(eq(sample.code, k)).returning(),
    ]
    for (const write of writes) {
      const plan = await explain(facade as never, write)
      expect(plan.backend).toBe(backend)
      expect(plan.statements.length).toBeGreaterThan(0)
    }
    expect(await groupRows(facade, k)).toEqual([])
  })

  it('a write whose where no key serves: served on PostgreSQL, refused by tandem on ScyllaDB (no scans)', async () => {
    const k = uid('dw')
    await facade.insert(sample).values(row(k, 1, { label: k }))
    const write = facade.update(sample).set({ flag: true }).where(eq(sample.label, k))
    const removal = facade.delete(sample).where(eq(sample.label, k))
    if (backend === 'postgres') {
      expect(rowList(await write)).toEqual({ length: 0, count: 1, command: 'UPDATE' })
      expect(rowList(await removal)).toEqual({ length: 0, count: 1, command: 'DELETE' })
    } else {
      for (const refused of [write, removal, facade.update(sample).set({ flag: true }), facade.delete(sample)])
        await expect(refused).rejects.toMatchObject({ code: 'UNSERVABLE_QUERY' })
      expect(await groupRows(facade, k)).toEqual([{ code: `${k}-1`, label: k, count: 0, slug: 'generated' }])
    }
  })

  // refused before any I/O: UNSERVABLE_QUERY, and the group's rows are as they were
  const refusals: [string, (db: Db, k: string) => PromiseLike<unknown>][] = [
    ['an sql`` insert value', (db, k) => db.insert(sample).values(row(k, 5, { label: sql`upper('x')` }))],
    [
      'an sql`` set value other than ±n on its column',
      (db, k) =>
        db
          .update(sample)
          .set({ label: sql`upper(${sample.label})` })
          .where(eq(sample.group, k)),
    ],
    [
      'an increment of another column',
      (db, k) =>
        db
          .update(sample)
          .set({ count: sql`${sample.big} + 1` })
          .where(eq(sample.group, k)),
    ],
    ['update … from', (db, k) => db.update(sample).set({ flag: true }).from(profile).where(eq(sample.group, k))],
    [
      'update where with raw sql',
      (db, k) =>
        db
          .update(sample)
          .set({ flag: true })
          .where(sql`lower(${sample.group}) = ${k}`),
    ],
    ['delete where with raw sql', (db, k) => db.delete(sample).where(sql`lower(${sample.group}) = ${k}`)],
    [
      'onConflictDoUpdate with setWhere',
      (db, k) =>
        db
          .insert(sample)
          .values(row(k, 1))
          .onConflictDoUpdate({ target: sample.code, set: { label: 'x' }, setWhere: eq(sample.count, 0) }),
    ],
    ['insert … select', (db) => db.insert(sample).select(db.select().from(sample).where(eq(sample.group, 'none')))],
  ]
  for (const [name, write] of refusals)
    it(`refuses ${name} with UNSERVABLE_QUERY, changing nothing`, async () => {
      const k = uid('dw')
      await facade.insert(sample).values([row(k, 1), row(k, 2)])
      const before = await groupRows(facade, k)
      const error = await Promise.resolve(write(facade, k)).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(TandemError)
      expect((error as TandemError).code).toBe('UNSERVABLE_QUERY')
      expect((error as Error).message).toContain('Nothing was run')
      expect(await groupRows(facade, k)).toEqual(before)
    })
})

// the same failing write on drizzle itself (DrizzleQueryError around postgres.js's PostgresError with its SQLSTATE)
// and on the facade (TandemError with its code), on both backends
const failures: [string, string, string, (db: Db, k: string) => PromiseLike<unknown>][] = [
  [
    'unique violation on insert',
    '23505',
    'P2002',
    async (db, k) => {
      await db.insert(profile).values({ userId: k, name: 'a' })
      return db.insert(profile).values({ userId: k, name: 'b' })
    },
  ],
  [
    'unique violation on update',
    '23505',
    'P2002',
    async (db, k) => {
      await db.insert(sample).values([row(k, 1), row(k, 2)])
      return db
        .update(sample)
        .set({ code: `${k}-1` })
        .where(eq(sample.code, `${k}-2`))
    },
  ],
  [
    'foreign key violation (no such profile)',
    '23503',
    'P2003',
    (db, k) => db.insert(server).values({ name: 'n', inviteCode: k, profileId: randomUUID() }),
  ],
  [
    'missing required column on insert',
    '23502',
    'VALIDATION',
    (db, k) => db.insert(profile).values({ userId: k } as never),
  ],
  [
    'null into a not-null column on update',
    '23502',
    'VALIDATION',
    async (db, k) => {
      await db.insert(profile).values({ userId: k, name: 'a' })
      return db
        .update(profile)
        .set({ name: null as never })
        .where(eq(profile.userId, k))
    },
  ],
  ['integer out of range', '22003', 'P2020', (db, k) => db.insert(sample).values(row(k, 1, { count: 2 ** 40 }))],
  [
    'onConflictDoUpdate target that is no unique key',
    '42P10',
    'VALIDATION',
    (db, k) =>
      db
        .insert(sample)
        .values(row(k, 1))
        .onConflictDoUpdate({ target: sample.label, set: { count: 1 } }),
  ],
]

async function failureOf(write: () => PromiseLike<unknown>): Promise<string> {
  try {
    await write()
    return 'no error'
  } catch (e) {
    if (e instanceof DrizzleQueryError) return `DrizzleQueryError ${(e.cause as { code?: string }).code}`
    if (e instanceof TandemError) return `TandemError ${e.code}`
    return `other ${String(e)}`
  }
}

describe('errors side by side: drizzle on PostgreSQL | the facade on postgres | the facade on scylla', () => {
  const facades: Partial<Record<(typeof BACKENDS)[number], Db>> = {}
  beforeAll(async () => {
    for (const backend of BACKENDS) {
      const tandem = await openDb(backend)
      opened.push(tandem)
      facades[backend] = drizzleFacade(models, tandem as never) as unknown as Db
    }
  })
  for (const [name, sqlstate, code, write] of failures)
    it(`${name}: ${sqlstate} | ${code}`, async () => {
      const got = [await failureOf(() => write(oracle, uid('de')))]
      for (const backend of BACKENDS) got.push(await failureOf(() => write(facades[backend]!, uid('de'))))
      expect(got).toEqual([`DrizzleQueryError ${sqlstate}`, `TandemError ${code}`, `TandemError ${code}`])
    })
})
