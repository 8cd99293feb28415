import { describe, expect, it } from 'vitest'
import { normalizeOrderBy, normalizeUpdateData, normalizeWhere } from '../../src/adapter/normalize.js'
import { shapeOf, templateOf, type Filter, type ReadQuery } from '../../src/adapter/query.js'
import type { Operation } from '../../src/adapter/backend.js'
import {
  deleteRow,
  insertRow,
  keyOf,
  qualified,
  selectBase,
  selectByKey,
  selectLookup,
  updateRow,
} from '../../src/cql/cql-statements.js'
import { planRead, type BaseRead } from '../../src/cql/read-planner.js'
import { ScyllaSession } from '../../src/cql/scylla-session.js'
import { ScyllaBackend } from '../../src/cql/scylla-backend.js'
import { boundBaseReads, compileRead } from '../../src/cql/read-path.js'
import { deriveAllTables, type CqlTable } from '../../src/schema/scylla-layout.js'
import { info, layout, model, tablesOf, UUID_A, UUID_B } from './helpers.js'

const KS = 'ks'
const T1 = new Date('2024-01-01T00:00:00.000Z')

// No connection is made: the executor is created on first I/O, and these tests do none.
const session = new ScyllaSession(
  () => {
    throw new Error('no I/O in unit tests')
  },
  KS,
  deriveAllTables(info, layout),
  () => {},
  3_500,
)
/** The statements (text + bound params) the read path issues for a base read of this query: one per partition. */
function baseStatements(modelName: string, query: ReadQuery): { query: string; params: readonly unknown[] }[] {
  const read = compileRead(
    session,
    tablesOf(modelName),
    (templateOf({ op: 'findMany', query }) as { query: ReadQuery }).query,
    'test',
  )
  if (read.kind !== 'base') throw new Error('expected a base read')
  return boundBaseReads(tablesOf(modelName), read, shapeOf(modelName, { op: 'findMany', query }).values, query)
}

function readQuery(
  modelName: string,
  args: { where?: unknown; orderBy?: unknown; take?: number; skip?: number; extra?: Filter },
): ReadQuery {
  const m = model(modelName)
  let where = normalizeWhere(m, args.where, 'test')
  if (args.extra) where = where ? { kind: 'and', items: [where, args.extra] } : args.extra
  return { where, orderBy: normalizeOrderBy(m, args.orderBy, 'test'), take: args.take, skip: args.skip, unique: false }
}

const EVENT_COLS = '"stream", "seq", "id", "kind", "payload", "at"'
const MESSAGE_COLS = '"channel_id", "created_at", "id", "content", "file_url", "member_id", "deleted", "updated_at"'
const PROFILE_COLS = '"id", "user_id", "name", "email", "image_url", "created_at", "updated_at"'
const placeholders = (text: string) => (text.match(/\?/g) ?? []).length

