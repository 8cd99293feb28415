// Dual mode's pure parts, no database: the options table and how shadow reads compare two answers.
import { describe, expect, it } from 'vitest'
import { dualSettings } from '../../src/dual/dual-options.js'
import { compareResults, normalizeValue } from '../../src/dual/shadow-compare.js'
import type { ReadQuery } from '../../src/adapter/query.js'
import { readSchema } from '../../src/schema/read-schema.js'
import * as schema from '../support/schema.js'

const { layout: _layout, ...models } = schema
const info = readSchema(models)
const sample = info.models.get('sample')!
const field = (name: string) => sample.fields.get(name)!

const query = (over: Partial<ReadQuery> = {}): ReadQuery => ({
  where: undefined,
  orderBy: [],
  take: undefined,
  skip: undefined,
  unique: false,
  ...over,
})

describe('dual options', () => {
  it('fills the defaults', () => {
    expect(dualSettings()).toMatchObject({
      primary: 'postgres',
      secondary: 'scylla',
      mirror: 'async',
      shadowReads: 0,
      healthIntervalMs: 30_000,
      healthTimeoutMs: 5000,
      failoverAfter: 3,
      failbackAfter: 5,
      syncIntervalMs: 300_000,
      queueLimit: 10_000,
    })
    expect(dualSettings({ primary: 'scylla' })).toMatchObject({ primary: 'scylla', secondary: 'postgres' })
    expect(dualSettings({ secondary: 'postgres' })).toMatchObject({ primary: 'scylla', secondary: 'postgres' })
    expect(dualSettings({ healthIntervalMs: 200 }).healthTimeoutMs).toBe(1000)
  })

  it('names what is wrong', () => {
    expect(() => dualSettings({ primary: 'scylla', secondary: 'scylla' })).toThrow(/must be different/)
    expect(() => dualSettings({ shadowReads: 2 })).toThrow(/shadowReads/)
    expect(() => dualSettings({ mirror: 'later' as never })).toThrow(/mirror/)
    expect(() => dualSettings({ failoverAfter: 0 })).toThrow(/failoverAfter/)
    expect(() => dualSettings({ healthIntervallMs: 1 } as never)).toThrow(/unknown option `healthIntervallMs`/)
  })
})

describe('shadow comparison', () => {
  const row = (id: string, over: Record<string, unknown> = {}) => ({ id, group: 'g', count: 1, ...over })

  it('normalizes what the two backends give differently for equal data', () => {
    expect(normalizeValue(field('price'), '1.50')).toBe(normalizeValue(field('price'), '1.5'))
    expect(normalizeValue(field('huge'), 12n)).toBe(normalizeValue(field('huge'), 12n))
    expect(normalizeValue(field('big'), 12)).toBe('12')
    expect(normalizeValue(field('at'), new Date('2024-01-01T00:00:00Z'))).toBe('2024-01-01T00:00:00.000Z')
    expect(normalizeValue(field('doc'), { b: 1, a: [1, { d: 1, c: 2 }] })).toBe(
      normalizeValue(field('doc'), { a: [1, { c: 2, d: 1 }], b: 1 }),
    )
    expect(normalizeValue(field('ratio'), 0.1)).toBe(normalizeValue(field('ratio'), Math.fround(0.1)))
    expect(normalizeValue(field('label'), undefined)).toBeNull()
  })

  it('compares rows as multisets without an orderBy, and names the differing keys', () => {
    expect(compareResults(sample, query(), [row('a'), row('b')], [row('b'), row('a')])).toBeUndefined()
    const diff = compareResults(sample, query(), [row('a'), row('b')], [row('a'), row('b', { count: 2 })])
    expect(diff).toMatchObject({ keys: ['["b"]'] })
    expect(compareResults(sample, query(), [row('a')], [row('a'), row('c')])).toMatchObject({ keys: ['["c"]'] })
  })

  it('an unordered read cut by take or skip is not compared; counts are', () => {
    expect(compareResults(sample, query({ take: 2 }), [row('a'), row('b')], [row('c'), row('d')])).toBe('incomparable')
    expect(compareResults(sample, query({ skip: 1 }), [row('a')], [row('c')])).toBe('incomparable')
    expect(compareResults(sample, query({ take: 1, unique: true }), [row('a')], [row('b')])).not.toBe('incomparable')
    expect(compareResults(sample, query(), 3, 3)).toBeUndefined()
    expect(compareResults(sample, query(), 3, 4)).toEqual({ keys: [], rows: [] })
  })

  it('with an orderBy the order keys must match; ties may come in any order; a cut run of ties is not compared', () => {
    const ordered = query({ orderBy: [{ field: 'count', dir: 'asc' }] })
    const a = [row('a', { count: 1 }), row('b', { count: 2 }), row('c', { count: 2 })]
    expect(compareResults(sample, ordered, a, [a[0]!, a[2]!, a[1]!])).toBeUndefined()
    expect(compareResults(sample, ordered, a, [a[1]!, a[0]!, a[2]!])).not.toBeUndefined()
    // take 2 cuts the run of count 2: which of b and c comes second is the database's choice
    const cut = query({ orderBy: [{ field: 'count', dir: 'asc' }], take: 2 })
    expect(compareResults(sample, cut, [a[0]!, a[1]!], [a[0]!, a[2]!])).toBeUndefined()
    expect(compareResults(sample, cut, [a[0]!, a[1]!], [row('z', { count: 1 }), a[1]!])).not.toBeUndefined()
  })
})
