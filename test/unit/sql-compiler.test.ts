import { describe, expect, it } from 'vitest'
import {
  normalizeCreateData,
  normalizeOrderBy,
  normalizeUpdateData,
  normalizeWhere,
} from '../../src/adapter/normalize.js'
import { isSlot, shapeOf, templateOf, type Filter, type Operation, type ReadQuery } from '../../src/adapter/query.js'
import { compileSql } from '../../src/postgres/sql-compiler.js'
import { field, model, UUID_A, UUID_B, UUID_C } from './helpers.js'

// Golden tests of the PostgreSQL compiler, no database: each operation goes the way PostgresBackend.planFor
// takes it (shapeOf → templateOf → compileSql → bind(shape.values)) and the text and params are compared whole.

const T1 = new Date('2024-01-01T00:00:00.000Z')
const T2 = new Date('2024-06-30T12:34:56.789Z')
const ISO1 = '2024-01-01T00:00:00.000Z'
const ISO2 = '2024-06-30T12:34:56.789Z'

type Args = { where?: unknown; orderBy?: unknown; take?: number; skip?: number; extra?: Filter }

/** A ReadQuery from Prisma-style arguments, through the real front end; `extra` is ANDed (cursors). */
function readQuery(modelName: string, args: Args): ReadQuery {
  const m = model(modelName)
  let where = normalizeWhere(m, args.where, 'test')
  if (args.extra) where = where ? { kind: 'and', items: [where, args.extra] } : args.extra
  return { where, orderBy: normalizeOrderBy(m, args.orderBy, 'test'), take: args.take, skip: args.skip, unique: false }
}

const find = (m: string, args: Args): Operation => ({ op: 'findMany', query: readQuery(m, args) })
const count = (m: string, args: Args): Operation => ({ op: 'count', query: readQuery(m, args) })
const remove = (m: string, args: Args): Operation => ({ op: 'delete', query: readQuery(m, args) })
const update = (m: string, data: unknown, args: Args): Operation => ({
  op: 'update',
  query: readQuery(m, args),
  set: normalizeUpdateData(model(m), data, 'test'),
})
const insert = (m: string, data: unknown[], skipDuplicates = false): Operation => ({
  op: 'insert',
  rows: data.map((d) => normalizeCreateData(model(m), d, 'test', T1)),
  skipDuplicates,
})

/** What the backend runs for this call: the plan of its shape, bound with its values. */
function run(modelName: string, op: Operation) {
  const shape = shapeOf(modelName, op)
  const plan = compileSql(model(modelName), templateOf(op))
  return { key: shape.key, text: plan.text, params: plan.bind(shape.values), plan, shape }
}

/** The $n in the text, in text order: must be $1..$k, once each, k the number of params. */
function placeholders(text: string): number[] {
  return [...text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]))
}

const COLS: Record<string, string> = {
  profile: '"id", "user_id", "name", "email", "image_url", "created_at", "updated_at"',
  member: '"id", "role", "profile_id", "server_id", "created_at"',
  event: '"id", "stream", "seq", "kind", "payload", "at"',
  setting: '"scope", "key", "value", "version"',
  sample:
    '"id", "group", "label", "count", "big", "huge", "flag", "ratio", "score", "price", "at", "day", "doc", "docb", "role", "code",' +
    ' "slug"',
}
const select = (table: string) => `select ${COLS[table]} from "${table}"`
const PROFILE = select('profile')
const MEMBER = select('member')
const EVENT = select('event')
const SAMPLE = select('sample')

type Case = { name: string; model: string; op: Operation; sql: string; params: unknown[] }

function golden(c: Case) {
  const r = run(c.model, c.op)
  expect(r.text).toBe(c.sql)
  expect(r.params).toEqual(c.params)
  expect(placeholders(r.text)).toEqual(c.params.map((_, i) => i + 1))
}

