// Every client the benchmark compares, opened on the benchmark's own database (`tandem_bench`) and keyspace.
// PostgreSQL: tandem, raw postgres.js, drizzle (prepared and dynamic, one postgres.js pool), Prisma 7 on
// @prisma/adapter-pg. ScyllaDB: tandem, raw cassandra-driver and its peers (cassandra-driver's Mapper,
// express-cassandra: scylla-peers.ts). Every PostgreSQL client gets the same pool size, and every ScyllaDB client
// but tandem's the same options tandem's executor uses.
import { pathToFileURL } from 'node:url'
import cassandra from 'cassandra-driver'
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { PrismaPg } from '@prisma/adapter-pg'
import { openScyllaPeers, type ScyllaPeers } from './scylla-peers.js'
import { createCredits, createDb, creditsSchema, type Credits, type TandemDb } from './tandem.js'
import { generate, generatedDir } from './prisma/generate.mjs'
import { chatSchema, layout, usageCounter } from './schema.js'

export const benchSchema = { ...chatSchema, usageCounter, ...creditsSchema }

/**
 * The postgres.js options tandem's PostgreSQL backend passes (src/adapter/postgres-backend.ts, with the default pool
 * size of 10): raw postgres.js and drizzle get the same, so the driver settings are not what differs.
 */
// tandem's pool settings (src/adapter/postgres-backend.ts), max_pipeline included
const postgresJsOptions = (max: number) => ({
  max,
  connect_timeout: 5,
  onnotice: () => {},
  ...({ max_pipeline: 1 } as object),
})
export type BenchDb = TandemDb<typeof benchSchema>

/** Arguments and results of the Prisma calls the workloads make (the generated client is loaded at run time). */
type PrismaArgs = Record<string, unknown>
interface PrismaDelegate {
  findUnique(args: PrismaArgs): Promise<unknown>
  findMany(args: PrismaArgs): Promise<unknown[]>
  create(args: PrismaArgs): Promise<unknown>
  update(args: PrismaArgs): Promise<unknown>
  aggregate(args: PrismaArgs): Promise<unknown>
  groupBy(args: PrismaArgs): Promise<unknown[]>
}
export interface PrismaLike {
  profile: PrismaDelegate
  message: PrismaDelegate
  $connect(): Promise<void>
  $disconnect(): Promise<void>
}

export interface PgClients {
  url: string
  tandem: BenchDb
  /** balances cached (ttl 60 s) */
  credits: Credits
  /** the same ledger with the cache off: every balance() reads PostgreSQL */
  creditsUncached: Credits
  /**
   * tandem in dual mode, PostgreSQL primary and the benchmark keyspace as the secondary, async mirror, no shadow
   * reads: what dual mode adds to single-backend tandem (absent when ScyllaDB is not benchmarked)
   */
  dual: BenchDb | undefined
  sql: postgres.Sql
  drizzle: PostgresJsDatabase<typeof chatSchema>
  drizzleSql: postgres.Sql
  prisma: PrismaLike
}

export interface ScyllaClients {
  keyspace: string
  tandem: BenchDb
  credits: Credits
  cql: cassandra.Client
  /** cassandra-driver's Mapper and express-cassandra over the same tables */
  peers: ScyllaPeers
}

/** DATABASE_URL with the database name replaced. */
export function databaseUrl(base: string, database: string): string {
  const u = new URL(base)
  u.pathname = `/${database}`
  return u.toString()
}

/** Generates the Prisma client when missing or stale, then loads its PrismaClient class. */
export async function loadPrisma(
  log: (line: string) => void,
): Promise<new (options: { adapter: PrismaPg }) => PrismaLike> {
  if (generate({ ifStale: true, quiet: true })) log('generated the Prisma 7 client (benchmarks/prisma/generated)')
  const mod = (await import(pathToFileURL(`${generatedDir}/client.ts`).href)) as {
    PrismaClient: new (options: { adapter: PrismaPg }) => PrismaLike
  }
  return mod.PrismaClient
}

