import { describe, expect, it } from 'vitest'
import { normalizeGroupBy } from '../../src/adapter/aggregate-args.js'
import { aggregateRows } from '../../src/adapter/aggregate.js'
import { normalizeOrderBy, normalizeWhere } from '../../src/adapter/normalize.js'
import { shapeOf, templateOf, type Operation } from '../../src/adapter/query.js'
import { compileAggregate } from '../../src/postgres/sql-aggregate.js'
import { compileSql } from '../../src/postgres/sql-compiler.js'
import { model } from './helpers.js'

// Golden tests of aggregate/groupBy and relation orderBy compilation (no database), and of the in-memory
// aggregation's PostgreSQL-compatible arithmetic.

function groupBy(args: Record<string, unknown>): Extract<Operation, { op: 'aggregate' }> {
  const m = model('sample')
  const { spec, where } = normalizeGroupBy(m, args, 'test')
  return { op: 'aggregate', query: { where, orderBy: [], take: undefined, skip: undefined, unique: false }, spec }
}

function compiled(op: Extract<Operation, { op: 'aggregate' }>) {
  const shape = shapeOf('sample', op)
  const c = compileAggregate(model('sample'), templateOf(op) as typeof op)
  return { text: c.text, params: c.bind(shape.values), key: shape.key }
}

describe('compileAggregate', () => {
  it('groupBy with having, an aggregate order and a window of groups', () => {
    const { text, params } = compiled(
      groupBy({
        by: ['role'],
        where: { group: 'g' },
        having: { count: { _sum: { gt: 3 } } },
        _avg: { price: true },
        orderBy: { _count: { id: 'desc' } },
        take: 2,
        skip: 1,
      }),
    )
    expect(text).toBe(
      'select "sample"."role" as "b0", round(avg("sample"."price"), 16) as "a0", count("sample"."id") as "a1", ' +
        'sum("sample"."count") as "a2" from "sample" where "sample"."group" = $1 group by "sample"."role" ' +
        'having sum("sample"."count") > $2 order by count("sample"."id") desc limit $3 offset $4',
    )
    expect(params).toEqual(['g', 3, 2, 1])
  })

  it('the shape key leaves values out: two having values, one plan', () => {
    const a = compiled(groupBy({ by: ['role'], having: { count: { _sum: { gt: 3 } } } }))
    const b = compiled(groupBy({ by: ['role'], having: { count: { _sum: { gt: 9 } } } }))
    expect(a.key).toBe(b.key)
    expect(a.text).toBe(b.text)
  })

  it("an aggregate's window is a subquery", () => {
    const m = model('sample')
    const op: Extract<Operation, { op: 'aggregate' }> = {
      op: 'aggregate',
      query: {
        where: normalizeWhere(m, { group: 'g' }, 'test'),
        orderBy: normalizeOrderBy(m, { count: 'desc' }, 'test'),
        take: 3,
        skip: undefined,
        unique: false,
      },
      spec: {
        by: [],
        terms: [
          { fn: 'min', field: 'id' },
          { fn: 'max', field: 'flag' },
        ],
        having: undefined,
        orderBy: [],
        take: undefined,
        skip: undefined,
      },
    }
    expect(compiled(op).text).toBe(
      'select min("t"."id"::text) as "a0", bool_or("t"."flag") as "a1" from (select "id", "group", "label", "count", ' +
        '"big", "huge", "flag", "ratio", "score", "price", "at", "day", "doc", "docb", "role", "code", "slug" from "sample" ' +
        'where "sample"."group" = $1 order by "sample"."count" desc limit $2) as "t"',
    )
  })
})

describe('relation orderBy', () => {
  it('compiles to correlated subqueries', () => {
    const m = model('message')
    const op: Operation = {
      op: 'findMany',
      query: {
        where: undefined,
        orderBy: normalizeOrderBy(
          m,
          [{ member: { profile: { name: 'asc' } } }, { channel: { server: { members: { _count: 'desc' } } } }],
          'test',
        ),
        take: undefined,
        skip: undefined,
        unique: false,
      },
    }
    const text = compileSql(m, templateOf(op)).text
    expect(text).toContain(
      'order by (select (select "o2"."name" from "profile" as "o2" where "o2"."id" = "o1"."profile_id") from "member" as "o1" where "o1"."id" = "message"."member_id") asc',
    )
    expect(text).toContain('(select count(*) from "member" as "o5" where "o5"."server_id" = "o4"."id")')
  })
})

describe('aggregateRows (the in-memory side)', () => {
  it('sums real in float4, decimals exactly, averages decimals to 16 places', () => {
    const m = model('sample')
    const rows = [
      { ratio: 0.1, price: '0.10', count: 1 },
      { ratio: 0.2, price: '0.20', count: 2 },
      { ratio: null, price: '0.01', count: 2 },
    ]
    const [r] = aggregateRows(m, rows, {
      by: [],
      terms: [
        { fn: 'sum', field: 'ratio' },
        { fn: 'sum', field: 'price' },
        { fn: 'avg', field: 'price' },
        { fn: 'avg', field: 'count' },
      ],
      having: undefined,
      orderBy: [],
      take: undefined,
      skip: undefined,
    })
    expect(r).toEqual({
      '_sum.ratio': 0.3,
      '_sum.price': '0.31',
      '_avg.price': '0.1033333333333333',
      '_avg.count': 5 / 3,
    })
  })
})
