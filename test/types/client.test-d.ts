// Type tests of the client (type-checked by vitest's typecheck mode, never run: no database). They pin what
// `createDb({ schema })` returns for the conformance schema: the result type of every method, and how
// `select` / `omit` narrow it. Argument checking is in where.test-d.ts and data.test-d.ts.
import type { InferInsertModel, InferSelectModel } from 'drizzle-orm'
import { describe, expectTypeOf, test } from 'vitest'
import {
  createDb,
  type DualDb,
  type Health,
  type ModelClient,
  type PushOptions,
  type PushReport,
  type ScyllaCallOptions,
  type SingleDb,
  type Statement,
  type TandemDb,
} from '../../src/index.js'
import type { ModelDelegate } from '../../src/adapter/model-delegate.js'
import * as schema from '../support/schema.js'

const db = createDb({ schema })

type Profile = {
  id: string
  userId: string
  name: string
  email: string | null
  imageUrl: string | null
  createdAt: Date
  updatedAt: Date
}
type Role = 'ADMIN' | 'MODERATOR' | 'GUEST'

describe('the client', () => {
  test('has a client per pgTable export and the $ controls, nothing for enums, relations or other exports', () => {
    expectTypeOf(db).toEqualTypeOf<TandemDb<typeof schema>>()
    expectTypeOf(db.profile).toEqualTypeOf<ModelClient<typeof schema.profile, typeof schema>>()
    expectTypeOf(db.setting).toEqualTypeOf<ModelClient<typeof schema.setting, typeof schema>>()
    expectTypeOf(db).toHaveProperty('directMessage')
    expectTypeOf(db).not.toHaveProperty('memberRole')
    expectTypeOf(db).not.toHaveProperty('profileRelations')
    expectTypeOf(db).not.toHaveProperty('layout')
    // the backend comes from USE_SCYLLA, which may say 'dual': `$backend` tells which client it is
    expectTypeOf(db.$backend).toEqualTypeOf<'postgres' | 'scylla' | 'dual'>()
    expectTypeOf(db.$push).returns.toEqualTypeOf<Promise<PushReport>>()
    expectTypeOf(db.$push).parameter(0).toEqualTypeOf<PushOptions | undefined>()
    expectTypeOf(db.$ddl).returns.toEqualTypeOf<string[]>()
    expectTypeOf(db.$disconnect).returns.toEqualTypeOf<Promise<void>>()
    // $scylla: the same model clients, with per-call options
    expectTypeOf(db.$scylla({ ttl: 60 }).profile).toEqualTypeOf<ModelClient<typeof schema.profile, typeof schema>>()
    expectTypeOf(db.$scylla).parameter(0).toEqualTypeOf<ScyllaCallOptions>()
    expectTypeOf(db.$scylla({ consistency: 'one' })).not.toHaveProperty('$push')
    if (db.$backend !== 'dual') expectTypeOf(db).toEqualTypeOf<SingleDb<typeof schema>>()
  })

  test('a named backend gives its client type: one health entry, or one per database and $dual', () => {
    const single = createDb({ schema, backend: 'postgres' })
    expectTypeOf(single).toEqualTypeOf<SingleDb<typeof schema>>()
    expectTypeOf(single.$backend).toEqualTypeOf<'postgres' | 'scylla'>()
    expectTypeOf(single.$health).returns.resolves.toEqualTypeOf<Health>()
    expectTypeOf<Health>().toEqualTypeOf<{
      backend: 'postgres' | 'scylla'
      ok: boolean
      latencyMs: number
      error?: string
    }>()
    const dual = createDb({ schema, backend: 'dual', dual: { mirror: 'async', shadowReads: 0.05 } })
    expectTypeOf(dual).toEqualTypeOf<DualDb<typeof schema>>()
    expectTypeOf(dual.$backend).toEqualTypeOf<'dual'>()
    expectTypeOf(dual.$health).returns.resolves.toEqualTypeOf<Health[]>()
    expectTypeOf(dual.$dual.status().active).toEqualTypeOf<'postgres' | 'scylla'>()
    expectTypeOf(dual.profile).toEqualTypeOf<ModelClient<typeof schema.profile, typeof schema>>()
  })

  test('ModelDelegate<T> is a ModelClient<T>', () => {
    expectTypeOf<ModelDelegate<typeof schema.profile>>().toExtend<ModelClient<typeof schema.profile>>()
    expectTypeOf<ModelDelegate>().toExtend<ModelClient<import('drizzle-orm/pg-core').PgTable>>()
  })

  test('rows are the Drizzle select model: Date for timestamps, enums as their unions, null for nullable columns', () => {
    expectTypeOf<InferSelectModel<typeof schema.profile>>().toEqualTypeOf<Profile>()
    expectTypeOf<InferSelectModel<typeof schema.member>['role']>().toEqualTypeOf<Role>()
    expectTypeOf<InferSelectModel<typeof schema.channel>['type']>().toEqualTypeOf<'TEXT' | 'AUDIO' | 'VIDEO'>()
    expectTypeOf<InferSelectModel<typeof schema.sample>>().toEqualTypeOf<{
      id: string
      group: string
      label: string | null
      count: number
      big: number | null
      huge: bigint | null
      flag: boolean | null
      ratio: number | null
      score: number | null
      price: string | null // numeric: a decimal string (values.ts returns strings at the column's scale)
      at: Date | null
      day: string | null // date() in Drizzle's default 'string' mode: "YYYY-MM-DD"
      doc: unknown
      docb: unknown
      role: Role | null
      code: string | null
      slug: string | null
    }>()
  })
})

