// The drizzle condition reader of the ScyllaDB facade (issue 13): drizzle's own operators, built over the test
// schema's tables, read into the model API's where; what it cannot serve is refused with UNSERVABLE_QUERY.
import { describe, expect, it } from 'vitest'
import {
  and,
  between,
  eq,
  gt,
  gte,
  ilike,
  inArray,
  isNotNull,
  isNull,
  like,
  lt,
  lte,
  ne,
  not,
  notBetween,
  notIlike,
  notInArray,
  or,
  sql,
} from 'drizzle-orm'
import { readSchema } from '../../src/schema/read-schema.js'
import { whereFromDrizzle } from '../../src/drizzle/drizzle-where.js'
import * as schema from '../support/schema.js'

const { layout: _layout, ...models } = schema
const info = readSchema(models)
const profileModel = info.models.get('profile')!
const read = (c: ReturnType<typeof eq> | undefined) => whereFromDrizzle(profileModel, c, 'profile.findMany')
const { profile, server } = schema

describe('whereFromDrizzle', () => {
  it('reads comparisons of one column with a value', () => {
    expect(read(eq(profile.userId, 'u1'))).toEqual({ userId: { equals: 'u1' } })
    expect(read(ne(profile.name, 'n'))).toEqual({ name: { not: 'n' } })
    expect(read(gt(profile.createdAt, new Date(5)))).toEqual({ createdAt: { gt: new Date(5) } })
    expect(read(gte(profile.name, 'a'))).toEqual({ name: { gte: 'a' } })
    expect(read(lt(profile.name, 'z'))).toEqual({ name: { lt: 'z' } })
    expect(read(lte(profile.name, 'z'))).toEqual({ name: { lte: 'z' } })
    expect(read(inArray(profile.userId, ['a', 'b']))).toEqual({ userId: { in: ['a', 'b'] } })
    expect(read(notInArray(profile.userId, ['a']))).toEqual({ userId: { notIn: ['a'] } })
    expect(read(isNull(profile.email))).toEqual({ email: null })
    expect(read(isNotNull(profile.email))).toEqual({ email: { not: null } })
    expect(read(between(profile.name, 'a', 'm'))).toEqual({ name: { gte: 'a', lte: 'm' } })
    expect(read(notBetween(profile.name, 'a', 'm'))).toEqual({ NOT: { name: { gte: 'a', lte: 'm' } } })
    expect(read(undefined)).toBeUndefined()
  })

  it('reads LIKE patterns tandem serves as contains / startsWith / endsWith, ilike as insensitive', () => {
    expect(read(like(profile.name, '%ann%'))).toEqual({ name: { contains: 'ann' } })
    expect(read(like(profile.name, 'ann%'))).toEqual({ name: { startsWith: 'ann' } })
    expect(read(ilike(profile.name, '%ANN'))).toEqual({ name: { endsWith: 'ANN', mode: 'insensitive' } })
    expect(read(notIlike(profile.name, 'x%'))).toEqual({ NOT: { name: { startsWith: 'x', mode: 'insensitive' } } })
    expect(read(like(profile.name, 'exact'))).toEqual({ name: { equals: 'exact' } })
  })

  it('reads and / or / not, nested, and the empty inArray drizzle turns into false', () => {
    expect(read(and(eq(profile.userId, 'u'), isNull(profile.email)))).toEqual({
      AND: [{ userId: { equals: 'u' } }, { email: null }],
    })
    expect(read(or(eq(profile.name, 'a'), and(eq(profile.name, 'b'), isNotNull(profile.email))))).toEqual({
      OR: [{ name: { equals: 'a' } }, { AND: [{ name: { equals: 'b' } }, { email: { not: null } }] }],
    })
    expect(read(not(eq(profile.name, 'a')))).toEqual({ NOT: { name: { equals: 'a' } } })
    expect(read(and(eq(profile.name, 'a')))).toEqual({ name: { equals: 'a' } })
    expect(read(inArray(profile.userId, []))).toEqual({ OR: [] })
  })

  it('fills placeholders (prepared statements) from the values given to execute; a missing one is VALIDATION', () => {
    const c = and(eq(profile.userId, sql.placeholder('u')), inArray(profile.name, [sql.placeholder('n'), 'b']))
    expect(whereFromDrizzle(profileModel, c, 'ctx', { u: 'u1', n: 'a' })).toEqual({
      AND: [{ userId: { equals: 'u1' } }, { name: { in: ['a', 'b'] } }],
    })
    expect(() => whereFromDrizzle(profileModel, c, 'ctx', { u: 'u1' })).toThrow(
      expect.objectContaining({ code: 'VALIDATION', message: expect.stringMatching(/placeholder "n"/) }),
    )
    // no values to give (explain, a write's where): refused
    expect(() => whereFromDrizzle(profileModel, c, 'ctx')).toThrow(
      expect.objectContaining({ code: 'UNSERVABLE_QUERY', message: expect.stringMatching(/placeholder "u"/) }),
    )
  })

  it('refuses what it cannot serve with UNSERVABLE_QUERY naming the part, before any I/O', () => {
    const refused = (c: ReturnType<typeof eq>, part: RegExp) => {
      let error: unknown
      try {
        read(c)
      } catch (e) {
        error = e
      }
      expect(error).toMatchObject({ code: 'UNSERVABLE_QUERY', message: expect.stringMatching(part) })
    }
    refused(sql`lower(${profile.name}) = ${'x'}`, /lower\(name\)/)
    refused(eq(profile.name, profile.email), /a value is a column/)
    refused(eq(server.name, 'x'), /server\.name is not a column of profile/)
    refused(like(profile.name, 'a_b%'), /wildcards inside/)
    refused(eq(sql`${profile.name} || 'x'`, 'y'), /not a comparison of one column/)
  })
})
