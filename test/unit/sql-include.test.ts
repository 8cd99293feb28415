// Golden SQL of findMany calls with `include` on PostgreSQL: one statement per call (sql-include.ts),
// through the real front end (createDb + explain). Database-free: explain compiles, nothing connects.
import { afterAll, describe, expect, it } from 'vitest'
import { createDb } from '../../src/create-db.js'
import { shapeOf, templateOf, type Operation } from '../../src/adapter/query.js'
import { schema } from './helpers.js'

const db = createDb({
  schema,
  backend: 'postgres',
  postgres: { url: 'postgres://nobody:none@127.0.0.1:1/none' },
}) as any
afterAll(() => db.$disconnect?.())
const ID = '00000000-0000-4000-8000-000000000001'

async function sqlOf(model: string, method: string, args: unknown): Promise<string[]> {
  const { backend, statements } = await db[model].explain(method, args)
  expect(backend).toBe('postgres')
  return statements.map((s: { text: string }) => s.text)
}

describe('include compiled into one PostgreSQL statement', () => {
  it('to-one chain: LEFT JOINs, no subquery', async () => {
    expect(
      await sqlOf('message', 'findMany', {
        where: { channelId: ID },
        orderBy: { createdAt: 'desc' },
        take: 10,
        include: { member: { include: { profile: true } } },
      }),
    ).toMatchInlineSnapshot(`
      [
        "select "message"."id", "message"."content", "message"."file_url", "message"."member_id", "message"."channel_id", "message"."deleted", "message"."created_at", "message"."updated_at", "j1"."id", "j1"."role", "j1"."profile_id", "j1"."server_id", "j1"."created_at", "j2"."id", "j2"."user_id", "j2"."name", "j2"."email", "j2"."image_url", "j2"."created_at", "j2"."updated_at" from "message" left join "member" "j1" on "j1"."id" = "message"."member_id" left join "profile" "j2" on "j2"."id" = "j1"."profile_id" where "message"."channel_id" = $1 order by "message"."created_at" desc limit $2",
      ]
    `)
  })

  it('list relation with where/orderBy/take/skip, nested select and _count with where', async () => {
    expect(
      await sqlOf('channel', 'findMany', {
        where: { serverId: ID },
        include: {
          messages: {
            where: { content: { contains: 'x' } },
            orderBy: { createdAt: 'desc' },
            take: 2,
            skip: 1,
            select: { content: true, member: { select: { role: true } } },
          },
          _count: { select: { messages: { where: { deleted: false } } } },
        },
      }),
    ).toMatchInlineSnapshot(`
      [
        "select "channel"."id", "channel"."name", "channel"."type", "channel"."server_id", "channel"."created_at", (select coalesce(json_agg(json_build_array("t1"."content", (select json_build_array("t2"."role") from "member" "t2" where "t2"."id" = "t1"."member_id")) order by "t1"."created_at" desc), '[]'::json) from (select * from "message" "t1" where ("t1"."channel_id" = "channel"."id" and "t1"."content" like $1) order by "t1"."created_at" desc limit $2 offset $3) "t1"), (select count(*)::int from "message" "t3" where ("t3"."channel_id" = "channel"."id" and "t3"."deleted" = $4)) from (select * from "channel" where "channel"."server_id" = $5) "channel"",
      ]
    `)
  })

  it('list relation without a window: json_agg over the related rows directly', async () => {
    expect(
      await sqlOf('server', 'findUnique', {
        where: { id: ID },
        include: { channels: { orderBy: { name: 'asc' } }, profile: { omit: { email: true } } },
      }),
    ).toMatchInlineSnapshot(`
      [
        "select "server"."id", "server"."name", "server"."invite_code", "server"."profile_id", "server"."created_at", (select coalesce(json_agg(json_build_array("t1"."id", "t1"."name", "t1"."type", "t1"."server_id", "t1"."created_at"::text) order by "t1"."name" asc), '[]'::json) from "channel" "t1" where "t1"."server_id" = "server"."id"), "j2"."id", "j2"."user_id", "j2"."name", "j2"."image_url", "j2"."created_at", "j2"."updated_at" from (select * from "server" where "server"."id" = $1 limit $2) "server" left join "profile" "j2" on "j2"."id" = "server"."profile_id"",
      ]
    `)
  })

  it('a nested cursor is left to the loader: one statement per level', async () => {
    const texts = await sqlOf('channel', 'findUnique', {
      where: { id: ID },
      include: { messages: { cursor: { id: ID }, take: 2 } },
    })
    expect(texts.length).toBeGreaterThan(1)
  })

  it('shapeOf: nested values are slots, the key carries the structure', () => {
    const include = {
      scalars: ['id'],
      relations: [
        {
          relation: 'messages',
          scalars: undefined,
          relations: [],
          counts: undefined,
          query: {
            where: { kind: 'cmp', field: 'deleted', op: 'eq', value: false },
            orderBy: [],
            take: 3,
            skip: undefined,
            unique: false,
          },
        },
      ],
      counts: [{ relation: 'messages', where: undefined }],
    } as const
    const op = {
      op: 'findMany',
      query: { where: undefined, orderBy: [], take: 5, skip: undefined, unique: false },
      include,
    } as unknown as Operation
    const shape = shapeOf('channel', op)
    expect(shape.values).toEqual([5, false, 3])
    expect(shape.key).toBe('channel|findMany|m|t$|[id|messages{|m(deleted:eq:$)|t$|[*]}|#messages()]')
    const t = templateOf(op) as Extract<Operation, { op: 'findMany' }>
    expect(t.include!.relations[0]!.query!.take).toEqual({ $slot: 2 })
    expect(shapeOf('channel', { ...op, include: { ...include, scalars: ['name'] } } as Operation).key).not.toBe(
      shape.key,
    )
  })
})
