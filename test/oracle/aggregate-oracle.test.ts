// Differential oracle for issue 12 item 3: aggregate, groupBy, distinct, orderBy along relations,
// updateManyAndReturn and count({ select }) through tandem (PostgreSQL) and Prisma 7 on the same rows,
// compared call by call (results deep-equal, failing calls with the same code).
//
// Representation is normalized on Prisma's side as oracle.test.ts does (oracle-support.ts `fromPrisma`), with one
// addition: a Decimal under `_avg` becomes a string with 16 places, tandem's form of a decimal column's average
// (PostgreSQL's `round(avg(x), 16)`; in memory on ScyllaDB the same).
//
// Run: npx vitest run test/oracle/aggregate-oracle.test.ts   (generates the Prisma client first if stale)
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDb, testUrl, uid, type TestDb } from '../support/backends.js'
import type { OraclePrisma } from './prisma-oracle.js'
import { attempt, fromPrisma, isPlain, show, strip, type AnyClient, type Args, type Outcome } from './oracle-support.js'

let db: TestDb
let prisma: OraclePrisma
const differences: string[] = []

function isDecimal(v: unknown): v is { toFixed(n: number): string } {
  return typeof v === 'object' && v !== null && 'd' in v && 'e' in v && 's' in v
}
/** fromPrisma, with decimals under `_avg` at 16 places */
function normalize(v: unknown, underAvg = false, key?: string): unknown {
  if (isDecimal(v) && underAvg) return v.toFixed(16)
  if (Array.isArray(v)) return v.map((x) => normalize(x, underAvg))
  if (isPlain(v))
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x, underAvg || k === '_avg', k)]))
  return fromPrisma(v, key)
}

const SAMPLES = [
  { label: 'a', count: 1, big: 10, huge: 100n, ratio: 0.5, score: 1.25, price: '10.00', role: 'ADMIN', flag: true },
  { label: 'b', count: 2, big: 20, huge: 200n, ratio: 1.5, score: 2.5, price: '20.50', role: 'GUEST', flag: false },
  { label: 'c', count: 3, big: null, huge: null, ratio: null, score: null, price: null, role: null, flag: null },
  { label: 'd', count: 4, big: 40, huge: 400n, ratio: 2, score: 4, price: '0.01', role: 'MODERATOR', flag: true },
  { label: null, count: 10, big: 5, huge: 5n, ratio: 0.25, score: 0.5, price: '1.99', role: 'GUEST', flag: true },
  { label: 'e', count: 7, big: 1, huge: 1n, ratio: 0.1, score: 0.3, price: '3.33', role: 'ADMIN', flag: false },
] as const

async function seedSamples(group: string): Promise<string[]> {
  const ids: string[] = []
  for (const [i, r] of SAMPLES.entries()) {
    const id = randomUUID()
    ids.push(id)
    await db.sample.create({ data: { id, group, ...r, at: new Date(Date.UTC(2024, 0, i + 1)), code: uid('code') } })
  }
  return ids
}

interface Case {
  name: string
  model: 'sample' | 'member' | 'message' | 'server'
  method: string
  args: (g: Ctx) => Args
  /** groupBy without orderBy: compare as sets */
  unordered?: boolean
}
interface Ctx {
  group: string
  ids: string[]
  serverId: string
  channelId: string
  ownerProfileId: string
}