describe('findMany: comparisons and field kinds', () => {
  const cases: Case[] = [
    {
      name: 'uuid equality (bound lowercase)',
      model: 'profile',
      op: find('profile', { where: { id: UUID_A.toUpperCase() } }),
      sql: `${PROFILE} where "profile"."id" = $1`,
      params: [UUID_A],
    },
    {
      name: 'enum equality',
      model: 'member',
      op: find('member', { where: { role: 'ADMIN' } }),
      sql: `${MEMBER} where "member"."role" = $1`,
      params: ['ADMIN'],
    },
    {
      name: '`not` is <>',
      model: 'sample',
      op: find('sample', { where: { count: { not: 3 } } }),
      sql: `${SAMPLE} where "sample"."count" <> $1`,
      params: [3],
    },
    {
      name: 'lt, lte, gt, gte (timestamps bound as drizzle encodes them: ISO strings)',
      model: 'sample',
      op: find('sample', { where: { count: { gt: 1, lte: 9 }, at: { gte: T1, lt: T2 } } }),
      sql: `${SAMPLE} where (("sample"."count" > $1 and "sample"."count" <= $2) and ("sample"."at" >= $3 and "sample"."at" < $4))`,
      params: [1, 9, ISO1, ISO2],
    },
    {
      name: 'equality on every scalar kind',
      model: 'sample',
      op: find('sample', {
        where: {
          big: 7,
          huge: 2n ** 62n,
          price: 19.999,
          score: 2.5,
          ratio: 0.1,
          day: new Date('2024-02-03T00:00:00Z'),
          flag: false,
        },
      }),
      sql:
        `${SAMPLE} where ("sample"."big" = $1 and "sample"."huge" = $2 and "sample"."price" = $3 and "sample"."score" = $4` +
        ' and "sample"."ratio" = $5 and "sample"."day" = $6 and "sample"."flag" = $7)',
      // bigint stays a bigint; a decimal is a string at the column's scale; a date is its day
      params: [7, 2n ** 62n, '20.00', 2.5, 0.1, '2024-02-03', false],
    },
    {
      name: 'in',
      model: 'sample',
      op: find('sample', { where: { role: { in: ['ADMIN', 'GUEST'] } } }),
      sql: `${SAMPLE} where "sample"."role" in ($1, $2)`,
      params: ['ADMIN', 'GUEST'],
    },
    {
      name: 'in with a null: the null stays SQL NULL, not a parameter',
      model: 'sample',
      op: find('sample', { where: { label: { in: ['a', null] } } }),
      sql: `${SAMPLE} where "sample"."label" in ($1, null)`,
      params: ['a'],
    },
    {
      name: 'notIn on timestamps',
      model: 'sample',
      op: find('sample', { where: { at: { notIn: [T1, T2] } } }),
      sql: `${SAMPLE} where "sample"."at" not in ($1, $2)`,
      params: [ISO1, ISO2],
    },
    {
      name: 'in [] matches nothing',
      model: 'sample',
      op: find('sample', { where: { count: { in: [] } } }),
      sql: `${SAMPLE} where false`,
      params: [],
    },
    {
      name: 'notIn [] matches everything',
      model: 'sample',
      op: find('sample', { where: { count: { notIn: [] } } }),
      sql: `${SAMPLE} where true`,
      params: [],
    },
    {
      name: 'null is IS NULL',
      model: 'profile',
      op: find('profile', { where: { email: null } }),
      sql: `${PROFILE} where "profile"."email" is null`,
      params: [],
    },
    {
      name: 'not null is IS NOT NULL',
      model: 'profile',
      op: find('profile', { where: { email: { not: null } } }),
      sql: `${PROFILE} where "profile"."email" is not null`,
      params: [],
    },
    {
      name: 'equals null is IS NULL',
      model: 'sample',
      op: find('sample', { where: { huge: { equals: null } } }),
      sql: `${SAMPLE} where "sample"."huge" is null`,
      params: [],
    },
  ]
  it.each(cases)('$name', golden)
})

describe('findMany: LIKE patterns and insensitive mode', () => {
  const cases: Case[] = [
    {
      name: 'contains escapes %, _ and \\ in the bound pattern',
      model: 'sample',
      op: find('sample', { where: { label: { contains: '50%_off\\' } } }),
      sql: `${SAMPLE} where "sample"."label" like $1`,
      params: [String.raw`%50\%\_off\\%`],
    },
    {
      name: 'startsWith',
      model: 'sample',
      op: find('sample', { where: { label: { startsWith: 'a_b' } } }),
      sql: `${SAMPLE} where "sample"."label" like $1`,
      params: [String.raw`a\_b%`],
    },
    {
      name: 'endsWith',
      model: 'sample',
      op: find('sample', { where: { label: { endsWith: '%' } } }),
      sql: `${SAMPLE} where "sample"."label" like $1`,
      params: [String.raw`%\%`],
    },
    {
      name: 'insensitive contains is ilike, escaped the same',
      model: 'sample',
      op: find('sample', { where: { label: { contains: 'A_b', mode: 'insensitive' } } }),
      sql: `${SAMPLE} where "sample"."label" ilike $1`,
      params: [String.raw`%A\_b%`],
    },
    {
      name: 'insensitive equals and not compare lower() of both sides',
      model: 'sample',
      op: find('sample', { where: { code: { equals: 'AbC', not: 'x', mode: 'insensitive' } } }),
      sql: `${SAMPLE} where (lower("sample"."code") = lower($1) and lower("sample"."code") <> lower($2))`,
      params: ['AbC', 'x'],
    },
    {
      name: 'insensitive range',
      model: 'sample',
      op: find('sample', { where: { code: { gte: 'B', mode: 'insensitive' } } }),
      sql: `${SAMPLE} where lower("sample"."code") >= lower($1)`,
      params: ['B'],
    },
    {
      name: 'insensitive in',
      model: 'sample',
      op: find('sample', { where: { code: { in: ['A', 'b'], mode: 'insensitive' } } }),
      sql: `${SAMPLE} where lower("sample"."code") in (lower($1), lower($2))`,
      params: ['A', 'b'],
    },
    {
      name: 'insensitive notIn with a null (used to throw while compiling)',
      model: 'sample',
      op: find('sample', { where: { code: { notIn: ['A', null], mode: 'insensitive' } } }),
      sql: `${SAMPLE} where lower("sample"."code") not in (lower($1), null)`,
      params: ['A'],
    },
    {
      name: 'insensitive equals null is still IS NULL',
      model: 'sample',
      op: find('sample', { where: { code: { equals: null, mode: 'insensitive' } } }),
      sql: `${SAMPLE} where "sample"."code" is null`,
      params: [],
    },
  ]
  it.each(cases)('$name', golden)
})

