// Type tests of `where` (and `orderBy`, `cursor`, `take`): what the types accept and reject today, over the
// conformance schema. Type-checked by vitest's typecheck mode, never run (no database).
// A line under `// @ts-expect-error` must not compile; a plain call must. Unique keys come from
// tandem-types.generated.ts (what `tandem types` writes for test/support/schema.ts).
import { describe, expectTypeOf, test } from 'vitest'
import { createDb, type WhereInput } from '../../src/index.js'
import * as schema from '../support/schema.js'

const db = createDb({ schema })
const now = new Date()

describe('where: field values', () => {
  test('a field takes a value of its column type', () => {
    db.profile.findMany({ where: { name: 'n', createdAt: now } })
    db.sample.findMany({
      where: {
        count: 1,
        big: 2,
        huge: 3n,
        flag: true,
        ratio: 0.5,
        price: '1.50',
        at: now,
        day: '2024-01-31',
        role: 'ADMIN',
      },
    })
    db.setting.findMany({ where: { version: 2 } })
    // @ts-expect-error a number for a string field
    db.profile.findMany({ where: { name: 5 } })
    // @ts-expect-error a string for an integer field
    db.sample.findMany({ where: { count: '1' } })
    // @ts-expect-error a number for a bigint-mode field (bigint mode takes bigint)
    db.sample.findMany({ where: { huge: 1 } })
    // @ts-expect-error a string for a boolean field
    db.sample.findMany({ where: { flag: 'true' } })
  })

  test('timestamps take a Date; date columns in string mode take "YYYY-MM-DD" strings', () => {
    db.profile.findMany({ where: { createdAt: { gte: now, lt: now } } })
    // @ts-expect-error an ISO string for a timestamp (the runtime accepts it; the types take Date only)
    db.profile.findMany({ where: { createdAt: '2024-01-01T00:00:00Z' } })
    // @ts-expect-error a string for a timestamp in a filter
    db.profile.findMany({ where: { createdAt: { lt: '2020' } } })
    // @ts-expect-error a Date for a date column in string mode (the runtime accepts it; the types take strings)
    db.sample.findMany({ where: { day: now } })
  })

  test('enums take their values only', () => {
    db.member.findMany({ where: { role: 'ADMIN' } })
    db.member.findMany({ where: { role: { in: ['ADMIN', 'MODERATOR'] } } })
    db.channel.findMany({ where: { type: { not: 'AUDIO' } } })
    // @ts-expect-error not a value of the enum
    db.member.findMany({ where: { role: 'OWNER' } })
    // @ts-expect-error not a value of the enum, in a list
    db.member.findMany({ where: { role: { in: ['ADMIN', 'OWNER'] } } })
  })

  test('null matches a nullable field only; equals: null is accepted on any field', () => {
    db.profile.findMany({ where: { email: null } })
    db.profile.findMany({ where: { email: { not: null } } })
    db.sample.findMany({ where: { at: null, role: null } })
    db.profile.findMany({ where: { name: { equals: null } } })
    // @ts-expect-error null for a non-nullable field
    db.profile.findMany({ where: { name: null } })
    // @ts-expect-error null for a non-nullable enum field
    db.member.findMany({ where: { role: null } })
  })

  test('WhereInput maps each column to its value or a filter', () => {
    type W = WhereInput<typeof schema.profile>
    expectTypeOf<W['email']>().toEqualTypeOf<
      string | null | import('../../src/index.js').FieldFilter<string | null> | undefined
    >()
    expectTypeOf<W['createdAt']>().toEqualTypeOf<Date | import('../../src/index.js').FieldFilter<Date> | undefined>()
  })
})

