// Fresh benchmark data, written with the raw drivers so seeding takes seconds, not minutes:
// PostgreSQL through COPY (postgres.js), ScyllaDB through concurrent prepared inserts (cassandra-driver) into
// every table tandem derives for a model (base table plus its `<table>__by_<cols>` lookups), so tandem finds the
// rows exactly as if it had written them. Both backends get the same rows (same ids).
import { randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import cassandra from 'cassandra-driver'
import postgres from 'postgres'
import {
  deriveAllTables,
  insertRow,
  keyOf,
  readSchema,
  toCql,
  type CqlTable,
  type Model,
  type ModelTables,
  type Row,
} from './tandem.js'
import type { BenchDb } from './clients.js'
import { benchSchema } from './clients.js'
import { layout } from './schema.js'

/** What the workloads pick their keys from. */
export interface SeedData {
  profileIds: string[]
  userIds: string[]
  memberIds: string[]
  channelIds: string[]
  creditUserIds: string[]
  messages: number
}

export interface SeedSizes {
  profiles: number
  members: number
  creditUsers: number
  messagesPerChannel: number
}

export interface SeedTargets {
  /** raw postgres.js on the bench database, or undefined when PostgreSQL is not benchmarked */
  sql: postgres.Sql | undefined
  /** raw cassandra-driver and the keyspace, or undefined when ScyllaDB is not benchmarked */
  cql: { client: cassandra.Client; keyspace: string } | undefined
  log: (line: string) => void
}

const CREDIT_BALANCE = 1_000_000_000_000
const info = readSchema(benchSchema)
const tables = deriveAllTables(info, layout as never)

/** Drops and re-creates the PostgreSQL database (C collation, like the test database). */
export async function resetPostgresDatabase(adminUrl: string, database: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`bad database name ${database}`)
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
    await admin.unsafe(
      `CREATE DATABASE ${database} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'`,
    )
  } finally {
    await admin.end({ timeout: 5 })
  }
}

/** Drops the keyspace; tandem's `$push()` then creates it with every table. */
export async function dropKeyspace(client: cassandra.Client, keyspace: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(keyspace)) throw new Error(`bad keyspace name ${keyspace}`)
  await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`, [], { readTimeout: 120_000 })
}

export async function pushSchema(db: BenchDb): Promise<void> {
  await db.$push()
}

// ---- PostgreSQL: COPY ---------------------------------------------------------------------------

function copyValue(v: unknown): string {
  if (v === null || v === undefined) return '\\N'
  if (v instanceof Date) return v.toISOString()
  return String(v).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
}

async function copyRows(sql: postgres.Sql, model: Model, rows: readonly Row[]): Promise<void> {
  if (rows.length === 0) return
  const fields = [...model.fields.keys()]
  const columns = fields.map((f) => `"${model.fields.get(f)!.column}"`).join(', ')
  const stream = await sql.unsafe(`COPY "${model.table}" (${columns}) FROM STDIN`).writable()
  function* lines() {
    let chunk = ''
    for (const r of rows) {
      chunk += `${fields.map((f) => copyValue(r[f])).join('\t')}\n`
      if (chunk.length > 1 << 16) {
        yield chunk
        chunk = ''
      }
    }
    if (chunk) yield chunk
  }
  await pipeline(Readable.from(lines()), stream)
}

// ---- ScyllaDB: prepared inserts into the base table and every lookup --------------------------

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!)
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}

const hasKey = (table: CqlTable, row: Row) => table.keyFields.every((f) => row[f] !== null && row[f] !== undefined)

async function cqlRows(
  client: cassandra.Client,
  keyspace: string,
  t: ModelTables,
  rows: readonly Row[],
): Promise<void> {
  const model = t.model
  const work: { query: string; params: unknown[] }[][] = []
  for (const table of [t.base, ...t.uniques, ...t.indexes]) {
    const query = insertRow(keyspace, model, table, false)
    // rows of one partition go together in small UNLOGGED batches (one partition: no coordinator fan-out)
    const byPartition = new Map<string, { query: string; params: unknown[] }[]>()
    for (const row of rows) {
      if (!hasKey(table, row)) continue
      const params = table.fields.map((f) => toCql(model.fields.get(f)!, row[f] ?? null))
      const pk =
        table.partitionKey.length === keyOf(table).length
          ? `#${work.length}-${byPartition.size}`
          : table.partitionKey.map((f) => String(row[f])).join('\u0000')
      let list = byPartition.get(pk)
      if (!list) byPartition.set(pk, (list = []))
      list.push({ query, params })
    }
    for (const list of byPartition.values()) for (let i = 0; i < list.length; i += 25) work.push(list.slice(i, i + 25))
  }
  await mapLimit(work, 96, async (group) => {
    if (group.length === 1) await client.execute(group[0]!.query, group[0]!.params, { prepare: true })
    else await client.batch(group, { prepare: true, logged: false })
  })
}