describe('findMany: AND, OR, NOT and constants', () => {
  const cases: Case[] = [
    {
      name: 'OR and NOT next to each other are ANDed',
      model: 'profile',
      op: find('profile', { where: { OR: [{ name: 'a' }, { email: { endsWith: '@x.io' } }], NOT: { userId: 'u1' } } }),
      sql: `${PROFILE} where (("profile"."name" = $1 or "profile"."email" like $2) and not "profile"."user_id" = $3)`,
      params: ['a', '%@x.io', 'u1'],
    },
    {
      name: 'AND of a list',
      model: 'profile',
      op: find('profile', { where: { AND: [{ name: 'a' }, { createdAt: { lt: T1 } }] } }),
      sql: `${PROFILE} where ("profile"."name" = $1 and "profile"."created_at" < $2)`,
      params: ['a', ISO1],
    },
    {
      name: 'NOT of a list negates each item',
      model: 'profile',
      op: find('profile', { where: { NOT: [{ email: null }, { name: { in: ['a', 'b'] } }] } }),
      sql: `${PROFILE} where (not "profile"."email" is null and not "profile"."name" in ($1, $2))`,
      params: ['a', 'b'],
    },
    {
      name: 'NOT of an AND',
      model: 'profile',
      op: find('profile', { where: { NOT: { name: 'a', email: 'e' } } }),
      sql: `${PROFILE} where not ("profile"."name" = $1 and "profile"."email" = $2)`,
      params: ['a', 'e'],
    },
    {
      name: 'OR [] is false',
      model: 'profile',
      op: find('profile', { where: { OR: [] } }),
      sql: `${PROFILE} where false`,
      params: [],
    },
    {
      name: 'AND [] is true',
      model: 'profile',
      op: find('profile', { where: { AND: [] } }),
      sql: `${PROFILE} where true`,
      params: [],
    },
    {
      name: 'a constant inside NOT',
      model: 'profile',
      op: find('profile', { where: { name: 'a', NOT: { OR: [] } } }),
      sql: `${PROFILE} where ("profile"."name" = $1 and not false)`,
      params: ['a'],
    },
    {
      name: 'no where at all',
      model: 'profile',
      op: find('profile', {}),
      sql: PROFILE,
      params: [],
    },
  ]
  it.each(cases)('$name', golden)
})

