import { describe, expect, it } from 'vitest'
import { normalizeOrderBy, normalizeWhere } from '../../src/adapter/normalize.js'
import type { Filter, OrderTerm, ReadQuery } from '../../src/adapter/query.js'
import { planRead, type ReadPlan } from '../../src/cql/read-planner.js'
import { deriveTables } from '../../src/schema/scylla-layout.js'
import { model, tablesOf, tandemError, UUID_A, UUID_B, UUID_C } from './helpers.js'

/** A ReadQuery from Prisma-style arguments, through the real front end. */
function query(
  modelName: string,
  args: { where?: unknown; orderBy?: unknown; take?: number; skip?: number; extra?: Filter },
): ReadQuery {
  const m = model(modelName)
  let where = normalizeWhere(m, args.where, 'test')
  if (args.extra) where = where ? { kind: 'and', items: [where, args.extra] } : args.extra
  return { where, orderBy: normalizeOrderBy(m, args.orderBy, 'test'), take: args.take, skip: args.skip, unique: false }
}

/** The plan with its table reduced to a name, for golden comparison. */
function shape(plan: ReadPlan) {
  if (plan.path === 'lookup') return { path: 'lookup', table: plan.table.name, keys: plan.keys }
  return {
    path: 'base',
    table: plan.table.name,
    partitions: plan.partitions,
    clustering: plan.clustering,
    order: plan.order,
    limited: plan.limited,
    residual: plan.residual,
  }
}

const T1 = new Date('2024-01-01T00:00:00.000Z')
const base = (over: Record<string, unknown>): Record<string, unknown> => ({
  path: 'base',
  partitions: [],
  clustering: { eq: [], slices: [] },
  order: 'none',
  limited: false,
  residual: false,
  ...over,
})

type Case = {
  name: string
  model: string
  layout?: boolean
  args: Parameters<typeof query>[1]
  expected: Record<string, unknown>
}