/** Where dual mode's secondary lives (the benchmark keyspace). */
export interface ScyllaTarget {
  hosts: string[]
  dataCenter: string
  keyspace: string
}

export async function openPostgres(
  url: string,
  poolSize: number,
  log: (line: string) => void,
  secondary?: ScyllaTarget,
): Promise<PgClients> {
  const tandem = createDb({ schema: benchSchema, backend: 'postgres', postgres: { url, max: poolSize } })
  // nothing connects until a dual round uses it
  const dual = secondary
    ? createDb({
        schema: benchSchema,
        backend: 'dual',
        postgres: { url, max: poolSize },
        scylla: { contactPoints: secondary.hosts, localDataCenter: secondary.dataCenter, keyspace: secondary.keyspace },
        layout: layout as never,
        dual: { primary: 'postgres', mirror: 'async', shadowReads: 0, syncIntervalMs: 0 },
      })
    : undefined
  const sql = postgres(url, postgresJsOptions(poolSize))
  const drizzleSql = postgres(url, postgresJsOptions(poolSize))
  const PrismaClient = await loadPrisma(log)
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: poolSize }) })
  await prisma.$connect()
  return {
    url,
    tandem,
    dual,
    credits: createCredits(tandem, { ttlMs: 60_000, max: 100_000 }),
    creditsUncached: createCredits(tandem, { ttlMs: 0 }),
    sql,
    drizzle: drizzle(drizzleSql, { schema: chatSchema }),
    drizzleSql,
    prisma,
  }
}

/**
 * The options tandem's CqlExecutor uses: prepared statements (token-aware routing), LOCAL_QUORUM, bigint as BigInt.
 * The raw client and both peers get them.
 */
export function cqlClientOptions(hosts: string[], dataCenter: string): cassandra.ClientOptions {
  return {
    contactPoints: hosts,
    localDataCenter: dataCenter,
    encoding: { useBigIntAsLong: true, useBigIntAsVarint: true },
    socketOptions: { connectTimeout: 5000, readTimeout: 12000 },
    queryOptions: {
      consistency: cassandra.types.consistencies.localQuorum,
      serialConsistency: cassandra.types.consistencies.localSerial,
      prepare: true,
    },
    pooling: { warmup: true },
  }
}

/** Opens every ScyllaDB client; none connects yet (the keyspace may not exist). */
export function openScylla(hosts: string[], dataCenter: string, keyspace: string): ScyllaClients {
  const tandem = createDb({
    schema: benchSchema,
    backend: 'scylla',
    scylla: { contactPoints: hosts, localDataCenter: dataCenter, keyspace },
    layout: layout as never,
  })
  const cql = new cassandra.Client(cqlClientOptions(hosts, dataCenter))
  return {
    keyspace,
    tandem,
    credits: createCredits(tandem, { ttlMs: 60_000, max: 100_000 }),
    cql,
    peers: openScyllaPeers(cqlClientOptions(hosts, dataCenter), keyspace),
  }
}

/** Connects the raw client and the peers; after `tandem.$push()`, since the peers need the keyspace and tables. */
export async function connectScylla(c: ScyllaClients): Promise<void> {
  await c.cql.connect()
  await c.peers.connect()
}

export async function closePostgres(c: PgClients | undefined): Promise<void> {
  if (!c) return
  await Promise.allSettled([
    c.tandem.$disconnect(),
    c.dual?.$disconnect(),
    c.sql.end({ timeout: 5 }),
    c.drizzleSql.end({ timeout: 5 }),
    c.prisma.$disconnect(),
  ])
}

export async function closeScylla(c: ScyllaClients | undefined): Promise<void> {
  if (!c) return
  await Promise.allSettled([c.tandem.$disconnect(), c.cql.shutdown(), c.peers.close()])
}