describe('findMany: cursors (the `after` filter)', () => {
  const after = (fields: string[], dirs: ('asc' | 'desc')[], values: unknown[]): Filter => ({
    kind: 'after',
    fields,
    dirs,
    values,
  })
  const cases: Case[] = [
    {
      name: 'all ascending: one row comparison, >=',
      model: 'event',
      op: find('event', {
        where: { stream: 's1' },
        orderBy: [{ seq: 'asc' }, { id: 'asc' }],
        extra: after(['seq', 'id'], ['asc', 'asc'], [3, UUID_B]),
      }),
      sql:
        `${EVENT} where ("event"."stream" = $1 and ("event"."seq", "event"."id") >= ($2, $3))` +
        ' order by "event"."seq" asc, "event"."id" asc',
      params: ['s1', 3, UUID_B],
    },
    {
      name: 'all descending: one row comparison, <= (timestamp encoded)',
      model: 'event',
      op: find('event', {
        orderBy: [{ at: 'desc' }, { id: 'desc' }],
        take: 20,
        extra: after(['at', 'id'], ['desc', 'desc'], [T2, UUID_C]),
      }),
      sql: `${EVENT} where ("event"."at", "event"."id") <= ($1, $2) order by "event"."at" desc, "event"."id" desc limit $3`,
      params: [ISO2, UUID_C, 20],
    },
    {
      name: 'mixed directions: the expanded OR, each earlier value bound again',
      model: 'event',
      op: find('event', {
        orderBy: [{ seq: 'asc' }, { at: 'desc' }, { id: 'asc' }],
        extra: after(['seq', 'at', 'id'], ['asc', 'desc', 'asc'], [3, T1, UUID_A]),
      }),
      sql:
        `${EVENT} where ("event"."seq" > $1 or ("event"."seq" = $2 and "event"."at" < $3)` +
        ' or ("event"."seq" = $4 and "event"."at" = $5 and "event"."id" >= $6))' +
        ' order by "event"."seq" asc, "event"."at" desc, "event"."id" asc',
      params: [3, 3, ISO1, 3, ISO1, UUID_A],
    },
    {
      name: 'a null cursor value is SQL NULL, not a parameter',
      model: 'sample',
      op: find('sample', {
        orderBy: [{ label: 'asc' }, { id: 'asc' }],
        extra: after(['label', 'id'], ['asc', 'asc'], [null, UUID_A]),
      }),
      sql: `${SAMPLE} where ("sample"."label", "sample"."id") >= (null, $1) order by "sample"."label" asc, "sample"."id" asc`,
      params: [UUID_A],
    },
  ]
  it.each(cases)('$name', golden)
})

describe('findMany: relation filters (EXISTS with aliases)', () => {
  const cases: Case[] = [
    {
      name: 'some',
      model: 'profile',
      op: find('profile', { where: { members: { some: { role: 'ADMIN' } } } }),
      sql: `${PROFILE} where exists (select 1 from "member" as "r1" where ("r1"."profile_id" = "profile"."id" and "r1"."role" = $1))`,
      params: ['ADMIN'],
    },
    {
      name: 'every looks for a related row that fails the filter',
      model: 'profile',
      op: find('profile', { where: { servers: { every: { name: 'x' } } } }),
      sql:
        `${PROFILE} where not exists (select 1 from "server" as "r1"` +
        ' where ("r1"."profile_id" = "profile"."id" and not "r1"."name" = $1))',
      params: ['x'],
    },
    {
      name: 'every with no filter holds for every row (used to mean "has no related rows")',
      model: 'profile',
      op: find('profile', { where: { servers: { every: {} } } }),
      sql: `${PROFILE} where true`,
      params: [],
    },
    {
      name: 'none, and some with no filter',
      model: 'profile',
      op: find('profile', { where: { servers: { none: { name: 'x' } }, members: { some: {} } } }),
      sql:
        `${PROFILE} where (not exists (select 1 from "server" as "r1" where ("r1"."profile_id" = "profile"."id" and "r1"."name" = $1))` +
        ' and exists (select 1 from "member" as "r2" where "r2"."profile_id" = "profile"."id"))',
      params: ['x'],
    },
    {
      name: 'to-one: is, and null (no related row)',
      model: 'member',
      op: find('member', { where: { profile: { is: { name: 'x' } }, server: null } }),
      sql:
        `${MEMBER} where (exists (select 1 from "profile" as "r1" where ("r1"."id" = "member"."profile_id" and "r1"."name" = $1))` +
        ' and not exists (select 1 from "server" as "r2" where "r2"."id" = "member"."server_id"))',
      params: ['x'],
    },
    {
      name: 'to-one: isNot',
      model: 'member',
      op: find('member', { where: { server: { isNot: { inviteCode: 'c' } } } }),
      sql:
        `${MEMBER} where not exists (select 1 from "server" as "r1"` +
        ' where ("r1"."id" = "member"."server_id" and "r1"."invite_code" = $1))',
      params: ['c'],
    },
    {
      name: 'nested: the inner EXISTS links to the outer alias',
      model: 'profile',
      op: find('profile', { where: { members: { some: { server: { is: { createdAt: { gt: T1 } } } } } } }),
      sql:
        `${PROFILE} where exists (select 1 from "member" as "r1" where ("r1"."profile_id" = "profile"."id"` +
        ' and exists (select 1 from "server" as "r2" where ("r2"."id" = "r1"."server_id" and "r2"."created_at" > $1))))',
      params: [ISO1],
    },
  ]
  it.each(cases)('$name', golden)
})