const CASES: Case[] = [
  {
    name: 'aggregate: every function over a where',
    model: 'sample',
    method: 'aggregate',
    args: ({ group }) => ({
      where: { group },
      _count: { _all: true, big: true, label: true },
      _sum: { count: true, big: true, huge: true, ratio: true, score: true, price: true },
      _avg: { count: true, big: true, huge: true, ratio: true, score: true, price: true },
      _min: { count: true, label: true, price: true, at: true, role: true, ratio: true },
      _max: { count: true, label: true, price: true, at: true, role: true, score: true },
    }),
  },
  {
    name: 'aggregate: _count true',
    model: 'sample',
    method: 'aggregate',
    args: ({ group }) => ({ where: { group }, _count: true }),
  },
  {
    name: 'aggregate: no rows',
    model: 'sample',
    method: 'aggregate',
    args: () => ({
      where: { group: 'none-such' },
      _count: true,
      _sum: { count: true, price: true },
      _avg: { price: true },
      _min: { label: true },
    }),
  },
  {
    name: 'aggregate: orderBy take skip window',
    model: 'sample',
    method: 'aggregate',
    args: ({ group }) => ({
      where: { group },
      orderBy: { count: 'desc' },
      take: 3,
      skip: 1,
      _sum: { count: true },
      _avg: { price: true },
    }),
  },
  {
    name: 'aggregate: cursor',
    model: 'sample',
    method: 'aggregate',
    args: ({ group, ids }) => ({
      where: { group },
      orderBy: { count: 'asc' },
      cursor: { id: ids[1] },
      take: 2,
      _sum: { count: true },
    }),
  },
  {
    name: 'aggregate: cursor with a stable orderBy',
    model: 'sample',
    method: 'aggregate',
    args: ({ group, ids }) => ({
      where: { group },
      orderBy: [{ count: 'asc' }, { id: 'asc' }],
      cursor: { id: ids[1] },
      take: 2,
      _sum: { count: true },
    }),
  },
  {
    name: 'aggregate: cursor without orderBy',
    model: 'sample',
    method: 'aggregate',
    args: ({ group, ids }) => ({ where: { group }, cursor: { id: ids[3] }, _count: true }),
  },
  {
    name: 'aggregate: negative take',
    model: 'sample',
    method: 'aggregate',
    args: ({ group }) => ({ where: { group }, orderBy: { count: 'asc' }, take: -2, _sum: { count: true } }),
  },
  {
    name: 'aggregate: _sum of a string field',
    model: 'sample',
    method: 'aggregate',
    args: ({ group }) => ({ where: { group }, _sum: { label: true } }),
  },
  {
    name: 'aggregate: _avg of a timestamp',
    model: 'sample',
    method: 'aggregate',
    args: ({ group }) => ({ where: { group }, _avg: { at: true } }),
  },
  {
    name: 'aggregate: unknown field',
    model: 'sample',
    method: 'aggregate',
    args: ({ group }) => ({ where: { group }, _min: { nope: true } }),
  },
  {
    name: 'groupBy: by role with aggregates',
    model: 'sample',
    method: 'groupBy',
    args: ({ group }) => ({
      by: ['role'],
      where: { group },
      _count: { _all: true, label: true },
      _sum: { count: true, price: true, huge: true },
      _avg: { score: true, price: true },
      _min: { label: true },
      _max: { at: true },
      orderBy: { role: 'asc' },
    }),
  },
  {
    name: 'groupBy: orderBy _count desc then by field',
    model: 'sample',
    method: 'groupBy',
    args: ({ group }) => ({
      by: ['flag'],
      where: { group },
      _count: true,
      orderBy: [{ _count: { id: 'desc' } }, { flag: 'asc' }],
    }),
  },
  {
    name: 'groupBy: orderBy _sum with take and skip',
    model: 'sample',
    method: 'groupBy',
    args: ({ group }) => ({
      by: ['role'],
      where: { group },
      _sum: { count: true },
      orderBy: { _sum: { count: 'desc' } },
      take: 2,
      skip: 1,
    }),
  },
  {
    name: 'groupBy: orderBy nulls first',
    model: 'sample',
    method: 'groupBy',
    args: ({ group }) => ({ by: ['label'], where: { group }, orderBy: { label: { sort: 'asc', nulls: 'first' } } }),
  },
  {
    name: 'groupBy: having an aggregate',
    model: 'sample',
    method: 'groupBy',
    args: ({ group }) => ({
      by: ['role'],
      where: { group },
      having: { count: { _sum: { gt: 3 } } },
      _sum: { count: true },
      orderBy: { role: 'asc' },
    }),
  },
  {
    name: 'groupBy: having OR with a by field and _count',
    model: 'sample',
    method: 'groupBy',
    args: ({ group }) => ({
      by: ['role', 'flag'],
      where: { group },
      having: { OR: [{ price: { _avg: { gte: 10 } } }, { role: 'MODERATOR' }], id: { _count: { equals: 1 } } },
      orderBy: [{ role: 'asc' }, { flag: 'asc' }],
    }),
  },
  {
    name: 'groupBy: having _min/_max and NOT',
    model: 'sample',
    method: 'groupBy',
    args: ({ group }) => ({
      by: ['flag'],
      where: { group },
      having: { count: { _max: { lt: 10 } }, NOT: { price: { _min: { equals: '0.01' } } } },
      _max: { count: true },
      orderBy: { flag: 'asc' },
    }),
  },
  {
    name: 'groupBy: several by fields, no orderBy',
    model: 'sample',
    method: 'groupBy',
    args: ({ group }) => ({ by: ['label', 'flag'], where: { group, count: { lt: 4 } }, _count: true }),
    unordered: true,
  },
  {
    name: 'groupBy: take without orderBy',
    model: 'sample',
    method: 'groupBy',
    args: ({ group }) => ({ by: ['role'], where: { group }, take: 1 }),
  },
  {
    name: 'groupBy: orderBy a field not in by',
    model: 'sample',
    method: 'groupBy',
    args: ({ group }) => ({ by: ['role'], where: { group }, orderBy: { label: 'asc' } }),
  },
  {
    name: 'groupBy: having a field not in by',
    model: 'sample',
    method: 'groupBy',
    args: ({ group }) => ({ by: ['role'], where: { group }, having: { label: 'a' } }),
  },
  {
    name: 'findMany: distinct, ordered',
    model: 'sample',
    method: 'findMany',
    args: ({ group }) => ({
      where: { group },
      distinct: ['role'],
      orderBy: { count: 'desc' },
      select: { label: true, role: true },
    }),
  },
  {
    name: 'findMany: distinct with take and skip',
    model: 'sample',
    method: 'findMany',
    args: ({ group }) => ({
      where: { group },
      distinct: ['role', 'flag'],
      orderBy: { count: 'asc' },
      skip: 1,
      take: 3,
      select: { label: true },
    }),
  },
  {
    name: 'findMany: distinct with a negative take',
    model: 'sample',
    method: 'findMany',
    args: ({ group }) => ({
      where: { group },
      distinct: ['role'],
      orderBy: { count: 'asc' },
      take: -2,
      select: { label: true },
    }),
  },
  {
    name: 'findMany: relation orderBy with a negative take',
    model: 'member',
    method: 'findMany',
    args: ({ serverId }) => ({
      where: { serverId },
      orderBy: { profile: { name: 'asc' } },
      take: -2,
      select: { role: true, profileId: true },
    }),
  },
  {
    name: 'findFirst: distinct',
    model: 'sample',
    method: 'findFirst',
    args: ({ group }) => ({
      where: { group },
      distinct: ['flag'],
      orderBy: { count: 'desc' },
      select: { label: true },
    }),
  },
  {
    name: 'findMany: orderBy a to-one relation field',
    model: 'member',
    method: 'findMany',
    args: ({ serverId }) => ({
      where: { serverId },
      orderBy: { profile: { name: 'desc' } },
      select: { id: true, role: true },
    }),
  },
  {
    name: 'findMany: orderBy a nested relation path, with take',
    model: 'message',
    method: 'findMany',
    args: ({ channelId }) => ({
      where: { channelId },
      orderBy: { member: { profile: { name: 'asc' } } },
      take: 3,
      select: { content: true },
    }),
  },
  {
    name: 'findMany: orderBy _count of a list relation',
    model: 'server',
    method: 'findMany',
    args: ({ ownerProfileId }) => ({
      where: { profileId: ownerProfileId },
      orderBy: { members: { _count: 'desc' } },
      select: { name: true },
    }),
  },
  {
    name: 'findMany: relation orderBy inside an include',
    model: 'server',
    method: 'findMany',
    args: ({ serverId }) => ({
      where: { id: serverId },
      select: {
        name: true,
        members: { orderBy: { profile: { name: 'asc' } }, select: { role: true, profileId: true } },
      },
    }),
  },
  {
    name: 'count: select _all and fields',
    model: 'sample',
    method: 'count',
    args: ({ group }) => ({ where: { group }, select: { _all: true, label: true, price: true, role: true } }),
  },
]

