import { describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import {
  bigint,
  date,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  serial,
  smallint,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core'
import { readSchema } from '../../src/schema/read-schema.js'
import type { DefaultSpec } from '../../src/schema/model.js'
import { field, info, model, tandemError } from './helpers.js'

describe('readSchema: models of the conformance schema', () => {
  it('reads every pgTable export as a model named by its export, and every pgEnum', () => {
    expect([...info.models.keys()].sort()).toEqual([
      'channel',
      'conversation',
      'directMessage',
      'event',
      'gadget',
      'member',
      'message',
      'profile',
      'sample',
      'server',
      'setting',
      'ticket',
    ])
    expect([...info.enums].sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'channel_type', values: ['TEXT', 'AUDIO', 'VIDEO'] },
      { name: 'member_role', values: ['ADMIN', 'MODERATOR', 'GUEST'] },
    ])
    // the non-table export `layout` is ignored
    expect(info.models.has('layout')).toBe(false)
  })

  it('maps SQL table names back to model names', () => {
    expect(Object.fromEntries(info.byTable)).toMatchObject({ profile: 'profile', member: 'member', setting: 'setting' })
    expect(model('profile').table).toBe('profile')
  })

  it('keeps fields in declaration order with their SQL column names', () => {
    const m = model('profile')
    expect([...m.fields.values()].map((f) => [f.name, f.column])).toEqual([
      ['id', 'id'],
      ['userId', 'user_id'],
      ['name', 'name'],
      ['email', 'email'],
      ['imageUrl', 'image_url'],
      ['createdAt', 'created_at'],
      ['updatedAt', 'updated_at'],
    ])
  })
})

describe('readSchema: field kinds, modes, nullability', () => {
  const cases: { field: string; kind: string; mode?: string; nullable: boolean; enumValues?: string[] }[] = [
    { field: 'id', kind: 'uuid', nullable: false },
    { field: 'group', kind: 'string', nullable: false },
    { field: 'label', kind: 'string', nullable: true }, // varchar
    { field: 'count', kind: 'int', nullable: false },
    { field: 'big', kind: 'bigint', mode: 'number', nullable: true },
    { field: 'huge', kind: 'bigint', mode: 'bigint', nullable: true },
    { field: 'flag', kind: 'boolean', nullable: true },
    { field: 'ratio', kind: 'float', nullable: true }, // real
    { field: 'score', kind: 'float', nullable: true }, // double precision
    { field: 'price', kind: 'decimal', nullable: true },
    { field: 'at', kind: 'timestamp', mode: 'date', nullable: true },
    { field: 'day', kind: 'date', mode: 'string', nullable: true }, // drizzle's date() defaults to string mode
    { field: 'doc', kind: 'json', nullable: true },
    { field: 'docb', kind: 'json', nullable: true },
    { field: 'role', kind: 'enum', nullable: true, enumValues: ['ADMIN', 'MODERATOR', 'GUEST'] },
    { field: 'code', kind: 'string', nullable: true },
  ]
  it('reads the scale of numeric columns and the width of float columns', () => {
    expect(field('sample', 'price').scale).toBe(2)
    expect(field('sample', 'count').scale).toBeUndefined()
    expect(field('sample', 'ratio').single).toBe(true) // real
    expect(field('sample', 'score').single).toBe(false) // double precision
  })

  it.each(cases)('sample.$field is $kind', (c) => {
    const f = field('sample', c.field)
    expect(f.kind).toBe(c.kind)
    expect(f.mode).toBe(c.mode)
    expect(f.nullable).toBe(c.nullable)
    expect(f.enumValues).toEqual(c.enumValues)
    expect(f.isList).toBe(false)
  })

  it('reads other column types and modes from a custom table', () => {
    const t = pgTable('t', {
      id: uuid('id').primaryKey(),
      s: smallint('s'),
      ts: timestamp('ts', { mode: 'string' }),
      d: date('d', { mode: 'date' }).notNull(),
    })
    const m = readSchema({ t }).models.get('t')!
    expect(m.fields.get('s')).toMatchObject({ kind: 'int', nullable: true })
    expect(m.fields.get('ts')).toMatchObject({ kind: 'timestamp', mode: 'string' })
    expect(m.fields.get('d')).toMatchObject({ kind: 'date', mode: 'date', nullable: false })
    expect(m.fields.get('id')).toMatchObject({ kind: 'uuid', nullable: false }) // a primary key is not null
  })
})

