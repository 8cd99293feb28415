import { describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core'
import { postgresDdl } from '../../src/schema/postgres-ddl.js'
import { readSchema } from '../../src/schema/read-schema.js'
import { info } from './helpers.js'

const ddl = postgresDdl(info)
const guarded = (stmt: string) =>
  `DO $$ BEGIN ${stmt}; EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL; END $$`
const createOf = (table: string) => {
  const s = ddl.find((d) => d.startsWith(`CREATE TABLE IF NOT EXISTS "${table}" (`))
  if (!s) throw new Error(`no CREATE TABLE for ${table}`)
  return s
}

describe('postgresDdl: the conformance schema', () => {
  it('creates enums first, in guarded DO blocks', () => {
    expect(ddl.slice(0, 2).sort()).toEqual([
      guarded(`CREATE TYPE "channel_type" AS ENUM ('TEXT', 'AUDIO', 'VIDEO')`),
      guarded(`CREATE TYPE "member_role" AS ENUM ('ADMIN', 'MODERATOR', 'GUEST')`),
    ])
  })

  it('adds the values an existing enum type lacks (push never drops)', () => {
    expect(ddl.slice(2, 4).sort()).toEqual([
      `DO $$ DECLARE v text; BEGIN FOREACH v IN ARRAY ARRAY['ADMIN', 'MODERATOR', 'GUEST']::text[] LOOP EXECUTE format('ALTER TYPE "member_role" ADD VALUE IF NOT EXISTS %L', v); END LOOP; END $$`,
      `DO $$ DECLARE v text; BEGIN FOREACH v IN ARRAY ARRAY['TEXT', 'AUDIO', 'VIDEO']::text[] LOOP EXECUTE format('ALTER TYPE "channel_type" ADD VALUE IF NOT EXISTS %L', v); END LOOP; END $$`,
    ])
  })

  it('orders statements: enums, tables, indexes, then foreign keys', () => {
    const kind = (s: string) =>
      s.includes('CREATE TYPE') || s.includes('ALTER TYPE')
        ? 0
        : s.startsWith('CREATE TABLE')
          ? 1
          : s.startsWith('CREATE INDEX')
            ? 2
            : s.includes('FOREIGN KEY')
              ? 3
              : -1
    const kinds = ddl.map(kind)
    expect(kinds).not.toContain(-1)
    expect([...kinds].sort((a, b) => a - b)).toEqual(kinds)
    expect(kinds.filter((k) => k === 1)).toHaveLength(info.models.size)
  })

  const tables: { table: string; sql: string }[] = [
    {
      table: 'profile',
      sql: [
        'CREATE TABLE IF NOT EXISTS "profile" (',
        '  "id" uuid NOT NULL DEFAULT gen_random_uuid(),',
        '  "user_id" text NOT NULL,',
        '  "name" text NOT NULL,',
        '  "email" text,',
        '  "image_url" text,',
        '  "created_at" timestamp NOT NULL DEFAULT now(),',
        '  "updated_at" timestamp NOT NULL DEFAULT now(),',
        '  CONSTRAINT "profile_pkey" PRIMARY KEY ("id"),',
        '  CONSTRAINT "profile_user_id_unique" UNIQUE ("user_id")',
        ')',
      ].join('\n'),
    },
    {
      table: 'member',
      sql: [
        'CREATE TABLE IF NOT EXISTS "member" (',
        '  "id" uuid NOT NULL DEFAULT gen_random_uuid(),',
        `  "role" "member_role" NOT NULL DEFAULT 'GUEST',`,
        '  "profile_id" uuid NOT NULL,',
        '  "server_id" uuid NOT NULL,',
        '  "created_at" timestamp NOT NULL DEFAULT now(),',
        '  CONSTRAINT "member_pkey" PRIMARY KEY ("id"),',
        '  CONSTRAINT "member_profile_server" UNIQUE ("profile_id", "server_id")',
        ')',
      ].join('\n'),
    },
    {
      table: 'setting',
      sql: [
        'CREATE TABLE IF NOT EXISTS "setting" (',
        '  "scope" text NOT NULL,',
        '  "key" text NOT NULL,',
        '  "value" text NOT NULL,',
        '  "version" integer NOT NULL DEFAULT 1,',
        '  CONSTRAINT "setting_pkey" PRIMARY KEY ("scope", "key")',
        ')',
      ].join('\n'),
    },
    {
      table: 'sample',
      sql: [
        'CREATE TABLE IF NOT EXISTS "sample" (',
        '  "id" uuid NOT NULL DEFAULT gen_random_uuid(),',
        '  "group" text NOT NULL,',
        '  "label" varchar(200),',
        '  "count" integer NOT NULL DEFAULT 0,',
        '  "big" bigint,',
        '  "huge" bigint,',
        '  "flag" boolean,',
        '  "ratio" real,',
        '  "score" double precision,',
        '  "price" numeric(12, 2),',
        '  "at" timestamp,',
        '  "day" date,',
        '  "doc" json,',
        '  "docb" jsonb,',
        '  "role" "member_role",',
        '  "code" text,',
        '  "slug" text,', // $defaultFn: computed client-side, no SQL default
        '  CONSTRAINT "sample_pkey" PRIMARY KEY ("id"),',
        '  CONSTRAINT "sample_code_unique" UNIQUE ("code"),',
        '  CONSTRAINT "sample_group_label" UNIQUE ("group", "label")',
        ')',
      ].join('\n'),
    },
    {
      table: 'message',
      sql: [
        'CREATE TABLE IF NOT EXISTS "message" (',
        '  "id" uuid NOT NULL DEFAULT gen_random_uuid(),',
        '  "content" text NOT NULL,',
        '  "file_url" text,',
        '  "member_id" uuid NOT NULL,',
        '  "channel_id" uuid NOT NULL,',
        '  "deleted" boolean NOT NULL DEFAULT false,',
        '  "created_at" timestamp NOT NULL DEFAULT now(),',
        '  "updated_at" timestamp NOT NULL DEFAULT now(),',
        '  CONSTRAINT "message_pkey" PRIMARY KEY ("id")',
        ')',
      ].join('\n'),
    },
  ]
  it.each(tables)('CREATE TABLE $table', (c) => {
    expect(createOf(c.table)).toBe(c.sql)
  })

  it('creates declared indexes', () => {
    expect(ddl.filter((s) => s.startsWith('CREATE INDEX')).sort()).toEqual([
      'CREATE INDEX IF NOT EXISTS "conversation_member_two_idx" ON "conversation" ("member_two_id")',
      'CREATE INDEX IF NOT EXISTS "event_kind_idx" ON "event" ("kind")',
      'CREATE INDEX IF NOT EXISTS "gadget_owner_idx" ON "gadget" ("owner")',
      'CREATE INDEX IF NOT EXISTS "sample_group_idx" ON "sample" ("group")',
      'CREATE INDEX IF NOT EXISTS "ticket_queue_idx" ON "ticket" ("queue")',
    ])
  })

  const fks = [
    ['channel', 'channel_server_id_server_id_fk', 'server_id', 'server'],
    ['member', 'member_profile_id_profile_id_fk', 'profile_id', 'profile'],
    ['member', 'member_server_id_server_id_fk', 'server_id', 'server'],
    ['message', 'message_member_id_member_id_fk', 'member_id', 'member'],
    ['message', 'message_channel_id_channel_id_fk', 'channel_id', 'channel'],
    ['server', 'server_profile_id_profile_id_fk', 'profile_id', 'profile'],
    ['conversation', 'conversation_member_one_id_member_id_fk', 'member_one_id', 'member'],
    ['conversation', 'conversation_member_two_id_member_id_fk', 'member_two_id', 'member'],
    ['direct_message', 'direct_message_member_id_member_id_fk', 'member_id', 'member'],
    ['direct_message', 'direct_message_conversation_id_conversation_id_fk', 'conversation_id', 'conversation'],
  ] as const
  it.each(fks)('adds FK %s.%s in a guarded block, ON DELETE CASCADE', (table, name, column, target) => {
    expect(ddl).toContain(
      guarded(
        `ALTER TABLE "${table}" ADD CONSTRAINT "${name}" FOREIGN KEY ("${column}") REFERENCES "${target}" ("id") ON DELETE CASCADE`,
      ),
    )
  })

  it('has exactly the foreign keys of the schema', () => {
    expect(ddl.filter((s) => s.includes('FOREIGN KEY'))).toHaveLength(fks.length)
  })
})

describe('postgresDdl: custom schemas', () => {
  const status = pgEnum('status', ["it's", 'ok'])
  const parent = pgTable('parent', { a: text('a').notNull(), b: integer('b').notNull() }, (t) => [
    primaryKey({ columns: [t.a, t.b] }),
  ])
  const child = pgTable(
    'child',
    {
      id: uuid('id').primaryKey(),
      pa: text('pa'),
      pb: integer('pb'),
      owner: uuid('owner').references((): any => child.id, { onDelete: 'set null' }),
      keep: uuid('keep').references((): any => child.id),
      state: status('state').default("it's"),
      note: text('note').default("o'k"),
      n: bigint('n', { mode: 'bigint' }).default(5n),
      flag: boolean('flag').default(true),
      meta: jsonb('meta').default({ q: "it's" }),
      at: timestamp('at').default(sql`CURRENT_TIMESTAMP`),
      fixed: timestamp('fixed').default(new Date('2001-02-03T04:05:06.000Z')),
    },
    (t) => [unique().on(t.pa, t.pb), index('child_pa_idx').on(t.pa, t.pb)],
  )
  const out = postgresDdl(readSchema({ status, parent, child }))

  it('escapes quotes in enum values', () => {
    expect(out[0]).toBe(guarded(`CREATE TYPE "status" AS ENUM ('it''s', 'ok')`))
  })

  it('writes literal, SQL, JSON and Date defaults', () => {
    const create = out.find((s) => s.startsWith('CREATE TABLE IF NOT EXISTS "child"'))!
    expect(create).toContain(`  "state" "status" DEFAULT 'it''s',`)
    expect(create).toContain(`  "note" text DEFAULT 'o''k',`)
    expect(create).toContain('  "n" bigint DEFAULT 5,')
    expect(create).toContain('  "flag" boolean DEFAULT true,')
    expect(create).toContain(`  "meta" jsonb DEFAULT '{"q":"it''s"}',`)
    expect(create).toContain('  "at" timestamp DEFAULT CURRENT_TIMESTAMP,')
    expect(create).toContain(`  "fixed" timestamp DEFAULT '2001-02-03T04:05:06.000Z',`)
    expect(create).toContain('  CONSTRAINT "child_pa_pb_unique" UNIQUE ("pa", "pb")')
  })

  it('writes a composite primary key constraint in column order', () => {
    expect(out.find((s) => s.startsWith('CREATE TABLE IF NOT EXISTS "parent"'))).toBe(
      'CREATE TABLE IF NOT EXISTS "parent" (\n  "a" text NOT NULL,\n  "b" integer NOT NULL,\n  CONSTRAINT "parent_pkey" PRIMARY KEY ("a", "b")\n)',
    )
  })

  it('creates a multi-column index', () => {
    expect(out).toContain('CREATE INDEX IF NOT EXISTS "child_pa_idx" ON "child" ("pa", "pb")')
  })

  it('writes each ON DELETE action, NO ACTION by default (self references included)', () => {
    expect(out).toContain(
      guarded(
        'ALTER TABLE "child" ADD CONSTRAINT "child_owner_child_id_fk" FOREIGN KEY ("owner") REFERENCES "child" ("id") ON DELETE SET NULL',
      ),
    )
    expect(out).toContain(
      guarded(
        'ALTER TABLE "child" ADD CONSTRAINT "child_keep_child_id_fk" FOREIGN KEY ("keep") REFERENCES "child" ("id") ON DELETE NO ACTION',
      ),
    )
  })

  it('is idempotent by construction: every statement is IF NOT EXISTS or guarded', () => {
    for (const s of [...out, ...ddl]) expect(s.includes('IF NOT EXISTS') || s.startsWith('DO $$ BEGIN')).toBe(true)
  })
})

describe('postgresDdl: column types (issue 12 item 6)', () => {
  it('serial, identity, arrays, bytea, time, inet, cidr as drizzle declares them', () => {
    const gadget = ddl.find((s) => s.startsWith('CREATE TABLE IF NOT EXISTS "gadget"'))!
    for (const line of [
      '"id" serial NOT NULL',
      '"tags" text[]',
      '"scores" integer[]',
      '"refs" uuid[]',
      '"blob" bytea',
      '"opens_at" time',
      '"ip" inet',
      '"net" cidr',
    ])
      expect(gadget).toContain(line)
    expect(ddl.find((s) => s.startsWith('CREATE TABLE IF NOT EXISTS "ticket"'))).toContain(
      '"id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL',
    )
  })
})
