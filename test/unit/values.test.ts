import { describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import { date, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { coerceValue, defaultFor, isUuidString, keyValues, project } from '../../src/adapter/values.js'
import type { Field } from '../../src/schema/model.js'
import { readSchema } from '../../src/schema/read-schema.js'
import { extra, field, tandemError, UUID_A } from './helpers.js'

// a date column in 'date' mode (the conformance schema's `day` uses drizzle's default, 'string')
const dated = readSchema({
  dated: pgTable('dated', {
    id: uuid('id').primaryKey(),
    day: date('day', { mode: 'date' }),
    when: timestamp('when').default(new Date('2001-02-03T04:05:06.000Z')),
    dayNow: date('day_now').defaultNow(),
    dbSide: text('db_side').default(sql`upper('x')`),
    touched: text('touched').$onUpdate(() => 'touched'),
  }),
}).models.get('dated')!
const dayDate = dated.fields.get('day')!

type Case = { field: Field; label: string; input: unknown; expected?: unknown; error?: RegExp }
const ok = (f: Field, label: string, input: unknown, expected: unknown): Case => ({ field: f, label, input, expected })
const bad = (f: Field, label: string, input: unknown, error: RegExp): Case => ({ field: f, label, input, error })

const sample = (name: string) => field('sample', name)
const amount = extra.fields.get('amount')!
const rate = extra.fields.get('rate')!
const cases: Case[] = [
  ok(sample('id'), 'uuid lowercases', UUID_A.toUpperCase(), UUID_A),
  bad(sample('id'), 'uuid rejects a non-uuid string', 'not-a-uuid', /expects a UUID string, got string "not-a-uuid"/),
  bad(sample('id'), 'uuid rejects a number', 123, /expects a UUID string, got number 123/),
  ok(sample('group'), 'string', 'x', 'x'),
  ok(sample('group'), 'string keeps the empty string', '', ''),
  bad(sample('group'), 'string rejects a number', 5, /expects a string, got number 5/),
  ok(sample('count'), 'int', 5, 5),
  ok(sample('count'), 'int minimum', -2147483648, -2147483648),
  ok(sample('count'), 'int maximum', 2147483647, 2147483647),
  bad(sample('count'), 'int rejects a fraction', 1.5, /expects a 32-bit integer/),
  bad(sample('count'), 'int rejects a numeric string', '5', /expects a 32-bit integer, got string "5"/),
  bad(sample('count'), 'int rejects NaN', Number.NaN, /expects a 32-bit integer/),
  ok(sample('big'), 'bigint(number) keeps a number', 5, 5),
  ok(sample('big'), 'bigint(number) turns a bigint into a number', 5n, 5),
  ok(sample('big'), 'bigint(number) max safe integer', Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
  bad(sample('big'), 'bigint(number) rejects an unsafe integer', 2 ** 53, /expects a safe integer/),
  bad(sample('big'), 'bigint(number) rejects a string', '5', /expects a safe integer/),
  ok(sample('huge'), 'bigint(bigint) turns a number into a bigint', 5, 5n),
  ok(sample('huge'), 'bigint(bigint) keeps a bigint', 2n ** 62n, 2n ** 62n),
  ok(sample('huge'), 'bigint(bigint) minimum', -(2n ** 63n), -(2n ** 63n)),
  bad(sample('huge'), 'bigint(bigint) rejects a fraction', 1.5, /expects a bigint/),
  ok(sample('flag'), 'boolean', false, false),
  bad(sample('flag'), 'boolean rejects a string', 'true', /expects a boolean/),
  bad(sample('flag'), 'boolean rejects 0', 0, /expects a boolean/),
  ok(sample('score'), 'float', 1.5, 1.5),
  ok(sample('score'), 'float accepts Infinity (PostgreSQL does)', Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY),
  bad(sample('score'), 'float rejects NaN', Number.NaN, /expects a number/),
  bad(sample('ratio'), 'float rejects a string', '1.5', /expects a number/),
  ok(amount, 'decimal (no scale) from a number', 1.5, '1.5'),
  ok(amount, 'decimal (no scale) keeps a numeric string', '12.34', '12.34'),
  ok(amount, 'decimal (no scale) accepts sign and exponent as written', '-.5e3', '-.5e3'),
  ok(
    amount,
    'decimal (no scale) keeps digits beyond double precision',
    '12345678901234567890.123',
    '12345678901234567890.123',
  ),
  ok(sample('price'), 'decimal(12, 2) from a number, at the column scale', 1.5, '1.50'),
  ok(sample('price'), 'decimal(12, 2) keeps a string at scale', '12.34', '12.34'),
  ok(sample('price'), 'decimal(12, 2) rounds half away from zero', '12.345', '12.35'),
  ok(sample('price'), 'decimal(12, 2) rounds a negative half away from zero', '-0.005', '-0.01'),
  ok(sample('price'), 'decimal(12, 2) expands an exponent', '1e2', '100.00'),
  ok(rate, 'decimal(10, 3) pads', 2, '2.000'),
  bad(sample('price'), 'decimal rejects a word', 'abc', /expects a decimal \(number or numeric string\)/),
  bad(sample('price'), 'decimal rejects the empty string', '', /expects a decimal/),
  bad(sample('price'), 'decimal rejects Infinity', Number.POSITIVE_INFINITY, /expects a decimal/),
  bad(amount, 'decimal rejects NaN', Number.NaN, /expects a decimal/),
  ok(sample('ratio'), 'real keeps the shortest float4 decimal', 0.1, 0.1),
  ok(sample('ratio'), 'real rounds to float4', 1 / 3, 0.33333334),
  ok(sample('score'), 'double precision keeps every bit', 1 / 3, 1 / 3),
  ok(sample('at'), 'timestamp from an ISO string', '2024-01-02T03:04:05.678Z', new Date('2024-01-02T03:04:05.678Z')),
  ok(sample('at'), 'timestamp keeps a Date', new Date(0), new Date(0)),
  bad(sample('at'), 'timestamp rejects garbage', 'yesterday', /expects a Date or an ISO-8601 string/),
  bad(
    sample('at'),
    'timestamp rejects an invalid Date',
    new Date(Number.NaN),
    /expects a Date or an ISO-8601 string, got a Date/,
  ),
  bad(sample('at'), 'timestamp rejects epoch millis', 0, /expects a Date or an ISO-8601 string/),
  ok(sample('day'), 'date(string) keeps YYYY-MM-DD', '2024-02-29', '2024-02-29'),
  ok(sample('day'), 'date(string) from a Date, in UTC', new Date('2024-02-29T23:30:00.000Z'), '2024-02-29'),
  bad(sample('day'), 'date(string) rejects a non-padded date', '2024-2-1', /expects a date \(Date or "YYYY-MM-DD"\)/),
  bad(sample('day'), 'date(string) rejects a timestamp string', '2024-02-01T00:00:00Z', /expects a date/),
  bad(sample('day'), 'date(string) rejects a day that does not exist', '2023-02-30', /expects a date/),
  ok(dayDate, 'date(date) from a string', '2024-02-29', new Date('2024-02-29T00:00:00.000Z')),
  ok(
    dayDate,
    'date(date) truncates a Date to its UTC day',
    new Date('2024-02-29T23:30:00.000Z'),
    new Date('2024-02-29T00:00:00.000Z'),
  ),
  bad(dayDate, 'date(date) rejects a month 13', '2024-13-45', /expects a date/),
  ok(sample('doc'), 'json object', { a: [1, 'x'] }, { a: [1, 'x'] }),
  ok(sample('docb'), 'json array', [1, 2], [1, 2]),
  ok(sample('doc'), 'json scalar', 'text', 'text'),
  bad(sample('doc'), 'json rejects a function', () => 1, /expects a JSON value/),
  bad(sample('doc'), 'json rejects a bigint', 1n, /expects a JSON value/),
  ok(sample('role'), 'enum', 'MODERATOR', 'MODERATOR'),
  bad(
    sample('role'),
    'enum is case-sensitive',
    'admin',
    /expects one of "ADMIN", "MODERATOR", "GUEST", got string "admin"/,
  ),
  bad(sample('role'), 'enum rejects a number', 1, /expects one of/),
  ok(sample('count'), 'null passes through (nullability is checked by the caller)', null, null),
  ok(sample('id'), 'null passes through for uuid', null, null),
]

describe('coerceValue', () => {
  it('reports a value out of the column range as P2020, as Prisma does', () => {
    for (const [name, value] of [
      ['count', 2147483648],
      ['count', -2147483649],
      ['huge', 2n ** 63n],
    ] as const) {
      const err = tandemError(() => coerceValue('sample.create', sample(name), value))
      expect(err.code).toBe('P2020')
      expect(err.message).toMatch(/out of range/)
    }
  })

  it.each(cases)('$field.kind: $label', (c) => {
    if (c.error) {
      const err = tandemError(() => coerceValue('sample.create', c.field, c.input))
      expect(err.code).toBe('VALIDATION')
      expect(err.message).toMatch(new RegExp(`^sample\\.create: \`${c.field.name}\` `))
      expect(err.message).toMatch(c.error)
    } else {
      expect(coerceValue('sample.create', c.field, c.input)).toEqual(c.expected)
    }
  })

  it('returns bigint for bigint mode and number for number mode (typeof)', () => {
    expect(typeof coerceValue('x', sample('huge'), 1)).toBe('bigint')
    expect(typeof coerceValue('x', sample('big'), 1n)).toBe('number')
  })

  it('shortens long strings in the message', () => {
    const err = tandemError(() => coerceValue('x', sample('count'), 'y'.repeat(100)))
    expect(err.message).toContain(`"${'y'.repeat(40)}…"`)
  })
})

describe('defaultFor', () => {
  const now = new Date('2024-05-06T07:08:09.000Z')
  it('now: the given time for a timestamp', () => {
    expect(defaultFor(field('profile', 'createdAt'), now)).toEqual({ value: now })
  })
  it('now: the UTC day for a date', () => {
    expect(defaultFor(dated.fields.get('dayNow')!, now)).toEqual({ value: '2024-05-06' })
  })
  it('uuid: a fresh v4 uuid each call', () => {
    const a = defaultFor(field('profile', 'id'), now)!.value
    const b = defaultFor(field('profile', 'id'), now)!.value
    expect(isUuidString(a)).toBe(true)
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(a).not.toBe(b)
  })
  it('value: the declared value', () => {
    expect(defaultFor(field('member', 'role'), now)).toEqual({ value: 'GUEST' })
    expect(defaultFor(field('message', 'deleted'), now)).toEqual({ value: false })
  })
  it('value: a Date default is copied, so rows do not share (and cannot mutate) the schema default', () => {
    const spec = dated.fields.get('when')!.defaultValue as { kind: string; value: Date }
    expect(spec.kind).toBe('value')
    const a = defaultFor(dated.fields.get('when')!, now)!.value as Date
    expect(a).toEqual(new Date('2001-02-03T04:05:06.000Z'))
    expect(a).not.toBe(spec.value)
  })
  it('fn: calls $defaultFn', () => {
    expect(defaultFor(field('sample', 'slug'), now)).toEqual({ value: 'generated' })
  })
  it('sql: left to the database', () => {
    expect(defaultFor(dated.fields.get('dbSide')!, now)).toBeUndefined()
  })
  it('$onUpdate without a default: used on insert too', () => {
    expect(defaultFor(dated.fields.get('touched')!, now)).toEqual({ value: 'touched' })
  })
  it('none', () => {
    expect(defaultFor(field('profile', 'name'), now)).toBeUndefined()
  })
})

describe('project and keyValues', () => {
  const row = { id: UUID_A, name: 'Ada', email: null }
  it('projects onto a field list, or returns the row itself', () => {
    expect(project(row, ['name', 'email'])).toEqual({ name: 'Ada', email: null })
    expect(project(row, undefined)).toBe(row)
  })
  it('lists key values in key order', () => {
    expect(keyValues(row, ['name', 'id'])).toEqual(['Ada', UUID_A])
  })
})
