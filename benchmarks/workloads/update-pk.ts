// update-pk: rename one profile by primary key (updatedAt follows by $onUpdate / @updatedAt). On ScyllaDB tandem
// reads the row (it must exist, and the call returns it), then writes the changed columns with a lightweight
// transaction (`UPDATE … IF EXISTS`: a concurrent delete cannot be undone by the update): so does the raw driver.
import { eq, sql } from 'drizzle-orm'
import { profile } from '../schema.js'
import type { BackendName, Impl } from '../types.js'
import {
  IDEMPOTENT,
  ks,
  LWT,
  needPg,
  needScylla,
  pick,
  PROFILE_CQL_COLUMNS,
  type Workload,
  type WorkloadEnv,
} from './common.js'

export const updatePk: Workload = {
  name: 'update-pk',
  description: 'rename one profile by primary key: `profile.update({ where: { id }, data: { name } })`',
  backends: ['postgres', 'scylla'],
  impls(backend: BackendName, env: WorkloadEnv): Impl[] {
    const ids = env.data.profileIds
    if (backend === 'postgres') {
      const { tandem, sql: pg, drizzle, prisma } = needPg(env)
      const prepared = drizzle
        .update(profile)
        .set({ name: sql.placeholder('name') as unknown as string })
        .where(eq(profile.id, sql.placeholder('id')))
        .returning()
        .prepare('bench_update_pk')
      return [
        {
          impl: 'tandem',
          backend,
          op: (c) => tandem.profile.update({ where: { id: pick(ids, c) }, data: { name: `Renamed ${c.seq()}` } }),
        },
        {
          impl: 'postgres.js',
          backend,
          op: async (c) => {
            const rows =
              await pg`update profile set name = ${`Renamed ${c.seq()}`}, updated_at = ${new Date()} where id = ${pick(ids, c)} returning id, user_id, name, email, created_at, updated_at`
            if (!rows[0]) throw new Error('not found')
            return rows[0]
          },
        },
        {
          impl: 'drizzle-prepared',
          backend,
          op: async (c) => (await prepared.execute({ id: pick(ids, c), name: `Renamed ${c.seq()}` }))[0],
        },
        {
          impl: 'drizzle',
          backend,
          op: async (c) =>
            (
              await drizzle
                .update(profile)
                .set({ name: `Renamed ${c.seq()}` })
                .where(eq(profile.id, pick(ids, c)))
                .returning()
            )[0],
        },
        {
          impl: 'prisma',
          backend,
          op: (c) => prisma.profile.update({ where: { id: pick(ids, c) }, data: { name: `Renamed ${c.seq()}` } }),
        },
      ]
    }
    const { tandem, cql, keyspace } = needScylla(env)
    const read = `SELECT ${PROFILE_CQL_COLUMNS} FROM ${ks(keyspace, 'profile')} WHERE id = ?`
    const write = `UPDATE ${ks(keyspace, 'profile')} SET name = ?, updated_at = ? WHERE id = ? IF EXISTS`
    return [
      {
        impl: 'tandem',
        backend,
        op: (c) => tandem.profile.update({ where: { id: pick(ids, c) }, data: { name: `Renamed ${c.seq()}` } }),
      },
      {
        impl: 'cassandra-driver',
        backend,
        op: async (c) => {
          const id = pick(ids, c)
          const row = (await cql.execute(read, [id], IDEMPOTENT)).first()
          if (!row) throw new Error('not found')
          const name = `Renamed ${c.seq()}`
          const now = new Date()
          if (!(await cql.execute(write, [name, now, id], LWT)).first()['[applied]']) throw new Error('not found')
          return { ...row, name, updated_at: now }
        },
      },
    ]
  },
}