describe('where: filters', () => {
  test('equals, not, in, notIn on every field', () => {
    db.profile.findMany({
      where: { name: { equals: 'n' }, userId: { not: 'u' }, id: { in: ['a', 'b'] }, email: { notIn: ['x'] } },
    })
    db.sample.findMany({ where: { count: { in: [1, 2] }, flag: { not: true }, huge: { notIn: [1n] } } })
    db.profile.findMany({ where: { name: { not: { in: ['a'] } } } })
    // @ts-expect-error in takes a list
    db.profile.findMany({ where: { name: { in: 'a' } } })
    // @ts-expect-error in takes values of the field's type
    db.profile.findMany({ where: { name: { in: [1] } } })
    // @ts-expect-error in takes a mutable array (a readonly one is rejected; the runtime would accept it)
    db.sample.findMany({ where: { group: { in: ['a'] as readonly string[] } } })
  })

  test('lt, lte, gt, gte on numbers, bigints, strings and Dates', () => {
    db.sample.findMany({
      where: { count: { lt: 5, gte: 1 }, huge: { gt: 1n }, ratio: { lte: 0.5 }, at: { gt: now }, group: { gte: 'a' } },
    })
    // @ts-expect-error comparisons take the field's type
    db.sample.findMany({ where: { count: { lt: '5' } } })
    // @ts-expect-error no comparisons on booleans
    db.sample.findMany({ where: { flag: { lt: true } } })
  })

  test('contains, startsWith, endsWith and mode on strings only', () => {
    db.profile.findMany({
      where: { name: { contains: 'a' }, userId: { startsWith: 'u' }, email: { endsWith: '.com', mode: 'insensitive' } },
    })
    db.profile.findMany({ where: { name: { equals: 'Ann', mode: 'default' } } })
    db.profile.findMany({ where: { name: { not: { contains: 'x' } } } })
    // @ts-expect-error contains on a number field
    db.sample.findMany({ where: { count: { contains: '1' } } })
    // @ts-expect-error startsWith on a timestamp field
    db.sample.findMany({ where: { at: { startsWith: '2024' } } })
    // @ts-expect-error mode on a number field
    db.sample.findMany({ where: { count: { mode: 'insensitive' } } })
    // @ts-expect-error contains takes a string
    db.profile.findMany({ where: { name: { contains: 1 } } })
    // @ts-expect-error mode is default or insensitive
    db.profile.findMany({ where: { name: { contains: 'a', mode: 'sensitive' } } })
    // @ts-expect-error contains on a number field, under not
    db.sample.findMany({ where: { count: { not: { contains: '1' } } } })
  })

  test('AND, OR, NOT combine wheres; AND and NOT take one or a list, OR a list', () => {
    db.profile.findMany({
      where: {
        AND: [{ name: 'a' }, { email: null }],
        OR: [{ userId: 'u' }, { name: { startsWith: 'b' } }],
        NOT: { email: { contains: 'x' } },
      },
    })
    db.profile.findMany({ where: { AND: { name: 'a' }, NOT: [{ name: 'b' }, { OR: [{ email: null }] }] } })
    // @ts-expect-error OR takes a list (the runtime also accepts a single where)
    db.profile.findMany({ where: { OR: { name: 'a' } } })
    // @ts-expect-error the wheres inside are checked too
    db.profile.findMany({ where: { AND: [{ name: 5 }] } })
  })

  test('compound unique keys are written a_b: { a, b }', () => {
    db.member.findUnique({ where: { profileId_serverId: { profileId: 'p', serverId: 's' } } })
    db.setting.findUnique({ where: { scope_key: { scope: 'app', key: 'theme' } } })
    db.sample.findUnique({ where: { group_label: { group: 'g', label: 'l' } } })
    db.setting.update({
      where: { scope_key: { scope: 'app', key: 'theme' } },
      data: { value: 'dark', version: { increment: 1 } },
    })
  })

  test('unique methods need a where; all take the same where type', () => {
    db.profile.findUnique({ where: { userId: 'u' } })
    db.profile.delete({ where: { id: 'x' } })
    // @ts-expect-error findUnique needs where
    db.profile.findUnique({})
    // @ts-expect-error findUnique needs arguments
    db.profile.findUnique()
    // @ts-expect-error update needs where
    db.profile.update({ data: { name: 'n' } })
  })
})

describe('orderBy, take, skip, cursor', () => {
  test('orderBy takes field: asc | desc | { sort, nulls }, or a list', () => {
    db.profile.findMany({ orderBy: { createdAt: 'desc' } })
    db.profile.findMany({ orderBy: [{ name: 'asc' }, { email: { sort: 'desc', nulls: 'last' } }] })
    // @ts-expect-error not a direction
    db.profile.findMany({ orderBy: { name: 'up' } })
    // @ts-expect-error nulls is first or last
    db.profile.findMany({ orderBy: { email: { sort: 'asc', nulls: 'middle' } } })
  })

  test('take and skip are numbers; cursor is a where', () => {
    db.profile.findMany({ take: -10, skip: 1, cursor: { id: 'x' } })
    // @ts-expect-error take is a number
    db.profile.findMany({ take: '10' })
    // @ts-expect-error cursor fields are typed like where
    db.profile.findMany({ cursor: { id: 1 } })
  })

  test('arguments a method does not take are rejected when they are the only ones', () => {
    // @ts-expect-error unknown argument
    db.profile.findMany({ nope: 1 })
    // @ts-expect-error count takes no omit
    db.profile.count({ omit: { id: true } })
  })
})

