// Raw statements: $queryRaw/$executeRaw (and the Unsafe forms) on PostgreSQL, $cql on ScyllaDB, each refused on
// the other backend with VALIDATION; values are bound (never spliced), the composition helpers (sql, join, raw,
// empty, Prisma.*) nest as Prisma's Sql does, results are plain objects with the documented types, and a
// statement the database rejects is P2010 with the database's code in meta.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDb, empty, join, Prisma, raw, sql, Sql, type DualDb } from '../../src/index.js'
import { BACKENDS, openDb, testUrl, TEST_NODE_LWT_SETTLE_MS, uid, type TestDb } from '../support/backends.js'
import * as schema from '../support/schema.js'

const { layout, ...models } = schema

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'resolved'
  } catch (e) {
    return (e as { code?: string }).code ?? `uncoded: ${String(e)}`
  }
}

describe('sql composition helpers (no database)', () => {
  it('nest fragments, bind every value of join, splice raw text, and number placeholders per language', () => {
    const ids = ['a', 'b', 'c']
    const where = sql`WHERE id IN (${join(ids)}) AND n > ${5}`
    const q = sql`SELECT * FROM t ${where} ${empty}ORDER BY ${raw('created_at')} DESC`
    expect(q.values).toEqual(['a', 'b', 'c', 5])
    expect(q.text).toBe('SELECT * FROM t WHERE id IN ($1,$2,$3) AND n > $4 ORDER BY created_at DESC')
    expect(q.sql).toBe('SELECT * FROM t WHERE id IN (?,?,?) AND n > ? ORDER BY created_at DESC')
    expect(q.statement).toBe('SELECT * FROM t WHERE id IN (:1,:2,:3) AND n > :4 ORDER BY created_at DESC')
    // the Prisma namespace is the same helpers (Prisma 7's sql-template-tag semantics: join's prefix/suffix)
    const p = Prisma.sql`a ${1} b ${Prisma.sql`c ${2} ${Prisma.join([3, 4], ' OR ', '(', ')')}`} d`
    expect(p).toBeInstanceOf(Sql)
    expect(p.text).toBe('a $1 b c $2 ($3 OR $4) d')
    expect(p.values).toEqual([1, 2, 3, 4])
    expect(Prisma.empty.text).toBe('')
    expect(() => join([])).toThrow(expect.objectContaining({ code: 'VALIDATION' }))
  })
})

