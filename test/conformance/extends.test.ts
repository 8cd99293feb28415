// $extends on both backends: query hooks (order, args, results, inside $transaction), the two usual uses
// (soft delete over sample.at as the deletedAt timestamp; a tenant filter over sample.group), result fields
// (computed on every row, respecting select/omit, on related rows too), model and client methods.
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import { BACKENDS, openDb, uid, type TestDb } from '../support/backends.js'
import { expectCode } from '../support/conformance-helpers.js'

describe.each(BACKENDS)('$extends on %s', (backend) => {
  let db: TestDb
  beforeAll(async () => {
    db = await openDb(backend)
  })
  afterAll(async () => {
    await db?.$disconnect()
  })

  it('query hooks: see model, operation and args, may change args and result; the original client is unchanged', async () => {
    const seen: string[] = []
    const group = uid('g')
    const xdb = db.$extends({
      name: 'spy',
      query: {
        $allModels: {
          async $allOperations({ model, operation, args, query }) {
            seen.push(`${model}.${operation}`)
            return query(args)
          },
        },
        sample: {
          async findMany({ args, query }) {
            // every findMany of sample sorted by label, whatever the caller asked
            const rows = (await query({ ...args, orderBy: { label: 'asc' } })) as { label: string | null }[]
            return rows.map((r) => ({ ...r, label: r.label?.toUpperCase() ?? null }))
          },
        },
      },
    })
    await db.sample.createMany({
      data: [
        { group, label: 'b' },
        { group, label: 'a' },
      ],
    })
    const rows = await xdb.sample.findMany({ where: { group } })
    expect(rows.map((r) => r.label)).toEqual(['A', 'B'])
    expect(await xdb.sample.count({ where: { group } })).toBe(2)
    expect(seen).toEqual(['sample.findMany', 'sample.count'])
    // the base client has no hooks
    expect((await db.sample.findMany({ where: { group }, orderBy: { label: 'asc' } })).map((r) => r.label)).toEqual([
      'a',
      'b',
    ])
    expect(seen).toHaveLength(2)
  })

  it('chained extensions: the earlier extension runs outside the later one; hooks get a copy of the args', async () => {
    const order: string[] = []
    const group = uid('g')
    const args = { where: { group } }
    const xdb = db
      .$extends({
        query: {
          sample: {
            findMany: async ({ args: a, query }) => {
              order.push('a:in')
              a.where = { ...a.where, label: 'only' }
              const out = await query(a)
              order.push('a:out')
              return out
            },
          },
        },
      })
      .$extends({
        query: {
          $allOperations: async ({ args: a, query }) => {
            order.push('b')
            expect(a.where).toEqual({ group, label: 'only' })
            return query(a)
          },
        },
      })
    await db.sample.createMany({
      data: [
        { group, label: 'only' },
        { group, label: 'other' },
      ],
    })
    expect((await xdb.sample.findMany(args)).map((r) => r.label)).toEqual(['only'])
    expect(order).toEqual(['a:in', 'b', 'a:out'])
    expect(args).toEqual({ where: { group } })
  })

  it('soft delete: delete sets the timestamp, reads skip deleted rows, a model method restores', async () => {
    const group = uid('soft')
    const soft = db.$extends({
      name: 'softDelete',
      query: {
        sample: {
          // a hook cannot change the operation: the update runs on the base client (as in Prisma)
          delete: ({ args }) => db.sample.update({ where: args.where as { id: string }, data: { at: new Date() } }),
          deleteMany: ({ args }) =>
            db.sample.updateMany({ where: args.where as { group: string }, data: { at: new Date() } }),
          findMany: ({ args, query }) => query({ ...args, where: { ...args.where, at: null } }),
          findFirst: ({ args, query }) => query({ ...args, where: { ...args.where, at: null } }),
          findUnique: ({ args, query }) => query({ ...args, where: { ...args.where, at: null } }),
          count: ({ args, query }) => query({ ...args, where: { ...args.where, at: null } }),
        },
      },
      model: {
        sample: {
          restore: (id: string) => db.sample.update({ where: { id }, data: { at: null } }),
        },
      },
    })
    const [a, b, c] = await Promise.all(
      ['a', 'b', 'c'].map((label) => soft.sample.create({ data: { group, label } })),
    ).then((rows) => rows.sort((x, y) => String(x.label).localeCompare(String(y.label))))
    const removed = await soft.sample.delete({ where: { id: a!.id } })
    expect(removed.at).toBeInstanceOf(Date)
    expect((await soft.sample.findMany({ where: { group } })).map((r) => r.label).sort()).toEqual(['b', 'c'])
    expect(await soft.sample.findUnique({ where: { id: a!.id } })).toBeNull()
    expect(await soft.sample.count({ where: { group } })).toBe(2)
    // still there underneath
    expect((await db.sample.findUnique({ where: { id: a!.id } }))?.at).toBeInstanceOf(Date)
    await soft.sample.restore(a!.id)
    expect(await soft.sample.count({ where: { group } })).toBe(3)
    expect((await soft.sample.deleteMany({ where: { group } })).count).toBe(3)
    expect(await soft.sample.findFirst({ where: { group } })).toBeNull()
    expect(await db.sample.count({ where: { group } })).toBe(3)
    expect([b, c].every(Boolean)).toBe(true)
  })

  it('tenant filter: every where ANDed with the tenant, creates stamped with it; in $transaction too', async () => {
    const tenant = uid('tenantA')
    const other = uid('tenantB')
    const forTenant = (t: string) =>
      db.$extends({
        query: {
          sample: {
            $allOperations: ({ operation, args, query }) => {
              if (operation === 'create') return query({ ...args, data: { ...args.data, group: t } })
              if (operation === 'createMany' || operation === 'createManyAndReturn' || operation === 'upsert')
                throw new Error(`${operation} is not wired for tenants in this test`)
              const where = (args.where ?? {}) as { AND?: unknown[] }
              return query({ ...args, where: { ...where, AND: [...(where.AND ?? []), { group: t }] } })
            },
          },
        },
      })
    const a = forTenant(tenant)
    const b = forTenant(other)
    const mine = await a.sample.create({ data: { group: 'ignored', label: 'mine' } })
    expect(mine.group).toBe(tenant)
    const theirs = await b.sample.create({ data: { group: 'ignored', label: 'theirs' } })
    expect(theirs.group).toBe(other)
    // the tenant's key is in every where, so ScyllaDB reads through the group index
    expect((await a.sample.findMany({ where: { group: tenant } })).map((r) => r.id)).toEqual([mine.id])
    expect(await a.sample.findMany({ where: { group: other } })).toEqual([])
    expect(await a.sample.findUnique({ where: { id: theirs.id } })).toBeNull()
    expect(await a.sample.count({ where: { group: other } })).toBe(0)
    await expectCode(a.sample.update({ where: { id: theirs.id }, data: { label: 'stolen' } }), 'P2025')
    // hooks run for calls inside $transaction on the extended client, in both forms
    const [made, listed] = await a.$transaction([
      a.sample.create({ data: { group: 'x', label: 'tx1' } }),
      a.sample.findMany({ where: { group: tenant, label: 'tx1' } }),
    ])
    expect(made.group).toBe(tenant)
    expect(listed.map((r) => r.id)).toEqual([made.id])
    await expect(
      a.$transaction(async (tx) => {
        const r = await tx.sample.create({ data: { group: 'x', label: 'tx2' } })
        expect(r.group).toBe(tenant)
        expect(await tx.sample.findUnique({ where: { id: theirs.id } })).toBeNull()
        throw new Error('undo')
      }),
    ).rejects.toThrow('undo')
    expect(await a.sample.count({ where: { group: tenant, label: 'tx2' } })).toBe(0)
    expect((await db.sample.findUnique({ where: { id: theirs.id } }))?.label).toBe('theirs')
  })

  it('result fields: computed on every row, respecting select and omit, needs read even when not selected', async () => {
    const group = uid('res')
    const xdb = db.$extends({
      result: {
        sample: {
          title: { needs: { group: true, label: true }, compute: (s) => `${s.group}/${s.label ?? '-'}` },
          doubled: { needs: { count: true }, compute: (s) => s.count * 2 },
        },
      },
    })
    const created = await xdb.sample.create({ data: { group, label: 'L', count: 21 } })
    expect(created.title).toBe(`${group}/L`)
    expect(created.doubled).toBe(42)
    expectTypeOf(created.title).toEqualTypeOf<string>()
    const all = await xdb.sample.findMany({ where: { group } })
    expect(all.map((r) => [r.title, r.doubled])).toEqual([[`${group}/L`, 42]])
    const selected = await xdb.sample.findFirst({ where: { group }, select: { id: true, title: true } })
    expect(selected).toEqual({ id: created.id, title: `${group}/L` })
    const plain = await xdb.sample.findFirst({ where: { group }, select: { id: true } })
    expect(plain).toEqual({ id: created.id })
    const omitted = await xdb.sample.findFirst({ where: { group }, omit: { doubled: true, label: true } })
    expect(omitted).toMatchObject({ id: created.id, title: `${group}/L` })
    expect(omitted && 'label' in omitted).toBe(false)
    expect(omitted && 'doubled' in omitted).toBe(false)
    const updated = await xdb.sample.update({ where: { id: created.id }, data: { count: 5 } })
    expect(updated.doubled).toBe(10)
    expect((await xdb.sample.count({ where: { group } })) satisfies number).toBe(1)
  })

  it('result fields on related rows ($allModels and per model)', async () => {
    const xdb = db.$extends({
      result: {
        $allModels: { kind: { compute: () => 'row' } },
        server: { shout: { needs: { name: true }, compute: (s) => s.name.toUpperCase() } },
      },
    })
    const owner = await db.profile.create({ data: { userId: uid('u'), name: 'Owner' } })
    await db.server.create({ data: { name: 'alpha', inviteCode: uid('i'), profileId: owner.id } })
    const found = await xdb.profile.findUnique({ where: { id: owner.id }, include: { servers: true } } as never)
    const row = found as unknown as { kind: string; servers: { shout: string; kind: string }[] }
    expect(row.kind).toBe('row')
    expect(row.servers.map((s) => [s.shout, s.kind])).toEqual([['ALPHA', 'row']])
  })

  it('model and client methods: `this` is the extended model / client; they work on tx clients too', async () => {
    const group = uid('m')
    const xdb = db
      .$extends({
        model: {
          $allModels: {
            async exists(this: { count(args: unknown): Promise<number> }, where: object) {
              return (await this.count({ where })) > 0
            },
          },
        },
        client: {
          $tenantOf: (id: string) => `tenant:${id}`,
        },
      })
      .$extends({
        client: {
          $both(this: { $tenantOf(id: string): string }, id: string) {
            return [this.$tenantOf(id), 'both']
          },
        },
      })
    expect(await xdb.sample.exists({ group })).toBe(false)
    await xdb.sample.create({ data: { group } })
    expect(await xdb.sample.exists({ group })).toBe(true)
    expect(xdb.$tenantOf('x')).toBe('tenant:x')
    expectTypeOf(xdb.$tenantOf).returns.toEqualTypeOf<string>()
    expectTypeOf(xdb.sample.exists).parameter(0).toEqualTypeOf<object>()
    expect(xdb.$both('y')).toEqual(['tenant:y', 'both'])
    expect(await xdb.$transaction(async (tx) => tx.sample.exists({ group }))).toBe(true)
  })

  it('a bad extension is refused at $extends (VALIDATION)', () => {
    expect(() => db.$extends({ query: { nosuch: {} } } as never)).toThrow(/unknown model `nosuch`/)
    expect(() => db.$extends({ query: { sample: { frobnicate: () => 1 } } } as never)).toThrow(/not a model operation/)
    expect(() =>
      db.$extends({ result: { sample: { x: { needs: { nope: true }, compute: () => 1 } } } } as never),
    ).toThrow(/needs unknown field/)
    expect(() => db.$extends({ client: { noDollar: () => 1 } } as never)).toThrow(/must start with \$/)
    expect(() => db.$extends({ bogus: 1 } as never)).toThrow(/unknown component/)
  })
})
