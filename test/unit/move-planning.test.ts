// The pure parts of data movement (src/move): model order for copying, value normalization across backends,
// JSON-safe rows for backups and checkpoints, the update-time field, and sync's --since parser.
import { describe, expect, it } from 'vitest'
import { parentsFirst } from '../../src/move/model-order.js'
import { diffFields, normalized, sameRow, stableJson } from '../../src/move/row-compare.js'
import { fromJsonRow, toJsonRow } from '../../src/move/json-rows.js'
import { keyText, updateTimeField } from '../../src/move/row-store.js'
import { parseSince } from '../../src/cli/commands/sync.js'
import { TandemError } from '../../src/errors.js'
import { info, model } from './helpers.js'

describe('parentsFirst', () => {
  it('puts every model after the models its foreign keys point at', () => {
    const order = parentsFirst(info).map((m) => m.name)
    expect(new Set(order)).toEqual(new Set(info.models.keys()))
    for (const m of info.models.values())
      for (const fk of m.foreignKeys) expect(order.indexOf(fk.targetModel)).toBeLessThan(order.indexOf(m.name))
  })

  it('keeps only the models asked for, still parents first, and names unknown ones', () => {
    expect(parentsFirst(info, ['message', 'profile', 'member']).map((m) => m.name)).toEqual([
      'profile',
      'member',
      'message',
    ])
    expect(() => parentsFirst(info, ['nope'])).toThrow(TandemError)
    expect(() => parentsFirst(info, ['nope'])).toThrow(/unknown model `nope`; models are profile/)
  })
})

describe('row comparison across backends', () => {
  const sample = model('sample')
  it('treats equal stored values as equal whatever their JS form', () => {
    const f = (n: string) => sample.fields.get(n)!
    expect(normalized(f('price'), '12.50')).toBe(normalized(f('price'), '12.5'))
    expect(normalized(f('price'), '-0.00')).toBe('0')
    expect(normalized(f('huge'), 9n)).toBe(normalized(f('huge'), '9'))
    expect(normalized(f('at'), new Date(5))).toBe(5)
    expect(normalized(f('docb'), { b: 1, a: [1, { d: 2, c: 3 }] })).toBe(
      normalized(f('docb'), { a: [1, { c: 3, d: 2 }], b: 1 }),
    )
    expect(normalized(f('label'), undefined)).toBeNull()
    expect(stableJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}')
  })

  it('names the fields that differ', () => {
    const a = { id: 'x', group: 'g', price: '1.10', doc: { a: 1 }, at: new Date(1) }
    expect(diffFields(sample, a, { ...a, price: '1.1' })).toEqual([])
    expect(diffFields(sample, a, { ...a, price: '1.2', doc: { a: 2 } })).toEqual(['price', 'doc'])
    expect(sameRow(sample, a, { ...a, at: new Date(1) })).toBe(true)
  })
})

describe('JSON-safe rows', () => {
  it('round-trip Dates, bigints and json through JSON text', () => {
    const sample = model('sample')
    const row = { id: 'x', huge: 2n ** 62n, big: 5, at: new Date(123), day: '2024-01-02', doc: { a: [1] }, label: null }
    const back = fromJsonRow(sample, JSON.parse(JSON.stringify(toJsonRow(sample, row))) as Record<string, unknown>)
    expect(back).toEqual(row)
    expect(keyText(sample, back)).toBe(keyText(sample, row))
  })
})

describe('updateTimeField', () => {
  it('is the $onUpdate timestamp, and nothing for models without one', () => {
    expect(updateTimeField(model('profile'))).toBe('updatedAt')
    expect(updateTimeField(model('sample'))).toBeUndefined()
    expect(updateTimeField(model('setting'))).toBeUndefined()
  })
})

describe('sync --since', () => {
  it('takes an ISO time or a duration back from now', () => {
    const now = Date.UTC(2024, 4, 1, 12)
    expect(parseSince('2024-05-01T10:00:00Z', now).toISOString()).toBe('2024-05-01T10:00:00.000Z')
    expect(parseSince('15m', now).getTime()).toBe(now - 15 * 60_000)
    expect(parseSince('2d', now).getTime()).toBe(now - 2 * 86_400_000)
    expect(() => parseSince('yesterday', now)).toThrow(/--since must be an ISO time/)
  })
})