describe.each(BACKENDS)('raw statements on %s', (backend) => {
  let db: TestDb
  let group: string
  let ids: string[]
  beforeAll(async () => {
    db = await openDb(backend)
    group = uid('raw')
    const a = await db.sample.create({
      data: {
        group,
        label: 'a',
        count: 3,
        big: 5,
        huge: 9007199254740993n,
        price: '12.50',
        at: new Date('2024-01-02T03:04:05.678Z'),
        day: '2024-01-02',
        doc: { k: [1, 'x'] },
        flag: true,
      },
    })
    const b = await db.sample.create({ data: { group, label: "it's b", count: 7 } })
    ids = [a.id, b.id]
  })
  afterAll(() => db.$disconnect())

  it('refuses the other language with VALIDATION, naming the method to use, before any I/O', async () => {
    if (backend === 'postgres') {
      await expect(db.$cql`SELECT * FROM sample`).rejects.toMatchObject({
        code: 'VALIDATION',
        message: expect.stringContaining('$queryRaw'),
      })
      expect(await codeOf(db.$cqlUnsafe('SELECT 1'))).toBe('VALIDATION')
    } else {
      for (const p of [
        () => db.$queryRaw`SELECT 1`,
        () => db.$executeRaw`DELETE FROM sample`,
        () => db.$queryRawUnsafe('SELECT 1'),
        () => db.$executeRawUnsafe('SELECT 1'),
      ])
        await expect(p()).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('$cql') })
    }
    // the rows are all still there
    expect(await db.sample.count({ where: { group } })).toBe(2)
  })

  it('refuses a tag method called with a string (it would invite splicing) with VALIDATION', async () => {
    const tag = backend === 'postgres' ? db.$queryRaw : db.$cql
    await expect((tag as (q: unknown) => Promise<unknown>)('SELECT 1')).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('Unsafe'),
    })
  })

  if (backend === 'postgres') {
    it('$queryRaw binds values and returns plain rows with Prisma 7 types (numeric as text)', async () => {
      const rows = await db.$queryRaw<Record<string, unknown>[]>`
        SELECT id, "group", label, count, big, huge, price, at, day, doc, flag, count(*) OVER () AS total
        FROM sample WHERE "group" = ${group} AND count >= ${3} ORDER BY count`
      expect(rows).toHaveLength(2)
      const [a, b] = rows
      expect(Object.getPrototypeOf(a)).toBe(Object.prototype)
      expect(a).toEqual({
        id: ids[0],
        group,
        label: 'a',
        count: 3,
        big: 5n, // int8 → bigint, as Prisma's $queryRaw
        huge: 9007199254740993n,
        price: '12.50', // numeric → text (Prisma: Decimal)
        at: new Date('2024-01-02T03:04:05.678Z'),
        day: new Date('2024-01-02T00:00:00.000Z'), // date → Date at UTC midnight, as Prisma's $queryRaw
        doc: { k: [1, 'x'] },
        flag: true,
        total: 2n,
      })
      expect(b).toMatchObject({ label: "it's b", count: 7, big: null, price: null, at: null })
    })

    it('composes with sql, join, raw and empty; Prisma.sql fragments passed whole', async () => {
      const order = raw('count DESC')
      const extra = (cond: boolean) => (cond ? sql`AND count > ${5}` : empty)
      const rows = await db.$queryRaw<{ id: string }[]>`
        SELECT id FROM sample WHERE id IN (${join(ids)}) ${extra(false)} ORDER BY ${order}`
      expect(rows.map((r) => r.id)).toEqual([ids[1], ids[0]])
      const only = await db.$queryRaw<{ id: string }[]>(
        Prisma.sql`SELECT id FROM sample WHERE "group" = ${group} ${extra(true)}`,
      )
      expect(only).toEqual([{ id: ids[1] }])
      const typed = await db.$queryRaw<Record<string, unknown>[]>`
        SELECT ${1}::int AS i, ${10n}::int8 AS b, ${new Date('2024-05-06T07:08:09.010Z')}::timestamptz AS tz,
               ${{ a: 1 }}::jsonb AS j, ${[1, 2]}::int[] AS arr, ${Buffer.from([1, 2])}::bytea AS bytes`
      expect(typed).toEqual([
        {
          i: 1,
          b: 10n,
          tz: new Date('2024-05-06T07:08:09.010Z'),
          j: { a: 1 },
          arr: [1, 2],
          bytes: new Uint8Array([1, 2]),
        },
      ])
    })

    it('never splices values: an injection attempt is compared as a value', async () => {
      const evil = `${group}' OR '1'='1`
      expect(await db.$queryRaw`SELECT id FROM sample WHERE "group" = ${evil}`).toEqual([])
      expect(await db.$queryRaw`SELECT ${"'; DROP TABLE sample; --"}::text AS v`).toEqual([
        { v: "'; DROP TABLE sample; --" },
      ])
      expect(await db.$executeRaw`DELETE FROM sample WHERE label = ${"x' OR 'a'='a"}`).toBe(0)
      expect(await db.sample.count({ where: { group } })).toBe(2)
    })

    it('$executeRaw and $executeRawUnsafe resolve to the affected row count; $queryRawUnsafe binds $n', async () => {
      expect(await db.$executeRaw`UPDATE sample SET count = count + 1 WHERE "group" = ${group}`).toBe(2)
      expect(await db.$executeRawUnsafe('UPDATE sample SET count = count - 1 WHERE "group" = $1', group)).toBe(2)
      expect(await db.$queryRawUnsafe('SELECT count(*)::int AS n FROM sample WHERE "group" = $1', group)).toEqual([
        { n: 2 },
      ])
      expect(await db.$executeRaw`UPDATE sample SET count = 0 WHERE false`).toBe(0)
    })

    it('a statement PostgreSQL rejects is P2010 with the SQLSTATE in meta (as Prisma 7), nothing changed', async () => {
      const cases: [() => Promise<unknown>, string][] = [
        [() => db.$queryRaw`SELEC 1`, '42601'],
        [() => db.$queryRaw`SELECT * FROM no_such_table_raw`, '42P01'],
        [() => db.$queryRaw`SELECT ${'abc'}::int`, '22P02'],
        [
          () => db.$executeRaw`INSERT INTO sample (id, "group", label) VALUES (${ids[0]}::uuid, ${group}, 'z')`,
          '23505',
        ],
        [() => db.$queryRawUnsafe('SELECT $1::int'), '42P02'],
      ]
      for (const [p, sqlState] of cases) {
        const e = await p().then(
          () => undefined,
          (x: unknown) => x as { code: string; meta: Record<string, unknown>; message: string },
        )
        expect(e?.code).toBe('P2010')
        expect(e?.meta).toMatchObject({
          code: sqlState,
          driverAdapterError: { cause: { originalCode: sqlState } },
        })
        expect(e?.message).toContain(`Raw query failed. Code: \`${sqlState}\``)
      }
      expect(await db.sample.count({ where: { group } })).toBe(2)
    })

    it('inside $transaction, raw statements use its connection and roll back with it (both forms)', async () => {
      const label = uid('tx')
      await expect(
        db.$transaction(async (tx) => {
          await tx.$executeRaw`INSERT INTO sample (id, "group", label) VALUES (gen_random_uuid(), ${group}, ${label})`
          // visible inside the transaction
          expect(await tx.$queryRaw`SELECT label FROM sample WHERE label = ${label}`).toEqual([{ label }])
          throw new Error('roll back')
        }),
      ).rejects.toThrow('roll back')
      expect(await db.$queryRaw`SELECT label FROM sample WHERE label = ${label}`).toEqual([])
      // array form: raw calls are lazy like model calls, so the transaction takes them; a failing later call
      // (P2002 on the seeded profile's userId) undoes the raw insert too
      const userId = uid('txu')
      await db.profile.create({ data: { userId, name: 'x' } })
      const insert = db.$executeRaw`INSERT INTO sample (id, "group", label) VALUES (gen_random_uuid(), ${group}, ${label})`
      await expect(
        db.$transaction([insert, db.profile.create({ data: { userId, name: 'dup' } })]),
      ).rejects.toMatchObject({ code: 'P2002' })
      expect(await db.$queryRaw`SELECT label FROM sample WHERE label = ${label}`).toEqual([])
      const [count] = await db.$transaction([
        db.$executeRaw`INSERT INTO sample (id, "group", label) VALUES (gen_random_uuid(), ${group}, ${label})`,
      ])
      expect(count).toBe(1)
      await db.sample.deleteMany({ where: { label } })
    })
  } else {
    it('$cql binds values (prepared) and returns plain rows: uuid text, bigint, decimal text, Date', async () => {
      const rows = await db.$cql<Record<string, unknown>[]>`
        SELECT id, "group", label, count, big, huge, price, at, day, flag FROM sample WHERE id = ${ids[0]}`
      expect(rows).toEqual([
        {
          id: ids[0],
          group,
          label: 'a',
          count: 3,
          big: 5n, // CQL bigint → bigint (the client reads longs as bigint)
          huge: 9007199254740993n,
          price: '12.50', // decimal → text, as numerics everywhere in tandem
          at: new Date('2024-01-02T03:04:05.678Z'),
          day: new Date('2024-01-02T00:00:00.000Z'), // date → Date at UTC midnight, as $queryRaw on PostgreSQL
          flag: true,
        },
      ])
      expect(Object.getPrototypeOf(rows[0])).toBe(Object.prototype)
      const both = await db.$cql<{ id: string }[]>`SELECT id FROM sample WHERE id IN (${join(ids)})`
      expect(both.map((r) => r.id).sort()).toEqual([...ids].sort())
      const viaPrisma = await db.$cql<{ label: string }[]>(Prisma.sql`SELECT label FROM sample WHERE id = ${ids[1]}`)
      expect(viaPrisma).toEqual([{ label: "it's b" }])
      const unsafe = await db.$cqlUnsafe<{ count: number }[]>('SELECT count FROM sample WHERE id = ?', ids[1])
      expect(unsafe).toEqual([{ count: 7 }])
    })

    it('collections come back as arrays and objects', async () => {
      const rows = await db.$cql<Record<string, unknown>[]>`
        SELECT [1, 2] AS l, {'a': 1} AS m, (1, 'x') AS t FROM system.local`.catch(
        // Cassandra 5 cannot infer literal collection types in a selection: cast them
        () => db.$cql<Record<string, unknown>[]>`
          SELECT (list<int>)[1, 2] AS l, (map<text, int>){'a': 1} AS m, (tuple<int, text>)(1, 'x') AS t FROM system.local`,
      )
      expect(rows).toEqual([{ l: [1, 2], m: { a: 1 }, t: [1, 'x'] }])
    })

    it('never splices values: an injection attempt is compared as a value', async () => {
      const evil = `${ids[0]}' OR id = '${ids[1]}`
      expect(await codeOf(db.$cql`SELECT id FROM sample WHERE id = ${evil}`)).toBe('VALIDATION') // not a uuid
      const rows = await db.$cql`SELECT id FROM sample__by_group WHERE "group" = ${`${group}' OR '1'='1`}`
      expect(rows).toEqual([])
    })

    it('a write resolves to [] and a lightweight transaction to [{ applied, …current }]', async () => {
      expect(await db.$cql`UPDATE sample SET label = ${'a2'} WHERE id = ${ids[0]}`).toEqual([])
      expect(await db.$cql`UPDATE sample SET label = ${'a3'} WHERE id = ${ids[0]} IF label = ${'nope'}`).toEqual([
        { applied: false, label: 'a2' },
      ])
      expect(await db.$cql`UPDATE sample SET label = ${'a'} WHERE id = ${ids[0]} IF label = ${'a2'}`).toEqual([
        { applied: true },
      ])
    })

    it('a statement ScyllaDB rejects is P2010 with its error code (hex) in meta; a value it cannot bind is VALIDATION', async () => {
      const cases: [() => Promise<unknown>, string][] = [
        [() => db.$cql`SELEC 1`, '0x2000'],
        [() => db.$cql`SELECT * FROM no_such_table_raw WHERE id = ${1}`, '0x2200'],
        [() => db.$cql`SELECT * FROM sample WHERE label = ${'a'}`, '0x2200'], // would need ALLOW FILTERING
      ]
      for (const [p, code] of cases) {
        const e = await p().then(
          () => undefined,
          (x: unknown) => x as { code: string; meta: Record<string, unknown> },
        )
        expect(e?.code).toBe('P2010')
        expect(e?.meta).toMatchObject({ code, driverAdapterError: { cause: { originalCode: code } } })
      }
      expect(await codeOf(db.$cql`SELECT * FROM sample WHERE id = ${'not-a-uuid'}`)).toBe('VALIDATION')
    })
  }
})