describe('read results', () => {
  test('findUnique and findFirst resolve to the row or null; the OrThrow forms to the row', () => {
    expectTypeOf(db.profile.findUnique({ where: { id: 'x' } })).resolves.toEqualTypeOf<Profile | null>()
    expectTypeOf(db.profile.findUniqueOrThrow({ where: { userId: 'u' } })).resolves.toEqualTypeOf<Profile>()
    expectTypeOf(db.profile.findFirst()).resolves.toEqualTypeOf<Profile | null>()
    expectTypeOf(
      db.profile.findFirst({ where: { name: 'n' }, orderBy: { createdAt: 'desc' } }),
    ).resolves.toEqualTypeOf<Profile | null>()
    expectTypeOf(db.profile.findFirstOrThrow({ where: { name: 'n' } })).resolves.toEqualTypeOf<Profile>()
  })

  test('findMany resolves to a list of rows', () => {
    expectTypeOf(db.profile.findMany()).resolves.toEqualTypeOf<Profile[]>()
    expectTypeOf(
      db.profile.findMany({ where: { email: null }, take: 10, skip: 5, cursor: { id: 'x' } }),
    ).resolves.toEqualTypeOf<Profile[]>()
    expectTypeOf(db.member.findMany()).resolves.items.toHaveProperty('role').toEqualTypeOf<Role>()
  })

  test('select keeps the fields selected with true', () => {
    expectTypeOf(db.profile.findMany({ select: { id: true, email: true } })).resolves.toEqualTypeOf<
      { id: string; email: string | null }[]
    >()
    expectTypeOf(
      db.profile.findUnique({ where: { id: 'x' }, select: { name: true, createdAt: true } }),
    ).resolves.toEqualTypeOf<{ name: string; createdAt: Date } | null>()
    expectTypeOf(db.profile.findFirst({ select: { id: true, name: false } })).resolves.toEqualTypeOf<{
      id: string
    } | null>()
  })

  test('omit drops the fields omitted with true', () => {
    type Rest = { id: string; userId: string; name: string; imageUrl: string | null; createdAt: Date; updatedAt: Date }
    expectTypeOf(db.profile.findMany({ omit: { email: true } })).resolves.toEqualTypeOf<Rest[]>()
    expectTypeOf(db.profile.findFirstOrThrow({ omit: { email: true, name: false } })).resolves.toEqualTypeOf<Rest>()
  })

  test('a select value typed boolean (not the literal true) drops the field from the type', () => {
    const pick: boolean = Math.random() > 0.5
    // at run time the field is there when pick is true; the type leaves it out
    expectTypeOf(db.profile.findMany({ select: { id: true, email: pick } })).resolves.toEqualTypeOf<{ id: string }[]>()
  })
})

