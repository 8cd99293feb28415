// Column types beyond the basic ones (issue 12 item 6) on both backends: serial / identity ids (ScyllaDB:
// tandem's sequence, unique across processes), arrays, bytea, time, inet, cidr, json path filters, and a
// model with a column type tandem does not serve (refused alone, the rest of the schema works).
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pgTable, point, text, uuid, integer } from 'drizzle-orm/pg-core'
import { createDb } from '../../src/index.js'
import { BACKENDS, openDb, testUrl, uid, type BackendKind, type TestDb } from '../support/backends.js'
import { gadget } from '../support/schema.js'

const codeOf = async (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'resolved',
    (e: unknown) => (e as { code?: string }).code ?? String(e),
  )

describe.each(BACKENDS)('column types on %s', (backend) => {
  let db: TestDb
  beforeAll(async () => {
    db = await openDb(backend)
  })
  afterAll(async () => {
    await db?.$disconnect()
  })

  it('a gadget round-trips every new type; the serial id is assigned', async () => {
    const owner = uid('o')
    const ref = randomUUID()
    const data = {
      owner,
      tags: ['a', 'b', "it's"],
      scores: [3, 1, 2],
      refs: [ref],
      blob: Buffer.from([0, 1, 2, 255]),
      opensAt: '09:30:15',
      ip: '10.1.2.3',
      net: '10.0.0.0/8',
      payload: { plan: 'pro', seats: 5, tags: ['x', 'y'], nested: { k: 'v' } },
    }
    const created = await db.gadget.create({ data })
    expect(typeof created.id).toBe('number')
    expect(created).toEqual({ id: created.id, ...data })
    const read = await db.gadget.findUnique({ where: { id: created.id } })
    expect(read).toEqual(created)
    expect(Buffer.isBuffer(read!.blob)).toBe(true)
    // omitted arrays are [], other omitted fields null
    const bare = await db.gadget.create({ data: { owner } })
    expect(bare).toMatchObject({ tags: [], scores: [], refs: [], blob: null, opensAt: null, ip: null, net: null })
    expect(bare.id).toBeGreaterThan(created.id)
    // fractions of a second and an empty bytea
    const t = await db.gadget.create({ data: { owner, opensAt: '23:59:59.25', blob: Buffer.alloc(0) } })
    expect((await db.gadget.findUnique({ where: { id: t.id } }))!.opensAt).toBe('23:59:59.25')
    expect((await db.gadget.findUnique({ where: { id: t.id } }))!.blob).toEqual(Buffer.alloc(0))
  })

  it('bytea, time, inet and cidr filter by value', async () => {
    const owner = uid('o')
    const a = await db.gadget.create({
      data: { owner, blob: Buffer.from([1, 2]), opensAt: '08:00', ip: '10.0.0.1', net: '10.0.0.0/8' },
    })
    const b = await db.gadget.create({
      data: { owner, blob: Buffer.from([1, 3]), opensAt: '17:30:00.5', ip: '10.0.0.2', net: '192.168.0.0/16' },
    })
    const ids = async (where: Record<string, unknown>) =>
      (await db.gadget.findMany({ where: { owner, ...where }, orderBy: { id: 'asc' } })).map((r) => r.id)
    expect(a.opensAt).toBe('08:00:00')
    expect(await ids({ blob: Buffer.from([1, 3]) })).toEqual([b.id])
    expect(await ids({ blob: { in: [Buffer.from([1, 2]), Buffer.from([9])] } })).toEqual([a.id])
    expect(await ids({ opensAt: { gt: '12:00:00' } })).toEqual([b.id])
    expect(await ids({ opensAt: '08:00:00' })).toEqual([a.id])
    expect(await ids({ ip: '10.0.0.2' })).toEqual([b.id])
    expect(await ids({ net: { in: ['10.0.0.0/8'] } })).toEqual([a.id])
  })

  it('serial ids increase within a client; an explicit serial id is taken as given', async () => {
    const owner = uid('o')
    const rows = await db.gadget.createManyAndReturn({ data: [{ owner }, { owner }, { owner }] })
    const ids = rows.map((r) => r.id)
    expect(new Set(ids).size).toBe(3)
    expect([...ids].sort((a, b) => a - b)).toEqual(ids)
    const explicit = 1_000_000_000 + Math.floor(Math.random() * 1_000_000_000)
    expect((await db.gadget.create({ data: { id: explicit, owner } })).id).toBe(explicit)
    expect(await codeOf(db.gadget.create({ data: { id: explicit, owner } }))).toBe('P2002')
  })

  it('explain of a create shows the sequence block on ScyllaDB, the id as DEFAULT on PostgreSQL', async () => {
    const { statements } = await db.ticket.explain('create', { data: { queue: 'q', title: 't' } })
    if (backend === 'scylla') expect(statements[0]!.table).toBe('tandem_meta')
    else expect(statements[0]!.text).toMatch(/values \(default, /)
  })

  it('an identity ALWAYS id is assigned, and a given one is refused (VALIDATION), as PostgreSQL refuses it', async () => {
    const queue = uid('q')
    const a = await db.ticket.create({ data: { queue, title: 'first' } })
    const b = await db.ticket.create({ data: { queue, title: 'second' } })
    expect(typeof a.id).toBe('bigint')
    expect(b.id > a.id).toBe(true)
    expect(await codeOf(db.ticket.create({ data: { id: 5n, queue, title: 'x' } as never }))).toBe('VALIDATION')
    expect(await codeOf(db.ticket.update({ where: { id: a.id }, data: { id: 99n } }))).toBe('VALIDATION')
    expect((await db.ticket.findMany({ where: { queue }, orderBy: { id: 'asc' } })).map((r) => r.title)).toEqual([
      'first',
      'second',
    ])
  })

  it('array filters: has, hasSome, hasEvery, isEmpty, equals (through the owner index)', async () => {
    const owner = uid('o')
    const a = await db.gadget.create({ data: { owner, tags: ['red', 'blue'], scores: [1, 2] } })
    const b = await db.gadget.create({ data: { owner, tags: ['blue'], scores: [3] } })
    const c = await db.gadget.create({ data: { owner, tags: [] } })
    const ids = async (where: Record<string, unknown>) =>
      (await db.gadget.findMany({ where: { owner, ...where }, orderBy: { id: 'asc' } })).map((r) => r.id)
    expect(await ids({ tags: { has: 'blue' } })).toEqual([a.id, b.id])
    expect(await ids({ tags: { has: 'red' } })).toEqual([a.id])
    expect(await ids({ tags: { hasSome: ['red', 'green'] } })).toEqual([a.id])
    expect(await ids({ tags: { hasSome: [] } })).toEqual([])
    expect(await ids({ tags: { hasEvery: ['blue', 'red'] } })).toEqual([a.id])
    expect(await ids({ tags: { hasEvery: [] } })).toEqual([a.id, b.id, c.id])
    expect(await ids({ tags: { isEmpty: true } })).toEqual([c.id])
    expect(await ids({ tags: { isEmpty: false } })).toEqual([a.id, b.id])
    expect(await ids({ tags: { equals: ['blue'] } })).toEqual([b.id])
    expect(await ids({ tags: { equals: [] } })).toEqual([c.id])
    expect(await ids({ scores: { has: 3 } })).toEqual([b.id])
    expect(await ids({ NOT: { tags: { has: 'red' } } })).toEqual([b.id, c.id])
    expect(await db.gadget.count({ where: { owner, tags: { has: 'blue' }, scores: { hasSome: [2, 3] } } })).toBe(2)
  })

  it('array updates: set and push (a value or a list; onto an empty array)', async () => {
    const owner = uid('o')
    const g = await db.gadget.create({ data: { owner, tags: ['a'] } })
    expect((await db.gadget.update({ where: { id: g.id }, data: { tags: { push: 'b' } } })).tags).toEqual(['a', 'b'])
    expect((await db.gadget.update({ where: { id: g.id }, data: { tags: { push: ['c', 'd'] } } })).tags).toEqual([
      'a',
      'b',
      'c',
      'd',
    ])
    expect((await db.gadget.update({ where: { id: g.id }, data: { scores: { push: 7 } } })).scores).toEqual([7])
    expect((await db.gadget.update({ where: { id: g.id }, data: { tags: { set: ['z'] } } })).tags).toEqual(['z'])
    expect((await db.gadget.update({ where: { id: g.id }, data: { tags: [] } })).tags).toEqual([])
    expect((await db.gadget.findUnique({ where: { id: g.id } }))!.scores).toEqual([7])
    const n = await db.gadget.updateMany({ where: { owner }, data: { refs: { push: [randomUUID()] } } })
    expect(n.count).toBe(1)
    expect((await db.gadget.findUnique({ where: { id: g.id } }))!.refs).toHaveLength(1)
  })

  it('concurrent pushes onto one row lose no element', async () => {
    const g = await db.gadget.create({ data: { owner: uid('o') } })
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => db.gadget.update({ where: { id: g.id }, data: { scores: { push: i } } })),
    )
    const scores = (await db.gadget.findUnique({ where: { id: g.id } }))!.scores!
    expect([...scores].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
  })

  it('json path filters, in SQL on PostgreSQL and in memory on ScyllaDB', async () => {
    const owner = uid('o')
    const pro = await db.gadget.create({
      data: { owner, payload: { plan: 'pro', seats: 5, tags: ['x', 'y'], info: { name: 'Acme Corp' } } },
    })
    const free = await db.gadget.create({ data: { owner, payload: { plan: 'free', seats: 1, tags: ['y'] } } })
    const none = await db.gadget.create({ data: { owner, payload: { other: true } } })
    const ids = async (payload: Record<string, unknown>) =>
      (await db.gadget.findMany({ where: { owner, payload }, orderBy: { id: 'asc' } })).map((r) => r.id)
    expect(await ids({ path: ['plan'], equals: 'pro' })).toEqual([pro.id])
    expect(await ids({ path: ['seats'], equals: 1 })).toEqual([free.id])
    expect(await ids({ path: ['plan'], not: 'pro' })).toEqual([free.id])
    expect(await ids({ path: ['info', 'name'], string_contains: 'Corp' })).toEqual([pro.id])
    expect(await ids({ path: ['plan'], string_starts_with: 'fr' })).toEqual([free.id])
    expect(await ids({ path: ['plan'], string_ends_with: 'o' })).toEqual([pro.id])
    expect(await ids({ path: ['tags'], array_contains: ['y'] })).toEqual([pro.id, free.id])
    expect(await ids({ path: ['tags'], array_contains: ['x', 'y'] })).toEqual([pro.id])
    expect(await ids({ path: ['tags'], array_starts_with: 'x' })).toEqual([pro.id])
    expect(await ids({ path: ['tags'], array_ends_with: 'y' })).toEqual([pro.id, free.id])
    expect(await ids({ path: ['tags', '0'], equals: 'y' })).toEqual([free.id])
    expect(await ids({ path: ['seats'], string_contains: '5' })).toEqual([]) // a number is not a string
    expect(await ids({ equals: { other: true } })).toEqual([none.id])
    expect(await ids({ path: ['seats'], gt: 3 })).toEqual([pro.id])
    expect(await ids({ path: ['seats'], lte: 5 })).toEqual([pro.id, free.id])
    expect(await ids({ path: ['plan'], lt: 'pro' })).toEqual([free.id])
    // refused operators: never answered as a whole-value comparison
    for (const payload of [
      { path: ['seats'], gt: { a: 1 } },
      { path: ['seats'], in: [3] },
      { path: ['plan'], equals: null },
      { path: ['plan'], string_contains: 'p', mode: 'insensitive' },
      { path: 'plan', equals: 'pro' },
      { path: ['plan'] },
    ])
      expect(await codeOf(db.gadget.findMany({ where: { owner, payload: payload as never } }))).toBe('VALIDATION')
  })

  it('refusals: bad values and operators by code', async () => {
    const owner = uid('o')
    const bad: Record<string, unknown>[] = [
      { owner, tags: 'a' },
      { owner, tags: ['a', null] },
      { owner, scores: ['x'] },
      { owner, blob: 'bytes' },
      { owner, opensAt: '25:00:00' },
      { owner, ip: 'not-an-ip' },
      { owner, ip: '10.0.0.0/8' },
      { owner, net: '10.0.0.1/8' },
    ]
    for (const data of bad) expect(await codeOf(db.gadget.create({ data: data as never }))).toBe('VALIDATION')
    expect(await codeOf(db.gadget.findMany({ where: { owner, tags: { contains: 'a' } as never } }))).toBe('VALIDATION')
    expect(await codeOf(db.gadget.findMany({ where: { owner, tags: null as never } }))).toBe('VALIDATION')
    // Prisma's null markers are not served: refused, never stored as {} or compared as one
    class DbNull {}
    expect(await codeOf(db.gadget.create({ data: { owner, payload: new DbNull() } }))).toBe('VALIDATION')
    expect(await codeOf(db.gadget.findMany({ where: { owner, payload: { equals: new DbNull() } } }))).toBe('VALIDATION')
    const g = await db.gadget.create({ data: { owner } })
    expect(await codeOf(db.gadget.update({ where: { id: g.id }, data: { scores: { increment: 1 } as never } }))).toBe(
      'VALIDATION',
    )
    expect(await db.gadget.count({ where: { owner } })).toBe(1)
    if (backend === 'scylla')
      // no key serves the filter: refused before any I/O
      expect(await codeOf(db.gadget.findMany({ where: { tags: { has: 'x' } } }))).toBe('UNSERVABLE_QUERY')
  })

  it('a model with a column type tandem does not serve is refused alone', async () => {
    const place = pgTable('ct_place', {
      id: uuid('id').primaryKey().defaultRandom(),
      name: text('name').notNull(),
      at: point('at'),
    })
    const note = pgTable('ct_note', {
      id: uuid('id').primaryKey().defaultRandom(),
      body: text('body').notNull(),
      n: integer('n'),
    })
    const keyspace = `ct_${uid('k')
      .replace(/[^a-z0-9]/gi, '')
      .slice(0, 20)}`.toLowerCase()
    const other = createDb({ schema: { place, note }, ...dbOptions(backend, keyspace) })
    try {
      const report = await other.$push()
      if (backend === 'scylla') {
        const skipped = report.changes.filter((c) => c.kind === 'skipped')
        expect(skipped.map((c) => c.table)).toEqual(['ct_place'])
        expect(skipped[0]!.description).toMatch(/"at".*point/)
      }
      const err = await other.place.findMany({}).catch((e: unknown) => e as { code: string; message: string })
      expect((err as { code: string }).code).toBe('VALIDATION')
      expect((err as { message: string }).message).toMatch(/place.*at.*point/)
      expect(await codeOf(other.place.create({ data: { name: 'x' } }))).toBe('VALIDATION')
      const n = await other.note.create({ data: { body: uid('b') } })
      expect((await other.note.findUnique({ where: { id: n.id } }))!.body).toBe(n.body)
      await other.note.delete({ where: { id: n.id } })
    } finally {
      await other.$disconnect()
    }
  })

  it('ids from two processes allocating at once are unique, and increasing within each', async () => {
    const owner = uid('o')
    const child = fileURLToPath(new URL('../support/sequence-child.ts', import.meta.url))
    const run = () =>
      new Promise<number[]>((resolve, reject) => {
        const out = execFileAsync(process.execPath, ['--import', 'tsx', child, backend, owner, '40'])
        out.then((s) => resolve(JSON.parse(s) as number[]), reject)
      })
    // two child processes and this one, at once, with small blocks (scylla) so they interleave
    const small = createDb({
      schema: { gadget },
      backend,
      postgres: { url: testUrl() },
      scylla: { keyspace: 'tandem_test', sequenceBlock: 3 },
    })
    try {
      const local = (async () => {
        const ids: number[] = []
        for (let i = 0; i < 40; i++) ids.push((await small.gadget.create({ data: { owner } })).id)
        return ids
      })()
      const [a, b, c] = await Promise.all([run(), run(), local])
      for (const ids of [a, b, c]) {
        expect(ids).toHaveLength(40)
        expect([...ids].sort((x, y) => x - y)).toEqual(ids)
      }
      expect(new Set([...a, ...b, ...c]).size).toBe(120)
      expect(await db.gadget.count({ where: { owner } })).toBe(120)
    } finally {
      await small.$disconnect()
    }
  }, 120_000)
})

function execFileAsync(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: process.env, maxBuffer: 1 << 20 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout.trim().split('\n').pop()!),
    )
  })
}

/** createDb options for a separate client on the test databases. */
function dbOptions(backend: BackendKind, keyspace: string) {
  return backend === 'postgres'
    ? ({ backend: 'postgres', postgres: { url: testUrl() } } as const)
    : ({ backend: 'scylla', scylla: { keyspace } } as const)
}
