import { describe, expect, it } from 'vitest'
import { applyUpdate, compareStrings, compareValues, evaluate, rowComparator } from '../../src/adapter/evaluate.js'
import { normalizeOrderBy, normalizeUpdateData, normalizeWhere } from '../../src/adapter/normalize.js'
import type { Filter } from '../../src/adapter/query.js'
import type { Field, Row } from '../../src/schema/model.js'
import { extra, field, model, UUID_A, UUID_B } from './helpers.js'

const sample = model('sample')
const cmp = (f: string, op: string, value: unknown, insensitive?: boolean): Filter =>
  ({ kind: 'cmp', field: f, op, value, insensitive }) as Filter
const not = (item: Filter): Filter => ({ kind: 'not', item })
const and = (...items: Filter[]): Filter => ({ kind: 'and', items })
const or = (...items: Filter[]): Filter => ({ kind: 'or', items })
const T = { kind: 'const', value: true } as const
const F = { kind: 'const', value: false } as const
const U = cmp('label', 'eq', 'x') // unknown (null) on a row whose label is NULL

describe('evaluate: three-valued logic', () => {
  const nullRow: Row = { label: null, count: 1 }
  const cases: { name: string; filter: Filter; row: Row; expected: boolean | null }[] = [
    { name: 'NULL = x is unknown', filter: cmp('label', 'eq', 'x'), row: nullRow, expected: null },
    { name: 'NULL <> x is unknown', filter: cmp('label', 'ne', 'x'), row: nullRow, expected: null },
    { name: 'NOT (NULL = x) is unknown', filter: not(cmp('label', 'eq', 'x')), row: nullRow, expected: null },
    { name: 'NULL IN (x) is unknown', filter: cmp('label', 'in', ['x']), row: nullRow, expected: null },
    { name: 'NULL NOT IN (x) is unknown', filter: cmp('label', 'notIn', ['x']), row: nullRow, expected: null },
    { name: 'NULL < x is unknown', filter: cmp('count', 'lt', 3), row: { count: null }, expected: null },
    { name: 'NULL LIKE is unknown', filter: cmp('label', 'contains', 'x'), row: nullRow, expected: null },
    { name: 'a missing value is NULL', filter: cmp('label', 'eq', 'x'), row: {}, expected: null },
    { name: 'IS NULL on NULL', filter: cmp('label', 'eq', null), row: nullRow, expected: true },
    { name: 'IS NULL on a value', filter: cmp('label', 'eq', null), row: { label: 'a' }, expected: false },
    { name: 'IS NOT NULL on NULL', filter: cmp('label', 'ne', null), row: nullRow, expected: false },
    { name: 'IS NOT NULL on a value', filter: cmp('label', 'ne', null), row: { label: 'a' }, expected: true },
    { name: 'unknown AND true', filter: and(U, T), row: nullRow, expected: null },
    { name: 'unknown AND false', filter: and(U, F), row: nullRow, expected: false },
    { name: 'false AND unknown', filter: and(F, U), row: nullRow, expected: false },
    { name: 'unknown OR true', filter: or(U, T), row: nullRow, expected: true },
    { name: 'unknown OR false', filter: or(U, F), row: nullRow, expected: null },
    { name: 'NOT unknown', filter: not(U), row: nullRow, expected: null },
    { name: 'NOT false', filter: not(F), row: nullRow, expected: true },
    { name: 'empty AND is true', filter: and(), row: nullRow, expected: true },
    { name: 'empty OR is false', filter: or(), row: nullRow, expected: false },
    { name: 'x IN (x, NULL) is true', filter: cmp('label', 'in', ['a', null]), row: { label: 'a' }, expected: true },
    // SQL: 'b' NOT IN ('a', NULL) is NULL, so PostgreSQL (notInArray) returns no row; tandem must agree
    {
      name: 'y NOT IN (x, NULL) is unknown',
      filter: cmp('label', 'notIn', ['a', null]),
      row: { label: 'b' },
      expected: null,
    },
    {
      name: 'NOT (y IN (x, NULL)) is unknown',
      filter: not(cmp('label', 'in', ['a', null])),
      row: { label: 'b' },
      expected: null,
    },
    {
      name: 'x NOT IN (x, NULL) is false',
      filter: cmp('label', 'notIn', ['a', null]),
      row: { label: 'a' },
      expected: false,
    },
  ]
  it.each(cases)('$name', (c) => {
    expect(evaluate(sample, c.filter, c.row)).toBe(c.expected)
  })

  // rows kept are those where the filter is true, as in a WHERE clause
  const rows: Row[] = [
    { id: 1, label: 'a' },
    { id: 2, label: 'b' },
    { id: 3, label: null },
  ]
  const kept: { where: unknown; ids: number[] }[] = [
    { where: { label: { not: 'a' } }, ids: [2] },
    { where: { NOT: { label: 'a' } }, ids: [2] },
    { where: { label: { notIn: ['a'] } }, ids: [2] },
    { where: { NOT: { label: { in: ['a'] } } }, ids: [2] },
    { where: { label: { not: null } }, ids: [1, 2] },
    { where: { label: null }, ids: [3] },
    { where: { OR: [{ label: 'a' }, { label: null }] }, ids: [1, 3] },
    { where: { NOT: { label: { not: 'a' } } }, ids: [1] },
    { where: { label: { not: { not: 'a' } } }, ids: [1] },
    { where: { label: { lt: 'b' } }, ids: [1] },
  ]
  it.each(kept)('where $where keeps $ids', (c) => {
    const filter = normalizeWhere(sample, c.where, 'test')!
    expect(rows.filter((r) => evaluate(sample, filter, r) === true).map((r) => r.id)).toEqual(c.ids)
  })
})

