// include-page: the 10 newest messages of one channel, each with its author (member) and the author's profile,
// in Prisma's include API. tandem's relations are being implemented: while tandem answers VALIDATION
// "… not supported yet", its rows are recorded as skipped with that reason.
import { desc, eq, sql } from 'drizzle-orm'
import type { Row } from '../tandem.js'
import { message } from '../schema.js'
import type { BackendName, Impl, OpContext } from '../types.js'
import {
  IDEMPOTENT,
  ks,
  MEMBER_CQL_COLUMNS,
  MESSAGE_CQL_COLUMNS,
  needPg,
  needScylla,
  includeDigest,
  notSupportedYet,
  pick,
  PROFILE_CQL_COLUMNS,
  type LooseDelegate,
  type Workload,
  type WorkloadEnv,
} from './common.js'

const TAKE = 10
const include = { author: { include: { profile: true } } }

export const includePage: Workload = {
  name: 'include-page',
  description:
    "10 newest messages of a channel with author and profile: `message.findMany({ where: { channelId }, orderBy: { createdAt: 'desc' }, take: 10, include: { author: { include: { profile: true } } } })`",
  backends: ['postgres', 'scylla'],
  digest: includeDigest,
  impls(backend: BackendName, env: WorkloadEnv): Impl[] {
    const channels = env.data.channelIds
    const args = (c: OpContext) => ({
      where: { channelId: pick(channels, c) },
      orderBy: { createdAt: 'desc' },
      take: TAKE,
      include,
    })
    const tandemImpl = (db: { message: unknown }): Impl => {
      const messages = db.message as LooseDelegate
      return {
        impl: 'tandem',
        backend,
        op: (c) => messages.findMany(args(c)),
        probe: async (c) => {
          try {
            await messages.findMany(args(c))
            return undefined
          } catch (e) {
            const reason = notSupportedYet(e)
            if (reason) return reason
            throw e
          }
        },
      }
    }
    if (backend === 'postgres') {
      const { tandem, sql: pg, drizzle, prisma } = needPg(env)
      const prepared = drizzle.query.message
        .findMany({
          where: eq(message.channelId, sql.placeholder('channelId')),
          orderBy: [desc(message.createdAt)],
          limit: TAKE,
          with: { author: { with: { profile: true } } },
        })
        .prepare('bench_include_page')
      return [
        tandemImpl(tandem),
        {
          impl: 'postgres.js',
          backend,
          // one join, nested in JS: what a hand-written query for this page does
          op: async (c) => {
            const rows = await pg`
              select m.id, m.channel_id, m.author_id, m.content, m.created_at,
                     a.id as a_id, a.profile_id as a_profile_id, a.role as a_role, a.created_at as a_created_at,
                     p.id as p_id, p.user_id as p_user_id, p.name as p_name, p.email as p_email, p.created_at as p_created_at, p.updated_at as p_updated_at
              from message m join member a on a.id = m.author_id join profile p on p.id = a.profile_id
              where m.channel_id = ${pick(channels, c)} order by m.created_at desc limit ${TAKE}`
            return rows.map((r) => ({
              id: r.id,
              channelId: r.channel_id,
              authorId: r.author_id,
              content: r.content,
              createdAt: r.created_at,
              author: {
                id: r.a_id,
                profileId: r.a_profile_id,
                role: r.a_role,
                createdAt: r.a_created_at,
                profile: {
                  id: r.p_id,
                  userId: r.p_user_id,
                  name: r.p_name,
                  email: r.p_email,
                  createdAt: r.p_created_at,
                  updatedAt: r.p_updated_at,
                },
              },
            }))
          },
        },
        { impl: 'drizzle-prepared', backend, op: (c) => prepared.execute({ channelId: pick(channels, c) }) },
        {
          impl: 'drizzle',
          backend,
          op: (c) =>
            drizzle.query.message.findMany({
              where: eq(message.channelId, pick(channels, c)),
              orderBy: [desc(message.createdAt)],
              limit: TAKE,
              with: { author: { with: { profile: true } } },
            }),
        },
        { impl: 'prisma', backend, op: (c) => prisma.message.findMany(args(c)) },
      ]
    }
    const { tandem, cql, keyspace } = needScylla(env)
    const page = `SELECT ${MESSAGE_CQL_COLUMNS} FROM ${ks(keyspace, 'message')} WHERE channel_id = ? LIMIT ${TAKE}`
    const memberById = `SELECT ${MEMBER_CQL_COLUMNS} FROM ${ks(keyspace, 'member')} WHERE id = ?`
    const profileById = `SELECT ${PROFILE_CQL_COLUMNS} FROM ${ks(keyspace, 'profile')} WHERE id = ?`
    // point reads of distinct keys, issued together (what tandem does for related rows)
    const byIds = async (query: string, ids: unknown[]) => {
      const distinct = [...new Map(ids.map((id) => [String(id), id])).values()]
      const rows = await Promise.all(
        distinct.map(async (id) => (await cql.execute(query, [id], IDEMPOTENT)).first() as Row | null),
      )
      return new Map(rows.filter((r): r is Row => r !== null).map((r) => [String(r.id), r]))
    }
    return [
      tandemImpl(tandem),
      {
        impl: 'cassandra-driver',
        backend,
        op: async (c) => {
          const messages = (await cql.execute(page, [pick(channels, c)], IDEMPOTENT)).rows as unknown as Row[]
          const members = await byIds(
            memberById,
            messages.map((m) => m.author_id),
          )
          const profiles = await byIds(
            profileById,
            [...members.values()].map((m) => m.profile_id),
          )
          return messages.map((m) => {
            const author = members.get(String(m.author_id))
            return { ...m, author: author && { ...author, profile: profiles.get(String(author.profile_id)) ?? null } }
          })
        },
      },
    ]
  },
}