describe('findMany: json, orderBy, take and skip', () => {
  const cases: Case[] = [
    {
      name: 'json and jsonb equality compare as jsonb, the value JSON-encoded',
      model: 'sample',
      op: find('sample', { where: { doc: { a: [1, 'x'] }, docb: { equals: 'str' } } }),
      sql: `${SAMPLE} where ("sample"."doc"::jsonb = $1::jsonb and "sample"."docb"::jsonb = $2::jsonb)`,
      params: ['{"a":[1,"x"]}', '"str"'],
    },
    {
      name: 'json not',
      model: 'event',
      op: find('event', { where: { payload: { not: { k: null } } } }),
      sql: `${EVENT} where "event"."payload"::jsonb <> $1::jsonb`,
      params: ['{"k":null}'],
    },
    {
      name: 'json null checks',
      model: 'sample',
      op: find('sample', { where: { doc: { equals: null }, docb: { not: null } } }),
      sql: `${SAMPLE} where ("sample"."doc" is null and "sample"."docb" is not null)`,
      params: [],
    },
    {
      name: 'orderBy with nulls first and last',
      model: 'profile',
      op: find('profile', {
        orderBy: [
          { name: 'asc' },
          { email: { sort: 'desc', nulls: 'last' } },
          { imageUrl: { sort: 'asc', nulls: 'first' } },
        ],
      }),
      sql: `${PROFILE} order by "profile"."name" asc, "profile"."email" desc nulls last, "profile"."image_url" asc nulls first`,
      params: [],
    },
    {
      name: 'take and skip: LIMIT and OFFSET parameters, numbered after the where',
      model: 'profile',
      op: find('profile', { where: { name: 'a' }, orderBy: { createdAt: 'desc' }, take: 10, skip: 20 }),
      sql: `${PROFILE} where "profile"."name" = $1 order by "profile"."created_at" desc limit $2 offset $3`,
      params: ['a', 10, 20],
    },
    {
      name: 'skip 0 is no OFFSET',
      model: 'profile',
      op: find('profile', { take: 5, skip: 0 }),
      sql: `${PROFILE} limit $1`,
      params: [5],
    },
    {
      name: 'skip alone',
      model: 'profile',
      op: find('profile', { skip: 3 }),
      sql: `${PROFILE} offset $1`,
      params: [3],
    },
    {
      name: 'take 0',
      model: 'profile',
      op: find('profile', { take: 0 }),
      sql: `${PROFILE} limit $1`,
      params: [0],
    },
  ]
  it.each(cases)('$name', golden)
})

describe('count', () => {
  const cases: Case[] = [
    {
      name: 'with no where',
      model: 'sample',
      op: count('sample', {}),
      sql: 'select count(*) from "sample"',
      params: [],
    },
    {
      name: 'with a where; take and skip stay out of the SQL (the caller clamps the count)',
      model: 'sample',
      op: count('sample', { where: { OR: [{ group: 'g' }, { NOT: { count: { lt: 3 } } }] }, take: 5, skip: 1 }),
      sql: 'select count(*) from "sample" where ("sample"."group" = $1 or not "sample"."count" < $2)',
      params: ['g', 3],
    },
  ]
  it.each(cases)('$name', golden)
})

const PROFILE_RETURNING = `returning ${COLS.profile}`
const SAMPLE_RETURNING = `returning ${COLS.sample}`

describe('insert', () => {
  const cases: Case[] = [
    {
      name: 'one row: every column a parameter, omitted nullable fields null, RETURNING all',
      model: 'profile',
      op: insert('profile', [{ id: UUID_A, userId: 'u1', name: 'Ann' }]),
      sql: `insert into "profile" (${COLS.profile}) values ($1, $2, $3, $4, $5, $6, $7) ${PROFILE_RETURNING}`,
      params: [UUID_A, 'u1', 'Ann', null, null, ISO1, ISO1],
    },
    {
      name: 'one row of every kind, defaults filled in by the front end',
      model: 'sample',
      op: insert('sample', [
        {
          id: UUID_B,
          group: 'g',
          big: 2 ** 53 - 1,
          huge: 2n ** 63n - 1n,
          flag: true,
          ratio: 1.5,
          score: -0.25,
          price: '7.005',
          at: T2,
          day: '2024-02-29',
          doc: { a: 1 },
          docb: [true],
          role: 'MODERATOR',
        },
      ]),
      sql:
        `insert into "sample" (${COLS.sample}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)` +
        ` ${SAMPLE_RETURNING}`,
      params: [
        UUID_B,
        'g',
        null,
        0,
        2 ** 53 - 1,
        2n ** 63n - 1n,
        true,
        1.5,
        -0.25,
        '7.01',
        ISO2,
        '2024-02-29',
        '{"a":1}',
        '[true]',
        'MODERATOR',
        null,
        'generated',
      ],
    },
    {
      name: 'several rows',
      model: 'setting',
      op: insert('setting', [
        { scope: 'a', key: 'k', value: 'v1' },
        { scope: 'b', key: 'k', value: 'v2', version: 4 },
      ]),
      sql:
        'insert into "setting" ("scope", "key", "value", "version") values ($1, $2, $3, $4), ($5, $6, $7, $8)' +
        ' returning "scope", "key", "value", "version"',
      params: ['a', 'k', 'v1', 1, 'b', 'k', 'v2', 4],
    },
    {
      name: 'several rows, skipDuplicates',
      model: 'setting',
      op: insert(
        'setting',
        [
          { scope: 'a', key: 'k', value: 'v' },
          { scope: 'a', key: 'l', value: 'w' },
        ],
        true,
      ),
      sql:
        'insert into "setting" ("scope", "key", "value", "version") values ($1, $2, $3, $4), ($5, $6, $7, $8)' +
        ' on conflict do nothing returning "scope", "key", "value", "version"',
      params: ['a', 'k', 'v', 1, 'a', 'l', 'w', 1],
    },
  ]
  it.each(cases)('$name', golden)
})

