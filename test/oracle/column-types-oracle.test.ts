// Differential oracle for the column types of issue 12 item 6 (gadget: serial id, arrays, bytea, time, inet,
// jsonb; ticket: bigint identity): the same call through tandem (PostgreSQL backend) and Prisma 7 on the same
// rows, results deep-equal, failing calls with the same error code (see oracle.test.ts for the method).
//
// Representation only is normalized, on Prisma's side, to tandem's (Drizzle's) forms:
//   Bytes (Uint8Array)                  → Buffer (tandem returns the Buffer postgres.js reads; both are Uint8Array)
//   DateTime of gadget.opensAt (@db.Time) → 'HH:MM:SS[.fff]' (Drizzle's time is the text PostgreSQL prints)
// `net` (cidr) is Unsupported in Prisma, which leaves it out of results: tandem's calls omit it.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDb, testUrl, uid, type TestDb } from '../support/backends.js'
import type { OraclePrisma } from './prisma-oracle.js'
import { attempt, isPlain, show, strip, type AnyClient, type Args } from './oracle-support.js'

let db: TestDb
let prisma: OraclePrisma
const t = () => db as unknown as AnyClient
const p = () => prisma as unknown as AnyClient

/** Prisma's representation → tandem's (see the header). */
function fromPrisma(v: unknown, key?: string): unknown {
  if (v === null || v === undefined) return v
  if (v instanceof Uint8Array) return Buffer.from(v)
  if (v instanceof Date && key === 'opensAt')
    return v
      .toISOString()
      .slice(11, 23)
      .replace(/\.?0+$/, '')
  if (Array.isArray(v)) return v.map((x) => fromPrisma(x))
  if (isPlain(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromPrisma(x, k)]))
  return v
}

/** tandem's input → Prisma's (a time as the Date Prisma takes for @db.Time). */
function toPrisma(v: unknown, key?: string): unknown {
  if (typeof v === 'string' && key === 'opensAt') return new Date(`1970-01-01T${v}Z`)
  if (Buffer.isBuffer(v)) return new Uint8Array(v)
  if (Array.isArray(v)) return v.map((x) => toPrisma(x))
  if (isPlain(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toPrisma(x, k)]))
  return v
}

const NO_NET = { omit: { net: true } }

/** Runs one call on both clients and compares outcomes (tandem's `args` get `extra`, e.g. omit of net). */
async function both(model: string, method: string, args: Args, extra: Args = {}) {
  const ours = await attempt(() => t()[model]![method]!({ ...args, ...extra }))
  const theirs = await attempt(() => p()[model]![method]!(toPrisma(args)))
  const o = 'value' in theirs ? { value: fromPrisma(theirs.value) } : theirs
  return { tandem: strip(ours), prisma: strip(o), messages: [ours, theirs] }
}

async function expectSame(model: string, method: string, args: Args, extra: Args = {}) {
  const r = await both(model, method, args, extra)
  expect(r.tandem, `${model}.${method} ${show(args)}\n${show(r.messages)}`).toEqual(r.prisma)
  return r.tandem
}

