import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { readSchema } from '../../src/schema/read-schema.js'
import {
  createTableCql,
  cqlType,
  deriveAllTables,
  deriveTables,
  type CqlTable,
  type ModelLayout,
} from '../../src/schema/scylla-layout.js'
import { field, info, model, tablesOf, tandemError } from './helpers.js'

const summary = (t: CqlTable) => ({
  kind: t.kind,
  name: t.name,
  partitionKey: t.partitionKey,
  clustering: t.clustering,
  fields: t.fields,
  keyFields: t.keyFields,
  primary: t.primary,
})

describe('deriveTables: base table', () => {
  it('keys the base table by the primary key when there is no layout', () => {
    const t = tablesOf('profile', false)
    expect(summary(t.base)).toEqual({
      kind: 'base',
      name: 'profile',
      partitionKey: ['id'],
      clustering: [],
      fields: ['id', 'userId', 'name', 'email', 'imageUrl', 'createdAt', 'updatedAt'],
      keyFields: ['id'],
      primary: true,
    })
    expect(t.baseKey).toEqual(['id'])
    expect(t.baseKeyIsPrimary).toBe(true)
  })

  it('partitions a composite primary key by all its fields', () => {
    const t = tablesOf('setting')
    expect(t.base.partitionKey).toEqual(['scope', 'key'])
    expect(t.base.clustering).toEqual([])
    expect(t.baseKeyIsPrimary).toBe(true)
    expect(t.uniques).toEqual([])
  })

  it('uses the layout: partition key, then clustering columns with their order, key fields first', () => {
    const t = tablesOf('message')
    expect(t.base.partitionKey).toEqual(['channelId'])
    expect(t.base.clustering).toEqual([
      { field: 'createdAt', dir: 'desc' },
      { field: 'id', dir: 'desc' },
    ])
    expect(t.base.fields).toEqual([
      'channelId',
      'createdAt',
      'id',
      'content',
      'fileUrl',
      'memberId',
      'deleted',
      'updatedAt',
    ])
    expect(t.baseKey).toEqual(['channelId', 'createdAt', 'id'])
    expect(t.baseKeyIsPrimary).toBe(false)
  })

  it('defaults a clustering column given by name to ascending', () => {
    const t = deriveTables(model('event'), { partitionKey: ['stream'], clusteringKey: ['seq', ['id', 'desc']] })
    expect(t.base.clustering).toEqual([
      { field: 'seq', dir: 'asc' },
      { field: 'id', dir: 'desc' },
    ])
  })

  it('treats a layout that only reorders the primary key as primary', () => {
    const t = deriveTables(model('setting'), { partitionKey: ['scope'], clusteringKey: ['key'] })
    expect(t.baseKey).toEqual(['scope', 'key'])
    expect(t.baseKeyIsPrimary).toBe(true)
    expect(t.uniques).toEqual([]) // the base insert enforces the primary key itself
  })
})

describe('deriveTables: unique lookups', () => {
  const cases: { model: string; layout: boolean; uniques: ReturnType<typeof summary>[] }[] = [
    {
      model: 'profile',
      layout: false,
      uniques: [
        {
          kind: 'unique',
          name: 'profile__by_user_id',
          partitionKey: ['userId'],
          clustering: [],
          fields: ['userId', 'id'],
          keyFields: ['userId'],
          primary: false,
        },
      ],
    },
    {
      model: 'member',
      layout: false,
      uniques: [
        {
          kind: 'unique',
          name: 'member__by_profile_id_server_id',
          partitionKey: ['profileId', 'serverId'],
          clustering: [],
          fields: ['profileId', 'serverId', 'id'],
          keyFields: ['profileId', 'serverId'],
          primary: false,
        },
      ],
    },
    {
      // a layout changes the base key: the primary key gets its own lookup, pointing at the base key
      model: 'message',
      layout: true,
      uniques: [
        {
          kind: 'unique',
          name: 'message__by_id',
          partitionKey: ['id'],
          clustering: [],
          fields: ['id', 'channelId', 'createdAt'],
          keyFields: ['id'],
          primary: true,
        },
      ],
    },
    {
      model: 'event',
      layout: true,
      uniques: [
        {
          kind: 'unique',
          name: 'event__by_id',
          partitionKey: ['id'],
          clustering: [],
          fields: ['id', 'stream', 'seq'],
          keyFields: ['id'],
          primary: true,
        },
      ],
    },
    { model: 'message', layout: false, uniques: [] }, // no layout: the base table serves the primary key
  ]
  it.each(cases)('$model (layout: $layout)', (c) => {
    expect(tablesOf(c.model, c.layout).uniques.map(summary)).toEqual(c.uniques)
  })

  it('keeps unique lookups in the order of the unique keys', () => {
    expect(tablesOf('sample').uniques.map((u) => u.name)).toEqual(['sample__by_code', 'sample__by_group_label'])
  })
})

