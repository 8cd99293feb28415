// The conformance schema (schema.ts, unchanged) plus Drizzle `relations` exports, for the relation features of
// the contract: include (nested, _count), relation filters and nested writes. Same tables, same database.
import { relations } from 'drizzle-orm'
import { createDb } from '../../src/index.js'
import { testUrl, type BackendKind } from './backends.js'
import * as base from './schema.js'

export const profileRelations = relations(base.profile, ({ many }) => ({
  servers: many(base.server),
  members: many(base.member),
}))
export const serverRelations = relations(base.server, ({ one, many }) => ({
  profile: one(base.profile, { fields: [base.server.profileId], references: [base.profile.id] }),
  members: many(base.member),
  channels: many(base.channel),
}))
export const memberRelations = relations(base.member, ({ one, many }) => ({
  profile: one(base.profile, { fields: [base.member.profileId], references: [base.profile.id] }),
  server: one(base.server, { fields: [base.member.serverId], references: [base.server.id] }),
  messages: many(base.message),
}))
export const channelRelations = relations(base.channel, ({ one, many }) => ({
  server: one(base.server, { fields: [base.channel.serverId], references: [base.server.id] }),
  messages: many(base.message),
}))
export const messageRelations = relations(base.message, ({ one }) => ({
  member: one(base.member, { fields: [base.message.memberId], references: [base.member.id] }),
  channel: one(base.channel, { fields: [base.message.channelId], references: [base.channel.id] }),
}))

const { layout, ...tables } = base
const rels = { profileRelations, serverRelations, memberRelations, channelRelations, messageRelations }

/**
 * A client on the given backend over the conformance tables plus relations. Its model methods are typed
 * loosely (`any`-like): the relation arguments (include, relation filters, nested writes) are what is tested.
 */
export async function openRelationsDb(backend: BackendKind) {
  const db = createDb({
    schema: { ...tables, ...rels },
    backend,
    postgres: { url: testUrl() },
    scylla: { keyspace: 'tandem_test' },
    layout: layout as never,
  })
  await db.$push()
  return db as unknown as RelationsDb
}

type Method = (args?: any) => Promise<any>
type Delegate = Record<'findUnique' | 'findFirst' | 'findMany' | 'create' | 'update' | 'delete' | 'count', Method>
export type RelationsDb = Record<'profile' | 'server' | 'member' | 'channel' | 'message', Delegate> & { $disconnect(): Promise<void> }
