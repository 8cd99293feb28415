// find-unique-key: one profile by a unique column that is not its key (userId). On ScyllaDB both tandem and the
// raw driver read the lookup table profile__by_user_id, then the base row.
import { eq, sql } from 'drizzle-orm'
import { profile } from '../schema.js'
import type { BackendName, Impl } from '../types.js'
import {
  IDEMPOTENT,
  ks,
  needPg,
  needScylla,
  pick,
  idsDigest,
  PROFILE_CQL_COLUMNS,
  type Workload,
  type WorkloadEnv,
} from './common.js'

export const findUniqueKey: Workload = {
  name: 'find-unique-key',
  description: 'one profile by a unique non-key column: `profile.findUnique({ where: { userId } })`',
  backends: ['postgres', 'scylla'],
  digest: idsDigest,
  impls(backend: BackendName, env: WorkloadEnv): Impl[] {
    const userIds = env.data.userIds
    if (backend === 'postgres') {
      const { tandem, sql: pg, drizzle, prisma } = needPg(env)
      const prepared = drizzle
        .select()
        .from(profile)
        .where(eq(profile.userId, sql.placeholder('userId')))
        .prepare('bench_find_unique_key')
      return [
        { impl: 'tandem', backend, op: (c) => tandem.profile.findUnique({ where: { userId: pick(userIds, c) } }) },
        {
          impl: 'postgres.js',
          backend,
          op: async (c) =>
            (
              await pg`select id, user_id, name, email, created_at, updated_at from profile where user_id = ${pick(userIds, c)}`
            )[0] ?? null,
        },
        {
          impl: 'drizzle-prepared',
          backend,
          op: async (c) => (await prepared.execute({ userId: pick(userIds, c) }))[0] ?? null,
        },
        {
          impl: 'drizzle',
          backend,
          op: async (c) =>
            (
              await drizzle
                .select()
                .from(profile)
                .where(eq(profile.userId, pick(userIds, c)))
            )[0] ?? null,
        },
        { impl: 'prisma', backend, op: (c) => prisma.profile.findUnique({ where: { userId: pick(userIds, c) } }) },
      ]
    }
    const { tandem, cql, keyspace } = needScylla(env)
    const lookup = `SELECT user_id, id FROM ${ks(keyspace, 'profile__by_user_id')} WHERE user_id = ?`
    const byId = `SELECT ${PROFILE_CQL_COLUMNS} FROM ${ks(keyspace, 'profile')} WHERE id = ?`
    return [
      { impl: 'tandem', backend, op: (c) => tandem.profile.findUnique({ where: { userId: pick(userIds, c) } }) },
      {
        impl: 'cassandra-driver',
        backend,
        op: async (c) => {
          const key = (await cql.execute(lookup, [pick(userIds, c)], IDEMPOTENT)).first()
          if (!key) return null
          return (await cql.execute(byId, [key['id']], IDEMPOTENT)).first()
        },
      },
    ]
  },
}