describe('closed gaps (issue 12): unknown keys, misplaced filters, unique wheres', () => {
  test('no key outside the fields, relations, declared compound keys and AND/OR/NOT', () => {
    expectTypeOf<WhereInput<typeof schema.profile>>().not.toHaveProperty('nope_x')
    // @ts-expect-error not a field
    db.profile.findMany({ where: { nope_x: 1 } })
    // @ts-expect-error a compound key's value is its fields
    db.member.findMany({ where: { profileId_serverId: 5 } })
    // @ts-expect-error not a declared compound key (the fields exist, the key does not)
    db.member.findMany({ where: { serverId_profileId: { profileId: 'p', serverId: 's' } } })
    db.member.findMany({ where: { profileId_serverId: { profileId: 'p', serverId: 's' } } })
  })

  test('unknown keys next to known ones', () => {
    // @ts-expect-error an unknown field next to a known one
    db.profile.findMany({ where: { name: 'n', nope: 1 } })
    // @ts-expect-error an unknown argument next to a known one
    db.profile.findMany({ where: { name: 'n' }, nope: 1 })
    // @ts-expect-error contains next to a filter a number field does take
    db.sample.findMany({ where: { count: { gt: 1, contains: '1' } } })
    // @ts-expect-error mode on a number field
    db.sample.findMany({ where: { count: { equals: 1, mode: 'insensitive' } } })
    // @ts-expect-error an unknown field next to _all in count's select
    db.sample.count({ select: { _all: true, nope: true } })
    // distinct is typed by the field names
    db.profile.findMany({ where: { name: 'n' }, distinct: ['name'] })
    // @ts-expect-error distinct names an unknown field
    db.profile.findMany({ where: { name: 'n' }, distinct: ['nope'] })
  })

  test('string filters only on text columns (not uuid, enum, decimal or date strings)', () => {
    db.profile.findMany({ where: { name: { contains: 'a' }, id: { gt: 'a' } } })
    // @ts-expect-error contains on a uuid
    db.profile.findMany({ where: { id: { contains: 'a' } } })
    // @ts-expect-error startsWith on an enum
    db.member.findMany({ where: { role: { startsWith: 'AD' } } })
    // @ts-expect-error endsWith on a decimal
    db.sample.findMany({ where: { price: { endsWith: '0' } } })
    // @ts-expect-error contains on a date string
    db.sample.findMany({ where: { day: { contains: '-01-' } } })
    // @ts-expect-error no lt/gt on enums
    db.member.findMany({ where: { role: { gt: 'ADMIN' } } })
  })

  test('json fields take json filters (and null when nullable)', () => {
    db.sample.findMany({ where: { doc: { path: ['a', 'b'], equals: 1 }, docb: null } })
    db.sample.findMany({
      where: {
        docb: { path: ['tags'], array_contains: ['x'], array_starts_with: 'x', array_ends_with: { y: 1 } },
        doc: { string_contains: 'a', string_starts_with: 'b', string_ends_with: 'c' },
      },
    })
    db.sample.findMany({ where: { doc: { not: null } } })
    // gt/gte/lt/lte compare the value at the path (a number or a string), as Prisma's JsonFilter
    db.sample.findMany({ where: { doc: { path: ['a'], gt: 1, lte: 'z' } } })
    // @ts-expect-error gt takes a number or a string
    db.sample.findMany({ where: { doc: { path: ['a'], gt: { a: 1 } } } })
    // @ts-expect-error in is not a json filter
    db.sample.findMany({ where: { docb: { in: [1, 2] } } })
    // @ts-expect-error path is a list of keys
    db.sample.findMany({ where: { docb: { path: 'a.b' } } })
    // @ts-expect-error string_contains takes a string
    db.sample.findMany({ where: { docb: { string_contains: 1 } } })
    // @ts-expect-error null on a not-null json column
    db.event.findMany({ where: { payload: { equals: 1 }, stream: 's', kind: null } })
  })

  test('unique wheres and cursors name a unique key by value', () => {
    db.profile.findUnique({ where: { id: 'x' } })
    db.profile.findUnique({ where: { userId: 'u', name: 'extra filter', email: { contains: 'x' } } })
    db.sample.findUnique({ where: { code: 'c' } })
    db.member.delete({ where: { profileId_serverId: { profileId: 'p', serverId: 's' }, role: 'ADMIN' } })
    db.conversation.findUnique({ where: { memberOneId_memberTwoId: { memberOneId: 'a', memberTwoId: 'b' } } })
    db.setting.upsert({
      where: { scope_key: { scope: 's', key: 'k' } },
      create: { scope: 's', key: 'k', value: 'v' },
      update: {},
    })
    db.profile.findMany({ cursor: { id: 'x' }, take: 10 })
    // @ts-expect-error no unique key
    db.profile.findUnique({ where: {} })
    // @ts-expect-error name is not unique
    db.profile.findUnique({ where: { name: 'n' } })
    // @ts-expect-error email is not unique (and null is not a key value)
    db.profile.delete({ where: { email: null } })
    // @ts-expect-error a unique field by filter, not by value
    db.profile.findUnique({ where: { id: { in: ['x'] } } })
    // @ts-expect-error cursor names a unique key
    db.profile.findMany({ cursor: { name: 'n' } })
    // @ts-expect-error half a compound key
    db.member.findUnique({ where: { profileId: 'p' } })
    // @ts-expect-error a compound key missing a field
    db.setting.findUnique({ where: { scope_key: { scope: 's' } } })
    // @ts-expect-error the composite primary key's fields alone are not a key each
    db.setting.update({ where: { scope: 's' }, data: {} })
  })
})