describe('deriveTables: index lookups', () => {
  const cases: { model: string; layout: boolean; indexes: ReturnType<typeof summary>[] }[] = [
    {
      model: 'member',
      layout: false,
      indexes: [
        {
          kind: 'index',
          name: 'member__by_profile_id',
          partitionKey: ['profileId'],
          clustering: [{ field: 'id', dir: 'asc' }],
          fields: ['profileId', 'id'],
          keyFields: ['profileId'],
          primary: false,
        },
        {
          kind: 'index',
          name: 'member__by_server_id',
          partitionKey: ['serverId'],
          clustering: [{ field: 'id', dir: 'asc' }],
          fields: ['serverId', 'id'],
          keyFields: ['serverId'],
          primary: false,
        },
      ],
    },
    {
      // the FK on channelId is the partition key: no lookup; memberId's lookup clusters by the whole base key
      model: 'message',
      layout: true,
      indexes: [
        {
          kind: 'index',
          name: 'message__by_member_id',
          partitionKey: ['memberId'],
          clustering: [
            { field: 'channelId', dir: 'asc' },
            { field: 'createdAt', dir: 'asc' },
            { field: 'id', dir: 'asc' },
          ],
          fields: ['memberId', 'channelId', 'createdAt', 'id'],
          keyFields: ['memberId'],
          primary: false,
        },
      ],
    },
    {
      model: 'message',
      layout: false,
      indexes: [
        {
          kind: 'index',
          name: 'message__by_member_id',
          partitionKey: ['memberId'],
          clustering: [{ field: 'id', dir: 'asc' }],
          fields: ['memberId', 'id'],
          keyFields: ['memberId'],
          primary: false,
        },
        {
          kind: 'index',
          name: 'message__by_channel_id',
          partitionKey: ['channelId'],
          clustering: [{ field: 'id', dir: 'asc' }],
          fields: ['channelId', 'id'],
          keyFields: ['channelId'],
          primary: false,
        },
      ],
    },
    {
      // index().on(group); the unique (group, label) is a different key, so both exist
      model: 'sample',
      layout: false,
      indexes: [
        {
          kind: 'index',
          name: 'sample__by_group',
          partitionKey: ['group'],
          clustering: [{ field: 'id', dir: 'asc' }],
          fields: ['group', 'id'],
          keyFields: ['group'],
          primary: false,
        },
      ],
    },
    {
      model: 'event',
      layout: true,
      indexes: [
        {
          kind: 'index',
          name: 'event__by_kind',
          partitionKey: ['kind'],
          clustering: [
            { field: 'stream', dir: 'asc' },
            { field: 'seq', dir: 'asc' },
            { field: 'id', dir: 'asc' },
          ],
          fields: ['kind', 'stream', 'seq', 'id'],
          keyFields: ['kind'],
          primary: false,
        },
      ],
    },
    { model: 'profile', layout: false, indexes: [] },
  ]
  it.each(cases)('$model (layout: $layout)', (c) => {
    expect(tablesOf(c.model, c.layout).indexes.map(summary)).toEqual(c.indexes)
  })

  it('skips an index equal to a unique key, and a foreign key also declared as an index', () => {
    const owner = pgTable('owner', { id: uuid('id').primaryKey() })
    const item = pgTable(
      'item',
      {
        id: uuid('id').primaryKey(),
        code: text('code').notNull().unique(),
        ownerId: uuid('owner_id')
          .notNull()
          .references(() => owner.id),
      },
      (t) => [index('item_code_idx').on(t.code), index('item_owner_idx').on(t.ownerId), index('item_id_idx').on(t.id)],
    )
    const t = deriveTables(readSchema({ owner, item }).models.get('item')!, undefined)
    expect(t.indexes.map((i) => i.name)).toEqual(['item__by_owner_id'])
    expect(t.uniques.map((u) => u.name)).toEqual(['item__by_code'])
  })
})

