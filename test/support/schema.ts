// The conformance schema: a chat application (profiles, servers, members, channels, a message feed,
// conversations between two members and their direct messages)
// plus a model with every supported column type and a model with a composite primary key.
import { relations } from 'drizzle-orm'
import {
  bigint,
  boolean,
  cidr,
  customType,
  date,
  doublePrecision,
  index,
  inet,
  integer,
  json,
  jsonb,
  numeric,
  pgEnum,
  pgTable,
  primaryKey,
  real,
  serial,
  text,
  time,
  timestamp,
  unique,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core'

export const memberRole = pgEnum('member_role', ['ADMIN', 'MODERATOR', 'GUEST'])
export const channelType = pgEnum('channel_type', ['TEXT', 'AUDIO', 'VIDEO'])

export const profile = pgTable('profile', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: text('user_id').notNull().unique(),
  name: text('name').notNull(),
  email: text('email'),
  imageUrl: text('image_url'),
  createdAt: timestamp('created_at').notNull().defaultNow(),
  updatedAt: timestamp('updated_at')
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date()),
})

export const server = pgTable('server', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  inviteCode: text('invite_code').notNull().unique(),
  profileId: uuid('profile_id')
    .notNull()
    .references(() => profile.id, { onDelete: 'cascade' }),
  createdAt: timestamp('created_at').notNull().defaultNow(),
})

export const member = pgTable(
  'member',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    role: memberRole('role').notNull().default('GUEST'),
    profileId: uuid('profile_id')
      .notNull()
      .references(() => profile.id, { onDelete: 'cascade' }),
    serverId: uuid('server_id')
      .notNull()
      .references(() => server.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at').notNull().defaultNow(),
  },
  (t) => [unique('member_profile_server').on(t.profileId, t.serverId)],
)

export const channel = pgTable('channel', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  type: channelType('type').notNull().default('TEXT'),
  serverId: uuid('server_id')
    .notNull()
    .references(() => server.id, { onDelete: 'cascade' }),
  createdAt: timestamp('created_at').notNull().defaultNow(),
})

export const message = pgTable('message', {
  id: uuid('id').primaryKey().defaultRandom(),
  content: text('content').notNull(),
  fileUrl: text('file_url'),
  memberId: uuid('member_id')
    .notNull()
    .references(() => member.id, { onDelete: 'cascade' }),
  channelId: uuid('channel_id')
    .notNull()
    .references(() => channel.id, { onDelete: 'cascade' }),
  deleted: boolean('deleted').notNull().default(false),
  createdAt: timestamp('created_at').notNull().defaultNow(),
  updatedAt: timestamp('updated_at')
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date()),
})

/** A conversation between two members (one pair once; the pair is ordered as created). */
export const conversation = pgTable(
  'conversation',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    memberOneId: uuid('member_one_id')
      .notNull()
      .references(() => member.id, { onDelete: 'cascade' }),
    memberTwoId: uuid('member_two_id')
      .notNull()
      .references(() => member.id, { onDelete: 'cascade' }),
  },
  (t) => [
    unique('conversation_member_one_member_two').on(t.memberOneId, t.memberTwoId),
    index('conversation_member_two_idx').on(t.memberTwoId),
  ],
)

/** The feed of a conversation: see `layout` below. */
export const directMessage = pgTable('direct_message', {
  id: uuid('id').primaryKey().defaultRandom(),
  content: text('content').notNull(),
  fileUrl: text('file_url'),
  memberId: uuid('member_id')
    .notNull()
    .references(() => member.id, { onDelete: 'cascade' }),
  conversationId: uuid('conversation_id')
    .notNull()
    .references(() => conversation.id, { onDelete: 'cascade' }),
  deleted: boolean('deleted').notNull().default(false),
  createdAt: timestamp('created_at').notNull().defaultNow(),
  updatedAt: timestamp('updated_at')
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date()),
})

/** Every supported column type; `group` is an index so ScyllaDB can read rows by it. */
export const sample = pgTable(
  'sample',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    group: text('group').notNull(),
    label: varchar('label', { length: 200 }),
    count: integer('count').notNull().default(0),
    big: bigint('big', { mode: 'number' }),
    huge: bigint('huge', { mode: 'bigint' }),
    flag: boolean('flag'),
    ratio: real('ratio'),
    score: doublePrecision('score'),
    price: numeric('price', { precision: 12, scale: 2 }),
    at: timestamp('at'),
    day: date('day'),
    doc: json('doc'),
    docb: jsonb('docb'),
    role: memberRole('role'),
    code: text('code').unique(),
    slug: text('slug').$defaultFn(() => 'generated'),
  },
  (t) => [index('sample_group_idx').on(t.group), unique('sample_group_label').on(t.group, t.label)],
)

