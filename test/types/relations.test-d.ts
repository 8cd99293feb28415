// Type tests of relations (include / select / _count results, relation filters, relation orderBy, nested
// writes) over the conformance schema, with its unique keys from tandem-types.generated.ts; and, over a
// small schema declared here and not in that file, optional to-one relations, array and typed json columns,
// and the fallback the types use for a schema `tandem types` has not declared. Type-checked only, never run.
import { relations } from 'drizzle-orm'
import { integer, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core'
import { describe, expectTypeOf, test } from 'vitest'
import { createDb } from '../../src/index.js'
import type { ModelTypes } from '../../src/adapter/types.js'
import * as schema from '../support/schema.js'

const db = createDb({ schema })

type Profile = {
  id: string
  userId: string
  name: string
  email: string | null
  imageUrl: string | null
  createdAt: Date
  updatedAt: Date
}
type Role = 'ADMIN' | 'MODERATOR' | 'GUEST'
type Member = { id: string; role: Role; profileId: string; serverId: string; createdAt: Date }
type Server = { id: string; name: string; inviteCode: string; profileId: string; createdAt: Date }

// a schema `tandem types` has not declared: its unique keys and relation keys fall back to what Drizzle shows
const author = pgTable('type_author', {
  id: uuid('id').primaryKey(),
  handle: text('handle').notNull(),
  tags: text('tags').array().notNull(),
  scores: integer('scores').array(),
  meta: jsonb('meta').$type<{ theme: string }>(),
})
const card = pgTable('type_card', {
  id: uuid('id').primaryKey(),
  authorId: uuid('author_id').notNull(),
  bio: text('bio'),
})
const post = pgTable('type_post', {
  id: uuid('id').primaryKey(),
  title: text('title').notNull(),
  authorId: uuid('author_id').notNull(),
  editorId: uuid('editor_id'),
  views: integer('views').notNull(),
})
const authorRelations = relations(author, ({ one, many }) => ({
  card: one(card),
  posts: many(post, { relationName: 'written' }),
  edited: many(post, { relationName: 'edited' }),
}))
const cardRelations = relations(card, ({ one }) => ({
  author: one(author, { fields: [card.authorId], references: [author.id] }),
}))
const postRelations = relations(post, ({ one }) => ({
  author: one(author, { fields: [post.authorId], references: [author.id], relationName: 'written' }),
  editor: one(author, { fields: [post.editorId], references: [author.id], relationName: 'edited' }),
}))
const local = { author, card, post, authorRelations, cardRelations, postRelations }
const ldb = createDb({ schema: local })
type Author = {
  id: string
  handle: string
  tags: string[]
  scores: number[] | null
  meta: { theme: string } | null
}
type Post = { id: string; title: string; authorId: string; editorId: string | null; views: number }

describe('include and select of relations', () => {
  test('include adds lists as arrays and required to-one relations as rows', () => {
    expectTypeOf(db.profile.findMany({ include: { members: true } })).resolves.toEqualTypeOf<
      (Profile & { members: Member[] } extends infer X ? { [K in keyof X]: X[K] } : never)[]
    >()
    expectTypeOf(
      db.member.findUniqueOrThrow({ where: { id: 'x' }, include: { profile: true, server: true } }),
    ).resolves.toEqualTypeOf<
      Member & { profile: Profile; server: Server } extends infer X ? { [K in keyof X]: X[K] } : never
    >()
    // false and undefined include nothing
    expectTypeOf(db.member.findFirstOrThrow({ include: { profile: false } })).resolves.toEqualTypeOf<Member>()
  })

  test('optional to-one relations (nullable key, or the side without the key) are T | null', () => {
    expectTypeOf(ldb.post.findFirstOrThrow({ include: { editor: true, author: true } }))
      .resolves.toHaveProperty('editor')
      .toEqualTypeOf<Author | null>()
    expectTypeOf(ldb.post.findFirstOrThrow({ include: { author: true } }))
      .resolves.toHaveProperty('author')
      .toEqualTypeOf<Author>()
    expectTypeOf(ldb.author.findFirstOrThrow({ include: { card: true } }))
      .resolves.toHaveProperty('card')
      .toEqualTypeOf<{ id: string; authorId: string; bio: string | null } | null>()
  })

  test('nested select / include / omit to any depth', () => {
    const rows = db.server.findMany({
      select: {
        name: true,
        profile: { select: { name: true } },
        members: {
          where: { role: 'ADMIN' },
          orderBy: { createdAt: 'desc' },
          take: 5,
          select: { role: true, profile: { omit: { email: true, imageUrl: true } }, _count: true },
        },
        channels: { include: { messages: { select: { content: true, member: { select: { id: true } } } } } },
      },
    })
    expectTypeOf(rows).resolves.toEqualTypeOf<
      {
        name: string
        profile: { name: string }
        members: {
          role: Role
          profile: { id: string; userId: string; name: string; createdAt: Date; updatedAt: Date }
          _count: {
            messages: number
            directMessages: number
            conversationsInitiated: number
            conversationsReceived: number
          }
        }[]
        channels: {
          id: string
          name: string
          type: 'TEXT' | 'AUDIO' | 'VIDEO'
          serverId: string
          createdAt: Date
          messages: { content: string; member: { id: string } }[]
        }[]
      }[]
    >()
  })

  test('_count: true, or { select: { <list relation>: true | { where } } }', () => {
    expectTypeOf(db.profile.findFirstOrThrow({ select: { id: true, _count: true } })).resolves.toEqualTypeOf<{
      id: string
      _count: { servers: number; members: number }
    }>()
    expectTypeOf(
      db.profile.findFirstOrThrow({
        include: { _count: { select: { members: { where: { role: 'ADMIN' } }, servers: false } } },
      }),
    )
      .resolves.toHaveProperty('_count')
      .toEqualTypeOf<{ members: number }>()
    // @ts-expect-error _count.select names list relations only
    db.member.findMany({ include: { _count: { select: { profile: true } } } })
    // @ts-expect-error _count where is typed by the related model
    db.profile.findMany({ include: { _count: { select: { members: { where: { role: 'OWNER' } } } } } })
  })

  test('write results take include and select too', () => {
    expectTypeOf(db.member.create({ data: { profileId: 'p', serverId: 's' }, include: { profile: true } }))
      .resolves.toHaveProperty('profile')
      .toEqualTypeOf<Profile>()
    expectTypeOf(
      db.profile.update({ where: { id: 'x' }, data: {}, select: { servers: { select: { id: true } } } }),
    ).resolves.toEqualTypeOf<{ servers: { id: string }[] }>()
  })

  test('include takes relations only; nested arguments are the related model’s', () => {
    // @ts-expect-error a scalar field in include
    db.profile.findMany({ include: { name: true } })
    // @ts-expect-error not a relation
    db.profile.findMany({ include: { nope: true } })
    // @ts-expect-error where is typed by the related model
    db.profile.findMany({ include: { members: { where: { name: 'x' } } } })
    // @ts-expect-error a to-one relation takes select / include / omit only
    db.member.findMany({ include: { profile: { take: 1 } } })
  })
})

describe('relation filters', () => {
  test('list relations: some / every / none with the related where', () => {
    db.profile.findMany({ where: { members: { some: { role: 'ADMIN' } }, servers: { none: {} } } })
    db.server.findMany({ where: { channels: { every: { type: 'TEXT', messages: { some: { deleted: false } } } } } })
    // @ts-expect-error the related where is typed
    db.profile.findMany({ where: { members: { some: { role: 5 } } } })
    // @ts-expect-error a list relation takes some / every / none
    db.profile.findMany({ where: { members: { is: { role: 'ADMIN' } } } })
  })

  test('to-one relations: is / isNot, or a where directly; null only when optional', () => {
    db.member.findMany({ where: { profile: { name: 'n' } } })
    db.member.findMany({ where: { profile: { is: { name: 'n' } }, server: { isNot: { name: 'x' } } } })
    db.message.findMany({ where: { member: { profile: { email: { endsWith: '.com' } } } } })
    ldb.post.findMany({ where: { editor: null } })
    ldb.post.findMany({ where: { editor: { is: null }, author: { isNot: { handle: 'h' } } } })
    ldb.author.findMany({ where: { card: { isNot: null } } })
    // @ts-expect-error a required relation is never null
    db.member.findMany({ where: { profile: null } })
    // @ts-expect-error the related where is typed
    db.member.findMany({ where: { profile: { is: { name: 1 } } } })
    // @ts-expect-error not a field of the related model
    db.member.findMany({ where: { server: { nope: 1 } } })
  })
})

describe('orderBy of relations', () => {
  test('to-one relation fields and list relation counts', () => {
    db.channel.findMany({ orderBy: { server: { name: 'asc' } } })
    db.message.findMany({ orderBy: [{ member: { profile: { name: 'desc' } } }, { createdAt: 'asc' }] })
    db.profile.findMany({ orderBy: { members: { _count: 'desc' } } })
    db.profile.findMany({ orderBy: { email: { sort: 'asc', nulls: 'first' } } })
    // @ts-expect-error a list relation sorts by _count only
    db.profile.findMany({ orderBy: { members: { role: 'asc' } } })
    // @ts-expect-error not a field of the related model
    db.channel.findMany({ orderBy: { server: { nope: 'asc' } } })
    // @ts-expect-error _count takes a direction
    db.profile.findMany({ orderBy: { members: { _count: 'up' } } })
  })
})

describe('nested writes', () => {
  test('create: list relations take create / createMany / connect / connectOrCreate without their key', () => {
    db.profile.create({
      data: {
        userId: 'u',
        name: 'n',
        servers: {
          create: [{ name: 's', inviteCode: 'i', channels: { create: { name: 'general' } } }],
          connect: { id: 'x' },
          connectOrCreate: { where: { inviteCode: 'j' }, create: { name: 't', inviteCode: 'j' } },
        },
        members: { createMany: { data: [{ serverId: 's' }], skipDuplicates: true } },
      },
    })
    // @ts-expect-error a nested create still needs the other required fields
    db.profile.create({ data: { userId: 'u', name: 'n', servers: { create: { name: 's' } } } })
    // @ts-expect-error connect takes a unique where
    db.profile.create({ data: { userId: 'u', name: 'n', servers: { connect: { name: 's' } } } })
    // @ts-expect-error set is an update operation
    db.profile.create({ data: { userId: 'u', name: 'n', servers: { set: [] } } })
  })

  test('create: a required to-one relation is given by its key fields or by the relation (not both ways)', () => {
    db.member.create({ data: { profileId: 'p', serverId: 's' } })
    db.member.create({ data: { profile: { connect: { userId: 'u' } }, server: { connect: { id: 's' } } } })
    db.member.create({
      data: {
        role: 'ADMIN',
        profile: { create: { userId: 'u', name: 'n' } },
        server: {
          connectOrCreate: { where: { inviteCode: 'i' }, create: { name: 's', inviteCode: 'i', profileId: 'p' } },
        },
      },
    })
    // @ts-expect-error the server is missing (no serverId, no server)
    db.member.create({ data: { profile: { connect: { id: 'p' } } } })
    // @ts-expect-error one relation by key and one by relation: give both the same way (as Prisma)
    db.member.create({ data: { profileId: 'p', server: { connect: { id: 's' } } } })
  })

  test('update: list relations take every nested operation tandem runs', () => {
    db.profile.update({
      where: { id: 'x' },
      data: {
        name: 'n',
        members: {
          create: { serverId: 's' },
          connect: [{ id: 'a' }],
          set: [{ profileId_serverId: { profileId: 'p', serverId: 's' } }],
          disconnect: { id: 'b' },
          delete: [{ id: 'c' }],
          update: { where: { id: 'd' }, data: { role: 'ADMIN' } },
          updateMany: { where: { role: 'GUEST' }, data: { role: 'MODERATOR' } },
          upsert: { where: { id: 'e' }, create: { serverId: 's' }, update: { role: 'GUEST' } },
          deleteMany: [{ role: 'GUEST' }, {}],
        },
      },
    })
    // @ts-expect-error update of a list relation names the row
    db.profile.update({ where: { id: 'x' }, data: { members: { update: { data: { role: 'ADMIN' } } } } })
    // @ts-expect-error nested data is typed
    db.profile.update({ where: { id: 'x' }, data: { members: { updateMany: { data: { role: 'OWNER' } } } } })
  })

  test('update: to-one relations; disconnect / delete only when optional', () => {
    db.member.update({
      where: { id: 'x' },
      data: { profile: { update: { name: 'n' } }, server: { connect: { inviteCode: 'i' } } },
    })
    db.member.update({
      where: { id: 'x' },
      data: { profile: { upsert: { create: { userId: 'u', name: 'n' }, update: { name: 'n' } } } },
    })
    ldb.post.update({ where: { id: 'x' }, data: { editor: { disconnect: true } } })
    ldb.author.update({ where: { id: 'x' }, data: { card: { delete: true } } })
    // @ts-expect-error a required relation cannot be disconnected
    db.member.update({ where: { id: 'x' }, data: { profile: { disconnect: true } } })
    // @ts-expect-error nor deleted from here
    db.member.update({ where: { id: 'x' }, data: { server: { delete: true } } })
  })

  test('updateMany and createMany take scalar data only', () => {
    // @ts-expect-error no nested writes in updateMany
    db.profile.updateMany({ data: { members: { deleteMany: {} } } })
    // @ts-expect-error no nested writes in createMany
    db.profile.createMany({ data: { userId: 'u', name: 'n', members: { create: [] } } })
  })
})

describe('array and typed json columns', () => {
  test('array filters: has / hasSome / hasEvery / isEmpty / equals', () => {
    ldb.author.findMany({ where: { tags: { has: 'a', hasSome: ['b'], hasEvery: ['c'], isEmpty: false } } })
    ldb.author.findMany({ where: { scores: { equals: [1, 2] }, tags: { equals: [] } } })
    // @ts-expect-error has takes an element
    ldb.author.findMany({ where: { tags: { has: 1 } } })
    // @ts-expect-error an array column takes list filters, not a bare array
    ldb.author.findMany({ where: { tags: ['a'] } })
    // @ts-expect-error no string filters on an array column
    ldb.author.findMany({ where: { tags: { contains: 'a' } } })
  })

  test('array updates: a value, { set } or { push }; arithmetic only on numeric fields', () => {
    ldb.author.update({ where: { id: 'x' }, data: { tags: { push: 'a' }, scores: { set: [1] } } })
    ldb.author.update({ where: { id: 'x' }, data: { tags: ['a'], scores: { push: [1, 2] } } })
    ldb.post.update({ where: { id: 'x' }, data: { views: { increment: 1 } } })
    // @ts-expect-error push takes the element type
    ldb.author.update({ where: { id: 'x' }, data: { tags: { push: 1 } } })
    // @ts-expect-error no arithmetic on arrays
    ldb.author.update({ where: { id: 'x' }, data: { scores: { increment: 1 } } })
    // @ts-expect-error no push on scalars
    ldb.post.update({ where: { id: 'x' }, data: { title: { push: 'a' } } })
  })

  test('json columns typed with $type: filters and results use the type', () => {
    ldb.author.findMany({ where: { meta: { equals: { theme: 'dark' } } } })
    ldb.author.findMany({ where: { meta: { path: ['theme'], string_starts_with: 'd' } } })
    expectTypeOf(ldb.author.findFirstOrThrow()).resolves.toEqualTypeOf<Author>()
    // @ts-expect-error equals takes the declared type
    ldb.author.findMany({ where: { meta: { equals: { theme: 1 } } } })
  })
})

describe('unique wheres without a declaration (the fallback)', () => {
  test('any field, or any two as a compound key, by value', () => {
    ldb.post.findUnique({ where: { id: 'x' } })
    ldb.post.findUnique({ where: { title: 't' } })
    ldb.post.findUnique({ where: { authorId_title: { authorId: 'a', title: 't' } } })
    expectTypeOf(ldb.post.findUniqueOrThrow({ where: { id: 'x' } })).resolves.toEqualTypeOf<Post>()
    // @ts-expect-error no field by value
    ldb.post.findUnique({ where: { title: { contains: 't' } } })
    // @ts-expect-error not two fields of the model
    ldb.post.findUnique({ where: { authorId_nope: { authorId: 'a', nope: 't' } } })
    // @ts-expect-error compound values are typed
    ldb.post.findUnique({ where: { authorId_views: { authorId: 'a', views: 'many' } } })
  })

  test('key fields stay required in create data (the relation cannot replace them undeclared)', () => {
    ldb.post.create({ data: { id: 'p', title: 't', authorId: 'a', views: 0, author: { connect: { id: 'a' } } } })
    // @ts-expect-error authorId is required without the declaration
    ldb.post.create({ data: { id: 'p', title: 't', views: 0, author: { connect: { id: 'a' } } } })
    // nested creates of a list relation: the key the parent sets is unknown, so the fields are all optional
    ldb.author.create({ data: { id: 'a', handle: 'h', tags: [], posts: { create: { id: 'p', title: 't' } } } })
  })
})

describe('Prisma-style input names', () => {
  test('ModelTypes<S, K> names one model’s inputs', () => {
    type M = ModelTypes<typeof schema, 'member'>
    const where: M['WhereInput'] = { role: 'ADMIN', profile: { name: 'n' } }
    const unique: M['WhereUniqueInput'] = { profileId_serverId: { profileId: 'p', serverId: 's' } }
    const order: M['OrderByInput'] = [{ server: { name: 'asc' } }, { id: 'desc' }]
    const create: M['CreateInput'] = { profile: { connect: { id: 'p' } }, server: { connect: { id: 's' } } }
    const update: M['UpdateInput'] = { role: 'ADMIN', messages: { deleteMany: {} } }
    db.member.findMany({ where, orderBy: order, cursor: unique })
    db.member.create({ data: create })
    db.member.update({ where: unique, data: update })
  })
})
