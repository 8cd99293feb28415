// planSchemaChanges: what `$push` does to a live keyspace, from the layout and a described `system_schema`
// (golden tables, no database; test/scylla/live-schema.test.ts runs the same against Cassandra).
import { describe, expect, it } from 'vitest'
import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { readSchema } from '../../src/schema/read-schema.js'
import { deriveAllTables, type LayoutOptions } from '../../src/schema/scylla-layout.js'
import { planSchemaChanges, type LiveColumn, type LiveSchema } from '../../src/cql/scylla-live-schema.js'

const post = pgTable(
  'post',
  {
    id: uuid('id').primaryKey(),
    slug: text('slug').notNull().unique(),
    channelId: uuid('channel_id').notNull(),
    createdAt: timestamp('created_at').notNull(),
    votes: integer('votes'),
  },
  (t) => [index('post_votes_idx').on(t.votes)],
)
const layout: LayoutOptions = { post: { partitionKey: ['channelId'], clusteringKey: [['createdAt', 'desc'], 'id'] } }
const tables = () => deriveAllTables(readSchema({ post }), layout).values()

/** system_schema rows for a table: partition key, clustering (with order), regular columns. */
function liveTable(
  partition: [string, string][],
  clustering: [string, string, 'asc' | 'desc'][],
  regular: [string, string][],
): LiveColumn[] {
  return [
    ...partition.map(([name, type], position) => ({
      name,
      type,
      position,
      kind: 'partition_key' as const,
      order: 'none' as const,
    })),
    ...clustering.map(([name, type, order], position) => ({
      name,
      type,
      position,
      kind: 'clustering' as const,
      order,
    })),
    ...regular.map(([name, type]) => ({ name, type, position: -1, kind: 'regular' as const, order: 'none' as const })),
  ]
}

const v1Base = liveTable(
  [['channel_id', 'uuid']],
  [
    ['created_at', 'timestamp', 'desc'],
    ['id', 'uuid', 'asc'],
  ],
  [['slug', 'text']],
)
const live = (t: Record<string, LiveColumn[]>): LiveSchema => ({
  keyspaceExists: true,
  tables: new Map(Object.entries(t)),
})
const brief = (plan: ReturnType<typeof planSchemaChanges>) =>
  plan.changes.map((c) => `${c.kind} ${c.table ?? ''}${c.statement ? ` | ${c.statement}` : ''}`.trim())

