// Type tests of aggregate, groupBy, updateManyAndReturn and distinct (type-checked by vitest's typecheck mode,
// never run): result keys follow the arguments given, sums keep the field's type, averages are numbers
// (strings for decimal columns), groupBy rows carry their `by` fields.
import { describe, expectTypeOf, test } from 'vitest'
import { createDb } from '../../src/index.js'
import * as schema from '../support/schema.js'

const db = createDb({ schema })
type Role = 'ADMIN' | 'MODERATOR' | 'GUEST'

describe('aggregate', () => {
  test('_count: true is a number; field aggregates follow the field types', async () => {
    const r = await db.sample.aggregate({
      where: { group: 'g' },
      _count: true,
      _sum: { count: true, huge: true, price: true },
      _avg: { count: true },
      _min: { at: true },
    })
    expectTypeOf(r._count).toEqualTypeOf<number>()
    expectTypeOf(r._sum.count).toEqualTypeOf<number | null>()
    expectTypeOf(r._sum.huge).toEqualTypeOf<bigint | null>()
    expectTypeOf(r._sum.price).toEqualTypeOf<string | null>()
    expectTypeOf(r._avg.count).toEqualTypeOf<number | null>()
    expectTypeOf(r._min.at).toEqualTypeOf<Date | null>()
    expectTypeOf(r).not.toHaveProperty('_max')
  })

  test('_count with fields is an object of numbers', async () => {
    const r = await db.profile.aggregate({ _count: { _all: true, email: true } })
    expectTypeOf(r._count).toEqualTypeOf<{ _all: number; email: number }>()
  })
})

describe('groupBy', () => {
  test('rows hold the by fields and the aggregates', async () => {
    const rows = await db.sample.groupBy({
      by: ['role', 'group'],
      _count: { _all: true },
      _max: { count: true },
      orderBy: { _count: { id: 'desc' } },
      having: { count: { _sum: { gt: 1 } } },
    })
    expectTypeOf(rows[0]!.role).toEqualTypeOf<Role | null>()
    expectTypeOf(rows[0]!.group).toEqualTypeOf<string>()
    expectTypeOf(rows[0]!._count).toEqualTypeOf<{ _all: number }>()
    expectTypeOf(rows[0]!._max.count).toEqualTypeOf<number | null>()
  })

  test('by takes fields of the model only', () => {
    // @ts-expect-error: not a field of sample
    void db.sample.groupBy({ by: ['nope'] })
  })
})

describe('updateManyAndReturn and distinct', () => {
  test('updateManyAndReturn returns the selected fields of each row', async () => {
    const rows = await db.sample.updateManyAndReturn({
      where: { group: 'g' },
      data: { count: 1 },
      select: { id: true },
    })
    expectTypeOf(rows).toEqualTypeOf<{ id: string }[]>()
  })

  test('distinct takes fields of the model', () => {
    void db.sample.findMany({ distinct: ['role', 'group'] })
    void db.sample.findFirst({ distinct: 'role' })
    // @ts-expect-error: not a field of sample
    void db.sample.findMany({ distinct: ['nope'] })
  })
})