describe('readSchema: primary and unique keys', () => {
  const cases: {
    model: string
    primaryKey: string[]
    uniqueKeys: { name: string; fields: string[]; primary: boolean }[]
  }[] = [
    { model: 'channel', primaryKey: ['id'], uniqueKeys: [{ name: 'channel_pkey', fields: ['id'], primary: true }] },
    {
      model: 'profile',
      primaryKey: ['id'],
      uniqueKeys: [
        { name: 'profile_pkey', fields: ['id'], primary: true },
        { name: 'profile_user_id_unique', fields: ['userId'], primary: false }, // column .unique()
      ],
    },
    {
      model: 'member',
      primaryKey: ['id'],
      uniqueKeys: [
        { name: 'member_pkey', fields: ['id'], primary: true },
        { name: 'member_profile_server', fields: ['profileId', 'serverId'], primary: false }, // unique().on()
      ],
    },
    {
      model: 'sample',
      primaryKey: ['id'],
      uniqueKeys: [
        { name: 'sample_pkey', fields: ['id'], primary: true },
        { name: 'sample_code_unique', fields: ['code'], primary: false },
        { name: 'sample_group_label', fields: ['group', 'label'], primary: false },
      ],
    },
    // composite primary key through primaryKey({ columns })
    {
      model: 'setting',
      primaryKey: ['scope', 'key'],
      uniqueKeys: [{ name: 'setting_pkey', fields: ['scope', 'key'], primary: true }],
    },
  ]
  it.each(cases)('$model', (c) => {
    const m = model(c.model)
    expect(m.primaryKey).toEqual(c.primaryKey)
    expect(m.uniqueKeys).toEqual(c.uniqueKeys)
  })

  it('keeps the composite primary key in the order of primaryKey({ columns })', () => {
    const comp = pgTable('comp', { a: text('a').notNull(), b: integer('b').notNull() }, (t) => [
      primaryKey({ columns: [t.b, t.a] }),
    ])
    expect(readSchema({ comp }).models.get('comp')!.primaryKey).toEqual(['b', 'a'])
  })

  it('puts the primary key first, names unnamed keys, adds unique indexes, and drops duplicates', () => {
    const t = pgTable(
      't',
      {
        a: text('a').notNull(),
        id: uuid('id').primaryKey(), // declared after `a`, still first among the unique keys
        c: text('c').unique('c_uq'),
        b: integer('b').notNull(),
      },
      (t) => [
        unique().on(t.a, t.b),
        uniqueIndex('t_b_key').on(t.b),
        unique('dup_of_c').on(t.c), // the same fields as c_uq: dropped
        unique('dup_of_pk').on(t.id), // the primary key again: dropped
      ],
    )
    expect(readSchema({ t }).models.get('t')!.uniqueKeys).toEqual([
      { name: 't_pkey', fields: ['id'], primary: true },
      { name: 'c_uq', fields: ['c'], primary: false },
      { name: 't_a_b_unique', fields: ['a', 'b'], primary: false },
      { name: 't_b_key', fields: ['b'], primary: false },
    ])
  })
})