describe.each(BACKENDS)('raw statements in dual mode with %s primary run on the active database', (primary) => {
  let db: DualDb<typeof models>
  beforeAll(async () => {
    db = createDb({
      schema: models,
      backend: 'dual',
      postgres: { url: testUrl() },
      scylla: { keyspace: 'tandem_test', lwtSettleMs: TEST_NODE_LWT_SETTLE_MS },
      layout: layout as never,
      dual: {
        primary,
        secondary: primary === 'postgres' ? 'scylla' : 'postgres',
        healthIntervalMs: 60_000,
        syncIntervalMs: 0,
        logger: () => {},
      },
    })
  })
  afterAll(() => db.$disconnect())

  it('the active database runs its language; the other is refused with VALIDATION', async () => {
    expect(await db.$health()).toHaveLength(2)
    expect(db.$dual.status().active).toBe(primary)
    if (primary === 'postgres') {
      expect(await db.$queryRaw`SELECT ${2}::int * 21 AS n`).toEqual([{ n: 42 }])
      expect(await codeOf(db.$cql`SELECT release_version FROM system.local`)).toBe('VALIDATION')
    } else {
      expect(await db.$cql`SELECT key FROM system.local WHERE key = ${'local'}`).toEqual([{ key: 'local' }])
      expect(await codeOf(db.$queryRaw`SELECT 1`)).toBe('VALIDATION')
    }
  })
})