const baseCases: Case[] = [
  {
    name: 'partition equality reads one partition',
    model: 'event',
    args: { where: { stream: 's1' } },
    expected: base({ table: 'event', partitions: [['s1']] }),
  },
  {
    name: '`in` on the partition key reads one partition per distinct value',
    model: 'event',
    args: { where: { stream: { in: ['a', 'b', 'a'] } } },
    expected: base({ table: 'event', partitions: [['a'], ['b']] }),
  },
  {
    name: '`in` drops null values (they never match)',
    model: 'event',
    args: { where: { stream: { in: ['a', null] } } },
    expected: base({ table: 'event', partitions: [['a']] }),
  },
  {
    name: 'a composite partition key reads the cartesian product',
    model: 'setting',
    args: { where: { scope: { in: ['a', 'b'] }, key: { in: ['x', 'y'] } } },
    expected: base({
      table: 'setting',
      partitions: [
        ['a', 'x'],
        ['a', 'y'],
        ['b', 'x'],
        ['b', 'y'],
      ],
    }),
  },
  {
    name: 'a compound primary key by equality',
    model: 'setting',
    args: { where: { scope_key: { scope: 'app', key: 'theme' } } },
    expected: base({ table: 'setting', partitions: [['app', 'theme']] }),
  },
  {
    name: 'clustering equality prefix',
    model: 'event',
    args: { where: { stream: 's1', seq: 5 } },
    expected: base({ table: 'event', partitions: [['s1']], clustering: { eq: [5], slices: [] } }),
  },
  {
    name: 'an `in` with one value on a clustering column is an equality',
    model: 'event',
    args: { where: { stream: 's1', seq: { in: [5] } } },
    expected: base({ table: 'event', partitions: [['s1']], clustering: { eq: [5], slices: [] } }),
  },
  {
    name: 'an `in` with several values on a clustering column stays in memory',
    model: 'event',
    args: { where: { stream: 's1', seq: { in: [5, 6] } } },
    expected: base({ table: 'event', partitions: [['s1']], residual: true }),
  },
  {
    name: 'full clustering equality (one row)',
    model: 'event',
    args: { where: { stream: 's1', seq: 5, id: UUID_A } },
    expected: base({ table: 'event', partitions: [['s1']], clustering: { eq: [5, UUID_A], slices: [] } }),
  },
  {
    name: 'a range on the first clustering column',
    model: 'event',
    args: { where: { stream: 's1', seq: { gte: 3, lt: 10 } } },
    expected: base({
      table: 'event',
      partitions: [['s1']],
      clustering: {
        eq: [],
        slices: [
          { fields: ['seq'], op: '>=', values: [3] },
          { fields: ['seq'], op: '<', values: [10] },
        ],
      },
    }),
  },
  {
    name: 'an equality prefix then a range on the next clustering column',
    model: 'event',
    args: { where: { stream: 's1', seq: 5, id: { gt: UUID_A, lte: UUID_C } } },
    expected: base({
      table: 'event',
      partitions: [['s1']],
      clustering: {
        eq: [5],
        slices: [
          { fields: ['id'], op: '>', values: [UUID_A] },
          { fields: ['id'], op: '<=', values: [UUID_C] },
        ],
      },
    }),
  },
  {
    name: 'at most two range bounds are pushed; the rest is residual',
    model: 'event',
    args: { where: { AND: [{ stream: 's1' }, { seq: { gt: 1 } }, { seq: { lt: 9 } }, { seq: { gte: 2 } }] } },
    expected: base({
      table: 'event',
      partitions: [['s1']],
      residual: true,
      clustering: {
        eq: [],
        slices: [
          { fields: ['seq'], op: '>', values: [1] },
          { fields: ['seq'], op: '<', values: [9] },
        ],
      },
    }),
  },
  {
    name: 'a range on a clustering column after a gap stays in memory',
    model: 'event',
    args: { where: { stream: 's1', id: { gt: UUID_A } } },
    expected: base({ table: 'event', partitions: [['s1']], residual: true }),
  },
  {
    name: 'a filter on a non-key field is residual',
    model: 'event',
    args: { where: { stream: 's1', kind: 'click' } },
    expected: base({ table: 'event', partitions: [['s1']], residual: true }),
  },
  {
    name: 'a cursor over ascending clustering columns becomes a >= slice',
    model: 'event',
    args: {
      where: { stream: 's1' },
      extra: { kind: 'after', fields: ['seq', 'id'], dirs: ['asc', 'asc'], values: [3, UUID_B] },
    },
    expected: base({
      table: 'event',
      partitions: [['s1']],
      clustering: { eq: [], slices: [{ fields: ['seq', 'id'], op: '>=', values: [3, UUID_B] }] },
    }),
  },
  {
    name: 'a descending cursor becomes a <= slice',
    model: 'message',
    args: {
      where: { channelId: UUID_A },
      extra: { kind: 'after', fields: ['createdAt', 'id'], dirs: ['desc', 'desc'], values: [T1, UUID_B] },
    },
    expected: base({
      table: 'message',
      partitions: [[UUID_A]],
      clustering: { eq: [], slices: [{ fields: ['createdAt', 'id'], op: '<=', values: [T1, UUID_B] }] },
    }),
  },
  {
    name: 'a cursor against the clustering order is still a slice (the op follows the cursor)',
    model: 'event',
    args: { where: { stream: 's1' }, extra: { kind: 'after', fields: ['seq'], dirs: ['desc'], values: [7] } },
    expected: base({
      table: 'event',
      partitions: [['s1']],
      clustering: { eq: [], slices: [{ fields: ['seq'], op: '<=', values: [7] }] },
    }),
  },
  {
    name: 'a cursor with mixed directions stays in memory',
    model: 'event',
    args: {
      where: { stream: 's1' },
      extra: { kind: 'after', fields: ['seq', 'id'], dirs: ['asc', 'desc'], values: [3, UUID_B] },
    },
    expected: base({ table: 'event', partitions: [['s1']], residual: true }),
  },
  {
    name: 'a cursor not along the clustering columns stays in memory',
    model: 'event',
    args: {
      where: { stream: 's1' },
      extra: { kind: 'after', fields: ['kind', 'id'], dirs: ['asc', 'asc'], values: ['x', UUID_B] },
    },
    expected: base({ table: 'event', partitions: [['s1']], residual: true }),
  },
  {
    name: 'a cursor after a clustering equality stays in memory',
    model: 'event',
    args: {
      where: { stream: 's1', seq: 5 },
      extra: { kind: 'after', fields: ['id'], dirs: ['asc'], values: [UUID_B] },
    },
    expected: base({ table: 'event', partitions: [['s1']], clustering: { eq: [5], slices: [] }, residual: true }),
  },
  {
    name: '`in: []` is a constant false: no partitions are read',
    model: 'profile',
    args: { where: { id: { in: [] } } },
    expected: base({ table: 'profile', order: 'memory', residual: true }),
  },
  {
    name: '`in: []` next to other filters still reads nothing',
    model: 'profile',
    args: { where: { name: 'x', userId: { in: [] } } },
    expected: base({ table: 'profile', order: 'memory', residual: true }),
  },
]