describe('readSchema: indexes and foreign keys', () => {
  it('reads index().on() as an index, by field name', () => {
    expect(model('sample').indexes).toEqual([{ name: 'sample_group_idx', fields: ['group'] }])
    expect(model('event').indexes).toEqual([{ name: 'event_kind_idx', fields: ['kind'] }])
    expect(model('profile').indexes).toEqual([])
  })

  it('names an unnamed index after table and columns', () => {
    const t = pgTable('t', { id: uuid('id').primaryKey(), ownerId: uuid('owner_id') }, (t) => [index().on(t.ownerId)])
    expect(readSchema({ t }).models.get('t')!.indexes).toEqual([{ name: 't_owner_id_idx', fields: ['ownerId'] }])
  })

  const fkCases = [
    { model: 'server', fields: ['profileId'], targetModel: 'profile', onDelete: 'cascade' },
    { model: 'channel', fields: ['serverId'], targetModel: 'server', onDelete: 'cascade' },
    { model: 'message', fields: ['memberId'], targetModel: 'member', onDelete: 'cascade' },
    { model: 'message', fields: ['channelId'], targetModel: 'channel', onDelete: 'cascade' },
  ]
  it.each(fkCases)('$model.$fields references $targetModel', (c) => {
    const fk = model(c.model).foreignKeys.find((f) => f.fields.join() === c.fields.join())
    expect(fk).toMatchObject({ targetModel: c.targetModel, targetFields: ['id'], onDelete: c.onDelete })
  })

  it('resolves the target to the model (export) name, not the SQL table, and defaults onDelete to no action', () => {
    const parentTable = pgTable('parent_rows', { id: uuid('id').primaryKey() })
    const child = pgTable('child_rows', {
      id: uuid('id').primaryKey(),
      p: uuid('p').references(() => parentTable.id, { onDelete: 'set null' }),
      q: uuid('q').references(() => parentTable.id),
    })
    const m = readSchema({ Parent: parentTable, Child: child }).models.get('Child')!
    expect(m.foreignKeys).toEqual([
      {
        name: 'child_rows_p_parent_rows_id_fk',
        fields: ['p'],
        targetModel: 'Parent',
        targetFields: ['id'],
        onDelete: 'set null',
      },
      {
        name: 'child_rows_q_parent_rows_id_fk',
        fields: ['q'],
        targetModel: 'Parent',
        targetFields: ['id'],
        onDelete: 'no action',
      },
    ])
  })
})

describe('readSchema: defaults', () => {
  const cases: { model: string; field: string; expected: DefaultSpec | undefined; onUpdate: boolean }[] = [
    { model: 'profile', field: 'id', expected: { kind: 'uuid' }, onUpdate: false }, // defaultRandom()
    { model: 'profile', field: 'createdAt', expected: { kind: 'now' }, onUpdate: false }, // defaultNow()
    { model: 'profile', field: 'updatedAt', expected: { kind: 'now' }, onUpdate: true }, // + $onUpdate
    { model: 'profile', field: 'name', expected: undefined, onUpdate: false },
    { model: 'member', field: 'role', expected: { kind: 'value', value: 'GUEST' }, onUpdate: false },
    { model: 'message', field: 'deleted', expected: { kind: 'value', value: false }, onUpdate: false },
    { model: 'sample', field: 'count', expected: { kind: 'value', value: 0 }, onUpdate: false },
    { model: 'setting', field: 'version', expected: { kind: 'value', value: 1 }, onUpdate: false },
  ]
  it.each(cases)('$model.$field', (c) => {
    const f = field(c.model, c.field)
    expect(f.defaultValue).toEqual(c.expected)
    expect(typeof f.onUpdate === 'function').toBe(c.onUpdate)
  })

  it('reads $defaultFn as a function default', () => {
    const d = field('sample', 'slug').defaultValue
    expect(d?.kind).toBe('fn')
    expect(d?.kind === 'fn' && d.fn()).toBe('generated')
  })

  it('recognises SQL defaults it can evaluate, keeps others as sql text', () => {
    const t = pgTable('t', {
      id: uuid('id')
        .primaryKey()
        .default(sql`gen_random_uuid()`),
      a: timestamp('a').default(sql`CURRENT_TIMESTAMP`),
      b: uuid('b').default(sql`uuid_generate_v4()`),
      c: text('c').default(sql`'x' || 'y'`),
      d: bigint('d', { mode: 'bigint' }).default(5n),
      e: jsonb('e').default({ a: 1 }),
      f: text('f').$onUpdate(() => 'changed'),
    })
    const m = readSchema({ t }).models.get('t')!
    expect(m.fields.get('id')!.defaultValue).toEqual({ kind: 'uuid' })
    expect(m.fields.get('a')!.defaultValue).toEqual({ kind: 'now' })
    expect(m.fields.get('b')!.defaultValue).toEqual({ kind: 'uuid' })
    expect(m.fields.get('c')!.defaultValue).toEqual({ kind: 'sql', text: "'x' || 'y'" })
    expect(m.fields.get('d')!.defaultValue).toEqual({ kind: 'value', value: 5n })
    expect(m.fields.get('e')!.defaultValue).toEqual({ kind: 'value', value: { a: 1 } })
    // $onUpdate alone: no default, but an update function
    expect(m.fields.get('f')!.defaultValue).toBeUndefined()
    expect(m.fields.get('f')!.onUpdate?.()).toBe('changed')
  })
})