describe('selectBase: { input, expected CQL, params }', () => {
  const cases: {
    name: string
    model: string
    input: Parameters<typeof readQuery>[1]
    cql: string
    params: unknown[][]
  }[] = [
    {
      name: 'partition equality',
      model: 'event',
      input: { where: { stream: 's1' } },
      cql: `SELECT ${EVENT_COLS} FROM "ks"."event" WHERE "stream" = ?`,
      params: [['s1']],
    },
    {
      name: 'one statement per partition of an `in`',
      model: 'event',
      input: { where: { stream: { in: ['a', 'b'] } } },
      cql: `SELECT ${EVENT_COLS} FROM "ks"."event" WHERE "stream" = ?`,
      params: [['a'], ['b']],
    },
    {
      name: 'clustering equality prefix',
      model: 'event',
      input: { where: { stream: 's1', seq: 5 } },
      cql: `SELECT ${EVENT_COLS} FROM "ks"."event" WHERE "stream" = ? AND "seq" = ?`,
      params: [['s1', 5]],
    },
    {
      name: 'equality prefix and a two-sided range',
      model: 'event',
      input: { where: { stream: 's1', seq: 5, id: { gte: UUID_A, lt: UUID_B } } },
      cql: `SELECT ${EVENT_COLS} FROM "ks"."event" WHERE "stream" = ? AND "seq" = ? AND "id" >= ? AND "id" < ?`,
      params: [['s1', 5, UUID_A, UUID_B]],
    },
    {
      name: 'a cursor slice over two clustering columns',
      model: 'event',
      input: {
        where: { stream: 's1' },
        extra: { kind: 'after', fields: ['seq', 'id'], dirs: ['asc', 'asc'], values: [3, UUID_B] },
      },
      cql: `SELECT ${EVENT_COLS} FROM "ks"."event" WHERE "stream" = ? AND ("seq", "id") >= (?, ?)`,
      params: [['s1', 3, UUID_B]],
    },
    {
      name: 'a descending cursor slice with native order and LIMIT',
      model: 'message',
      input: {
        where: { channelId: UUID_A },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: 20,
        extra: { kind: 'after', fields: ['createdAt', 'id'], dirs: ['desc', 'desc'], values: [T1, UUID_B] },
      },
      cql: `SELECT ${MESSAGE_COLS} FROM "ks"."message" WHERE "channel_id" = ? AND ("created_at", "id") <= (?, ?) LIMIT ?`,
      params: [[UUID_A, T1, UUID_B, 20]],
    },
    {
      name: 'reversed order on ascending clustering',
      model: 'event',
      input: { where: { stream: 's1' }, orderBy: { seq: 'desc' }, take: 10, skip: 5 },
      cql: `SELECT ${EVENT_COLS} FROM "ks"."event" WHERE "stream" = ? ORDER BY "seq" DESC LIMIT ?`,
      params: [['s1', 15]],
    },
    {
      name: 'reversed order on descending clustering',
      model: 'message',
      input: { where: { channelId: UUID_A, createdAt: { gt: T1 } }, orderBy: { createdAt: 'asc' } },
      cql: `SELECT ${MESSAGE_COLS} FROM "ks"."message" WHERE "channel_id" = ? AND "created_at" > ? ORDER BY "created_at" ASC`,
      params: [[UUID_A, T1]],
    },
    {
      name: 'a residual filter: no LIMIT',
      model: 'event',
      input: { where: { stream: 's1', kind: 'k' }, orderBy: { seq: 'asc' }, take: 10 },
      cql: `SELECT ${EVENT_COLS} FROM "ks"."event" WHERE "stream" = ?`,
      params: [['s1']],
    },
    {
      name: 'a composite partition key',
      model: 'setting',
      input: { where: { scope: 'app', key: { in: ['a', 'b'] } } },
      cql: 'SELECT "scope", "key", "value", "version" FROM "ks"."setting" WHERE "scope" = ? AND "key" = ?',
      params: [
        ['app', 'a'],
        ['app', 'b'],
      ],
    },
    {
      name: 'a primary-key read of a model without layout (a point read: no LIMIT)',
      model: 'profile',
      input: { where: { id: UUID_A }, take: 1 },
      cql: `SELECT ${PROFILE_COLS} FROM "ks"."profile" WHERE "id" = ?`,
      params: [[UUID_A]],
    },
  ]
  it.each(cases)('$name', (c) => {
    const plan = planRead(tablesOf(c.model), readQuery(c.model, c.input), 'test')
    if (plan.path !== 'base') throw new Error('expected a base plan')
    const text = selectBase(KS, model(c.model), plan)
    expect(text).toBe(c.cql)
    const statements = baseStatements(c.model, readQuery(c.model, c.input))
    expect(statements.map((s) => s.query)).toEqual(c.params.map(() => c.cql))
    expect(statements.map((s) => s.params)).toEqual(c.params)
    for (const s of statements) expect(placeholders(s.query)).toBe(s.params.length)
  })

  it('adds no ORDER BY when the table has no clustering columns', () => {
    const t = tablesOf('profile')
    expect(
      selectBase(KS, model('profile'), {
        table: t.base,
        clustering: { eq: [], slices: [] },
        order: 'reversed',
        limited: false,
      }),
    ).toBe(`SELECT ${PROFILE_COLS} FROM "ks"."profile" WHERE "id" = ?`)
  })
})

