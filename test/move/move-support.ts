// Databases of their own for the data-movement tests (migrate, verify, sync empty and fill whole tables):
// PostgreSQL databases and Cassandra keyspaces named by the caller, made fresh by `freshPair`, and a seed of a
// few hundred rows across every model of the conformance schema (json, decimals, bigint, enums, NULLs, a
// composite key, models with a layout).
import { randomUUID } from 'node:crypto'
import postgres from 'postgres'
import cassandra from 'cassandra-driver'
import { createDb } from '../../src/index.js'
import { backendOf } from '../../src/create-db.js'
import type { RowStore } from '../../src/move/row-store.js'
import * as schema from '../support/schema.js'
import type { TestDb } from '../support/backends.js'

const { layout, ...models } = schema

export function urlOf(database: string): string {
  const url = new URL(process.env.DATABASE_URL!)
  url.pathname = `/${database}`
  return url.toString()
}

/** Drops and creates a PostgreSQL database (C.UTF-8, as the conformance database) and drops a keyspace. */
export async function dropDatabases(names: { postgres?: string[]; scylla?: string[] }): Promise<void> {
  const admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} })
  try {
    for (const name of names.postgres ?? []) {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.unsafe(
        `CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'`,
      )
    }
  } finally {
    await admin.end()
  }
  if (!names.scylla?.length) return
  const client = new cassandra.Client({
    contactPoints: process.env.SCYLLA_HOSTS!.split(','),
    localDataCenter: process.env.SCYLLA_DATACENTER ?? 'datacenter1',
  })
  try {
    for (const name of names.scylla)
      await client.execute(`DROP KEYSPACE IF EXISTS ${name}`, [], { readTimeout: 60_000 })
  } finally {
    await client.shutdown()
  }
}

/** A client on the named PostgreSQL database or keyspace, schema pushed. */
export async function openNamed(backend: 'postgres' | 'scylla', name: string): Promise<TestDb> {
  const db = createDb({
    schema: models,
    backend,
    postgres: { url: urlOf(name) },
    scylla: { keyspace: name },
    layout: layout as never,
  })
  await db.$push()
  return db as unknown as TestDb
}

export const storeOf = (db: TestDb): RowStore => backendOf(db).store

export const modelOf = (db: TestDb, name: string) => db.$schema.models.get(name)!