describe('update', () => {
  const cases: Case[] = [
    {
      name: 'set, increment, decrement, multiply, divide and null (SET in column order, params follow it)',
      model: 'sample',
      op: update(
        'sample',
        {
          count: { increment: 2 },
          big: { decrement: 3 },
          price: { multiply: '1.5' },
          score: { divide: 4 },
          label: null,
          at: T1,
          huge: { set: 5n },
          doc: { a: 1 },
        },
        { where: { id: UUID_A } },
      ),
      sql:
        'update "sample" set "label" = $1, "count" = "sample"."count" + $2, "big" = "sample"."big" - $3, "huge" = $4,' +
        ' "score" = "sample"."score" / $5, "price" = "sample"."price" * $6, "at" = $7, "doc" = $8' +
        ` where "sample"."id" = $9 ${SAMPLE_RETURNING}`,
      params: [null, 2, 3, 5n, 4, '1.50', ISO1, '{"a":1}', UUID_A],
    },
    {
      name: "the $onUpdate field is set from the call's value",
      model: 'profile',
      op: update('profile', { name: 'B', updatedAt: T2 }, { where: { userId: 'u1' } }),
      sql: `update "profile" set "name" = $1, "updated_at" = $2 where "profile"."user_id" = $3 ${PROFILE_RETURNING}`,
      params: ['B', ISO2, 'u1'],
    },
    {
      name: 'a where with a relation filter',
      model: 'member',
      op: update('member', { role: 'GUEST' }, { where: { server: { is: { name: 's' } } } }),
      sql:
        'update "member" set "role" = $1 where exists (select 1 from "server" as "r1" where ("r1"."id" = "member"."server_id"' +
        ` and "r1"."name" = $2)) returning ${COLS.member}`,
      params: ['GUEST', 's'],
    },
  ]
  it.each(cases)('$name', golden)
})

describe('delete', () => {
  const cases: Case[] = [
    {
      name: 'with a where, RETURNING all',
      model: 'profile',
      op: remove('profile', { where: { createdAt: { lt: T1 }, email: null } }),
      sql: `delete from "profile" where ("profile"."created_at" < $1 and "profile"."email" is null) ${PROFILE_RETURNING}`,
      params: [ISO1],
    },
    {
      name: 'a bigint range',
      model: 'sample',
      op: remove('sample', { where: { huge: { gte: 10n } } }),
      sql: `delete from "sample" where "sample"."huge" >= $1 ${SAMPLE_RETURNING}`,
      params: [10n],
    },
    {
      name: 'with no where',
      model: 'setting',
      op: remove('setting', {}),
      sql: 'delete from "setting" returning "scope", "key", "value", "version"',
      params: [],
    },
  ]
  it.each(cases)('$name', golden)
})