describe('lookup and point reads', () => {
  const cases: { name: string; cql: string; build: () => string }[] = [
    {
      name: 'selectLookup on a unique lookup',
      build: () => selectLookup(KS, model('profile'), tablesOf('profile').uniques[0]!),
      cql: 'SELECT "user_id", "id" FROM "ks"."profile__by_user_id" WHERE "user_id" = ?',
    },
    {
      name: 'selectLookup on a compound unique lookup',
      build: () => selectLookup(KS, model('member'), tablesOf('member').uniques[0]!),
      cql: 'SELECT "profile_id", "server_id", "id" FROM "ks"."member__by_profile_id_server_id" WHERE "profile_id" = ? AND "server_id" = ?',
    },
    {
      name: 'selectLookup on an index lookup (the whole partition)',
      build: () => selectLookup(KS, model('message'), tablesOf('message').indexes[0]!),
      cql: 'SELECT "member_id", "channel_id", "created_at", "id" FROM "ks"."message__by_member_id" WHERE "member_id" = ?',
    },
    {
      name: 'selectLookup on the primary-key lookup of a re-keyed model',
      build: () => selectLookup(KS, model('event'), tablesOf('event').uniques[0]!),
      cql: 'SELECT "id", "stream", "seq" FROM "ks"."event__by_id" WHERE "id" = ?',
    },
    {
      name: 'selectByKey with a layout base key',
      build: () => selectByKey(KS, model('message'), tablesOf('message').base, tablesOf('message').baseKey),
      cql: `SELECT ${MESSAGE_COLS} FROM "ks"."message" WHERE "channel_id" = ? AND "created_at" = ? AND "id" = ?`,
    },
    {
      name: 'selectByKey with a primary key',
      build: () => selectByKey(KS, model('setting'), tablesOf('setting').base, tablesOf('setting').baseKey),
      cql: 'SELECT "scope", "key", "value", "version" FROM "ks"."setting" WHERE "scope" = ? AND "key" = ?',
    },
  ]
  it.each(cases)('$name', (c) => {
    expect(c.build()).toBe(c.cql)
  })
})

describe('writes: { input, expected CQL, params }', () => {
  const profile = model('profile')
  const pBase = tablesOf('profile').base
  const pUser = tablesOf('profile').uniques[0]!
  const mt = tablesOf('message')
  const sampleBase = tablesOf('sample').base
  const cases: { name: string; build: () => string; cql: string; params: unknown[] }[] = [
    {
      name: 'insertRow IF NOT EXISTS (LWT)',
      build: () => insertRow(KS, profile, pBase, true),
      cql: `INSERT INTO "ks"."profile" (${PROFILE_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS`,
      params: [UUID_A, 'u1', 'Ada', null, null, T1, T1],
    },
    {
      name: 'insertRow into a unique lookup (claim)',
      build: () => insertRow(KS, profile, pUser, true),
      cql: 'INSERT INTO "ks"."profile__by_user_id" ("user_id", "id") VALUES (?, ?) IF NOT EXISTS',
      params: ['u1', UUID_A],
    },
    {
      name: 'insertRow without LWT (index entry)',
      build: () => insertRow(KS, model('message'), mt.indexes[0]!, false),
      cql: 'INSERT INTO "ks"."message__by_member_id" ("member_id", "channel_id", "created_at", "id") VALUES (?, ?, ?, ?)',
      params: [UUID_B, UUID_A, T1, UUID_A],
    },
    {
      name: 'deleteRow by base key',
      build: () => deleteRow(KS, model('message'), mt.base, mt.baseKey),
      cql: 'DELETE FROM "ks"."message" WHERE "channel_id" = ? AND "created_at" = ? AND "id" = ?',
      params: [UUID_A, T1, UUID_B],
    },
    {
      name: 'deleteRow of an index entry by its full key',
      build: () => deleteRow(KS, model('message'), mt.indexes[0]!, keyOf(mt.indexes[0]!)),
      cql: 'DELETE FROM "ks"."message__by_member_id" WHERE "member_id" = ? AND "channel_id" = ? AND "created_at" = ? AND "id" = ?',
      params: [UUID_B, UUID_A, T1, UUID_A],
    },
    {
      name: 'deleteRow IF the unique entry still points at the row (release)',
      build: () => deleteRow(KS, profile, pUser, pUser.keyFields, ['id']),
      cql: 'DELETE FROM "ks"."profile__by_user_id" WHERE "user_id" = ? IF "id" = ?',
      params: ['u1', UUID_A],
    },
    {
      name: 'deleteRow IF over several columns',
      build: () => deleteRow(KS, model('message'), mt.uniques[0]!, ['id'], ['channelId', 'createdAt']),
      cql: 'DELETE FROM "ks"."message__by_id" WHERE "id" = ? IF "channel_id" = ? AND "created_at" = ?',
      params: [UUID_B, UUID_A, T1],
    },
    {
      name: 'updateRow SET … WHERE key',
      build: () => updateRow(KS, profile, pBase, ['id'], ['name', 'updatedAt']),
      cql: 'UPDATE "ks"."profile" SET "name" = ?, "updated_at" = ? WHERE "id" = ?',
      params: ['Ada', T1, UUID_A],
    },
    {
      name: 'updateRow IF current value (compare-and-set)',
      build: () => updateRow(KS, model('sample'), sampleBase, ['id'], ['count', 'label'], ['count']),
      cql: 'UPDATE "ks"."sample" SET "count" = ?, "label" = ? WHERE "id" = ? IF "count" = ?',
      params: [2, 'x', UUID_A, 1],
    },
    {
      name: 'updateRow taking over a stale unique entry',
      build: () =>
        updateRow(KS, model('message'), mt.uniques[0]!, ['id'], ['channelId', 'createdAt'], ['channelId', 'createdAt']),
      cql: 'UPDATE "ks"."message__by_id" SET "channel_id" = ?, "created_at" = ? WHERE "id" = ? IF "channel_id" = ? AND "created_at" = ?',
      params: [UUID_A, T1, UUID_B, UUID_B, T1],
    },
  ]
  it.each(cases)('$name', (c) => {
    const text = c.build()
    expect(text).toBe(c.cql)
    expect(placeholders(text)).toBe(c.params.length)
  })

  it('keyOf lists partition then clustering fields', () => {
    expect(keyOf(mt.base)).toEqual(['channelId', 'createdAt', 'id'])
    expect(keyOf(mt.indexes[0]!)).toEqual(['memberId', 'channelId', 'createdAt', 'id'])
    expect(keyOf(pUser)).toEqual(['userId'])
  })

  it('qualifies and quotes keyspace and table', () => {
    expect(qualified('ks', pBase)).toBe('"ks"."profile"')
    expect(qualified('K"s', { ...pBase, name: 'we"ird' } as CqlTable)).toBe('"K""s"."we""ird"')
  })
})