describe('evaluate: operators', () => {
  const row: Row = {
    label: 'Hello World',
    count: 5,
    role: 'MODERATOR',
    at: new Date('2024-01-01T00:00:00Z'),
    huge: 10n,
    price: '10.50',
    doc: { a: [1, 2] },
    flag: true,
  }
  const cases: { name: string; filter: Filter; expected: boolean }[] = [
    { name: 'eq string', filter: cmp('label', 'eq', 'Hello World'), expected: true },
    { name: 'eq is case-sensitive', filter: cmp('label', 'eq', 'hello world'), expected: false },
    { name: 'eq insensitive', filter: cmp('label', 'eq', 'HELLO world', true), expected: true },
    { name: 'ne insensitive', filter: cmp('label', 'ne', 'HELLO world', true), expected: false },
    { name: 'in insensitive', filter: cmp('label', 'in', ['x', 'hello WORLD'], true), expected: true },
    { name: 'contains', filter: cmp('label', 'contains', 'lo Wo'), expected: true },
    { name: 'contains is case-sensitive', filter: cmp('label', 'contains', 'lo wo'), expected: false },
    { name: 'contains insensitive', filter: cmp('label', 'contains', 'LO WO', true), expected: true },
    { name: 'startsWith', filter: cmp('label', 'startsWith', 'Hell'), expected: true },
    { name: 'endsWith', filter: cmp('label', 'endsWith', 'World'), expected: true },
    { name: 'endsWith insensitive', filter: cmp('label', 'endsWith', 'WORLD', true), expected: true },
    { name: 'lt int', filter: cmp('count', 'lt', 6), expected: true },
    { name: 'lte int (equal)', filter: cmp('count', 'lte', 5), expected: true },
    { name: 'gt int', filter: cmp('count', 'gt', 5), expected: false },
    { name: 'gte int', filter: cmp('count', 'gte', 5), expected: true },
    { name: 'in int', filter: cmp('count', 'in', [1, 5]), expected: true },
    { name: 'notIn int', filter: cmp('count', 'notIn', [1, 5]), expected: false },
    { name: 'enum by declaration order', filter: cmp('role', 'gt', 'ADMIN'), expected: true },
    { name: 'enum by declaration order, not alphabet', filter: cmp('role', 'lt', 'GUEST'), expected: true },
    {
      name: 'timestamp eq a different Date instance',
      filter: cmp('at', 'eq', new Date('2024-01-01T00:00:00Z')),
      expected: true,
    },
    { name: 'timestamp in', filter: cmp('at', 'in', [new Date('2024-01-01T00:00:00Z')]), expected: true },
    { name: 'bigint gte', filter: cmp('huge', 'gte', 10n), expected: true },
    { name: 'decimal eq with other scale', filter: cmp('price', 'eq', '10.5'), expected: true },
    { name: 'decimal gt numerically', filter: cmp('price', 'gt', '9.99'), expected: true },
    { name: 'json eq structurally', filter: cmp('doc', 'eq', { a: [1, 2] }), expected: true },
    { name: 'json ne', filter: cmp('doc', 'eq', { a: [2, 1] }), expected: false },
    { name: 'boolean eq', filter: cmp('flag', 'eq', true), expected: true },
  ]
  it.each(cases)('$name', (c) => {
    expect(evaluate(sample, c.filter, row)).toBe(c.expected)
  })
})