describe('write results', () => {
  test('create, update, upsert and delete resolve to the row, narrowed by select / omit', () => {
    expectTypeOf(db.profile.create({ data: { userId: 'u', name: 'n' } })).resolves.toEqualTypeOf<Profile>()
    expectTypeOf(db.profile.create({ data: { userId: 'u', name: 'n' }, select: { id: true } })).resolves.toEqualTypeOf<{
      id: string
    }>()
    expectTypeOf(db.profile.update({ where: { id: 'x' }, data: { name: 'm' } })).resolves.toEqualTypeOf<Profile>()
    expectTypeOf(
      db.profile.update({ where: { id: 'x' }, data: { name: 'm' }, select: { name: true } }),
    ).resolves.toEqualTypeOf<{ name: string }>()
    expectTypeOf(
      db.profile.upsert({ where: { userId: 'u' }, create: { userId: 'u', name: 'n' }, update: {} }),
    ).resolves.toEqualTypeOf<Profile>()
    expectTypeOf(
      db.profile.upsert({
        where: { userId: 'u' },
        create: { userId: 'u', name: 'n' },
        update: {},
        omit: { createdAt: true, updatedAt: true },
      }),
    ).resolves.toEqualTypeOf<{
      id: string
      userId: string
      name: string
      email: string | null
      imageUrl: string | null
    }>()
    expectTypeOf(db.profile.delete({ where: { id: 'x' } })).resolves.toEqualTypeOf<Profile>()
    expectTypeOf(db.profile.delete({ where: { id: 'x' }, select: { userId: true } })).resolves.toEqualTypeOf<{
      userId: string
    }>()
  })

  test('createMany, updateMany and deleteMany resolve to { count }', () => {
    expectTypeOf(db.profile.createMany({ data: [{ userId: 'u', name: 'n' }] })).resolves.toEqualTypeOf<{
      count: number
    }>()
    expectTypeOf(
      db.profile.createMany({ data: { userId: 'u', name: 'n' }, skipDuplicates: true }),
    ).resolves.toEqualTypeOf<{ count: number }>()
    expectTypeOf(db.profile.updateMany({ where: { name: 'n' }, data: { name: 'm' } })).resolves.toEqualTypeOf<{
      count: number
    }>()
    expectTypeOf(db.profile.deleteMany()).resolves.toEqualTypeOf<{ count: number }>()
    expectTypeOf(db.profile.deleteMany({ where: { email: null } })).resolves.toEqualTypeOf<{ count: number }>()
  })

  test('createManyAndReturn resolves to the rows, narrowed by select / omit', () => {
    expectTypeOf(db.profile.createManyAndReturn({ data: [{ userId: 'u', name: 'n' }] })).resolves.toEqualTypeOf<
      Profile[]
    >()
    expectTypeOf(
      db.profile.createManyAndReturn({ data: [{ userId: 'u', name: 'n' }], select: { id: true } }),
    ).resolves.toEqualTypeOf<{ id: string }[]>()
  })

  test('createMany takes no select (its result is a count)', () => {
    // @ts-expect-error select is not an argument of createMany
    db.profile.createMany({ data: [{ userId: 'u', name: 'n' }], select: { id: true } })
  })
})

describe('count', () => {
  test('count() and count({ where }) resolve to a number', () => {
    expectTypeOf(db.profile.count()).resolves.toEqualTypeOf<number>()
    expectTypeOf(db.profile.count({ where: { name: { startsWith: 'a' } } })).resolves.toEqualTypeOf<number>()
    expectTypeOf(
      db.profile.count({ where: { email: null }, orderBy: { name: 'asc' }, take: 10, skip: 1, cursor: { id: 'x' } }),
    ).resolves.toEqualTypeOf<number>()
  })

  test('count({ select }) resolves to one number per key selected with true, _all for every row', () => {
    expectTypeOf(db.profile.count({ select: { _all: true, email: true } })).resolves.toEqualTypeOf<{
      _all: number
      email: number
    }>()
    expectTypeOf(
      db.profile.count({ where: { name: 'n' }, select: { email: true, imageUrl: false } }),
    ).resolves.toEqualTypeOf<{ email: number }>()
    expectTypeOf(db.sample.count({ select: { _all: true } })).resolves.toEqualTypeOf<{ _all: number }>()
  })

  test('count select takes fields of the model and _all, as booleans', () => {
    // @ts-expect-error count select values are booleans
    db.profile.count({ select: { _all: 1 } })
    // @ts-expect-error select: true (Prisma's shorthand) is not supported
    db.profile.count({ select: true })
  })
})

describe('explain', () => {
  test('takes a method name and resolves to the backend and statements', () => {
    expectTypeOf(db.message.explain('findMany', { where: { channelId: 'c' }, take: 50 })).resolves.toEqualTypeOf<{
      backend: 'postgres' | 'scylla'
      statements: Statement[]
    }>()
    // @ts-expect-error not a model method
    db.message.explain('findEverything')
  })
})

describe('insert model', () => {
  test('data of create is the Drizzle insert model: columns with defaults or nullable are optional', () => {
    expectTypeOf<InferInsertModel<typeof schema.profile>>().toEqualTypeOf<{
      id?: string | undefined
      userId: string
      name: string
      email?: string | null | undefined
      imageUrl?: string | null | undefined
      createdAt?: Date | undefined
      updatedAt?: Date | undefined
    }>()
  })
})