const orderCases: Case[] = [
  {
    name: 'ascending along ascending clustering: native',
    model: 'event',
    args: { where: { stream: 's' }, orderBy: { seq: 'asc' } },
    expected: base({ table: 'event', partitions: [['s']], order: 'native' }),
  },
  {
    name: 'all clustering columns, same order: native',
    model: 'event',
    args: { where: { stream: 's' }, orderBy: [{ seq: 'asc' }, { id: 'asc' }] },
    expected: base({ table: 'event', partitions: [['s']], order: 'native' }),
  },
  {
    name: 'descending along ascending clustering: reversed',
    model: 'event',
    args: { where: { stream: 's' }, orderBy: { seq: 'desc' } },
    expected: base({ table: 'event', partitions: [['s']], order: 'reversed' }),
  },
  {
    name: 'all clustering columns reversed: reversed',
    model: 'event',
    args: { where: { stream: 's' }, orderBy: [{ seq: 'desc' }, { id: 'desc' }] },
    expected: base({ table: 'event', partitions: [['s']], order: 'reversed' }),
  },
  {
    name: 'mixed directions: memory',
    model: 'event',
    args: { where: { stream: 's' }, orderBy: [{ seq: 'asc' }, { id: 'desc' }] },
    expected: base({ table: 'event', partitions: [['s']], order: 'memory' }),
  },
  {
    name: 'a non-clustering field: memory',
    model: 'event',
    args: { where: { stream: 's' }, orderBy: { kind: 'asc' } },
    expected: base({ table: 'event', partitions: [['s']], order: 'memory' }),
  },
  {
    name: 'skipping the first clustering column: memory',
    model: 'event',
    args: { where: { stream: 's' }, orderBy: { id: 'asc' } },
    expected: base({ table: 'event', partitions: [['s']], order: 'memory' }),
  },
  {
    name: 'more terms than clustering columns: memory',
    model: 'event',
    args: { where: { stream: 's' }, orderBy: [{ seq: 'asc' }, { id: 'asc' }, { kind: 'asc' }] },
    expected: base({ table: 'event', partitions: [['s']], order: 'memory' }),
  },
  {
    name: 'an explicit nulls placement: memory',
    model: 'event',
    args: { where: { stream: 's' }, orderBy: { seq: { sort: 'asc', nulls: 'last' } } },
    expected: base({ table: 'event', partitions: [['s']], order: 'memory' }),
  },
  {
    name: 'terms fixed by the equality prefix are ignored',
    model: 'event',
    args: { where: { stream: 's', seq: 1 }, orderBy: [{ seq: 'asc' }, { id: 'desc' }] },
    expected: base({ table: 'event', partitions: [['s']], clustering: { eq: [1], slices: [] }, order: 'reversed' }),
  },
  {
    name: 'ordering only by equality-fixed columns is native',
    model: 'event',
    args: { where: { stream: 's', seq: 1 }, orderBy: { seq: 'desc' } },
    expected: base({ table: 'event', partitions: [['s']], clustering: { eq: [1], slices: [] }, order: 'native' }),
  },
  {
    name: 'descending clustering served natively',
    model: 'message',
    args: { where: { channelId: UUID_A }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] },
    expected: base({ table: 'message', partitions: [[UUID_A]], order: 'native' }),
  },
  {
    name: 'ascending on descending clustering: reversed',
    model: 'message',
    args: { where: { channelId: UUID_A }, orderBy: { createdAt: 'asc' } },
    expected: base({ table: 'message', partitions: [[UUID_A]], order: 'reversed' }),
  },
  {
    name: 'no clustering columns, any order: memory',
    model: 'profile',
    args: { where: { id: UUID_A }, orderBy: { name: 'asc' } },
    expected: base({ table: 'profile', partitions: [[UUID_A]], order: 'memory' }),
  },
]

