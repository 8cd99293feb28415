// aggregate and group-by: statistics of one channel's messages. On PostgreSQL one statement (tandem compiles
// it, postgres.js is the hand-written GROUP BY, Prisma 7 its own); on ScyllaDB the channel is one partition:
// tandem reads it through the key and aggregates in memory, as the raw driver beside it does by hand.
import type { BackendName, Impl } from '../types.js'
import { IDEMPOTENT, ks, needPg, needScylla, pick, type Workload, type WorkloadEnv } from './common.js'

type Loose = Record<string, unknown>

/** The per-author counts of a group-by result, whatever the client's row shape, sorted. */
function groupDigest(result: unknown): string {
  return (result as Loose[])
    .map((r) => {
      const author = String(r['authorId'] ?? r['author_id'])
      const n = Number((r['_count'] as Loose | undefined)?.['_all'] ?? r['n'])
      return `${author}:${n}`
    })
    .sort()
    .join(',')
}

/** The row count of an aggregate result (tandem's and Prisma's `_count`, the raw drivers' `n`). */
const aggregateDigest = (result: unknown): string =>
  String(Number((result as Loose)['_count'] ?? (result as Loose)['n']))

/** Every row of a channel's partition, page by page (a short page does not mean the end). */
async function partitionRows(env: WorkloadEnv, text: string, channelId: string): Promise<Loose[]> {
  const { cql } = needScylla(env)
  const rows: Loose[] = []
  let pageState: string | undefined
  do {
    const r = await cql.execute(text, [channelId], { ...IDEMPOTENT, fetchSize: 5000, pageState })
    for (const row of r.rows) rows.push(row as unknown as Loose)
    pageState = r.pageState ?? undefined
  } while (pageState)
  return rows
}

export const aggregate: Workload = {
  name: 'aggregate',
  description:
    'count, first and last message time of one channel: `message.aggregate({ where: { channelId }, _count: true, _min: { createdAt: true }, _max: { createdAt: true } })`',
  backends: ['postgres', 'scylla'],
  digest: aggregateDigest,
  impls(backend: BackendName, env: WorkloadEnv): Impl[] {
    const channels = env.data.channelIds
    const args = (channelId: string) =>
      ({
        where: { channelId },
        _count: true,
        _min: { createdAt: true },
        _max: { createdAt: true },
      }) as const
    if (backend === 'postgres') {
      const { tandem, sql: pg, prisma } = needPg(env)
      return [
        { impl: 'tandem', backend, op: (c) => tandem.message.aggregate(args(pick(channels, c))) },
        {
          impl: 'postgres.js',
          backend,
          op: async (c) =>
            (
              await pg`select count(*)::int as n, min(created_at) as first, max(created_at) as last from message where channel_id = ${pick(channels, c)}`
            )[0],
        },
        { impl: 'prisma', backend, op: (c) => prisma.message.aggregate(args(pick(channels, c))) },
      ]
    }
    const { tandem, keyspace } = needScylla(env)
    const text = `SELECT created_at FROM ${ks(keyspace, 'message')} WHERE channel_id = ?`
    return [
      { impl: 'tandem', backend, op: (c) => tandem.message.aggregate(args(pick(channels, c))) },
      {
        impl: 'cassandra-driver',
        backend,
        op: async (c) => {
          const rows = await partitionRows(env, text, pick(channels, c))
          let first: Date | null = null
          let last: Date | null = null
          for (const r of rows) {
            const at = r['created_at'] as Date
            if (!first || at < first) first = at
            if (!last || at > last) last = at
          }
          return { n: rows.length, first, last }
        },
      },
    ]
  },
}

export const groupBy: Workload = {
  name: 'group-by',
  description:
    "messages per author in one channel, most first: `message.groupBy({ by: ['authorId'], where: { channelId }, _count: { _all: true }, _max: { createdAt: true }, orderBy: { _count: { id: 'desc' } } })`",
  backends: ['postgres', 'scylla'],
  digest: groupDigest,
  impls(backend: BackendName, env: WorkloadEnv): Impl[] {
    const channels = env.data.channelIds
    const args = (channelId: string) =>
      ({
        by: ['authorId'],
        where: { channelId },
        _count: { _all: true },
        _max: { createdAt: true },
        orderBy: { _count: { id: 'desc' } },
      }) as const
    if (backend === 'postgres') {
      const { tandem, sql: pg, prisma } = needPg(env)
      return [
        { impl: 'tandem', backend, op: (c) => tandem.message.groupBy(args(pick(channels, c))) },
        {
          impl: 'postgres.js',
          backend,
          op: (c) =>
            pg`select author_id, count(*)::int as n, max(created_at) as last from message where channel_id = ${pick(channels, c)} group by author_id order by count(id) desc`,
        },
        {
          impl: 'prisma',
          backend,
          op: (c) =>
            prisma.message.groupBy({
              by: ['authorId'],
              where: { channelId: pick(channels, c) },
              _count: { _all: true },
              _max: { createdAt: true },
              orderBy: { _count: { id: 'desc' } },
            }),
        },
      ]
    }
    const { tandem, keyspace } = needScylla(env)
    const text = `SELECT author_id, created_at FROM ${ks(keyspace, 'message')} WHERE channel_id = ?`
    return [
      { impl: 'tandem', backend, op: (c) => tandem.message.groupBy(args(pick(channels, c))) },
      {
        impl: 'cassandra-driver',
        backend,
        op: async (c) => {
          const groups = new Map<string, { author_id: string; n: number; last: Date }>()
          for (const r of await partitionRows(env, text, pick(channels, c))) {
            const author = String(r['author_id'])
            const at = r['created_at'] as Date
            const g = groups.get(author)
            if (!g) groups.set(author, { author_id: author, n: 1, last: at })
            else {
              g.n++
              if (at > g.last) g.last = at
            }
          }
          return [...groups.values()].sort((a, b) => b.n - a.n)
        },
      },
    ]
  },
}
