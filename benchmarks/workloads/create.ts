// create: a new profile (unique primary key and unique userId). PostgreSQL enforces both with its constraints;
// on ScyllaDB tandem claims userId in profile__by_user_id and the id in profile, each by a lightweight
// transaction (INSERT … IF NOT EXISTS), so a duplicate is P2002: the raw driver does the same two LWTs. The peers
// (cassandra-driver's Mapper, express-cassandra) do what they naturally do: one plain INSERT into profile, no
// uniqueness check and no lookup row, so they do less work than tandem and the raw driver here.
import { randomUUID } from 'node:crypto'
import { sql } from 'drizzle-orm'
import ExpressCassandra from 'express-cassandra'
import { profile } from '../schema.js'
import type { BackendName, Impl, OpContext } from '../types.js'
import { ks, LWT, needPg, needScylla, type Workload, type WorkloadEnv } from './common.js'

export const create: Workload = {
  name: 'create',
  description: 'a new profile (unique id and userId): `profile.create({ data: { userId, name, email } })`',
  backends: ['postgres', 'scylla'],
  impls(backend: BackendName, env: WorkloadEnv): Impl[] {
    const data = (impl: string, c: OpContext) => {
      const n = c.seq()
      return { userId: `new-${env.runTag}-${impl}-${n}`, name: `New person ${n}`, email: `new${n}@example.com` }
    }
    if (backend === 'postgres') {
      const { tandem, dual, sql: pg, drizzle, prisma } = needPg(env)
      const prepared = drizzle
        .insert(profile)
        .values({ userId: sql.placeholder('userId'), name: sql.placeholder('name'), email: sql.placeholder('email') })
        .returning()
        .prepare('bench_create')
      return [
        { impl: 'tandem', backend, op: (c) => tandem.profile.create({ data: data('tandem', c) }) },
        {
          impl: 'postgres.js',
          backend,
          op: async (c) => {
            const d = data('pg', c)
            return (
              await pg`insert into profile (user_id, name, email) values (${d.userId}, ${d.name}, ${d.email}) returning id, user_id, name, email, created_at, updated_at`
            )[0]
          },
        },
        { impl: 'drizzle-prepared', backend, op: async (c) => (await prepared.execute(data('dp', c)))[0] },
        {
          impl: 'drizzle',
          backend,
          op: async (c) => (await drizzle.insert(profile).values(data('d', c)).returning())[0],
        },
        { impl: 'prisma', backend, op: (c) => prisma.profile.create({ data: data('prisma', c) }) },
        ...(dual
          ? [{ impl: 'tandem-dual', backend, op: (c: OpContext) => dual.profile.create({ data: data('dual', c) }) }]
          : []),
      ]
    }
    const { tandem, cql, keyspace, peers } = needScylla(env)
    const claim = `INSERT INTO ${ks(keyspace, 'profile__by_user_id')} (user_id, id) VALUES (?, ?) IF NOT EXISTS`
    const insert = `INSERT INTO ${ks(keyspace, 'profile')} (id, user_id, name, email, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) IF NOT EXISTS`
    return [
      { impl: 'tandem', backend, op: (c) => tandem.profile.create({ data: data('tandem', c) }) },
      {
        impl: 'cassandra-driver',
        backend,
        op: async (c) => {
          const d = data('cql', c)
          const id = randomUUID()
          const now = new Date()
          if (!(await cql.execute(claim, [d.userId, id], LWT)).first()['[applied]']) throw new Error('userId taken')
          if (!(await cql.execute(insert, [id, d.userId, d.name, d.email, now, now], LWT)).first()['[applied]'])
            throw new Error('id taken')
          return { id, ...d, createdAt: now, updatedAt: now }
        },
      },
      {
        impl: 'cassandra-mapper',
        backend,
        op: async (c) => {
          const now = new Date()
          const row = { id: randomUUID(), ...data('mapper', c), createdAt: now, updatedAt: now }
          await peers.mapper.profile.insert(row)
          return row
        },
      },
      {
        impl: 'express-cassandra',
        backend,
        op: async (c) => {
          const d = data('ec', c)
          const now = new Date()
          const row = new peers.expressCassandra.Profile({
            id: ExpressCassandra.uuid(),
            user_id: d.userId,
            name: d.name,
            email: d.email,
            created_at: now,
            updated_at: now,
          })
          await row.saveAsync()
          return row
        },
      },
    ]
  },
}