const limitCases: Case[] = [
  {
    name: 'take is pushed down with native order',
    model: 'event',
    args: { where: { stream: 's' }, orderBy: { seq: 'asc' }, take: 10 },
    expected: base({ table: 'event', partitions: [['s']], order: 'native', limited: true }),
  },
  {
    name: 'take + skip is pushed down',
    model: 'event',
    args: { where: { stream: 's' }, orderBy: { seq: 'desc' }, take: 10, skip: 5 },
    expected: base({ table: 'event', partitions: [['s']], order: 'reversed', limited: true }),
  },
  {
    name: 'take with no order',
    model: 'event',
    args: { where: { stream: 's' }, take: 3 },
    expected: base({ table: 'event', partitions: [['s']], limited: true }),
  },
  {
    name: 'take with a pushed-down range',
    model: 'event',
    args: { where: { stream: 's', seq: { gt: 2 } }, orderBy: { seq: 'asc' }, take: 4 },
    expected: base({
      table: 'event',
      partitions: [['s']],
      clustering: { eq: [], slices: [{ fields: ['seq'], op: '>', values: [2] }] },
      order: 'native',
      limited: true,
    }),
  },
  {
    name: 'no limit with a residual filter',
    model: 'event',
    args: { where: { stream: 's', kind: 'k' }, orderBy: { seq: 'asc' }, take: 10 },
    expected: base({ table: 'event', partitions: [['s']], order: 'native', residual: true }),
  },
  {
    name: 'no limit with an in-memory order',
    model: 'event',
    args: { where: { stream: 's' }, orderBy: { kind: 'asc' }, take: 10 },
    expected: base({ table: 'event', partitions: [['s']], order: 'memory' }),
  },
  {
    name: 'no limit without take',
    model: 'event',
    args: { where: { stream: 's' }, orderBy: { seq: 'asc' }, skip: 10 },
    expected: base({ table: 'event', partitions: [['s']], order: 'native' }),
  },
]

