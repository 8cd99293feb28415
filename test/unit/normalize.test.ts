import { describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import { date, integer, pgTable, text, uuid } from 'drizzle-orm/pg-core'
import {
  checkArgs,
  normalizeCount,
  normalizeCreateData,
  normalizeOrderBy,
  normalizeSelect,
  normalizeUniqueWhere,
  normalizeUpdateData,
  normalizeWhere,
} from '../../src/adapter/normalize.js'
import { FALSE, TRUE, type Filter } from '../../src/adapter/query.js'
import { readSchema } from '../../src/schema/read-schema.js'
import { model, tandemError, UUID_A, UUID_B } from './helpers.js'

const cmp = (field: string, op: string, value: unknown, insensitive?: boolean): Filter =>
  (insensitive === undefined
    ? { kind: 'cmp', field, op, value }
    : { kind: 'cmp', field, op, value, insensitive }) as Filter
const and = (...items: Filter[]): Filter => ({ kind: 'and', items })
const or = (...items: Filter[]): Filter => ({ kind: 'or', items })
const not = (item: Filter): Filter => ({ kind: 'not', item })

describe('normalizeWhere: { input, expected Filter }', () => {
  const cases: { name: string; model: string; where: unknown; expected: Filter | undefined }[] = [
    { name: 'undefined where', model: 'profile', where: undefined, expected: undefined },
    { name: 'an empty object', model: 'profile', where: {}, expected: undefined },
    { name: 'a bare value is equality', model: 'profile', where: { name: 'Ada' }, expected: cmp('name', 'eq', 'Ada') },
    { name: 'a bare null is IS NULL', model: 'profile', where: { email: null }, expected: cmp('email', 'eq', null) },
    { name: 'equals', model: 'profile', where: { name: { equals: 'Ada' } }, expected: cmp('name', 'eq', 'Ada', false) },
    {
      name: 'equals null',
      model: 'profile',
      where: { email: { equals: null } },
      expected: cmp('email', 'eq', null, false),
    },
    {
      name: 'not with a value',
      model: 'profile',
      where: { name: { not: 'Ada' } },
      expected: cmp('name', 'ne', 'Ada', false),
    },
    {
      name: 'not null is IS NOT NULL',
      model: 'profile',
      where: { email: { not: null } },
      expected: cmp('email', 'ne', null, false),
    },
    {
      name: 'not with a nested filter',
      model: 'profile',
      where: { name: { not: { in: ['a', 'b'] } } },
      expected: not(cmp('name', 'in', ['a', 'b'], false)),
    },
    {
      name: 'not nested with mode',
      model: 'profile',
      where: { name: { not: { startsWith: 'a', mode: 'insensitive' } } },
      expected: not(cmp('name', 'startsWith', 'a', true)),
    },
    { name: 'in', model: 'sample', where: { count: { in: [1, 2] } }, expected: cmp('count', 'in', [1, 2], false) },
    { name: 'notIn', model: 'sample', where: { count: { notIn: [3] } }, expected: cmp('count', 'notIn', [3], false) },
    { name: 'in: [] is false', model: 'sample', where: { count: { in: [] } }, expected: FALSE },
    { name: 'notIn: [] is true', model: 'sample', where: { count: { notIn: [] } }, expected: TRUE },
    {
      name: 'in: [] next to another filter',
      model: 'sample',
      where: { group: 'g', count: { in: [] } },
      expected: and(cmp('group', 'eq', 'g'), FALSE),
    },
    { name: 'lt', model: 'sample', where: { count: { lt: 5 } }, expected: cmp('count', 'lt', 5, false) },
    { name: 'lte', model: 'sample', where: { count: { lte: 5 } }, expected: cmp('count', 'lte', 5, false) },
    { name: 'gt', model: 'sample', where: { count: { gt: 5 } }, expected: cmp('count', 'gt', 5, false) },
    { name: 'gte', model: 'sample', where: { count: { gte: 5 } }, expected: cmp('count', 'gte', 5, false) },
    {
      name: 'two bounds',
      model: 'sample',
      where: { count: { gte: 1, lt: 9 } },
      expected: and(cmp('count', 'gte', 1, false), cmp('count', 'lt', 9, false)),
    },
    {
      name: 'contains',
      model: 'profile',
      where: { name: { contains: 'da' } },
      expected: cmp('name', 'contains', 'da', false),
    },
    {
      name: 'startsWith',
      model: 'profile',
      where: { name: { startsWith: 'A' } },
      expected: cmp('name', 'startsWith', 'A', false),
    },
    {
      name: 'endsWith',
      model: 'profile',
      where: { name: { endsWith: 'a' } },
      expected: cmp('name', 'endsWith', 'a', false),
    },
    {
      name: 'contains, insensitive',
      model: 'profile',
      where: { name: { contains: 'DA', mode: 'insensitive' } },
      expected: cmp('name', 'contains', 'DA', true),
    },
    {
      name: 'equals, insensitive',
      model: 'profile',
      where: { name: { equals: 'ada', mode: 'insensitive' } },
      expected: cmp('name', 'eq', 'ada', true),
    },
    {
      name: 'in, insensitive',
      model: 'profile',
      where: { name: { in: ['ada'], mode: 'insensitive' } },
      expected: cmp('name', 'in', ['ada'], true),
    },
    {
      name: 'mode default',
      model: 'profile',
      where: { name: { equals: 'Ada', mode: 'default' } },
      expected: cmp('name', 'eq', 'Ada', false),
    },
    {
      name: 'several fields are ANDed',
      model: 'profile',
      where: { name: 'Ada', email: null },
      expected: and(cmp('name', 'eq', 'Ada'), cmp('email', 'eq', null)),
    },
    {
      name: 'undefined values are ignored',
      model: 'profile',
      where: { name: undefined, userId: 'u' },
      expected: cmp('userId', 'eq', 'u'),
    },
    {
      name: 'an undefined operand is ignored',
      model: 'profile',
      where: { name: { equals: undefined, startsWith: 'A' } },
      expected: cmp('name', 'startsWith', 'A', false),
    },
    {
      name: 'AND array',
      model: 'profile',
      where: { AND: [{ name: 'a' }, { userId: 'u' }] },
      expected: { kind: 'and', items: [cmp('name', 'eq', 'a'), cmp('userId', 'eq', 'u')] },
    },
    {
      name: 'AND object',
      model: 'profile',
      where: { AND: { name: 'a' } },
      expected: { kind: 'and', items: [cmp('name', 'eq', 'a')] },
    },
    { name: 'AND [] is true', model: 'profile', where: { AND: [] }, expected: TRUE },
    {
      name: 'OR array',
      model: 'profile',
      where: { OR: [{ name: 'a' }, { name: 'b' }] },
      expected: or(cmp('name', 'eq', 'a'), cmp('name', 'eq', 'b')),
    },
    { name: 'OR object', model: 'profile', where: { OR: { name: 'a' } }, expected: or(cmp('name', 'eq', 'a')) },
    { name: 'OR [] is false', model: 'profile', where: { OR: [] }, expected: FALSE },
    { name: 'NOT object', model: 'profile', where: { NOT: { name: 'a' } }, expected: not(cmp('name', 'eq', 'a')) },
    {
      name: 'NOT array negates each',
      model: 'profile',
      where: { NOT: [{ name: 'a' }, { name: 'b' }] },
      expected: and(not(cmp('name', 'eq', 'a')), not(cmp('name', 'eq', 'b'))),
    },
    { name: 'NOT [] is no filter', model: 'profile', where: { NOT: [] }, expected: undefined },
    {
      name: 'an empty object inside OR is true',
      model: 'profile',
      where: { OR: [{}, { name: 'a' }] },
      expected: or(TRUE, cmp('name', 'eq', 'a')),
    },
    {
      name: 'nested logic',
      model: 'profile',
      where: { userId: 'u', OR: [{ AND: [{ name: 'a' }, { email: { not: null } }] }, { NOT: { name: 'b' } }] },
      expected: and(
        cmp('userId', 'eq', 'u'),
        or(
          { kind: 'and', items: [cmp('name', 'eq', 'a'), cmp('email', 'ne', null, false)] },
          not(cmp('name', 'eq', 'b')),
        ),
      ),
    },
    {
      name: 'a compound unique key',
      model: 'member',
      where: { profileId_serverId: { profileId: UUID_A, serverId: UUID_B } },
      expected: and(cmp('profileId', 'eq', UUID_A), cmp('serverId', 'eq', UUID_B)),
    },
    {
      name: 'a compound primary key',
      model: 'setting',
      where: { scope_key: { scope: 'app', key: 'k' } },
      expected: and(cmp('scope', 'eq', 'app'), cmp('key', 'eq', 'k')),
    },
    {
      name: 'uuids are lowercased',
      model: 'profile',
      where: { id: UUID_A.toUpperCase() },
      expected: cmp('id', 'eq', UUID_A),
    },
    {
      name: 'timestamps from ISO strings',
      model: 'profile',
      where: { createdAt: { gte: '2024-01-01T00:00:00Z' } },
      expected: cmp('createdAt', 'gte', new Date('2024-01-01T00:00:00Z'), false),
    },
    {
      name: 'enums',
      model: 'member',
      where: { role: { in: ['ADMIN', 'GUEST'] } },
      expected: cmp('role', 'in', ['ADMIN', 'GUEST'], false),
    },
    {
      name: 'a json field with a bare object is equality',
      model: 'sample',
      where: { doc: { a: 1 } },
      expected: cmp('doc', 'eq', { a: 1 }),
    },
    {
      name: 'a json field with equals and a string',
      model: 'sample',
      where: { doc: { equals: 'x' } },
      expected: cmp('doc', 'eq', 'x', false),
    },
    // Prisma's JSON filter: `equals` takes any JSON value
    {
      name: 'a json field with equals and an object',
      model: 'sample',
      where: { doc: { equals: { a: 1 } } },
      expected: cmp('doc', 'eq', { a: 1 }, false),
    },
  ]
  it.each(cases)('$name', (c) => {
    expect(normalizeWhere(model(c.model), c.where, 'test')).toEqual(c.expected)
  })

  const errors: { name: string; model: string; where: unknown; message: RegExp }[] = [
    { name: 'a non-object where', model: 'profile', where: 'x', message: /`where` must be an object/ },
    { name: 'an array where', model: 'profile', where: [{ name: 'a' }], message: /`where` must be an object/ },
    {
      name: 'an unknown field',
      model: 'profile',
      where: { nme: 'a' },
      message: /unknown field `nme` on model profile; fields are id, userId, name/,
    },
    {
      name: 'an unknown operator',
      model: 'profile',
      where: { name: { like: 'a' } },
      message: /unknown filter `like` on `name`/,
    },
    {
      name: 'a bad mode',
      model: 'profile',
      where: { name: { equals: 'a', mode: 'loose' } },
      message: /`name.mode` must be "default" or "insensitive"/,
    },
    {
      name: 'contains on a non-string',
      model: 'sample',
      where: { count: { contains: 1 } },
      message: /`contains` applies to string fields; `count` is int/,
    },
    {
      name: 'startsWith with a non-string',
      model: 'profile',
      where: { name: { startsWith: 1 } },
      message: /`name.startsWith` expects a string/,
    },
    { name: 'lt null', model: 'sample', where: { count: { lt: null } }, message: /`count.lt` cannot be null/ },
    {
      name: 'in with a non-array',
      model: 'sample',
      where: { count: { in: 1 } },
      message: /`count.in` expects an array/,
    },
    {
      name: 'a wrongly typed value',
      model: 'sample',
      where: { count: 'one' },
      message: /`count` expects a 32-bit integer, got string "one"/,
    },
    {
      name: 'a wrongly typed list item',
      model: 'member',
      where: { role: { in: ['ADMIN', 'OWNER'] } },
      message: /`role` expects one of "ADMIN", "MODERATOR", "GUEST"/,
    },
    {
      name: 'a compound key that is not an object',
      model: 'member',
      where: { profileId_serverId: UUID_A },
      message: /`profileId_serverId` expects an object with profileId, serverId/,
    },
    {
      name: 'a compound key missing a field',
      model: 'member',
      where: { profileId_serverId: { profileId: UUID_A } },
      message: /`profileId_serverId` is missing `serverId`/,
    },
    { name: 'an error inside AND', model: 'profile', where: { AND: [{ bad: 1 }] }, message: /unknown field `bad`/ },
  ]
  it.each(errors)('rejects $name with VALIDATION', (c) => {
    const err = tandemError(() => normalizeWhere(model(c.model), c.where, `${c.model}.findMany`))
    expect(err.code).toBe('VALIDATION')
    expect(err.message).toMatch(new RegExp(`^${c.model}\\.findMany: `))
    expect(err.message).toMatch(c.message)
  })
})

describe('normalizeUniqueWhere', () => {
  const cases: { name: string; model: string; where: unknown; key: Record<string, unknown> }[] = [
    { name: 'the primary key', model: 'profile', where: { id: UUID_A }, key: { id: UUID_A } },
    { name: 'a unique column', model: 'profile', where: { userId: 'u1' }, key: { userId: 'u1' } },
    {
      name: 'a unique column with extra filters',
      model: 'profile',
      where: { userId: 'u1', name: { startsWith: 'A' } },
      key: { userId: 'u1' },
    },
    {
      name: 'equals counts as a key value',
      model: 'profile',
      where: { userId: { equals: 'u1' } },
      key: { userId: 'u1' },
    },
    {
      name: 'the primary key first when several keys are given',
      model: 'profile',
      where: { userId: 'u1', id: UUID_A },
      key: { id: UUID_A },
    },
    {
      name: 'a compound unique key',
      model: 'member',
      where: { profileId_serverId: { profileId: UUID_A, serverId: UUID_B } },
      key: { profileId: UUID_A, serverId: UUID_B },
    },
    {
      name: 'a compound primary key',
      model: 'setting',
      where: { scope_key: { scope: 'app', key: 'k' } },
      key: { scope: 'app', key: 'k' },
    },
    {
      name: 'a compound unique with a nullable field given by value',
      model: 'sample',
      where: { group: 'g', label: 'l' },
      key: { group: 'g', label: 'l' },
    },
  ]
  it.each(cases)('accepts $name', (c) => {
    const { filter, key } = normalizeUniqueWhere(model(c.model), c.where, 'test')
    expect(key).toEqual(c.key)
    expect(filter).toEqual(normalizeWhere(model(c.model), c.where, 'test'))
  })

  const rejects: { name: string; model: string; where: unknown; options: string }[] = [
    { name: 'a non-unique field', model: 'profile', where: { name: 'Ada' }, options: 'one of id | userId' },
    { name: 'an empty where', model: 'profile', where: {}, options: 'one of id | userId' },
    {
      name: 'a case-insensitive key',
      model: 'profile',
      where: { userId: { equals: 'u', mode: 'insensitive' } },
      options: 'one of id | userId',
    },
    { name: 'a key inside OR', model: 'profile', where: { OR: [{ id: UUID_A }] }, options: 'one of id | userId' },
    { name: 'a key by `in`', model: 'profile', where: { id: { in: [UUID_A] } }, options: 'one of id | userId' },
    {
      name: 'a null key value',
      model: 'sample',
      where: { code: null },
      options: 'one of id | code | group_label: { group, label }',
    },
    {
      name: 'half of a compound key',
      model: 'member',
      where: { profileId: UUID_A },
      options: 'one of id | profileId_serverId: { profileId, serverId }',
    },
    {
      name: 'half of a compound primary key',
      model: 'setting',
      where: { scope: 'app' },
      options: 'one of scope_key: { scope, key }',
    },
  ]
  it.each(rejects)('rejects $name with VALIDATION naming the keys', (c) => {
    const err = tandemError(() => normalizeUniqueWhere(model(c.model), c.where, `${c.model}.findUnique`))
    expect(err.code).toBe('VALIDATION')
    expect(err.message).toBe(
      `${c.model}.findUnique: \`where\` must name a unique key of ${c.model} by value: ${c.options}`,
    )
  })

  it('rejects a non-object where', () => {
    const err = tandemError(() => normalizeUniqueWhere(model('profile'), undefined, 'profile.findUnique'))
    expect(err.code).toBe('VALIDATION')
    expect(err.message).toMatch(/`where` must be an object naming a unique key/)
  })
})

describe('normalizeSelect', () => {
  const cases: { name: string; select: unknown; omit: unknown; expected: string[] | undefined }[] = [
    { name: 'neither', select: undefined, omit: undefined, expected: undefined },
    { name: 'select true fields', select: { name: true, id: true }, omit: undefined, expected: ['name', 'id'] },
    {
      name: 'select skips false and undefined',
      select: { name: true, email: false, id: undefined },
      omit: undefined,
      expected: ['name'],
    },
    {
      name: 'omit true fields',
      select: undefined,
      omit: { createdAt: true, updatedAt: true },
      expected: ['id', 'userId', 'name', 'email', 'imageUrl'],
    },
    {
      name: 'omit false keeps the field',
      select: undefined,
      omit: { email: false },
      expected: ['id', 'userId', 'name', 'email', 'imageUrl', 'createdAt', 'updatedAt'],
    },
  ]
  it.each(cases)('$name', (c) => {
    expect(normalizeSelect(model('profile'), c.select, c.omit, 'test')).toEqual(c.expected)
  })

  const errors: { name: string; select: unknown; omit: unknown; message: RegExp }[] = [
    { name: 'both', select: { id: true }, omit: { name: true }, message: /either `select` or `omit`, not both/ },
    {
      name: 'nothing selected',
      select: { id: false },
      omit: undefined,
      message: /`select` must pick at least one field/,
    },
    { name: 'an unknown selected field', select: { nope: true }, omit: undefined, message: /unknown field `nope`/ },
    {
      name: 'a non-boolean select value',
      select: { id: 1 },
      omit: undefined,
      message: /`select.id` must be true or false/,
    },
    { name: 'a non-object select', select: ['id'], omit: undefined, message: /`select` must be an object/ },
    { name: 'an unknown omitted field', select: undefined, omit: { nope: true }, message: /unknown field `nope`/ },
    { name: 'a non-object omit', select: undefined, omit: 'id', message: /`omit` must be an object/ },
  ]
  it.each(errors)('rejects $name', (c) => {
    const err = tandemError(() => normalizeSelect(model('profile'), c.select, c.omit, 'test'))
    expect(err.code).toBe('VALIDATION')
    expect(err.message).toMatch(c.message)
  })
})

describe('normalizeOrderBy', () => {
  const cases: { name: string; orderBy: unknown; expected: unknown }[] = [
    { name: 'undefined', orderBy: undefined, expected: [] },
    { name: 'an object', orderBy: { name: 'asc' }, expected: [{ field: 'name', dir: 'asc' }] },
    {
      name: 'an array',
      orderBy: [{ name: 'desc' }, { id: 'asc' }],
      expected: [
        { field: 'name', dir: 'desc' },
        { field: 'id', dir: 'asc' },
      ],
    },
    {
      name: 'sort and nulls',
      orderBy: { email: { sort: 'asc', nulls: 'first' } },
      expected: [{ field: 'email', dir: 'asc', nulls: 'first' }],
    },
    { name: 'sort without nulls', orderBy: { email: { sort: 'desc' } }, expected: [{ field: 'email', dir: 'desc' }] },
    {
      name: 'undefined entries are ignored',
      orderBy: { name: 'asc', email: undefined },
      expected: [{ field: 'name', dir: 'asc' }],
    },
  ]
  it.each(cases)('$name', (c) => {
    expect(normalizeOrderBy(model('profile'), c.orderBy, 'test')).toEqual(c.expected)
  })

  const errors: { name: string; orderBy: unknown; message: RegExp }[] = [
    { name: 'two fields in one object', orderBy: { name: 'asc', id: 'asc' }, message: /must name exactly one field/ },
    { name: 'an empty object', orderBy: {}, message: /must name exactly one field/ },
    { name: 'a bad direction', orderBy: { name: 'up' }, message: /`orderBy.name` must be "asc" or "desc"/ },
    { name: 'a bad sort', orderBy: { name: { sort: 'down' } }, message: /`orderBy.name` must be "asc" or "desc"/ },
    {
      name: 'a bad nulls',
      orderBy: { name: { sort: 'asc', nulls: 'middle' } },
      message: /`nulls` must be "first" or "last"/,
    },
    { name: 'an unknown field', orderBy: { nope: 'asc' }, message: /unknown field `nope`/ },
    { name: 'a string', orderBy: 'name', message: /`orderBy` takes \{ field: "asc" \| "desc" \}/ },
  ]
  it.each(errors)('rejects $name', (c) => {
    const err = tandemError(() => normalizeOrderBy(model('profile'), c.orderBy, 'test'))
    expect(err.code).toBe('VALIDATION')
    expect(err.message).toMatch(c.message)
  })
})

describe('checkArgs and normalizeCount', () => {
  it('accepts known arguments and rejects unknown ones', () => {
    expect(checkArgs('m.findMany', { where: {} }, ['where', 'take'])).toEqual({ where: {} })
    expect(checkArgs('m.findMany', undefined, ['where'])).toEqual({})
    expect(tandemError(() => checkArgs('m.findMany', { wher: {} }, ['where', 'take'])).message).toBe(
      'm.findMany: unknown argument `wher`; expected one of where, take',
    )
    expect(tandemError(() => checkArgs('m.findMany', 5, ['where'])).code).toBe('VALIDATION')
  })

  const counts: { value: unknown; negative: boolean; ok: boolean }[] = [
    { value: undefined, negative: false, ok: true },
    { value: 0, negative: false, ok: true },
    { value: 10, negative: false, ok: true },
    { value: -3, negative: true, ok: true },
    { value: -3, negative: false, ok: false },
    { value: 1.5, negative: true, ok: false },
    { value: '3', negative: true, ok: false },
  ]
  it.each(counts)('normalizeCount($value, allowNegative $negative)', (c) => {
    if (c.ok) expect(normalizeCount(c.value, 'take', 'test', c.negative)).toBe(c.value)
    else
      expect(tandemError(() => normalizeCount(c.value, 'take', 'test', c.negative)).message).toMatch(
        /`take` must be (a non-negative integer|an integer)/,
      )
  })
})

describe('normalizeCreateData', () => {
  const now = new Date('2024-05-06T07:08:09.000Z')

  it('applies defaults (uuid, now, $onUpdate) and fills omitted nullable fields with null', () => {
    const row = normalizeCreateData(model('profile'), { userId: 'u1', name: 'Ada' }, 'profile.create', now)
    expect(row).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      userId: 'u1',
      name: 'Ada',
      email: null,
      imageUrl: null,
      createdAt: now,
      updatedAt: now,
    })
    expect(normalizeCreateData(model('profile'), { userId: 'u2', name: 'B' }, 'x', now).id).not.toBe(row.id)
  })

  it('applies value and function defaults', () => {
    const row = normalizeCreateData(model('sample'), { group: 'g' }, 'sample.create', now)
    expect(row).toMatchObject({
      group: 'g',
      count: 0,
      slug: 'generated',
      label: null,
      big: null,
      huge: null,
      doc: null,
      role: null,
    })
    expect(
      normalizeCreateData(model('member'), { profileId: UUID_A, serverId: UUID_B }, 'member.create', now),
    ).toMatchObject({ role: 'GUEST', createdAt: now })
    expect(
      normalizeCreateData(model('message'), { content: 'hi', memberId: UUID_A, channelId: UUID_B }, 'm', now),
    ).toMatchObject({ deleted: false, fileUrl: null })
  })

  it('keeps given values over defaults and coerces them', () => {
    const row = normalizeCreateData(
      model('profile'),
      { id: UUID_A.toUpperCase(), userId: 'u', name: 'n', createdAt: '2020-01-01T00:00:00Z', email: null },
      'x',
      now,
    )
    expect(row).toMatchObject({ id: UUID_A, createdAt: new Date('2020-01-01T00:00:00Z'), email: null, updatedAt: now })
    expect(normalizeCreateData(model('sample'), { group: 'g', count: 7, huge: 5, slug: null }, 'x', now)).toMatchObject(
      { count: 7, huge: 5n, slug: null },
    )
  })

  it('leaves a database-side sql default to the database, evaluates a date default and $onUpdate on insert', () => {
    const t = pgTable('t', {
      id: uuid('id').primaryKey().defaultRandom(),
      code: text('code')
        .notNull()
        .default(sql`'x' || 'y'`),
      day: date('day').notNull().defaultNow(),
      touched: text('touched')
        .notNull()
        .$onUpdate(() => 'touched'),
      n: integer('n'),
    })
    const row = normalizeCreateData(readSchema({ t }).models.get('t')!, {}, 't.create', now)
    expect('code' in row).toBe(false)
    expect(row).toMatchObject({ day: '2024-05-06', touched: 'touched', n: null })
  })

  const errors: { name: string; model: string; data: unknown; message: RegExp }[] = [
    {
      name: 'a missing required field',
      model: 'profile',
      data: { userId: 'u' },
      message: /argument `name` is missing; profile.name is required/,
    },
    {
      name: 'null in a non-null field',
      model: 'profile',
      data: { userId: 'u', name: null },
      message: /`name` must not be null/,
    },
    {
      name: 'null in a non-null field that has a default',
      model: 'sample',
      data: { group: 'g', count: null },
      message: /`count` must not be null/,
    },
    {
      name: 'an unknown field',
      model: 'profile',
      data: { userId: 'u', name: 'n', nick: 'x' },
      message: /unknown field `nick` on model profile/,
    },
    {
      name: 'a wrongly typed value',
      model: 'sample',
      data: { group: 'g', count: 1.5 },
      message: /`count` expects a 32-bit integer, got number 1.5/,
    },
    {
      name: 'a bad enum value',
      model: 'member',
      data: { profileId: UUID_A, serverId: UUID_B, role: 'OWNER' },
      message: /`role` expects one of "ADMIN", "MODERATOR", "GUEST", got string "OWNER"/,
    },
    { name: 'non-object data', model: 'profile', data: [], message: /`data` must be an object/ },
  ]
  it.each(errors)('rejects $name with VALIDATION', (c) => {
    const err = tandemError(() => normalizeCreateData(model(c.model), c.data, `${c.model}.create`, now))
    expect(err.code).toBe('VALIDATION')
    expect(err.message).toMatch(new RegExp(`^${c.model}\\.create: `))
    expect(err.message).toMatch(c.message)
  })
})

