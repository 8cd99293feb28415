// Type tests of write data (create, createMany, update, updateMany, upsert): what the types accept and
// reject today, over the conformance schema. Type-checked by vitest's typecheck mode, never run.
import { describe, expectTypeOf, test } from 'vitest'
import { createDb } from '../../src/index.js'
import type { UpdateInput } from '../../src/adapter/types.js'
import * as schema from '../support/schema.js'

const db = createDb({ schema })
const now = new Date()

describe('create data', () => {
  test('required columns must be given; columns with defaults and nullable ones may be left out', () => {
    db.profile.create({ data: { userId: 'u', name: 'n' } })
    db.profile.create({
      data: { id: 'x', userId: 'u', name: 'n', email: null, imageUrl: 'i', createdAt: now, updatedAt: now },
    })
    db.sample.create({ data: { group: 'g' } })
    db.member.create({ data: { profileId: 'p', serverId: 's' } })
    // @ts-expect-error name is required
    db.profile.create({ data: { userId: 'u' } })
    // @ts-expect-error data is required
    db.profile.create({ select: { id: true } })
  })

  test('values have their column types; null only for nullable columns', () => {
    db.sample.create({
      data: {
        group: 'g',
        huge: 1n,
        big: 1,
        price: '1.50',
        day: '2024-01-31',
        at: now,
        role: 'GUEST',
        doc: { any: ['json'] },
      },
    })
    // @ts-expect-error null for a non-nullable column
    db.profile.create({ data: { userId: 'u', name: null } })
    // @ts-expect-error a number for a string column
    db.profile.create({ data: { userId: 'u', name: 1 } })
    // @ts-expect-error not a value of the enum
    db.member.create({ data: { profileId: 'p', serverId: 's', role: 'OWNER' } })
    // @ts-expect-error an ISO string for a timestamp (the runtime accepts it; the types take Date only)
    db.sample.create({ data: { group: 'g', at: '2024-01-01T00:00:00Z' } })
    // @ts-expect-error a number for a numeric column (the runtime accepts it; Drizzle types numeric as string)
    db.sample.create({ data: { group: 'g', price: 1.5 } })
  })

  test('createMany and createManyAndReturn take one row or a list; createMany checks extra keys', () => {
    db.profile.createMany({ data: { userId: 'u', name: 'n' } })
    db.profile.createManyAndReturn({
      data: [
        { userId: 'u', name: 'n' },
        { userId: 'v', name: 'm' },
      ],
      skipDuplicates: true,
    })
    // @ts-expect-error a required column missing in one row
    db.profile.createMany({ data: [{ userId: 'u', name: 'n' }, { userId: 'v' }] })
    // @ts-expect-error an unknown column (createMany is not generic, so its literal is checked for extra keys)
    db.profile.createMany({ data: [{ userId: 'u', name: 'n', nope: 1 }] })
    // @ts-expect-error skipDuplicates is a boolean
    db.profile.createMany({ data: [], skipDuplicates: 'yes' })
  })
})

describe('update data', () => {
  test('fields take a value or { set }; all are optional', () => {
    db.profile.update({ where: { id: 'x' }, data: {} })
    db.profile.update({ where: { id: 'x' }, data: { name: 'n', email: null, updatedAt: now } })
    db.profile.update({ where: { id: 'x' }, data: { name: { set: 'n' }, email: { set: null } } })
    // @ts-expect-error null for a non-nullable column
    db.profile.update({ where: { id: 'x' }, data: { name: null } })
    // @ts-expect-error set takes the column's type
    db.profile.update({ where: { id: 'x' }, data: { name: { set: 1 } } })
    // @ts-expect-error an unknown column
    db.profile.update({ where: { id: 'x' }, data: { nope: 1 } })
  })

  test('increment, decrement, multiply, divide on number and bigint fields only', () => {
    db.sample.update({
      where: { id: 'x' },
      data: {
        count: { increment: 1 },
        big: { decrement: 2 },
        ratio: { multiply: 2 },
        score: { divide: 3 },
        huge: { increment: 1n },
      },
    })
    db.setting.updateMany({ where: { scope: 's' }, data: { version: { increment: 1 } } })
    // @ts-expect-error increment on a string field
    db.sample.update({ where: { id: 'x' }, data: { group: { increment: 1 } } })
    // @ts-expect-error increment on a timestamp field
    db.profile.update({ where: { id: 'x' }, data: { createdAt: { increment: 1 } } })
    // @ts-expect-error increment on a string field, in updateMany
    db.profile.updateMany({ data: { name: { increment: 1 } } })
    // @ts-expect-error a number to increment a bigint-mode field
    db.sample.update({ where: { id: 'x' }, data: { huge: { increment: 1 } } })
    // @ts-expect-error increment on a numeric (decimal) field: Drizzle types it string (the runtime accepts it)
    db.sample.update({ where: { id: 'x' }, data: { price: { increment: 1 } } })
  })

  test('UpdateInput offers the numeric operations only on numeric fields', () => {
    type U = UpdateInput<typeof schema.sample>
    expectTypeOf<U['count']>().toEqualTypeOf<
      | number
      | ({ set?: number } & { increment?: number; decrement?: number; multiply?: number; divide?: number })
      | undefined
    >()
    expectTypeOf<U['group']>().toEqualTypeOf<string | { set?: string } | undefined>()
  })

  test('updateMany checks extra keys (it is not generic)', () => {
    // @ts-expect-error an unknown column next to a known one
    db.profile.updateMany({ data: { name: 'n', nope: 1 } })
    // @ts-expect-error an unknown argument
    db.profile.updateMany({ data: { name: 'n' }, select: { id: true } })
  })

  test('upsert takes where, create (insert model) and update (update data)', () => {
    db.profile.upsert({ where: { userId: 'u' }, create: { userId: 'u', name: 'n' }, update: { name: { set: 'm' } } })
    // @ts-expect-error create needs the required columns
    db.profile.upsert({ where: { userId: 'u' }, create: { userId: 'u' }, update: {} })
    // @ts-expect-error update is required
    db.profile.upsert({ where: { userId: 'u' }, create: { userId: 'u', name: 'n' } })
  })
})

describe('closed gaps (issue 12)', () => {
  test('extra keys in the data of generic methods', () => {
    // @ts-expect-error an unknown column next to known ones in create
    db.profile.create({ data: { userId: 'u', name: 'n', nope: 1 } })
    // @ts-expect-error an unknown column next to known ones in update
    db.profile.update({ where: { id: 'x' }, data: { name: 'n', nope: 1 } })
    // @ts-expect-error increment on a string field, next to set
    db.sample.update({ where: { id: 'x' }, data: { group: { set: 'g', increment: 1 } } })
  })

  test('both select and omit', () => {
    // known gap: the types take both (select wins in the result type); the runtime rejects the pair
    expectTypeOf(db.profile.findFirst({ select: { id: true }, omit: { id: true } })).resolves.toEqualTypeOf<{
      id: string
    } | null>()
    // known gap: an empty select compiles (result type {}); the runtime needs at least one field
    expectTypeOf(db.profile.findMany({ select: {} })).resolves.toEqualTypeOf<{}[]>()
  })

  test('relation fields in data are nested writes, checked', () => {
    db.profile.create({ data: { userId: 'u', name: 'n', servers: { create: [] } } })
    // @ts-expect-error a relation takes nested operations, not a value
    db.profile.create({ data: { userId: 'u', name: 'n', members: 5 } })
    db.profile.update({ where: { id: 'x' }, data: { members: { deleteMany: {} } } })
  })
})