describe('planSchemaChanges', () => {
  it('a missing keyspace: the keyspace and every table, nothing to fill', () => {
    const plan = planSchemaChanges('ks', 'CREATE KEYSPACE …', tables(), { keyspaceExists: false, tables: new Map() })
    expect(plan.refusals).toEqual([])
    expect(plan.fills).toEqual([])
    expect(plan.changes.map((c) => `${c.kind} ${c.table ?? ''}`.trim())).toEqual([
      'create-keyspace',
      'create-table post',
      'create-table post__by_id',
      'create-table post__by_slug',
      'create-table post__by_votes',
    ])
  })

  it('a live base table: new columns added, new lookups created and filled, nothing else', () => {
    const plan = planSchemaChanges('ks', '', tables(), live({ post: v1Base }))
    expect(plan.refusals).toEqual([])
    expect(brief(plan)).toEqual([
      'create-table post__by_id | CREATE TABLE IF NOT EXISTS "ks"."post__by_id" ("id" uuid, "channel_id" uuid, "created_at" timestamp, PRIMARY KEY (("id")))',
      'create-table post__by_slug | CREATE TABLE IF NOT EXISTS "ks"."post__by_slug" ("slug" text, "channel_id" uuid, "created_at" timestamp, "id" uuid, PRIMARY KEY (("slug")))',
      'create-table post__by_votes | CREATE TABLE IF NOT EXISTS "ks"."post__by_votes" ("votes" int, "channel_id" uuid, "created_at" timestamp, "id" uuid, PRIMARY KEY (("votes"), "channel_id", "created_at", "id")) WITH CLUSTERING ORDER BY ("channel_id" ASC, "created_at" ASC, "id" ASC)',
      'add-column post | ALTER TABLE "ks"."post" ADD "votes" int',
      'fill-lookup post__by_id',
      'fill-lookup post__by_slug',
      'fill-lookup post__by_votes',
    ])
    expect(plan.fills).toEqual([
      { model: 'post', table: 'post__by_id' },
      { model: 'post', table: 'post__by_slug' },
      { model: 'post', table: 'post__by_votes' },
    ])
  })

  it('a column the schema dropped is kept; a notNull column added says existing rows read null', () => {
    const base = [
      ...v1Base,
      { name: 'legacy', type: 'text', position: -1, kind: 'regular' as const, order: 'none' as const },
    ]
    const strict = pgTable('post', {
      id: uuid('id').primaryKey(),
      slug: text('slug').notNull(),
      channelId: uuid('channel_id').notNull(),
      createdAt: timestamp('created_at').notNull(),
      title: text('title').notNull(),
    })
    const only = deriveAllTables(readSchema({ post: strict }), layout).values()
    const lookups = {
      post__by_id: liveTable(
        [['id', 'uuid']],
        [],
        [
          ['channel_id', 'uuid'],
          ['created_at', 'timestamp'],
        ],
      ),
    }
    const plan = planSchemaChanges('ks', '', only, live({ post: base, ...lookups }))
    expect(plan.refusals).toEqual([])
    expect(plan.changes.map((c) => c.description)).toEqual([
      'add column title text to post; existing rows read null in `title` (notNull in the schema) until they are written',
      'column post.legacy is not in the schema: kept (push never drops data)',
    ])
  })

  it('refuses a changed partition key, clustering order and column type, naming both sides', () => {
    const changed = liveTable(
      [['id', 'uuid']],
      [],
      [
        ['channel_id', 'uuid'],
        ['created_at', 'timestamp'],
        ['slug', 'text'],
      ],
    )
    expect(planSchemaChanges('ks', '', tables(), live({ post: changed })).refusals).toEqual([
      'post: the partition key is (id) in the database and (channel_id) in the schema',
      'post: the clustering key is () in the database and (created_at desc, id asc) in the schema',
    ])
    const ascending = liveTable(
      [['channel_id', 'uuid']],
      [
        ['created_at', 'timestamp', 'asc'],
        ['id', 'uuid', 'asc'],
      ],
      [
        ['slug', 'text'],
        ['votes', 'bigint'],
      ],
    )
    const plan = planSchemaChanges('ks', '', tables(), live({ post: ascending }))
    expect(plan.refusals).toEqual([
      'post: the clustering key is (created_at asc, id asc) in the database and (created_at desc, id asc) in the schema',
      'post.votes: the type is bigint in the database and int in the schema',
    ])
    expect(plan.changes.filter((c) => c.kind === 'refused').map((c) => c.description)).toEqual(plan.refusals)
  })

  it('a schema the keyspace already matches: no change', () => {
    const full = [
      ...v1Base,
      { name: 'votes', type: 'int', position: -1, kind: 'regular' as const, order: 'none' as const },
    ]
    const plan = planSchemaChanges(
      'ks',
      '',
      tables(),
      live({
        post: full,
        post__by_slug: liveTable(
          [['slug', 'text']],
          [],
          [
            ['channel_id', 'uuid'],
            ['created_at', 'timestamp'],
            ['id', 'uuid'],
          ],
        ),
        post__by_id: liveTable(
          [['id', 'uuid']],
          [],
          [
            ['channel_id', 'uuid'],
            ['created_at', 'timestamp'],
          ],
        ),
        post__by_votes: liveTable(
          [['votes', 'int']],
          [
            ['channel_id', 'uuid', 'asc'],
            ['created_at', 'timestamp', 'asc'],
            ['id', 'uuid', 'asc'],
          ],
          [],
        ),
      }),
    )
    expect(plan).toEqual({ changes: [], refusals: [], fills: [] })
  })
})