describe('normalizeUpdateData', () => {
  const cases: { name: string; model: string; data: unknown; expected: Record<string, unknown> }[] = [
    {
      name: 'a bare value is set',
      model: 'setting',
      data: { value: 'v' },
      expected: { value: { op: 'set', value: 'v' } },
    },
    { name: 'set', model: 'setting', data: { value: { set: 'v' } }, expected: { value: { op: 'set', value: 'v' } } },
    {
      name: 'increment',
      model: 'setting',
      data: { version: { increment: 1 } },
      expected: { version: { op: 'increment', value: 1 } },
    },
    {
      name: 'decrement',
      model: 'setting',
      data: { version: { decrement: 2 } },
      expected: { version: { op: 'decrement', value: 2 } },
    },
    {
      name: 'multiply',
      model: 'sample',
      data: { score: { multiply: 1.5 } },
      expected: { score: { op: 'multiply', value: 1.5 } },
    },
    { name: 'divide', model: 'sample', data: { huge: { divide: 2 } }, expected: { huge: { op: 'divide', value: 2n } } },
    {
      name: 'decimal increment is coerced to a string at the column scale',
      model: 'sample',
      data: { price: { increment: 0.5 } },
      expected: { price: { op: 'increment', value: '0.50' } },
    },
    {
      name: 'set null on a nullable field',
      model: 'sample',
      data: { label: null },
      expected: { label: { op: 'set', value: null } },
    },
    {
      name: 'undefined is ignored',
      model: 'setting',
      data: { value: undefined, version: 3 },
      expected: { version: { op: 'set', value: 3 } },
    },
    {
      name: 'an object on a json field is a value',
      model: 'sample',
      data: { doc: { increment: 1 } },
      expected: { doc: { op: 'set', value: { increment: 1 } } },
    },
    { name: 'an empty update', model: 'setting', data: {}, expected: {} },
  ]
  it.each(cases)('$name', (c) => {
    expect(normalizeUpdateData(model(c.model), c.data, 'test')).toEqual(c.expected)
  })

  it('adds $onUpdate fields not set explicitly', () => {
    const before = Date.now()
    const ops = normalizeUpdateData(model('profile'), { name: 'x' }, 'test')
    expect(Object.keys(ops).sort()).toEqual(['name', 'updatedAt'])
    expect(ops.updatedAt!.op).toBe('set')
    expect(ops.updatedAt!.value).toBeInstanceOf(Date)
    expect((ops.updatedAt!.value as Date).getTime()).toBeGreaterThanOrEqual(before)
    // even for an empty update, as Drizzle does
    expect(Object.keys(normalizeUpdateData(model('message'), {}, 'test'))).toEqual(['updatedAt'])
  })

  it('keeps an explicit value of an $onUpdate field', () => {
    const at = new Date('2000-01-01T00:00:00Z')
    expect(normalizeUpdateData(model('profile'), { updatedAt: at }, 'test')).toEqual({
      updatedAt: { op: 'set', value: at },
    })
  })

  const errors: { name: string; model: string; data: unknown; message: RegExp }[] = [
    { name: 'null in a non-null field', model: 'setting', data: { value: null }, message: /`value` must not be null/ },
    {
      name: 'set null in a non-null field',
      model: 'setting',
      data: { value: { set: null } },
      message: /`value` must not be null/,
    },
    {
      name: 'arithmetic on a string',
      model: 'setting',
      data: { value: { increment: 1 } },
      message: /`increment` applies to numeric fields; `value` is string/,
    },
    {
      name: 'arithmetic with null',
      model: 'setting',
      data: { version: { increment: null } },
      message: /`version.increment` must not be null/,
    },
    {
      name: 'two operations',
      model: 'setting',
      data: { version: { increment: 1, multiply: 2 } },
      message: /takes exactly one of set, increment/,
    },
    {
      name: 'an unknown operation',
      model: 'setting',
      data: { version: { push: 1 } },
      message: /unknown update operation `push` on `version`/,
    },
    { name: 'an unknown field', model: 'setting', data: { nope: 1 }, message: /unknown field `nope` on model setting/ },
    {
      name: 'a wrongly typed operand',
      model: 'setting',
      data: { version: { increment: 'one' } },
      message: /`version` expects a 32-bit integer/,
    },
    { name: 'non-object data', model: 'setting', data: null, message: /`data` must be an object/ },
  ]
  it.each(errors)('rejects $name with VALIDATION', (c) => {
    const err = tandemError(() => normalizeUpdateData(model(c.model), c.data, 'setting.update'))
    expect(err.code).toBe('VALIDATION')
    expect(err.message).toMatch(c.message)
  })
})
