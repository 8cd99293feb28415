// Type tests of lazy calls, $transaction and $extends (type-checked by vitest's typecheck mode, never run).
import type { InferSelectModel } from 'drizzle-orm'
import { describe, expectTypeOf, test } from 'vitest'
import { createDb, type TandemPromise } from '../../src/index.js'
import * as schema from '../support/schema.js'

const db = createDb({ schema, backend: 'postgres' })
type Sample = InferSelectModel<typeof schema.sample>
type Profile = InferSelectModel<typeof schema.profile>

describe('lazy calls', () => {
  test('model methods return a TandemPromise, awaitable as a Promise', async () => {
    const call = db.sample.findMany({ where: { group: 'g' } })
    expectTypeOf(call).toEqualTypeOf<TandemPromise<Sample[]>>()
    expectTypeOf(call).toMatchTypeOf<Promise<Sample[]>>()
    expectTypeOf(await db.sample.count()).toEqualTypeOf<number>()
  })
})

describe('$transaction', () => {
  test('array form: a tuple of the calls’ results', async () => {
    const out = await db.$transaction([
      db.profile.create({ data: { userId: 'u', name: 'n' } }),
      db.sample.count({ where: { group: 'g' } }),
      db.sample.findFirst({ where: { group: 'g' }, select: { id: true } }),
    ])
    expectTypeOf(out).toEqualTypeOf<[Profile, number, { id: string } | null]>()
    // @ts-expect-error a plain promise is not a model call
    void db.$transaction([Promise.resolve(1)])
    // @ts-expect-error isolation levels are Prisma's names
    void db.$transaction([], { isolationLevel: 'serializable' })
  })
  test('interactive form: tx has the models, resolves to fn’s result', async () => {
    const n = await db.$transaction(
      async (tx) => {
        expectTypeOf(tx.sample.findMany({})).toEqualTypeOf<TandemPromise<Sample[]>>()
        // @ts-expect-error no $push on a transaction client
        void tx.$push
        return tx.sample.count()
      },
      { timeout: 1000, maxWait: 100, isolationLevel: 'Serializable' },
    )
    expectTypeOf(n).toEqualTypeOf<number>()
  })
})

describe('$extends', () => {
  const x = db
    .$extends({
      result: { sample: { title: { needs: { label: true }, compute: (s) => (s.label ?? '').toUpperCase() } } },
      model: { sample: { byGroup: (group: string) => db.sample.findMany({ where: { group } }) } },
    })
    .$extends({ client: { $hello: (name: string) => `hello ${name}` } })

  test('result fields on rows, respecting select and omit', async () => {
    const row = await x.sample.findFirstOrThrow({ where: { group: 'g' } })
    expectTypeOf(row.title).toEqualTypeOf<string>()
    expectTypeOf(row.label).toEqualTypeOf<string | null>()
    const picked = await x.sample.findFirstOrThrow({ where: { group: 'g' }, select: { id: true, title: true } })
    expectTypeOf(picked).toEqualTypeOf<{ id: string } & { title: string }>()
    const without = await x.sample.findMany({ select: { id: true } })
    expectTypeOf(without[0]!.id).toEqualTypeOf<string>()
    expectTypeOf(without[0]!).not.toHaveProperty('title')
    // other models are unchanged
    expectTypeOf(await x.profile.findFirstOrThrow()).toEqualTypeOf<Profile>()
  })
  test('model and client methods, and the original client unchanged', () => {
    expectTypeOf(x.sample.byGroup).parameters.toEqualTypeOf<[string]>()
    expectTypeOf(x.$hello('a')).toEqualTypeOf<string>()
    // @ts-expect-error the original client has no extension members
    void db.$hello
  })
  test('hooks: args loosely typed, query returns a promise', () => {
    db.$extends({
      query: {
        sample: {
          findMany: ({ args, query, operation }) => {
            expectTypeOf(operation).toEqualTypeOf<
              | 'findUnique'
              | 'findUniqueOrThrow'
              | 'findFirst'
              | 'findFirstOrThrow'
              | 'findMany'
              | 'create'
              | 'createMany'
              | 'createManyAndReturn'
              | 'aggregate'
              | 'groupBy'
              | 'updateManyAndReturn'
              | 'update'
              | 'updateMany'
              | 'upsert'
              | 'delete'
              | 'deleteMany'
              | 'count'
            >()
            return query({ ...args, where: { ...args.where, group: 'g' } })
          },
        },
      },
    })
  })
})