// ---- data -------------------------------------------------------------------------------------

/** Writes rows of one model to every benchmarked backend. */
async function write(targets: SeedTargets, modelName: string, rows: readonly Row[]): Promise<void> {
  const t = tables.get(modelName)!
  if (targets.sql) await copyRows(targets.sql, t.model, rows)
  if (targets.cql) await cqlRows(targets.cql.client, targets.cql.keyspace, t, rows)
}

const CONTENT = 'The quick brown fox jumps over the lazy dog; benchmark message body, about eighty chars.'

/** Profiles, members, credit accounts and the first messages. */
export async function seedBase(targets: SeedTargets, sizes: SeedSizes, messages: number): Promise<SeedData> {
  const now = Date.now()
  const data: SeedData = { profileIds: [], userIds: [], memberIds: [], channelIds: [], creditUserIds: [], messages: 0 }
  const profiles: Row[] = []
  for (let i = 0; i < sizes.profiles; i++) {
    const id = randomUUID()
    const userId = `user-${i}`
    const at = new Date(now - 86_400_000 + i)
    profiles.push({ id, userId, name: `Person ${i}`, email: `person${i}@example.com`, createdAt: at, updatedAt: at })
    data.profileIds.push(id)
    data.userIds.push(userId)
  }
  for (let i = 0; i < profiles.length; i += 20_000) await write(targets, 'profile', profiles.slice(i, i + 20_000))
  const members: Row[] = []
  for (let i = 0; i < sizes.members; i++) {
    const id = randomUUID()
    members.push({
      id,
      profileId: data.profileIds[i % data.profileIds.length]!,
      role: i % 10 === 0 ? 'ADMIN' : 'GUEST',
      createdAt: new Date(now - 86_400_000),
    })
    data.memberIds.push(id)
  }
  await write(targets, 'member', members)
  const accounts: Row[] = []
  for (let i = 0; i < sizes.creditUsers; i++) {
    const userId = `credit-user-${i}`
    const at = new Date(now - 86_400_000)
    accounts.push({
      userId,
      balance: CREDIT_BALANCE,
      totalPurchased: CREDIT_BALANCE,
      totalUsed: 0,
      version: 0,
      lastEntry: null,
      createdAt: at,
      updatedAt: at,
    })
    data.creditUserIds.push(userId)
  }
  await write(targets, 'userCredits', accounts)
  await growMessages(targets, data, sizes, messages)
  return data
}

/** Adds channels of `messagesPerChannel` messages each until `total` messages exist. */
export async function growMessages(
  targets: SeedTargets,
  data: SeedData,
  sizes: SeedSizes,
  total: number,
): Promise<void> {
  const started = performance.now()
  const from = data.messages
  const base = Date.now() - 3_600_000
  while (data.messages < total) {
    const channels: Row[] = []
    const messages: Row[] = []
    // one chunk: up to 50k messages
    while (messages.length < 50_000 && data.messages + messages.length < total) {
      const channelId = randomUUID()
      const n = Math.min(sizes.messagesPerChannel, total - data.messages - messages.length)
      channels.push({
        id: channelId,
        name: `channel-${data.channelIds.length + channels.length}`,
        createdAt: new Date(base),
      })
      for (let i = 0; i < n; i++) {
        messages.push({
          id: randomUUID(),
          channelId,
          authorId: data.memberIds[(data.messages + messages.length) % data.memberIds.length]!,
          content: CONTENT,
          // distinct timestamps within a channel: the feed order is unambiguous
          createdAt: new Date(base + i * 1000 + (data.messages % 1000)),
        })
      }
    }
    await write(targets, 'channel', channels)
    await write(targets, 'message', messages)
    for (const c of channels) data.channelIds.push(c.id as string)
    data.messages += messages.length
    if (total - from >= 200_000)
      targets.log(
        `seeded ${data.messages.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} messages (${((performance.now() - started) / 1000).toFixed(0)} s)`,
      )
  }
}
