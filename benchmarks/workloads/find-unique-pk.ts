// find-unique-pk: one profile by its primary key.
import { eq, sql } from 'drizzle-orm'
import ExpressCassandra from 'express-cassandra'
import { profile } from '../schema.js'
import type { BackendName, Impl, OpContext } from '../types.js'
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

export const findUniquePk: Workload = {
  name: 'find-unique-pk',
  description: 'one profile by primary key: `profile.findUnique({ where: { id } })`',
  backends: ['postgres', 'scylla'],
  digest: idsDigest,
  impls(backend: BackendName, env: WorkloadEnv): Impl[] {
    const ids = env.data.profileIds
    if (backend === 'postgres') {
      const { tandem, dual, sql: pg, drizzle, prisma } = needPg(env)
      const prepared = drizzle
        .select()
        .from(profile)
        .where(eq(profile.id, sql.placeholder('id')))
        .prepare('bench_find_unique_pk')
      return [
        { impl: 'tandem', backend, op: (c) => tandem.profile.findUnique({ where: { id: pick(ids, c) } }) },
        {
          impl: 'postgres.js',
          backend,
          op: async (c) =>
            (
              await pg`select id, user_id, name, email, created_at, updated_at from profile where id = ${pick(ids, c)}`
            )[0] ?? null,
        },
        {
          impl: 'drizzle-prepared',
          backend,
          op: async (c) => (await prepared.execute({ id: pick(ids, c) }))[0] ?? null,
        },
        {
          impl: 'drizzle',
          backend,
          op: async (c) =>
            (
              await drizzle
                .select()
                .from(profile)
                .where(eq(profile.id, pick(ids, c)))
            )[0] ?? null,
        },
        { impl: 'prisma', backend, op: (c) => prisma.profile.findUnique({ where: { id: pick(ids, c) } }) },
        ...(dual
          ? [
              {
                impl: 'tandem-dual',
                backend,
                op: (c: OpContext) => dual.profile.findUnique({ where: { id: pick(ids, c) } }),
              },
            ]
          : []),
      ]
    }
    const { tandem, cql, keyspace, peers } = needScylla(env)
    const byId = `SELECT ${PROFILE_CQL_COLUMNS} FROM ${ks(keyspace, 'profile')} WHERE id = ?`
    return [
      { impl: 'tandem', backend, op: (c) => tandem.profile.findUnique({ where: { id: pick(ids, c) } }) },
      {
        impl: 'cassandra-driver',
        backend,
        op: async (c) => (await cql.execute(byId, [pick(ids, c)], IDEMPOTENT)).first(),
      },
      { impl: 'cassandra-mapper', backend, op: (c) => peers.mapper.profile.get({ id: pick(ids, c) }) },
      {
        impl: 'express-cassandra',
        backend,
        op: async (c) =>
          (await peers.expressCassandra.Profile.findOneAsync({ id: ExpressCassandra.uuidFromString(pick(ids, c)) })) ??
          null,
      },
    ]
  },
}