/** A composite primary key (partitioned by both fields on ScyllaDB). */
export const setting = pgTable(
  'setting',
  {
    scope: text('scope').notNull(),
    key: text('key').notNull(),
    value: text('value').notNull(),
    version: integer('version').notNull().default(1),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key] })],
)

/** A time-series feed with a layout: see `layout` below. */
export const event = pgTable(
  'event',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    stream: text('stream').notNull(),
    seq: integer('seq').notNull(),
    kind: text('kind').notNull(),
    payload: jsonb('payload'),
    at: timestamp('at').notNull().defaultNow(),
  },
  (t) => [index('event_kind_idx').on(t.kind)],
)

/** bytea as a Drizzle custom type (Drizzle has no bytea builder): Buffer in, Buffer out. */
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' })

/**
 * The column types beyond the basic ones (column-types.test.ts): a serial id, arrays, bytea, time, inet,
 * cidr and a jsonb payload; `owner` is an index so ScyllaDB reads rows by it.
 */
export const gadget = pgTable(
  'gadget',
  {
    id: serial('id').primaryKey(),
    owner: text('owner').notNull(),
    tags: text('tags').array(),
    scores: integer('scores').array(),
    refs: uuid('refs').array(),
    blob: bytea('blob'),
    opensAt: time('opens_at'),
    ip: inet('ip'),
    net: cidr('net'),
    payload: jsonb('payload'),
  },
  (t) => [index('gadget_owner_idx').on(t.owner)],
)

/** A bigint GENERATED ALWAYS AS IDENTITY id (given ids refused); `queue` is an index. */
export const ticket = pgTable(
  'ticket',
  {
    id: bigint('id', { mode: 'bigint' }).primaryKey().generatedAlwaysAsIdentity(),
    queue: text('queue').notNull(),
    title: text('title').notNull(),
  },
  (t) => [index('ticket_queue_idx').on(t.queue)],
)

export const profileRelations = relations(profile, ({ many }) => ({ servers: many(server), members: many(member) }))
export const serverRelations = relations(server, ({ one, many }) => ({
  profile: one(profile, { fields: [server.profileId], references: [profile.id] }),
  members: many(member),
  channels: many(channel),
}))
export const memberRelations = relations(member, ({ one, many }) => ({
  profile: one(profile, { fields: [member.profileId], references: [profile.id] }),
  server: one(server, { fields: [member.serverId], references: [server.id] }),
  messages: many(message),
  directMessages: many(directMessage),
  conversationsInitiated: many(conversation, { relationName: 'memberOne' }),
  conversationsReceived: many(conversation, { relationName: 'memberTwo' }),
}))
export const channelRelations = relations(channel, ({ one, many }) => ({
  server: one(server, { fields: [channel.serverId], references: [server.id] }),
  messages: many(message),
}))
export const messageRelations = relations(message, ({ one }) => ({
  member: one(member, { fields: [message.memberId], references: [member.id] }),
  channel: one(channel, { fields: [message.channelId], references: [channel.id] }),
}))
export const conversationRelations = relations(conversation, ({ one, many }) => ({
  memberOne: one(member, { fields: [conversation.memberOneId], references: [member.id], relationName: 'memberOne' }),
  memberTwo: one(member, { fields: [conversation.memberTwoId], references: [member.id], relationName: 'memberTwo' }),
  directMessages: many(directMessage),
}))
export const directMessageRelations = relations(directMessage, ({ one }) => ({
  member: one(member, { fields: [directMessage.memberId], references: [member.id] }),
  conversation: one(conversation, { fields: [directMessage.conversationId], references: [conversation.id] }),
}))

export const layout = {
  message: {
    partitionKey: ['channelId'],
    clusteringKey: [
      ['createdAt', 'desc'],
      ['id', 'desc'],
    ],
  },
  directMessage: {
    partitionKey: ['conversationId'],
    clusteringKey: [
      ['createdAt', 'desc'],
      ['id', 'desc'],
    ],
  },
  event: {
    partitionKey: ['stream'],
    clusteringKey: [
      ['seq', 'asc'],
      ['id', 'asc'],
    ],
  },
} as const