/** A small deterministic PRNG (mulberry32): the seed is the same on every run. */
function prng(seed: number) {
  let a = seed
  return () => {
    a |= 0
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface SeedCounts {
  readonly [model: string]: number
}

/** A few hundred rows in every model (through the model API, so they are what the application writes). */
export async function seed(db: TestDb): Promise<SeedCounts> {
  const rnd = prng(42)
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!
  const base = Date.UTC(2024, 0, 1)
  const at = (i: number) => new Date(base + i * 60_000 + Math.floor(rnd() * 1000))
  const profiles = Array.from({ length: 40 }, (_, i) => ({
    id: randomUUID(),
    userId: `user-${i}`,
    name: `Name ${i}`,
    email: i % 3 === 0 ? null : `u${i}@example.com`,
    imageUrl: i % 5 === 0 ? `https://img/${i}` : null,
    createdAt: at(i),
    updatedAt: at(i + 1000),
  }))
  await db.profile.createMany({ data: profiles })
  const servers = Array.from({ length: 10 }, (_, i) => ({
    id: randomUUID(),
    name: `Server ${i}`,
    inviteCode: `invite-${i}`,
    profileId: profiles[i]!.id,
    createdAt: at(i),
  }))
  await db.server.createMany({ data: servers })
  const members: { id: string; profileId: string; serverId: string; role: 'ADMIN' | 'MODERATOR' | 'GUEST' }[] = []
  for (let i = 0; i < 60; i++) {
    const profileId = profiles[i % 40]!.id
    const serverId = servers[Math.floor(i / 40) * 5 + (i % 5)]!.id
    if (members.some((m) => m.profileId === profileId && m.serverId === serverId)) continue
    members.push({ id: randomUUID(), profileId, serverId, role: pick(['ADMIN', 'MODERATOR', 'GUEST'] as const) })
  }
  await db.member.createMany({ data: members })
  const channels = Array.from({ length: 20 }, (_, i) => ({
    id: randomUUID(),
    name: `channel-${i}`,
    type: pick(['TEXT', 'AUDIO', 'VIDEO'] as const),
    serverId: servers[i % 10]!.id,
  }))
  await db.channel.createMany({ data: channels })
  const messages = Array.from({ length: 150 }, (_, i) => ({
    id: randomUUID(),
    content: `message ${i} ${'x'.repeat(i % 7)}`,
    fileUrl: i % 4 === 0 ? `https://f/${i}` : null,
    memberId: pick(members).id,
    channelId: pick(channels).id,
    deleted: i % 9 === 0,
    createdAt: at(i),
    updatedAt: at(i + 500),
  }))
  await db.message.createMany({ data: messages })
  const conversations: { id: string; memberOneId: string; memberTwoId: string }[] = []
  for (let i = 0; i < 20; i++)
    conversations.push({ id: randomUUID(), memberOneId: members[i]!.id, memberTwoId: members[i + 20]!.id })
  await db.conversation.createMany({ data: conversations })
  const directMessages = Array.from({ length: 60 }, (_, i) => ({
    id: randomUUID(),
    content: `dm ${i}`,
    memberId: pick(members).id,
    conversationId: pick(conversations).id,
    createdAt: at(i),
    updatedAt: at(i + 10),
  }))
  await db.directMessage.createMany({ data: directMessages })
  const samples = Array.from({ length: 50 }, (_, i) => ({
    id: randomUUID(),
    group: `g${i % 6}`,
    label: i % 4 === 0 ? null : `label-${i}`,
    count: i * 3 - 20,
    big: i % 3 === 0 ? null : 9_007_199_254_740_000 + i,
    huge: i % 2 === 0 ? BigInt('9223372036854775000') - BigInt(i) : null,
    flag: i % 3 === 0 ? null : i % 2 === 0,
    ratio: i % 5 === 0 ? null : i / 7,
    score: i % 6 === 0 ? null : Math.PI * i,
    price: i % 4 === 1 ? null : (i * 12.5).toFixed(2),
    at: i % 7 === 0 ? null : at(i),
    day: i % 8 === 0 ? null : `2024-02-${String((i % 28) + 1).padStart(2, '0')}`,
    doc: i % 5 === 0 ? null : { i, tags: ['a', 'b'], nested: { z: 1, a: [i, null] } },
    docb: i % 6 === 0 ? null : { b: i, a: 'x', list: [{ k: 'v' }] },
    role: i % 4 === 0 ? null : pick(['ADMIN', 'MODERATOR', 'GUEST'] as const),
    code: i % 3 === 0 ? null : `code-${i}`,
    slug: `slug-${i}`,
  }))
  await db.sample.createMany({ data: samples as never })
  const settings = Array.from({ length: 30 }, (_, i) => ({
    scope: `scope-${i % 4}`,
    key: `key-${i}`,
    value: `value ${i}`,
    version: i,
  }))
  await db.setting.createMany({ data: settings })
  const events = Array.from({ length: 60 }, (_, i) => ({
    id: randomUUID(),
    stream: `stream-${i % 5}`,
    seq: i,
    kind: pick(['click', 'view', 'buy']),
    payload: i % 3 === 0 ? null : { n: i, s: 'ü' },
    at: at(i),
  }))
  await db.event.createMany({ data: events })
  // the column types of issue 12: serial and identity ids (copied as they are), arrays, bytes, time, inet, json
  const gadgets = Array.from({ length: 30 }, (_, i) => ({
    owner: `owner-${i % 4}`,
    tags: i % 5 === 0 ? [] : ['a', `t${i}`],
    scores: [i, i * 2],
    refs: i % 3 === 0 ? [] : [randomUUID()],
    blob: i % 4 === 0 ? null : Buffer.from([i, 255 - i, 0]),
    opensAt: i % 6 === 0 ? null : `0${i % 10}:30:00`,
    ip: i % 2 === 0 ? `10.0.0.${i}` : null,
    net: i % 3 === 0 ? `192.168.${i}.0/24` : null,
    payload: i % 4 === 0 ? null : { plan: i % 2 ? 'pro' : 'free', seats: i },
  }))
  await db.gadget.createMany({ data: gadgets })
  const tickets = Array.from({ length: 25 }, (_, i) => ({ queue: `q${i % 3}`, title: `ticket ${i}` }))
  await db.ticket.createMany({ data: tickets })
  return {
    profile: profiles.length,
    server: servers.length,
    member: members.length,
    channel: channels.length,
    message: messages.length,
    conversation: conversations.length,
    directMessage: directMessages.length,
    sample: samples.length,
    setting: settings.length,
    event: events.length,
    gadget: gadgets.length,
    ticket: tickets.length,
  }
}