describe('column types: tandem vs Prisma 7 on PostgreSQL', () => {
  let owner: string
  beforeAll(async () => {
    execFileSync(process.execPath, [fileURLToPath(new URL('./generate.mjs', import.meta.url)), '--if-stale'], {
      stdio: 'inherit',
    })
    db = await openDb('postgres')
    const { openPrisma } = await import('./prisma-oracle.js')
    prisma = openPrisma(testUrl())
    owner = uid('oracle')
    // the read fixture, written through Prisma
    for (const data of [
      {
        tags: ['red', 'blue'],
        scores: [1, 2],
        payload: { plan: 'pro', seats: 5, tags: ['x', 'y'], info: { name: 'Acme Corp' } },
      },
      { tags: ['blue'], scores: [3], payload: { plan: 'free', seats: 1, tags: ['y'] } },
      { tags: [], scores: [], payload: { other: true } },
      { tags: ['green'], payload: [1, 2, 3] },
    ])
      await p().gadget!.create!({
        data: toPrisma({ owner, blob: Buffer.from([1, 2, 3]), opensAt: '08:15:00', ip: '192.168.0.1', ...data }),
      })
  })
  afterAll(async () => {
    await prisma?.$disconnect()
    await db?.$disconnect()
  })

  const reads: [string, Args, number][] = [
    ['all rows (bytes, time, inet, arrays, json)', {}, 4],
    ['json path equals', { payload: { path: ['plan'], equals: 'pro' } }, 1],
    ['json path equals a number', { payload: { path: ['seats'], equals: 1 } }, 1],
    ['json path not', { payload: { path: ['plan'], not: 'pro' } }, 1],
    ['json path string_contains', { payload: { path: ['info', 'name'], string_contains: 'Corp' } }, 1],
    ['json path string_starts_with', { payload: { path: ['plan'], string_starts_with: 'fr' } }, 1],
    ['json path string_ends_with', { payload: { path: ['plan'], string_ends_with: 'o' } }, 1],
    ['json path string_contains on a number', { payload: { path: ['seats'], string_contains: '5' } }, 0],
    ['json path array_contains', { payload: { path: ['tags'], array_contains: ['y'] } }, 2],
    ['json path array_contains two', { payload: { path: ['tags'], array_contains: ['x', 'y'] } }, 1],
    ['json path array_starts_with', { payload: { path: ['tags'], array_starts_with: 'x' } }, 1],
    ['json path array_ends_with', { payload: { path: ['tags'], array_ends_with: 'y' } }, 2],
    ['json array_contains at the root', { payload: { array_contains: [2] } }, 1],
    ['json path into an array element', { payload: { path: ['tags', '0'], equals: 'y' } }, 1],
    ['json equals a whole object', { payload: { equals: { other: true } } }, 1],
    ['json path gt a number', { payload: { path: ['seats'], gt: 3 } }, 1],
    ['json path lte a number', { payload: { path: ['seats'], lte: 5 } }, 2],
    ['json path gte a string', { payload: { path: ['plan'], gte: 'pro' } }, 1],
    ['json path lt a string (numbers do not compare)', { payload: { path: ['plan'], lt: 'z' } }, 2],
    ['array has', { tags: { has: 'blue' } }, 2],
    ['array hasSome', { tags: { hasSome: ['red', 'green'] } }, 2],
    ['array hasEvery', { tags: { hasEvery: ['blue', 'red'] } }, 1],
    ['array isEmpty', { tags: { isEmpty: true } }, 1],
    ['array isEmpty false', { tags: { isEmpty: false } }, 3],
    ['array equals', { tags: { equals: ['blue'] } }, 1],
    ['int array has', { scores: { has: 3 } }, 1],
    ['NOT array has', { NOT: { tags: { has: 'red' } } }, 3],
  ]
  it.each(reads)('gadget.findMany: %s', async (_name, where, rows) => {
    const args = { where: { owner, ...where }, orderBy: { id: 'asc' } }
    const out = await expectSame('gadget', 'findMany', args, NO_NET)
    expect('value' in out && (out.value as unknown[]).length).toBe(rows)
  })

  it('gadget.count with array and json filters', async () => {
    await expectSame('gadget', 'count', {
      where: { owner, tags: { has: 'blue' }, payload: { path: ['seats'], equals: 5 } },
    })
  })

  /** Replaces the generated id of a created row (each side's sequence gives its own). */
  const noId = (o: { value?: unknown; error?: string }) =>
    'value' in o && isPlain(o.value) ? { value: { ...o.value, id: '<id>' } } : o

  it('gadget.create: serial id assigned, every type returned as read', async () => {
    const data = {
      owner: uid('c'),
      tags: ['a', "it's"],
      scores: [7],
      refs: ['00000000-0000-4000-8000-000000000001'],
      blob: Buffer.from([0, 255]),
      opensAt: '23:59:59.25',
      ip: '10.1.2.3',
      payload: { k: [1, { v: null }] },
    }
    const r = await both('gadget', 'create', { data }, NO_NET)
    expect(noId(r.tandem)).toEqual(noId(r.prisma))
    const bare = await both('gadget', 'create', { data: { owner: uid('c') } }, NO_NET)
    // an omitted array: tandem writes [], and both return [] (owner differs: uid per call)
    expect({ ...noId(bare.tandem), value: { ...(noId(bare.tandem) as { value: Args }).value, owner: 'x' } }).toEqual({
      ...noId(bare.prisma),
      value: { ...(noId(bare.prisma) as { value: Args }).value, owner: 'x' },
    })
  })

  it('gadget.update: push a value, push a list, set; on rows made alike', async () => {
    for (const data of [
      { tags: { push: 'b' } },
      { tags: { push: ['c', 'd'] } },
      { scores: { push: 4 } },
      { tags: { set: ['z'] } },
    ]) {
      const a = (await t().gadget!.create!({ data: { owner: uid('u'), tags: ['a'], scores: [1] } })) as { id: number }
      const b = (await t().gadget!.create!({ data: { owner: uid('u'), tags: ['a'], scores: [1] } })) as { id: number }
      const ours = strip(await attempt(() => t().gadget!.update!({ where: { id: a.id }, data, ...NO_NET })))
      const theirs = strip(await attempt(() => p().gadget!.update!({ where: { id: b.id }, data })))
      const o = 'value' in theirs ? { value: fromPrisma(theirs.value) } : theirs
      const clean = (x: typeof ours) =>
        'value' in x && isPlain(x.value) ? { value: { ...x.value, id: '<id>', owner: '<owner>' } } : x
      expect(clean(ours), show(data)).toEqual(clean(o))
    }
  })

  it('ticket: the identity id is assigned by the database on both; filters and order by it agree', async () => {
    const queue = uid('q')
    const ours = (await t().ticket!.create!({ data: { queue, title: 'tandem' } })) as { id: bigint }
    const theirs = (await p().ticket!.create!({ data: { queue, title: 'prisma' } })) as { id: bigint }
    expect(typeof ours.id).toBe('bigint')
    expect(typeof theirs.id).toBe('bigint')
    expect(theirs.id > ours.id).toBe(true)
    await expectSame('ticket', 'findMany', { where: { queue }, orderBy: { id: 'desc' } })
    await expectSame('ticket', 'findMany', { where: { queue, id: { gt: ours.id } } })
  })

  // Declared differences (asserted, so a change on either side is noticed):
  it('differs: a given id for GENERATED ALWAYS — tandem refuses it (VALIDATION) before the database does', async () => {
    const r = await both('ticket', 'create', { data: { id: 5n, queue: uid('q'), title: 'x' } })
    expect(r.tandem).toEqual({ error: 'VALIDATION' })
    // Prisma sends it and PostgreSQL refuses: an error either way, never a row
    expect('error' in r.prisma).toBe(true)
  })

  it('both refuse: an unknown json filter key, an array filter on a scalar', async () => {
    await expectSame('gadget', 'findMany', { where: { owner, payload: { path: ['plan'], matches: 'x' } } }, NO_NET)
    await expectSame('gadget', 'findMany', { where: { owner, tags: { contains: 'x' } } }, NO_NET)
  })
})