describe('aggregate oracle: tandem (postgres) vs Prisma 7', () => {
  let ctx: Ctx
  beforeAll(async () => {
    execFileSync(process.execPath, [fileURLToPath(new URL('./generate.mjs', import.meta.url)), '--if-stale'], {
      stdio: 'inherit',
    })
    db = await openDb('postgres')
    const { openPrisma } = await import('./prisma-oracle.js')
    prisma = openPrisma(testUrl())
    const group = uid('agg-oracle')
    const ids = await seedSamples(group)
    // a server of four members (profiles named apart) with messages, and an owner with three servers
    const owner = await db.profile.create({ data: { userId: uid('u'), name: 'Owner' } })
    const server = await db.server.create({ data: { name: 'main', inviteCode: uid('inv'), profileId: owner.id } })
    const channel = await db.channel.create({ data: { name: 'general', serverId: server.id } })
    const roles = ['ADMIN', 'GUEST', 'MODERATOR', 'GUEST'] as const
    for (const [i, name] of ['Mia', 'Abe', 'Zoe', 'Kai'].entries()) {
      const p = await db.profile.create({ data: { userId: uid('u'), name } })
      const m = await db.member.create({ data: { profileId: p.id, serverId: server.id, role: roles[i] } })
      await db.message.create({ data: { content: `c${i}`, memberId: m.id, channelId: channel.id } })
    }
    for (const [name, members] of [
      ['two', 2],
      ['none', 0],
    ] as const) {
      const s = await db.server.create({ data: { name, inviteCode: uid('inv'), profileId: owner.id } })
      for (let i = 0; i < members; i++) {
        const p = await db.profile.create({ data: { userId: uid('u'), name: `${name}${i}` } })
        await db.member.create({ data: { profileId: p.id, serverId: s.id } })
      }
    }
    ctx = { group, ids, serverId: server.id, channelId: channel.id, ownerProfileId: owner.id }
  })
  afterAll(async () => {
    if (differences.length)
      console.log(`\n${differences.length} difference(s) between tandem and Prisma:\n\n${differences.join('\n\n')}\n`)
    await db?.$disconnect()
    await prisma?.$disconnect()
  })

  const sortAll = (o: Outcome): Outcome =>
    'value' in o && Array.isArray(o.value)
      ? { value: [...o.value].sort((a, b) => (show(a) < show(b) ? -1 : show(a) > show(b) ? 1 : 0)) }
      : o

  for (const c of CASES) {
    it(c.name, async () => {
      const args = c.args(ctx)
      const t = (db as unknown as AnyClient)[c.model]!
      const p = (prisma as unknown as AnyClient)[c.model]!
      const tandem = strip(await attempt(() => t[c.method]!(args)))
      const raw = await attempt(() => p[c.method]!(args))
      const oracle = strip('value' in raw ? { value: normalize(raw.value) } : raw)
      const [a, b] = c.unordered ? [sortAll(tandem), sortAll(oracle)] : [tandem, oracle]
      try {
        expect(a).toEqual(b)
      } catch (err) {
        differences.push(
          `✗ ${c.name}\n  call:   ${c.model}.${c.method}(${inspect(args, { depth: 8, breakLength: Infinity })})\n  prisma: ${show(b)}\n  tandem: ${show(a)}`,
        )
        throw err
      }
    })
  }

  it('updateManyAndReturn: the same update on two identical groups', async () => {
    const run = async (client: AnyClient, normalizeResult: boolean) => {
      const group = uid('umr-oracle')
      await seedSamples(group)
      const out = await attempt(() =>
        client.sample!.updateManyAndReturn!({
          where: { group, count: { lt: 4 } },
          data: { count: { increment: 10 }, price: '9.99' },
          select: { label: true, count: true, price: true, huge: true },
        }),
      )
      const value = 'value' in out ? (normalizeResult ? normalize(out.value) : out.value) : out
      return 'value' in out
        ? [...(value as Args[])].sort((x, y) => String(x.label).localeCompare(String(y.label)))
        : out
    }
    const tandem = await run(db as unknown as AnyClient, false)
    const oracle = await run(prisma as unknown as AnyClient, true)
    expect(tandem).toEqual(oracle)
    expect(tandem).toHaveLength(3)
  })
})