describe('no statement ever uses ALLOW FILTERING', () => {
  const backend = new ScyllaBackend(info, { keyspace: KS }, layout)
  // every statement explain and ddl produce, over every model and operation kind
  const texts: string[] = [...backend.ddl()]
  const ops = (name: string): Operation[] => {
    const t = tablesOf(name)
    const where: Filter = {
      kind: 'and',
      items: t.base.partitionKey.map((f): Filter => ({ kind: 'cmp', field: f, op: 'eq', value: 'x' })),
    }
    const byLookup = t.uniques[0] ?? t.indexes[0]
    const q = (w: Filter, extra: Partial<ReadQuery> = {}): ReadQuery => ({
      where: w,
      orderBy: [],
      take: undefined,
      skip: undefined,
      unique: false,
      ...extra,
    })
    const list: Operation[] = [
      { op: 'findMany', query: q(where) },
      {
        op: 'findMany',
        query: q(where, {
          orderBy: t.base.clustering.map((c) => ({ field: c.field, dir: c.dir === 'asc' ? 'desc' : 'asc' })),
          take: 5,
        }),
      },
      { op: 'count', query: q(where) },
      { op: 'insert', rows: [], skipDuplicates: false },
      { op: 'delete', query: q(where) },
      { op: 'update', query: q(where), set: normalizeUpdateData(model(name), {}, 'test') },
    ]
    if (byLookup)
      list.push({
        op: 'findMany',
        query: q({
          kind: 'and',
          items: byLookup.keyFields.map((f): Filter => ({ kind: 'cmp', field: f, op: 'eq', value: 'x' })),
        }),
      })
    return list
  }
  for (const name of info.models.keys())
    for (const op of ops(name)) texts.push(...backend.explain(model(name), op).map((s) => s.text))

  it('covers a substantial set of statements', () => {
    expect(texts.length).toBeGreaterThan(60)
    expect(texts.some((t) => t.startsWith('SELECT'))).toBe(true)
    expect(texts.some((t) => t.startsWith('INSERT'))).toBe(true)
    expect(texts.some((t) => t.startsWith('DELETE'))).toBe(true)
    expect(texts.some((t) => t.startsWith('CREATE TABLE'))).toBe(true)
  })
  it('finds ALLOW FILTERING in none of them', () => {
    expect(texts.filter((t) => /ALLOW\s+FILTERING/i.test(t))).toEqual([])
  })
})