const lookupCases: Case[] = [
  {
    name: 'a unique key by equality',
    model: 'profile',
    args: { where: { userId: 'u1' } },
    expected: { path: 'lookup', table: 'profile__by_user_id', keys: [['u1']] },
  },
  {
    name: 'a unique key by `in`',
    model: 'profile',
    args: { where: { userId: { in: ['u1', 'u2'] } } },
    expected: { path: 'lookup', table: 'profile__by_user_id', keys: [['u1'], ['u2']] },
  },
  {
    name: 'a unique key with extra filters',
    model: 'profile',
    args: { where: { userId: 'u1', name: { startsWith: 'A' } } },
    expected: { path: 'lookup', table: 'profile__by_user_id', keys: [['u1']] },
  },
  {
    name: 'a compound unique key (preferred over the index on one of its fields)',
    model: 'member',
    args: { where: { profileId_serverId: { profileId: UUID_A, serverId: UUID_B } } },
    expected: { path: 'lookup', table: 'member__by_profile_id_server_id', keys: [[UUID_A, UUID_B]] },
  },
  {
    name: 'the primary key when a layout re-keys the base table',
    model: 'message',
    args: { where: { id: UUID_A } },
    expected: { path: 'lookup', table: 'message__by_id', keys: [[UUID_A]] },
  },
  {
    name: 'a foreign-key index',
    model: 'message',
    args: { where: { memberId: UUID_B, deleted: false } },
    expected: { path: 'lookup', table: 'message__by_member_id', keys: [[UUID_B]] },
  },
  {
    name: 'a foreign-key index by `in`',
    model: 'member',
    args: { where: { serverId: { in: [UUID_A, UUID_B] } } },
    expected: { path: 'lookup', table: 'member__by_server_id', keys: [[UUID_A], [UUID_B]] },
  },
  {
    name: 'a declared index().on()',
    model: 'sample',
    args: { where: { group: 'g' } },
    expected: { path: 'lookup', table: 'sample__by_group', keys: [['g']] },
  },
  {
    name: 'a declared index on a layout model',
    model: 'event',
    args: { where: { kind: 'click' } },
    expected: { path: 'lookup', table: 'event__by_kind', keys: [['click']] },
  },
  {
    name: 'a compound unique with a nullable field',
    model: 'sample',
    args: { where: { group: 'g', label: 'l' } },
    expected: { path: 'lookup', table: 'sample__by_group_label', keys: [['g', 'l']] },
  },
]

describe('planRead: base path', () => {
  it.each(baseCases)('$name', (c) => {
    expect(shape(planRead(tablesOf(c.model, c.layout ?? true), query(c.model, c.args), 'test'))).toEqual(c.expected)
  })
})
describe('planRead: order', () => {
  it.each(orderCases)('$name', (c) => {
    expect(shape(planRead(tablesOf(c.model, c.layout ?? true), query(c.model, c.args), 'test'))).toEqual(c.expected)
  })
})
describe('planRead: limit pushdown', () => {
  it.each(limitCases)('$name', (c) => {
    expect(shape(planRead(tablesOf(c.model, c.layout ?? true), query(c.model, c.args), 'test'))).toEqual(c.expected)
  })
})
describe('planRead: lookup path', () => {
  it.each(lookupCases)('$name', (c) => {
    expect(shape(planRead(tablesOf(c.model, c.layout ?? true), query(c.model, c.args), 'test'))).toEqual(c.expected)
  })
})

describe('planRead: the partition key wins over lookups', () => {
  it('uses the base table when both the partition key and a unique key are given', () => {
    const plan = planRead(tablesOf('profile'), query('profile', { where: { id: UUID_A, userId: 'u1' } }), 'test')
    expect(shape(plan)).toEqual(base({ table: 'profile', partitions: [[UUID_A]], residual: true }))
  })

  it('dedupes Date values of `in` by time', () => {
    const t = deriveTables(model('event'), { partitionKey: ['at'], clusteringKey: ['id'] })
    const plan = planRead(
      t,
      query('event', { where: { at: { in: [T1, new Date(T1.getTime()), '2024-01-02T00:00:00Z'] } } }),
      'test',
    )
    expect(plan.path === 'base' && plan.partitions).toEqual([[T1], [new Date('2024-01-02T00:00:00Z')]])
  })
})