describe('deriveTables: table names', () => {
  it('truncates names over 48 characters and appends a hash of the full name', () => {
    const longTable = pgTable('an_unusually_long_table_name_for_tests', {
      id: uuid('id').primaryKey(),
      aVeryLongColumnName: text('a_very_long_column_name').notNull().unique(),
      otherLongColumnName: text('other_long_column_name').notNull().unique(),
    })
    const t = deriveTables(readSchema({ longTable }).models.get('longTable')!, undefined)
    expect(t.base.name).toBe('an_unusually_long_table_name_for_tests') // 38 chars: kept
    const full = 'an_unusually_long_table_name_for_tests__by_a_very_long_column_name'
    const hash = createHash('sha1').update(full).digest('hex').slice(0, 8)
    const [first, second] = t.uniques
    expect(first!.name).toBe(`${full.slice(0, 39)}_${hash}`)
    expect(first!.name).toHaveLength(48)
    expect(second!.name).toHaveLength(48)
    // the same 39-character prefix, distinguished by the hash
    expect(second!.name.slice(0, 39)).toBe(first!.name.slice(0, 39))
    expect(second!.name).not.toBe(first!.name)
  })

  it('keeps a name of exactly 48 characters', () => {
    const name = 'x'.repeat(36) // + '__by_' + 'abcdefg' = 48
    const t48 = pgTable(name, { id: uuid('id').primaryKey(), k: text('abcdefg').notNull().unique() })
    const t = deriveTables(readSchema({ t48 }).models.get('t48')!, undefined)
    expect(t.uniques[0]!.name).toBe(`${name}__by_abcdefg`)
    expect(t.uniques[0]!.name).toHaveLength(48)
  })
})

describe('deriveAllTables', () => {
  it('derives tables for every model, applying the layout by model name', () => {
    const all = deriveAllTables(info, { event: { partitionKey: ['stream'], clusteringKey: [['seq', 'desc'], 'id'] } })
    expect([...all.keys()].sort()).toEqual([...info.models.keys()].sort())
    expect(all.get('event')!.base.clustering).toEqual([
      { field: 'seq', dir: 'desc' },
      { field: 'id', dir: 'asc' },
    ])
    expect(all.get('message')!.base.partitionKey).toEqual(['id'])
  })

  it('rejects a layout for an unknown model, listing the models', () => {
    const err = tandemError(() => deriveAllTables(info, { messages: { partitionKey: ['channelId'] } }))
    expect(err.code).toBe('VALIDATION')
    expect(err.message).toMatch(/^layout: unknown model `messages`; models are .*message/)
  })
})

describe('deriveTables: layout validation', () => {
  const withJson = pgTable('wj', {
    id: uuid('id').primaryKey(),
    data: jsonb('data').notNull(),
    n: integer('n').notNull(),
    at: timestamp('at'),
  })
  const wj = readSchema({ withJson }).models.get('withJson')!
  const cases: { name: string; model: string; layout: ModelLayout; message: RegExp }[] = [
    {
      name: 'an unknown field',
      model: 'message',
      layout: { partitionKey: ['channel'] },
      message: /unknown field `channel`; fields are id, content/,
    },
    {
      name: 'an unknown clustering field',
      model: 'message',
      layout: { partitionKey: ['channelId'], clusteringKey: ['when', 'id'] },
      message: /unknown field `when`/,
    },
    {
      name: 'a nullable key field',
      model: 'message',
      layout: { partitionKey: ['fileUrl'], clusteringKey: ['id'] },
      message: /`fileUrl` is nullable; key fields must be notNull\(\)/,
    },
    {
      name: 'a missing primary key field',
      model: 'message',
      layout: { partitionKey: ['channelId'], clusteringKey: [['createdAt', 'desc']] },
      message: /must contain the primary key.*add id/,
    },
    {
      name: 'an empty partition key',
      model: 'message',
      layout: { partitionKey: [] },
      message: /`partitionKey` must list at least one field/,
    },
    {
      name: 'a field twice',
      model: 'message',
      layout: { partitionKey: ['id'], clusteringKey: ['id'] },
      message: /a field appears twice/,
    },
    {
      name: 'a bad clustering order',
      model: 'message',
      layout: { partitionKey: ['channelId'], clusteringKey: [['id', 'up' as 'asc']] },
      message: /clustering order of `id` must be "asc" or "desc"/,
    },
    {
      name: 'a json key field',
      model: 'withJson',
      layout: { partitionKey: ['data'], clusteringKey: ['id'] },
      message: /`data` is json and cannot be a key/,
    },
  ]
  it.each(cases)('rejects $name', (c) => {
    const m = c.model === 'withJson' ? wj : model(c.model)
    const err = tandemError(() => deriveTables(m, c.layout))
    expect(err.code).toBe('VALIDATION')
    expect(err.message).toMatch(new RegExp(`^layout\\.${c.model}: `))
    expect(err.message).toMatch(c.message)
  })
})

