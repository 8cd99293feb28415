// find-many-page: the 50 newest messages of one channel (on ScyllaDB one partition, clustered newest first).
import { desc, eq, sql } from 'drizzle-orm'
import ExpressCassandra from 'express-cassandra'
import { message } from '../schema.js'
import type { BackendName, Impl } from '../types.js'
import {
  IDEMPOTENT,
  ks,
  MESSAGE_CQL_COLUMNS,
  needPg,
  needScylla,
  pick,
  idsDigest,
  type Workload,
  type WorkloadEnv,
} from './common.js'

export const PAGE = 50

export const findManyPage: Workload = {
  name: 'find-many-page',
  description:
    "the 50 newest messages of one channel: `message.findMany({ where: { channelId }, orderBy: { createdAt: 'desc' }, take: 50 })`",
  backends: ['postgres', 'scylla'],
  digest: idsDigest,
  impls(backend: BackendName, env: WorkloadEnv): Impl[] {
    // read live: the scale series adds channels between measurements
    const channels = env.data.channelIds
    if (backend === 'postgres') {
      const { tandem, sql: pg, drizzle, prisma } = needPg(env)
      const prepared = drizzle
        .select()
        .from(message)
        .where(eq(message.channelId, sql.placeholder('channelId')))
        .orderBy(desc(message.createdAt))
        .limit(PAGE)
        .prepare('bench_find_many_page')
      return [
        {
          impl: 'tandem',
          backend,
          op: (c) =>
            tandem.message.findMany({
              where: { channelId: pick(channels, c) },
              orderBy: { createdAt: 'desc' },
              take: PAGE,
            }),
        },
        {
          impl: 'postgres.js',
          backend,
          op: (c) =>
            pg`select id, channel_id, author_id, content, created_at from message where channel_id = ${pick(channels, c)} order by created_at desc limit ${PAGE}`,
        },
        { impl: 'drizzle-prepared', backend, op: (c) => prepared.execute({ channelId: pick(channels, c) }) },
        {
          impl: 'drizzle',
          backend,
          op: (c) =>
            drizzle
              .select()
              .from(message)
              .where(eq(message.channelId, pick(channels, c)))
              .orderBy(desc(message.createdAt))
              .limit(PAGE),
        },
        {
          impl: 'prisma',
          backend,
          op: (c) =>
            prisma.message.findMany({
              where: { channelId: pick(channels, c) },
              orderBy: { createdAt: 'desc' },
              take: PAGE,
            }),
        },
      ]
    }
    const { tandem, cql, keyspace, peers } = needScylla(env)
    const page = `SELECT ${MESSAGE_CQL_COLUMNS} FROM ${ks(keyspace, 'message')} WHERE channel_id = ? LIMIT ${PAGE}`
    return [
      {
        impl: 'tandem',
        backend,
        op: (c) =>
          tandem.message.findMany({
            where: { channelId: pick(channels, c) },
            orderBy: { createdAt: 'desc' },
            take: PAGE,
          }),
      },
      {
        impl: 'cassandra-driver',
        backend,
        op: async (c) => (await cql.execute(page, [pick(channels, c)], IDEMPOTENT)).rows,
      },
      {
        impl: 'cassandra-mapper',
        backend,
        op: async (c) =>
          (
            await peers.mapper.message.find(
              { channelId: pick(channels, c) },
              { orderBy: { createdAt: 'desc' }, limit: PAGE },
            )
          ).toArray(),
      },
      {
        impl: 'express-cassandra',
        backend,
        op: (c) =>
          peers.expressCassandra.Message.findAsync({
            channel_id: ExpressCassandra.uuidFromString(pick(channels, c)),
            $orderby: { $desc: 'created_at' },
            $limit: PAGE,
          }),
      },
    ]
  },
}