describe('planRead: refusals', () => {
  const cases: { name: string; model: string; where: unknown; extra?: Filter }[] = [
    { name: 'a non-key field', model: 'profile', where: { name: 'Ada' } },
    { name: 'no filter at all', model: 'profile', where: undefined },
    { name: 'an OR of keys', model: 'profile', where: { OR: [{ id: UUID_A }, { userId: 'u' }] } },
    {
      name: 'a case-insensitive equality on a key',
      model: 'profile',
      where: { userId: { equals: 'U', mode: 'insensitive' } },
    },
    { name: 'a range on a key', model: 'profile', where: { id: { gt: UUID_A } } },
    { name: 'IS NULL on a unique key', model: 'sample', where: { code: null } },
    { name: 'a negated key equality', model: 'profile', where: { NOT: { id: UUID_A } } },
    { name: 'half of a composite partition key', model: 'setting', where: { scope: 'app' } },
    { name: 'a clustering column without the partition key', model: 'event', where: { seq: 1 } },
  ]
  it.each(cases)('refuses $name with UNSERVABLE_QUERY', (c) => {
    const err = tandemError(() =>
      planRead(tablesOf(c.model), query(c.model, { where: c.where }), `${c.model}.findMany`),
    )
    expect(err.code).toBe('UNSERVABLE_QUERY')
    expect(err.message).toMatch(new RegExp(`^${c.model}\\.findMany: no key serves this filter on ScyllaDB`))
    expect(err.message).toMatch(/tandem never scans a table/)
  })

  it('names every key that would serve the read, in the message and in meta', () => {
    const err = tandemError(() =>
      planRead(tablesOf('message'), query('message', { where: { content: 'hi' } }), 'message.findMany'),
    )
    expect(err.message).toContain('Filter message by equality (or `in`) on one of: ')
    expect(err.message).toContain(
      'channelId (partition key of message); id (unique, lookup message__by_id); memberId (index, lookup message__by_member_id)',
    )
    expect(err.meta).toEqual({ modelName: 'message', keys: [['channelId'], ['id'], ['memberId']] })
  })

  it('names composite keys joined by +', () => {
    const err = tandemError(() =>
      planRead(tablesOf('member'), query('member', { where: { role: 'ADMIN' } }), 'member.findMany'),
    )
    expect(err.message).toContain('profileId + serverId (unique, lookup member__by_profile_id_server_id)')
  })

  it('refuses more than 1000 partitions', () => {
    const values = Array.from({ length: 1001 }, (_, i) => `s${i}`)
    const err = tandemError(() =>
      planRead(tablesOf('event'), query('event', { where: { stream: { in: values } } }), 'event.findMany'),
    )
    expect(err.code).toBe('UNSERVABLE_QUERY')
    expect(err.message).toMatch(/names 1001 partitions; at most 1000/)
  })

  it('refuses more than 1000 lookup keys', () => {
    const values = Array.from({ length: 1001 }, (_, i) => `u${i}`)
    const err = tandemError(() =>
      planRead(tablesOf('profile'), query('profile', { where: { userId: { in: values } } }), 'profile.findMany'),
    )
    expect(err.code).toBe('UNSERVABLE_QUERY')
    expect(err.message).toMatch(/names 1001 lookup keys/)
  })

  it('accepts exactly 1000 partitions', () => {
    const values = Array.from({ length: 1000 }, (_, i) => `s${i}`)
    const plan = planRead(tablesOf('event'), query('event', { where: { stream: { in: values } } }), 'event.findMany')
    expect(plan.path === 'base' && plan.partitions.length).toBe(1000)
  })
})

describe('planRead: built from raw filters', () => {
  it('serves a hand-built ReadQuery with an `and` of cmp nodes', () => {
    const orderBy: OrderTerm[] = [{ field: 'createdAt', dir: 'desc' }]
    const q: ReadQuery = {
      where: {
        kind: 'and',
        items: [
          { kind: 'cmp', field: 'channelId', op: 'eq', value: UUID_A },
          { kind: 'cmp', field: 'createdAt', op: 'lt', value: T1 },
        ],
      },
      orderBy,
      take: 20,
      skip: undefined,
      unique: false,
    }
    expect(shape(planRead(tablesOf('message'), q, 'test'))).toEqual(
      base({
        table: 'message',
        partitions: [[UUID_A]],
        clustering: { eq: [], slices: [{ fields: ['createdAt'], op: '<', values: [T1] }] },
        order: 'native',
        limited: true,
      }),
    )
  })

  it('reads nothing for a top-level const false', () => {
    const q: ReadQuery = {
      where: { kind: 'const', value: false },
      orderBy: [],
      take: undefined,
      skip: undefined,
      unique: false,
    }
    const plan = planRead(tablesOf('event'), q, 'test')
    expect(plan.path).toBe('base')
    expect(plan.path === 'base' && plan.partitions).toEqual([])
  })
})