describe('createTableCql', () => {
  const cases: { model: string; layout: boolean; table: (t: ReturnType<typeof tablesOf>) => CqlTable; cql: string }[] =
    [
      {
        model: 'profile',
        layout: false,
        table: (t) => t.base,
        cql: 'CREATE TABLE IF NOT EXISTS "ks"."profile" ("id" uuid, "user_id" text, "name" text, "email" text, "image_url" text, "created_at" timestamp, "updated_at" timestamp, PRIMARY KEY (("id")))',
      },
      {
        model: 'profile',
        layout: false,
        table: (t) => t.uniques[0]!,
        cql: 'CREATE TABLE IF NOT EXISTS "ks"."profile__by_user_id" ("user_id" text, "id" uuid, PRIMARY KEY (("user_id")))',
      },
      {
        model: 'message',
        layout: true,
        table: (t) => t.base,
        cql: 'CREATE TABLE IF NOT EXISTS "ks"."message" ("channel_id" uuid, "created_at" timestamp, "id" uuid, "content" text, "file_url" text, "member_id" uuid, "deleted" boolean, "updated_at" timestamp, PRIMARY KEY (("channel_id"), "created_at", "id")) WITH CLUSTERING ORDER BY ("created_at" DESC, "id" DESC)',
      },
      {
        model: 'message',
        layout: true,
        table: (t) => t.uniques[0]!,
        cql: 'CREATE TABLE IF NOT EXISTS "ks"."message__by_id" ("id" uuid, "channel_id" uuid, "created_at" timestamp, PRIMARY KEY (("id")))',
      },
      {
        model: 'message',
        layout: true,
        table: (t) => t.indexes[0]!,
        cql: 'CREATE TABLE IF NOT EXISTS "ks"."message__by_member_id" ("member_id" uuid, "channel_id" uuid, "created_at" timestamp, "id" uuid, PRIMARY KEY (("member_id"), "channel_id", "created_at", "id")) WITH CLUSTERING ORDER BY ("channel_id" ASC, "created_at" ASC, "id" ASC)',
      },
      {
        model: 'member',
        layout: false,
        table: (t) => t.uniques[0]!,
        cql: 'CREATE TABLE IF NOT EXISTS "ks"."member__by_profile_id_server_id" ("profile_id" uuid, "server_id" uuid, "id" uuid, PRIMARY KEY (("profile_id", "server_id")))',
      },
      {
        model: 'setting',
        layout: false,
        table: (t) => t.base,
        cql: 'CREATE TABLE IF NOT EXISTS "ks"."setting" ("scope" text, "key" text, "value" text, "version" int, PRIMARY KEY (("scope", "key")))',
      },
      {
        model: 'sample',
        layout: false,
        table: (t) => t.base,
        cql: 'CREATE TABLE IF NOT EXISTS "ks"."sample" ("id" uuid, "group" text, "label" text, "count" int, "big" bigint, "huge" bigint, "flag" boolean, "ratio" float, "score" double, "price" decimal, "at" timestamp, "day" date, "doc" text, "docb" text, "role" text, "code" text, "slug" text, PRIMARY KEY (("id")))',
      },
    ]
  it.each(cases)('$model (layout: $layout): $cql', (c) => {
    const t = tablesOf(c.model, c.layout)
    expect(createTableCql('ks', t.model, c.table(t))).toBe(c.cql)
  })

  it('quotes identifiers, doubling embedded quotes', () => {
    const t = tablesOf('profile', false)
    expect(createTableCql('my"ks', t.model, t.base)).toMatch(/^CREATE TABLE IF NOT EXISTS "my""ks"\."profile" \(/)
  })

  const types: [string, string][] = [
    ['id', 'uuid'],
    ['group', 'text'],
    ['count', 'int'],
    ['big', 'bigint'],
    ['huge', 'bigint'],
    ['flag', 'boolean'],
    ['ratio', 'float'],
    ['score', 'double'],
    ['price', 'decimal'],
    ['at', 'timestamp'],
    ['day', 'date'],
    ['doc', 'text'],
    ['docb', 'text'],
    ['role', 'text'],
  ]
  it.each(types)('cqlType(sample.%s) = %s', (name, type) => {
    expect(cqlType(field('sample', name))).toBe(type)
  })
})