describe("bound params are what the column's drizzle encoder gives", () => {
  const cases: { field: string; value: unknown; param: unknown }[] = [
    { field: 'id', value: UUID_C, param: UUID_C },
    { field: 'group', value: 'g', param: 'g' },
    { field: 'count', value: -5, param: -5 },
    { field: 'big', value: 2 ** 53 - 1, param: 2 ** 53 - 1 },
    { field: 'huge', value: -(2n ** 63n), param: -(2n ** 63n) },
    { field: 'flag', value: true, param: true },
    { field: 'ratio', value: 0.1, param: 0.1 },
    { field: 'score', value: 1e-300, param: 1e-300 },
    { field: 'price', value: '-0.005', param: '-0.01' },
    { field: 'at', value: T2, param: ISO2 },
    { field: 'day', value: '1999-12-31', param: '1999-12-31' },
    { field: 'docb', value: { b: [1, { c: null }] }, param: '{"b":[1,{"c":null}]}' },
    { field: 'role', value: 'GUEST', param: 'GUEST' },
  ]
  it.each(cases)('$field', (c) => {
    const { params, shape } = run('sample', find('sample', { where: { [c.field]: c.value } }))
    expect(params).toEqual([c.param])
    const encoder = field('sample', c.field).drizzle
    expect(params[0]).toEqual(encoder.mapToDriverValue(shape.values[0]))
  })
})