describe('evaluate: cursor (`after`)', () => {
  const after = (dirs: ('asc' | 'desc')[], values: unknown[]): Filter => ({
    kind: 'after',
    fields: ['count', 'id'],
    dirs,
    values,
  })
  const cases: { name: string; filter: Filter; row: Row; expected: boolean | null }[] = [
    {
      name: 'asc: the cursor row itself',
      filter: after(['asc', 'asc'], [5, UUID_A]),
      row: { count: 5, id: UUID_A },
      expected: true,
    },
    {
      name: 'asc: a later first key',
      filter: after(['asc', 'asc'], [5, UUID_B]),
      row: { count: 6, id: UUID_A },
      expected: true,
    },
    {
      name: 'asc: same first key, later second',
      filter: after(['asc', 'asc'], [5, UUID_A]),
      row: { count: 5, id: UUID_B },
      expected: true,
    },
    {
      name: 'asc: same first key, earlier second',
      filter: after(['asc', 'asc'], [5, UUID_B]),
      row: { count: 5, id: UUID_A },
      expected: false,
    },
    {
      name: 'asc: an earlier first key',
      filter: after(['asc', 'asc'], [5, UUID_A]),
      row: { count: 4, id: UUID_B },
      expected: false,
    },
    {
      name: 'desc: a smaller first key is after',
      filter: after(['desc', 'desc'], [5, UUID_A]),
      row: { count: 4, id: UUID_B },
      expected: true,
    },
    {
      name: 'mixed: same first key, smaller second under desc',
      filter: after(['asc', 'desc'], [5, UUID_B]),
      row: { count: 5, id: UUID_A },
      expected: true,
    },
    {
      name: 'a NULL key is unknown',
      filter: after(['asc', 'asc'], [5, UUID_A]),
      row: { count: null, id: UUID_A },
      expected: null,
    },
  ]
  it.each(cases)('$name', (c) => {
    expect(evaluate(sample, c.filter, c.row)).toBe(c.expected)
  })
})

