// What the row combiner (src/cql/row-combiner.ts) takes, decided before any I/O, and its back-off bounds.
import { describe, expect, it } from 'vitest'
import type { Filter, UpdateOps } from '../../src/adapter/query.js'
import { casBackoffMs, RowCombiner, stepError } from '../../src/cql/row-combiner.js'
import { model, tablesOf } from './helpers.js'

const combiner = new RowCombiner({
  get session(): never {
    throw new Error('no I/O in this test')
  },
  cas: async () => true,
  casRetries: 16,
  updateText: () => '',
  reread: async () => undefined,
  contention: () => new Error('P2034'),
})

const inc = (value: unknown = 1): UpdateOps[string] => ({ op: 'increment', value })
const set = (value: unknown): UpdateOps[string] => ({ op: 'set', value })
const eq = (field: string, value: unknown): Filter => ({ kind: 'cmp', field, op: 'eq', value })
const and = (...items: Filter[]): Filter => ({ kind: 'and', items })

describe('RowCombiner.combinable', () => {
  const sample = tablesOf('sample')
  const setting = tablesOf('setting')
  const byId = eq('id', '00000000-0000-4000-8000-00000000000a')

  it('takes arithmetic with plain sets of non-key, non-lookup fields, by key', () => {
    expect(combiner.combinable(sample, { count: inc() }, byId)).toEqual([])
    expect(
      combiner.combinable(sample, { count: inc(), score: set(2), big: { op: 'multiply', value: 3 } }, byId),
    ).toEqual([])
    expect(combiner.combinable(setting, { version: inc() }, and(eq('scope', 's'), eq('key', 'k')))).toEqual([])
  })

  it('returns the non-key fields a where reads (the CAS compares them too)', () => {
    const where = and(byId, { kind: 'cmp', field: 'count', op: 'gt', value: 0 }, eq('flag', true))
    expect([...combiner.combinable(sample, { count: inc(-1) }, where)!].sort()).toEqual(['count', 'flag'])
  })

  it('leaves plain sets, key, unique and indexed fields, relation filters and JSON conditions to the one-row path', () => {
    expect(combiner.combinable(sample, { score: set(1) }, byId)).toBeUndefined()
    // group is indexed, code unique, (group, label) unique
    expect(combiner.combinable(sample, { count: inc(), group: set('g') }, byId)).toBeUndefined()
    expect(combiner.combinable(sample, { count: inc(), code: set('c') }, byId)).toBeUndefined()
    expect(combiner.combinable(sample, { count: inc(), label: set('l') }, byId)).toBeUndefined()
    expect(combiner.combinable(setting, { version: inc(), key: set('k2') }, eq('scope', 's'))).toBeUndefined()
    const relation: Filter = { kind: 'relation', relation: 'members', mode: 'some', filter: undefined }
    expect(combiner.combinable(tablesOf('server'), { name: inc() }, relation)).toBeUndefined()
    expect(combiner.combinable(sample, { count: inc() }, and(byId, eq('doc', { a: 1 })))).toBeUndefined()
    // a foreign key is checked against its parent first, on the one-row path
    expect(combiner.combinable(tablesOf('server'), { name: inc(), profileId: set('p') }, byId)).toBeUndefined()
  })
})

describe('RowCombiner.baseKeyOf', () => {
  it('finds the base key a where pins by equality, inside ANDs too', () => {
    const setting = tablesOf('setting')
    expect(combiner.baseKeyOf(setting, and(eq('scope', 's'), eq('key', 'k')))).toEqual({ scope: 's', key: 'k' })
    expect(
      combiner.baseKeyOf(
        setting,
        and(and(eq('scope', 's'), eq('key', 'k')), { kind: 'cmp', field: 'version', op: 'gt', value: 1 }),
      ),
    ).toEqual({ scope: 's', key: 'k' })
  })

  it('is undefined when a base key field is missing, NULL, compared otherwise, or under an OR', () => {
    const setting = tablesOf('setting')
    expect(combiner.baseKeyOf(setting, eq('scope', 's'))).toBeUndefined()
    expect(combiner.baseKeyOf(setting, and(eq('scope', 's'), eq('key', null)))).toBeUndefined()
    expect(
      combiner.baseKeyOf(setting, and(eq('scope', 's'), { kind: 'cmp', field: 'key', op: 'gte', value: 'k' })),
    ).toBeUndefined()
    expect(combiner.baseKeyOf(setting, { kind: 'or', items: [and(eq('scope', 's'), eq('key', 'k'))] })).toBeUndefined()
    expect(combiner.baseKeyOf(setting, undefined)).toBeUndefined()
    // message is partitioned by channel (layout): its id alone is not its base key
    expect(combiner.baseKeyOf(tablesOf('message'), eq('id', '00000000-0000-4000-8000-00000000000a'))).toBeUndefined()
  })
})

describe('stepError', () => {
  const sample = model('sample')
  it('refuses a NULL in a required field and a value out of the column range', () => {
    expect(stepError(sample, { count: inc() }, { count: 5 })).toBeUndefined()
    expect((stepError(sample, { count: inc() }, { count: 2 ** 31 }) as { code?: string }).code).toBe('P2020')
    expect((stepError(sample, { huge: inc() }, { huge: 2n ** 63n }) as { code?: string }).code).toBe('P2020')
    expect((stepError(sample, { count: set(null) }, { count: null }) as { code?: string }).code).toBe('VALIDATION')
    expect(stepError(sample, { big: set(null) }, { big: null })).toBeUndefined()
  })
})

describe('casBackoffMs', () => {
  it('is full jitter over an exponentially growing bound, capped', () => {
    expect(casBackoffMs(1, () => 1)).toBe(4)
    expect(casBackoffMs(3, () => 1)).toBe(16)
    expect(casBackoffMs(30, () => 1)).toBe(100)
    expect(casBackoffMs(5, () => 0)).toBe(0)
    expect(casBackoffMs(4, () => 0.5)).toBe(16)
  })
})
