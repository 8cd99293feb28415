// drizzle-point and drizzle-page: drizzle's own query API (the select builder and db.query) through tandem's
// `drizzle()` (tandem-orm/drizzle). PostgreSQL: that is drizzle itself over tandem's pool, measured beside plain
// drizzle on its own pool with the very same calls (no overhead expected: one code path). ScyllaDB: the facade
// (drizzle's builders, tandem's planner) beside tandem's model API and the raw cassandra-driver reads of
// find-unique-key and find-many-page, so the facade's translation cost shows on its own.
import { desc, eq } from 'drizzle-orm'
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js'
import { benchSchema, type BenchDb } from '../clients.js'
import { chatSchema, message, profile } from '../schema.js'
import { tandemDrizzle } from '../tandem.js'
import type { BackendName, Impl } from '../types.js'
import { idsDigest, needPg, needScylla, pick, type Workload, type WorkloadEnv } from './common.js'
import { findManyPage, PAGE } from './find-many-page.js'
import { findUniqueKey } from './find-unique-key.js'

/** What both drizzles are used as here: drizzle's postgres-js database over the chat tables. */
export type DrizzleDb = PostgresJsDatabase<typeof chatSchema>
/** One read written once, run on any drizzle db (plain drizzle, tandem's drizzle() on either backend). */
type Read = (db: DrizzleDb, key: string) => Promise<unknown>
/** A workload's read in drizzle's two APIs: the select builder and the relational `db.query`. */
export interface DrizzleReads {
  builder: Read
  query: Read
}

/** drizzle-point's reads: one profile by userId. */
export const POINT_READS: DrizzleReads = {
  builder: async (db, userId) => (await db.select().from(profile).where(eq(profile.userId, userId)))[0] ?? null,
  query: async (db, userId) => (await db.query.profile.findFirst({ where: eq(profile.userId, userId) })) ?? null,
}

/** drizzle-page's reads: the 50 newest messages of a channel. */
export const PAGE_READS: DrizzleReads = {
  builder: (db, channelId) =>
    db.select().from(message).where(eq(message.channelId, channelId)).orderBy(desc(message.createdAt)).limit(PAGE),
  query: (db, channelId) =>
    db.query.message.findMany({
      where: eq(message.channelId, channelId),
      orderBy: [desc(message.createdAt)],
      limit: PAGE,
    }),
}

/** tandem's drizzle() over a tandem client: drizzle itself on PostgreSQL, the facade on ScyllaDB. */
export const overTandem = (client: BenchDb): DrizzleDb => tandemDrizzle({ schema: benchSchema, client })

/**
 * The implementations of one drizzle read: tandem's drizzle() (builder and db.query) with, on PostgreSQL, plain
 * drizzle doing the same calls and, on ScyllaDB, tandem's model API and the raw driver from `reference`.
 */
function drizzleImpls(
  backend: BackendName,
  env: WorkloadEnv,
  reads: DrizzleReads,
  keys: readonly string[],
  reference: Workload,
): Impl[] {
  const both = (db: DrizzleDb, prefix: string): Impl[] => [
    { impl: `${prefix}drizzle`, backend, op: (c) => reads.builder(db, pick(keys, c)) },
    { impl: `${prefix}drizzle-query`, backend, op: (c) => reads.query(db, pick(keys, c)) },
  ]
  if (backend === 'postgres') {
    const { tandem, drizzle } = needPg(env)
    return [...both(overTandem(tandem), 'tandem-'), ...both(drizzle, '')]
  }
  const { tandem } = needScylla(env)
  const facade = overTandem(tandem)
  // tandem's model API and the hand-written prepared CQL, exactly as the reference workload measures them
  const theirs = reference.impls(backend, env).filter((i) => i.impl === 'tandem' || i.impl === 'cassandra-driver')
  if (theirs.length !== 2)
    throw new Error(`internal: ${reference.name} lost its tandem or cassandra-driver implementation`)
  return [...both(facade, 'tandem-'), ...theirs]
}

/** On PostgreSQL each tandem drizzle row is compared with plain drizzle's; on ScyllaDB with tandem's model API. */
function ratioBase(backend: BackendName, impl: string): string | undefined {
  if (!impl.startsWith('tandem-drizzle')) return undefined
  return backend === 'postgres' ? impl.slice('tandem-'.length) : 'tandem'
}

export const drizzlePoint: Workload = {
  name: 'drizzle-point',
  description:
    "one profile by `userId` (unique, not the key) through drizzle's API: `db.select().from(profile).where(eq(profile.userId, u))` " +
    "and `db.query.profile.findFirst({ where: eq(profile.userId, u) })`; `tandem-drizzle*` is tandem's `drizzle()` (PostgreSQL: " +
    "drizzle over tandem's pool, compared with plain drizzle; ScyllaDB: the facade, compared with `profile.findUnique({ where: { userId } })`)",
  backends: ['postgres', 'scylla'],
  digest: idsDigest,
  ratioBase,
  impls(backend: BackendName, env: WorkloadEnv): Impl[] {
    return drizzleImpls(backend, env, POINT_READS, env.data.userIds, findUniqueKey)
  },
}

export const drizzlePage: Workload = {
  name: 'drizzle-page',
  description:
    "the 50 newest messages of one channel through drizzle's API: `db.select().from(message).where(eq(message.channelId, ch))" +
    '.orderBy(desc(message.createdAt)).limit(50)` and `db.query.message.findMany({ where, orderBy, limit: 50 })`; compared as for ' +
    '`drizzle-point` (ScyllaDB: with `message.findMany`)',
  backends: ['postgres', 'scylla'],
  digest: idsDigest,
  ratioBase,
  impls(backend: BackendName, env: WorkloadEnv): Impl[] {
    return drizzleImpls(backend, env, PAGE_READS, env.data.channelIds, findManyPage)
  },
}
