// Type tests of tandem-orm/drizzle: `drizzle({ schema })` is typed as drizzle's own PostgresJsDatabase<schema>
// (builder rows, relational queries with `with`), plus `$tandem` (tandem's client) and `$client`. Type-checked
// only, never run.
import { eq, type InferSelectModel } from 'drizzle-orm'
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js'
import type postgres from 'postgres'
import { describe, expectTypeOf, test } from 'vitest'
import type { TandemDb } from '../../src/create-db.js'
import { drizzle, explain } from '../../src/drizzle/index.js'
import type { Statement } from '../../src/adapter/backend.js'
import * as schema from '../support/schema.js'

const { layout, ...models } = schema
const db = drizzle({ schema: models, layout: layout as never })
type Profile = InferSelectModel<typeof schema.profile>
type Member = InferSelectModel<typeof schema.member>

describe('drizzle({ schema })', () => {
  test('is drizzle’s PostgresJsDatabase over the schema, with $tandem and $client', () => {
    expectTypeOf(db).toMatchTypeOf<PostgresJsDatabase<typeof models>>()
    expectTypeOf(db.$tandem).toEqualTypeOf<TandemDb<typeof models>>()
    expectTypeOf(db.$client).toEqualTypeOf<postgres.Sql | undefined>()
    expectTypeOf(db.$tandem.$push).toBeFunction()
  })

  test('select builder rows are typed; a chosen, nested selection too', async () => {
    const all = await db.select().from(schema.profile).where(eq(schema.profile.userId, 'u'))
    expectTypeOf(all).toEqualTypeOf<Profile[]>()
    const picked = await db
      .select({ id: schema.message.id, body: { content: schema.message.content, at: schema.message.createdAt } })
      .from(schema.message)
    expectTypeOf(picked).toEqualTypeOf<{ id: string; body: { content: string; at: Date } }[]>()
    // @ts-expect-error profile has no column `nickname`
    void db.select().from(schema.profile).where(eq(schema.profile.nickname, 'x'))
    // @ts-expect-error a profile row has no `nickname`
    void all[0]!.nickname
  })

  test('db.query.<table>.findMany / findFirst with `with` are typed', async () => {
    const servers = await db.query.server.findMany({
      columns: { id: true, name: true },
      with: { members: { with: { profile: true } } },
    })
    const server = servers[0]!
    expectTypeOf<keyof typeof server>().toEqualTypeOf<'id' | 'name' | 'members'>()
    expectTypeOf(server.members[0]!.role).toEqualTypeOf<Member['role']>()
    expectTypeOf(server.members[0]!.profile.email).toEqualTypeOf<Profile['email']>()
    const one = await db.query.profile.findFirst({ where: (p, { eq }) => eq(p.userId, 'u') })
    expectTypeOf(one).toEqualTypeOf<Profile | undefined>()
    // @ts-expect-error profile has no relation `posts`
    void db.query.profile.findMany({ with: { posts: true } })
  })

  test('explain takes a builder or a relational query', async () => {
    const plan = await explain(db, db.select().from(schema.profile).where(eq(schema.profile.id, 'x')))
    expectTypeOf(plan).toEqualTypeOf<{ backend: 'postgres' | 'scylla'; statements: Statement[] }>()
    void explain(db, db.query.profile.findMany())
    // @ts-expect-error a plain promise is not a query
    void explain(db, Promise.resolve([]))
  })

  test('{ schema, client } takes a tandem client of the same schema', () => {
    const other = drizzle({ schema: models, client: db.$tandem })
    expectTypeOf(other.$tandem).toEqualTypeOf<TandemDb<typeof models>>()
  })
})