describe('shapes', () => {
  const pairs: { name: string; model: string; a: Operation; b: Operation; paramsB: unknown[] }[] = [
    {
      name: 'findMany with comparisons, in, like, a cursor and take/skip',
      model: 'event',
      a: find('event', {
        where: { seq: { in: [1, 2] }, kind: { startsWith: 'a%' }, at: { gt: T1 } },
        orderBy: [{ seq: 'asc' }, { id: 'desc' }],
        take: 5,
        skip: 1,
        extra: { kind: 'after', fields: ['seq', 'id'], dirs: ['asc', 'desc'], values: [1, UUID_A] },
      }),
      b: find('event', {
        where: { seq: { in: [7, 8] }, kind: { startsWith: 'b_' }, at: { gt: T2 } },
        orderBy: [{ seq: 'asc' }, { id: 'desc' }],
        take: 9,
        skip: 4,
        extra: { kind: 'after', fields: ['seq', 'id'], dirs: ['asc', 'desc'], values: [8, UUID_B] },
      }),
      paramsB: [7, 8, String.raw`b\_%`, ISO2, 8, 8, UUID_B, 9, 4],
    },
    {
      name: 'relation filters',
      model: 'profile',
      a: find('profile', { where: { members: { some: { role: 'ADMIN' } }, servers: { every: { name: 'x' } } } }),
      b: find('profile', { where: { members: { some: { role: 'GUEST' } }, servers: { every: { name: 'y' } } } }),
      paramsB: ['GUEST', 'y'],
    },
    {
      name: 'insert of two rows',
      model: 'setting',
      a: insert('setting', [
        { scope: 'a', key: 'k', value: 'v' },
        { scope: 'a', key: 'l', value: 'w' },
      ]),
      b: insert('setting', [
        { scope: 'x', key: 'y', value: 'z', version: 3 },
        { scope: 'p', key: 'q', value: 'r', version: 5 },
      ]),
      paramsB: ['x', 'y', 'z', 3, 'p', 'q', 'r', 5],
    },
    {
      name: 'update with arithmetic',
      model: 'sample',
      a: update('sample', { count: { increment: 1 }, at: T1, label: 'l' }, { where: { id: UUID_A } }),
      b: update('sample', { count: { increment: 9 }, at: T2, label: 'm' }, { where: { id: UUID_B } }),
      paramsB: ['m', 9, ISO2, UUID_B],
    },
    {
      name: 'update of a model with $onUpdate, at two times',
      model: 'profile',
      a: update('profile', { name: 'a' }, { where: { id: UUID_A } }),
      b: update('profile', { name: 'b', updatedAt: T2 }, { where: { id: UUID_B } }),
      paramsB: ['b', ISO2, UUID_B],
    },
  ]
  it.each(pairs)('values only differ: same key and text, each bound to its own params: $name', (p) => {
    const a = run(p.model, p.a)
    const b = run(p.model, p.b)
    expect(b.key).toBe(a.key)
    expect(b.text).toBe(a.text)
    expect(b.params).toEqual(p.paramsB)
    // the backend binds b's values into the plan it compiled for a
    expect(a.plan.bind(b.shape.values)).toEqual(p.paramsB)
    expect(a.params).not.toEqual(p.paramsB)
  })

  const one = [{ scope: 'a', key: 'k', value: 'v' }]
  const differ: { name: string; model: string; a: Operation; b: Operation }[] = [
    {
      name: 'an `in` list of another length',
      model: 'sample',
      a: find('sample', { where: { count: { in: [1, 2] } } }),
      b: find('sample', { where: { count: { in: [1, 2, 3] } } }),
    },
    {
      name: 'a null inside an `in` list',
      model: 'sample',
      a: find('sample', { where: { label: { in: ['a', 'b'] } } }),
      b: find('sample', { where: { label: { in: ['a', null] } } }),
    },
    {
      name: 'eq null vs eq a value',
      model: 'profile',
      a: find('profile', { where: { email: null } }),
      b: find('profile', { where: { email: 'e' } }),
    },
    {
      name: 'another field',
      model: 'profile',
      a: find('profile', { where: { name: 'a' } }),
      b: find('profile', { where: { userId: 'a' } }),
    },
    {
      name: 'another operator',
      model: 'sample',
      a: find('sample', { where: { count: { lt: 1 } } }),
      b: find('sample', { where: { count: { lte: 1 } } }),
    },
    {
      name: 'insensitive or not',
      model: 'sample',
      a: find('sample', { where: { code: 'a' } }),
      b: find('sample', { where: { code: { equals: 'a', mode: 'insensitive' } } }),
    },
    {
      name: 'take present or not',
      model: 'profile',
      a: find('profile', { where: { name: 'a' } }),
      b: find('profile', { where: { name: 'a' }, take: 1 }),
    },
    { name: 'skip 0 vs skip 1', model: 'profile', a: find('profile', { skip: 0 }), b: find('profile', { skip: 1 }) },
    {
      name: 'order direction',
      model: 'profile',
      a: find('profile', { orderBy: { name: 'asc' } }),
      b: find('profile', { orderBy: { name: 'desc' } }),
    },
    {
      name: 'nulls placement',
      model: 'profile',
      a: find('profile', { orderBy: { email: 'asc' } }),
      b: find('profile', { orderBy: { email: { sort: 'asc', nulls: 'first' } } }),
    },
    {
      name: 'findMany vs count',
      model: 'profile',
      a: find('profile', { where: { name: 'a' } }),
      b: count('profile', { where: { name: 'a' } }),
    },
    { name: 'skipDuplicates', model: 'setting', a: insert('setting', one), b: insert('setting', one, true) },
    { name: 'one row vs two', model: 'setting', a: insert('setting', one), b: insert('setting', [...one, ...one]) },
    {
      name: 'update op kind',
      model: 'sample',
      a: update('sample', { count: { increment: 1 } }, { where: { id: UUID_A } }),
      b: update('sample', { count: { decrement: 1 } }, { where: { id: UUID_A } }),
    },
    {
      name: 'relation mode',
      model: 'profile',
      a: find('profile', { where: { servers: { some: { name: 'x' } } } }),
      b: find('profile', { where: { servers: { none: { name: 'x' } } } }),
    },
  ]
  it.each(differ)('structure differs, so do the key and the text: $name', (d) => {
    const [a, b] = [run(d.model, d.a), run(d.model, d.b)]
    expect(a.key).not.toBe(b.key)
    expect(a.text).not.toBe(b.text)
  })

  it('skip 0 and no skip share a key and a text', () => {
    const a = run('profile', find('profile', { take: 2, skip: 0 }))
    const b = run('profile', find('profile', { take: 2 }))
    expect(a.key).toBe(b.key)
    expect(a.text).toBe(b.text)
  })

  it('templateOf numbers slots in the order shapeOf lists values (update + where + take)', () => {
    const op = update(
      'sample',
      { count: { multiply: 3 }, label: 'L', at: T2 },
      {
        where: { OR: [{ group: { in: ['g1', null, 'g2'] } }, { price: { lt: 9.5 }, code: null }], flag: true },
        take: 7,
        skip: 2,
      },
    )
    const shape = shapeOf('sample', op)
    // walk the template and the operation side by side: each slot must hold its own value's position
    const pairs: [number, unknown][] = []
    const walk = (t: unknown, o: unknown): void => {
      if (isSlot(t)) pairs.push([t.$slot, o])
      else if (Array.isArray(t)) t.forEach((x, i) => walk(x, (o as unknown[])[i]))
      else if (t && typeof t === 'object' && !(t instanceof Date)) {
        const [tr, or] = [t as Record<string, unknown>, o as Record<string, unknown>]
        for (const k of Object.keys(tr)) walk(tr[k], or[k])
      }
    }
    const template = templateOf(op)
    if (template.op !== 'update' || op.op !== 'update') throw new Error('expected an update')
    // shapeOf's visiting order: the set, then the where, take and skip
    walk(template.set, op.set)
    walk(template.query, op.query)
    expect(pairs.map(([slot]) => slot)).toEqual(shape.values.map((_, i) => i))
    for (const [slot, value] of pairs) expect(shape.values[slot]).toBe(value)
    expect(shape.values).toEqual([3, 'L', T2, 'g1', 'g2', '9.50', true, 7, 2])
    // and the bound params come out in SQL text order, each slot where its placeholder is
    expect(run('sample', op).params).toEqual(['L', 3, ISO2, 'g1', 'g2', '9.50', true])
  })
})