describe('compareValues', () => {
  const sign = (n: number) => Math.sign(n)
  const f = (name: string): Field => field('sample', name)
  const cases: { name: string; field: Field | undefined; a: unknown; b: unknown; expected: -1 | 0 | 1 }[] = [
    { name: 'enum: ADMIN < MODERATOR', field: f('role'), a: 'ADMIN', b: 'MODERATOR', expected: -1 },
    {
      name: 'enum: GUEST > MODERATOR (declaration order, not alphabetical)',
      field: f('role'),
      a: 'GUEST',
      b: 'MODERATOR',
      expected: 1,
    },
    { name: 'enum: equal', field: f('role'), a: 'GUEST', b: 'GUEST', expected: 0 },
    {
      name: 'timestamp: earlier < later',
      field: f('at'),
      a: new Date('2020-01-01'),
      b: new Date('2021-01-01'),
      expected: -1,
    },
    { name: 'timestamp: equal instants', field: f('at'), a: new Date(5), b: new Date(5), expected: 0 },
    { name: 'date strings', field: f('day'), a: '2024-01-31', b: '2024-02-01', expected: -1 },
    { name: 'int', field: f('count'), a: 2, b: 10, expected: -1 },
    { name: 'negative int', field: f('count'), a: -5, b: 3, expected: -1 },
    { name: 'float', field: f('score'), a: 0.5, b: 0.25, expected: 1 },
    { name: 'bigint', field: f('huge'), a: 2n, b: 10n, expected: -1 },
    { name: 'bigint beyond 2^53', field: f('huge'), a: 2n ** 60n + 1n, b: 2n ** 60n, expected: 1 },
    { name: 'bigint against a number', field: f('huge'), a: 10n, b: 9, expected: 1 },
    { name: 'decimal: numeric, not lexicographic', field: f('price'), a: '9.5', b: '10', expected: -1 },
    { name: 'decimal: scale does not matter', field: f('price'), a: '1.0', b: '1.00', expected: 0 },
    { name: 'decimal: negative', field: f('price'), a: '-2', b: '-10', expected: 1 },
    // PostgreSQL numeric is exact: these differ
    {
      name: 'decimal: beyond double precision',
      field: extra.fields.get('amount')!,
      a: '12345678901234567890.1',
      b: '12345678901234567890.2',
      expected: -1,
    },
    { name: 'boolean: false < true', field: f('flag'), a: false, b: true, expected: -1 },
    { name: 'string: code point order puts B before a', field: f('label'), a: 'B', b: 'a', expected: -1 },
    { name: 'string: a prefix sorts first', field: f('label'), a: 'ab', b: 'abc', expected: -1 },
    { name: 'string: é after z', field: f('label'), a: 'é', b: 'z', expected: 1 },
    {
      name: 'string: astral emoji after U+FFFD (UTF-16 order would say before)',
      field: f('label'),
      a: '😀',
      b: '\uFFFD',
      expected: 1,
    },
    { name: 'string: compares after an astral character', field: f('label'), a: 'a😀b', b: 'a😀c', expected: -1 },
    { name: 'string: empty first', field: f('label'), a: '', b: 'a', expected: -1 },
    { name: 'uuid strings', field: f('id'), a: UUID_A, b: UUID_B, expected: -1 },
    { name: 'no field: numbers', field: undefined, a: 3, b: 2, expected: 1 },
  ]
  it.each(cases)('$name', (c) => {
    expect(sign(compareValues(c.field, c.a, c.b))).toBe(c.expected)
    expect(sign(compareValues(c.field, c.b, c.a))).toBe(-c.expected || 0)
  })

  it('compareStrings sorts a list in code-point order', () => {
    const list = ['b', '😀', 'a', '\uFFFD', 'B', 'é', 'ab', '']
    expect([...list].sort(compareStrings)).toEqual(['', 'B', 'a', 'ab', 'b', 'é', '\uFFFD', '😀'])
  })
})

describe('rowComparator', () => {
  const rows: Row[] = [
    { id: 1, group: 'x', count: 3 },
    { id: 2, group: 'y', count: null },
    { id: 3, group: 'x', count: 1 },
    { id: 4, group: 'y', count: 2 },
  ]
  const cases: { name: string; orderBy: unknown; ids: number[] }[] = [
    { name: 'asc puts NULLs last (PostgreSQL default)', orderBy: { count: 'asc' }, ids: [3, 4, 1, 2] },
    { name: 'desc puts NULLs first (PostgreSQL default)', orderBy: { count: 'desc' }, ids: [2, 1, 4, 3] },
    { name: 'asc nulls first', orderBy: { count: { sort: 'asc', nulls: 'first' } }, ids: [2, 3, 4, 1] },
    { name: 'desc nulls last', orderBy: { count: { sort: 'desc', nulls: 'last' } }, ids: [1, 4, 3, 2] },
    { name: 'a second term breaks ties', orderBy: [{ group: 'asc' }, { count: 'desc' }], ids: [1, 3, 2, 4] },
    { name: 'a second term after desc', orderBy: [{ group: 'desc' }, { count: 'asc' }], ids: [4, 2, 3, 1] },
  ]
  it.each(cases)('$name', (c) => {
    const cmpRows = rowComparator(sample, normalizeOrderBy(sample, c.orderBy, 'test'))
    expect([...rows].sort(cmpRows).map((r) => r.id)).toEqual(c.ids)
  })

  it('moves on to the next term when both values are NULL', () => {
    const c = rowComparator(sample, [
      { field: 'count', dir: 'asc' },
      { field: 'id', dir: 'desc' },
    ])
    expect(c({ count: null, id: 1 }, { count: null, id: 2 })).toBeGreaterThan(0)
    expect(c({ count: null, id: 1 }, { count: null, id: 1 })).toBe(0)
  })

  it('orders enums by declaration', () => {
    const r: Row[] = [{ role: 'GUEST' }, { role: 'ADMIN' }, { role: 'MODERATOR' }]
    expect([...r].sort(rowComparator(sample, [{ field: 'role', dir: 'asc' }])).map((x) => x.role)).toEqual([
      'ADMIN',
      'MODERATOR',
      'GUEST',
    ])
  })
})

