// The benchmark schema: a chat feed (profiles, channels, members, messages) plus tandem's credits tables.
// Plain Drizzle, as a tandem user writes it. benchmarks/prisma/schema.prisma mirrors the four chat tables
// (same SQL names, types and keys) so Prisma 7 reads and writes the very same rows.
import { relations } from 'drizzle-orm'
import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'

export const profile = pgTable('profile', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: text('user_id').notNull().unique(),
  name: text('name').notNull(),
  email: text('email'),
  createdAt: timestamp('created_at').notNull().defaultNow(),
  updatedAt: timestamp('updated_at')
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date()),
})

export const channel = pgTable('channel', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  createdAt: timestamp('created_at').notNull().defaultNow(),
})

export const member = pgTable('member', {
  id: uuid('id').primaryKey().defaultRandom(),
  profileId: uuid('profile_id')
    .notNull()
    .references(() => profile.id, { onDelete: 'cascade' }),
  role: text('role').notNull().default('GUEST'),
  createdAt: timestamp('created_at').notNull().defaultNow(),
})

export const message = pgTable(
  'message',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => channel.id, { onDelete: 'cascade' }),
    authorId: uuid('author_id')
      .notNull()
      .references(() => member.id, { onDelete: 'cascade' }),
    content: text('content').notNull(),
    createdAt: timestamp('created_at').notNull().defaultNow(),
  },
  (t) => [index('message_channel_created_idx').on(t.channelId, t.createdAt)],
)

/** Usage counted per key (hot-row-increment: a few rows, many concurrent increments). */
export const usageCounter = pgTable('usage_counter', {
  key: text('key').primaryKey(),
  count: integer('count').notNull().default(0),
})

export const profileRelations = relations(profile, ({ many }) => ({ members: many(member) }))
export const channelRelations = relations(channel, ({ many }) => ({ messages: many(message) }))
export const memberRelations = relations(member, ({ one, many }) => ({
  profile: one(profile, { fields: [member.profileId], references: [profile.id] }),
  messages: many(message),
}))
export const messageRelations = relations(message, ({ one }) => ({
  channel: one(channel, { fields: [message.channelId], references: [channel.id] }),
  author: one(member, { fields: [message.authorId], references: [member.id] }),
}))

/** ScyllaDB layout: a channel's feed is one partition, newest first. */
export const layout = {
  message: {
    partitionKey: ['channelId'],
    clusteringKey: [
      ['createdAt', 'desc'],
      ['id', 'desc'],
    ],
  },
} as const

/** The chat tables and relations, without `layout` (what createDb and drizzle take as `schema`). */
export const chatSchema = {
  profile,
  channel,
  member,
  message,
  profileRelations,
  channelRelations,
  memberRelations,
  messageRelations,
}
