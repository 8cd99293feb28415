import { describe, expect, it } from 'vitest'
import { evaluateJson, jsonEqual, jsonFilter, listFilter } from '../../src/adapter/column-filters.js'
import type { Filter, JsonOp } from '../../src/adapter/query.js'
import { field, tandemError } from './helpers.js'

const json = (path: string[], op: JsonOp, value: unknown): Extract<Filter, { kind: 'json' }> => ({
  kind: 'json',
  field: 'payload',
  path,
  op,
  value,
})
const doc = { plan: 'pro', seats: 5, tags: ['x', 'y'], obj: [{ a: 1, b: 2 }], n: null }

describe('evaluateJson: PostgreSQL jsonb semantics in memory', () => {
  const cases: [string, Extract<Filter, { kind: 'json' }>, boolean | null][] = [
    ['equals at a path', json(['plan'], 'equals', 'pro'), true],
    ['a missing path is unknown', json(['nope'], 'equals', 'pro'), null],
    ['not at a missing path is unknown too', json(['nope'], 'not', 'pro'), null],
    ['JSON null is a value', json(['n'], 'not', 'pro'), true],
    ['an array index as digits', json(['tags', '1'], 'equals', 'y'), true],
    ['a negative index from the end', json(['tags', '-1'], 'equals', 'y'), true],
    ['string_contains needs a string', json(['seats'], 'string_contains', '5'), false],
    ['array_contains: an array of elements', json(['tags'], 'array_contains', ['y', 'x']), true],
    ['array_contains: a primitive at the top', json(['tags'], 'array_contains', 'x'), true],
    ['array_contains: objects by containment', json(['obj'], 'array_contains', [{ a: 1 }]), true],
    ['array_contains: an object is no primitive', json(['obj'], 'array_contains', { a: 1 }), false],
    ['array_starts_with', json(['tags'], 'array_starts_with', 'x'), true],
    ['array_ends_with', json(['tags'], 'array_ends_with', 'x'), false],
    ['gt on a number', json(['seats'], 'gt', 4), true],
    ['lte on a string against a number: no match', json(['seats'], 'lte', 'z'), false],
    ['lt on strings by code point', json(['plan'], 'lt', 'q'), true],
    ['whole document with an empty path', json([], 'equals', { ...doc }), true],
  ]
  it.each(cases)('%s', (_n, f, expected) => {
    expect(evaluateJson(f, { payload: doc })).toBe(expected)
  })
  it('jsonb equality ignores key order', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true)
    expect(jsonEqual([1, 2], [2, 1])).toBe(false)
  })
})

describe('jsonFilter / listFilter: what is served, what is refused', () => {
  const payload = field('event', 'payload')
  it('a bare object without operators stays whole-value equality', () => {
    expect(jsonFilter(payload, { a: 1 }, 't')).toBeUndefined()
    expect(jsonFilter(payload, { equals: 1 }, 't')).toBeUndefined()
  })
  it('path filters become json nodes', () => {
    expect(jsonFilter(payload, { path: ['a'], equals: 1, string_contains: 'x' }, 't')).toEqual({
      kind: 'and',
      items: [json(['a'], 'equals', 1), json(['a'], 'string_contains', 'x')],
    })
  })
  it.each([
    [{ path: ['a'], gt: [1] }],
    [{ path: ['a'], in: [1] }],
    [{ path: ['a'], equals: null }],
    [{ path: 'a', equals: 1 }],
    [{ path: ['a'] }],
    [{ string_contains: 1 }],
  ])('refuses %j with VALIDATION', (v) => {
    expect(tandemError(() => jsonFilter(payload, v, 't')).code).toBe('VALIDATION')
  })
  it('list filters refuse null and unknown operators', () => {
    const tags = field('gadget', 'tags')
    expect(tandemError(() => listFilter(tags, null, 't')).code).toBe('VALIDATION')
    expect(tandemError(() => listFilter(tags, { contains: 'a' }, 't')).code).toBe('VALIDATION')
    expect(listFilter(tags, { has: 'a' }, 't')).toEqual({ kind: 'cmp', field: 'tags', op: 'hasEvery', value: ['a'] })
  })
})