describe('applyUpdate', () => {
  const base: Row = {
    id: UUID_A,
    count: 7,
    big: 7,
    huge: 7n,
    score: 7,
    price: '1.50',
    label: 'x',
    ratio: 1,
    flag: null,
  }
  const cases: { name: string; data: unknown; field: string; expected: unknown; row?: Row }[] = [
    { name: 'set', data: { label: 'y' }, field: 'label', expected: 'y' },
    { name: 'set null', data: { label: null }, field: 'label', expected: null },
    { name: 'int increment', data: { count: { increment: 2 } }, field: 'count', expected: 9 },
    { name: 'int decrement', data: { count: { decrement: 10 } }, field: 'count', expected: -3 },
    { name: 'int multiply', data: { count: { multiply: 3 } }, field: 'count', expected: 21 },
    { name: 'int divide truncates', data: { count: { divide: 2 } }, field: 'count', expected: 3 },
    { name: 'int divide truncates toward zero', data: { count: { divide: -2 } }, field: 'count', expected: -3 },
    { name: 'bigint(number) divide truncates', data: { big: { divide: 2 } }, field: 'big', expected: 3 },
    { name: 'bigint(bigint) increment', data: { huge: { increment: 5 } }, field: 'huge', expected: 12n },
    { name: 'bigint(bigint) divide truncates', data: { huge: { divide: 2 } }, field: 'huge', expected: 3n },
    {
      name: 'bigint(bigint) multiply beyond 2^53',
      data: { huge: { multiply: 2 ** 52 } },
      field: 'huge',
      expected: 7n * 2n ** 52n,
    },
    { name: 'float divide', data: { score: { divide: 2 } }, field: 'score', expected: 3.5 },
    { name: 'real divide rounds to float4', data: { ratio: { divide: 3 } }, field: 'ratio', expected: 0.33333334 },
    {
      name: 'decimal(12, 2) increment, at the column scale',
      data: { price: { increment: 2 } },
      field: 'price',
      expected: '3.50',
    },
    { name: 'decimal(12, 2) multiply', data: { price: { multiply: '2' } }, field: 'price', expected: '3.00' },
    {
      name: 'decimal(12, 2) divide rounds at the scale',
      data: { price: { divide: 4 } },
      field: 'price',
      expected: '0.38',
    },
    {
      name: 'NULL stays NULL',
      data: { count: { increment: 1 } },
      field: 'count',
      expected: null,
      row: { count: null },
    },
  ]
  it.each(cases)('$name', (c) => {
    const ops = normalizeUpdateData(sample, c.data, 'test')
    const row = { ...base, ...c.row }
    const before = { ...row }
    const out = applyUpdate(sample, row, ops)
    expect(out[c.field]).toEqual(c.expected)
    expect(typeof out[c.field]).toBe(typeof c.expected)
    expect(row).toEqual(before) // the input row is not changed
    expect(out.id).toBe(UUID_A)
  })

  it('decimal arithmetic is exact, as PostgreSQL numeric (0.1 + 0.2 = 0.3)', () => {
    // a numeric without declared scale: no rounding hides the binary floating-point error
    const out = applyUpdate(extra, { amount: '0.1' }, { amount: { op: 'increment', value: '0.2' } })
    expect(out.amount).toBe('0.3')
    const big = applyUpdate(extra, { amount: '12345678901234567890' }, { amount: { op: 'increment', value: '1' } })
    expect(big.amount).toBe('12345678901234567891')
  })

  it('a missing (undefined) current value is NULL', () => {
    expect(applyUpdate(sample, {}, { count: { op: 'increment', value: 1 } }).count).toBeNull()
  })
})