describe('readSchema: validation errors', () => {
  const parent = pgTable('parent', { id: uuid('id').primaryKey() })
  const cases: { name: string; module: Record<string, unknown>; message: RegExp }[] = [
    { name: 'no pgTable exported', module: { role: pgEnum('r', ['a']), n: 1 }, message: /exports no pgTable/ },
    { name: 'an empty module', module: {}, message: /exports no pgTable/ },
    {
      name: 'a table without primary key',
      module: { t: pgTable('t', { id: uuid('id') }) },
      message: /table t has no primary key/,
    },
    {
      name: 'a reference to a table the module does not export',
      module: { t: pgTable('t', { id: uuid('id').primaryKey(), p: uuid('p').references(() => parent.id) }) },
      message: /t references table "parent"/,
    },
    {
      name: 'two exports with one SQL name',
      module: {
        a: pgTable('same', { id: uuid('id').primaryKey() }),
        b: pgTable('same', { id: uuid('id').primaryKey() }),
      },
      message: /tables a and b both use the SQL name "same"/,
    },
    {
      name: 'an expression index',
      module: {
        t: pgTable('t', { id: uuid('id').primaryKey(), n: text('n') }, (t) => [
          index('lower_n').on(sql`lower(${t.n})`),
        ]),
      },
      message: /index lower_n on t uses an expression/,
    },
  ]
  it.each(cases)('rejects $name with VALIDATION', (c) => {
    const err = tandemError(() => readSchema(c.module))
    expect(err.code).toBe('VALIDATION')
    expect(err.message).toMatch(/^schema: /)
    expect(err.message).toMatch(c.message)
  })
})

describe('readSchema: column types (issue 12 item 6)', () => {
  it('reads serial and identity columns as autoincrement, arrays by their element kind', () => {
    const t = pgTable('t', {
      id: serial('id').primaryKey(),
      n: integer('n').generatedAlwaysAsIdentity(),
      m: bigint('m', { mode: 'bigint' }).generatedByDefaultAsIdentity(),
      tags: text('tags').array(),
      days: date('days').array().notNull(),
    })
    const m = readSchema({ t }).models.get('t')!
    expect(m.unsupported).toEqual([])
    expect(m.fields.get('id')!.defaultValue).toEqual({ kind: 'autoincrement', identity: undefined })
    expect(m.fields.get('n')!.defaultValue).toEqual({ kind: 'autoincrement', identity: 'always' })
    expect(m.fields.get('m')).toMatchObject({ kind: 'bigint', mode: 'bigint', defaultValue: { identity: 'byDefault' } })
    expect(m.fields.get('tags')).toMatchObject({ kind: 'string', isList: true, nullable: true })
    expect(m.fields.get('days')).toMatchObject({ kind: 'date', mode: 'string', isList: true, nullable: false })
  })

  it('a column type tandem does not serve marks its model, not the schema', () => {
    const t = pgTable('t', { id: uuid('id').primaryKey(), v: smallint('v').array().array() })
    const u = pgTable('u', { id: uuid('id').primaryKey() })
    const info = readSchema({ t, u })
    expect(info.models.get('t')!.unsupported).toEqual([
      { field: 'v', column: 'v', sqlType: 'smallint[][]', reason: 'arrays of this element type are not served' },
    ])
    expect(info.models.get('t')!.fields.has('v')).toBe(false)
    expect(info.models.get('u')!.unsupported).toEqual([])
  })
})
