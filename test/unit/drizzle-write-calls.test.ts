// The facade's translation of drizzle's write builders (issue 13): drizzle's own builders over the test schema,
// their config read into the model-API calls `explain` shows and that run makes (over recording clients: pure
// translation, no database); what cannot be served is refused before any call. Results: drizzle-writes.test.ts.
import { describe, expect, it } from 'vitest'
import { eq, sql } from 'drizzle-orm'
import { readSchema } from '../../src/schema/read-schema.js'
import { drizzleFacade } from '../../src/drizzle/facade-db.js'
import { translate } from '../../src/drizzle/facade-session.js'
import type { ModelClients } from '../../src/drizzle/builder-call.js'
import type { BuilderCall } from '../../src/drizzle/facade-dialect.js'
import * as schema from '../support/schema.js'

const { layout: _layout, ...models } = schema
const { sample, setting } = schema
const info = readSchema(models)
const db = drizzleFacade(models, { $schema: info } as never)

const translated = (q: { getSQL(): unknown }) =>
  translate(info, (q.getSQL() as { queryChunks: unknown[] }).queryChunks[0] as BuilderCall)

/** model clients that record each call and answer with `answer` */
function recording(answer: unknown): { clients: ModelClients; seen: [string, unknown][] } {
  const seen: [string, unknown][] = []
  const model = new Proxy({}, { get: (_t, method) => (args: unknown) => (seen.push([String(method), args]), answer) })
  return { clients: { sample: model, setting: model } as ModelClients, seen }
}
const direct = <T>(fn: (c: ModelClients) => Promise<T>, clients: ModelClients) => fn(clients)

describe('drizzle write builders as model-API calls', () => {
  it('placeholders in values and in an increment are filled when run', async () => {
    const insert = translated(db.insert(sample).values({ group: sql.placeholder('g'), code: 'c' }))
    const { clients, seen } = recording({ count: 1 })
    const result = await insert.run(clients, { g: 'G' }, (fn) => direct(fn, clients))
    expect(seen).toEqual([['createMany', { data: [{ group: 'G', code: 'c' }] }]])
    expect([(result as unknown[]).length, (result as { count: number }).count]).toEqual([0, 1])

    const update = translated(
      db
        .update(sample)
        .set({ count: sql`${sample.count} - ${sql.placeholder('n')}` })
        .where(eq(sample.code, 'c')),
    )
    const second = recording({ count: 1 })
    await update.run(second.clients, { n: 4 }, (fn) => direct(fn, second.clients))
    expect(second.seen).toEqual([
      ['updateMany', { where: { code: { equals: 'c' } }, data: { count: { decrement: 4 } } }],
    ])
  })

  it('a composite conflict target is the compound unique key in each upsert', () => {
    const { calls } = translated(
      db
        .insert(setting)
        .values({ scope: 's', key: 'k', value: 'v' })
        .onConflictDoUpdate({ target: [setting.scope, setting.key], set: { version: sql`${setting.version} + 1` } })
        .returning({ v: setting.version }),
    )
    expect(calls).toEqual([
      {
        method: 'upsert',
        args: {
          where: { scope_key: { scope: 's', key: 'k' } },
          create: { scope: 's', key: 'k', value: 'v' },
          update: { version: { increment: 1 } },
          select: { version: true },
        },
      },
    ])
  })

  it('delete returning reads the rows, then deletes exactly those by key in one transaction', async () => {
    const del = translated(db.delete(sample).where(eq(sample.group, 'g')).returning({ c: sample.code }))
    const { clients, seen } = recording([{ id: 'a', code: 'x' }])
    let transactions = 0
    const rows = await del.run(clients, {}, (fn) => (transactions++, direct(fn, clients)))
    expect(rows).toEqual([{ c: 'x' }])
    expect(transactions).toBe(1)
    expect(seen).toEqual([
      ['findMany', { where: { group: { equals: 'g' } }, select: { code: true, id: true } }],
      ['deleteMany', { where: { id: { in: ['a'] } } }],
    ])
  })

  const refused: [string, string, () => { getSQL(): unknown }][] = [
    ['UNSERVABLE_QUERY', 'setting a column to a column', () => db.update(sample).set({ label: sample.code as never })],
    [
      'UNSERVABLE_QUERY',
      'onConflictDoNothing with a where',
      () =>
        db
          .insert(sample)
          .values({ group: 'g' })
          .onConflictDoNothing({ target: sample.code, where: eq(sample.count, 1) }),
    ],
    [
      'VALIDATION',
      'an onConflictDoUpdate target missing from a row',
      () =>
        db
          .insert(sample)
          .values({ group: 'g' })
          .onConflictDoUpdate({ target: sample.code, set: { count: 1 } }),
    ],
    [
      'VALIDATION',
      'two rows with the same conflict target',
      () =>
        db
          .insert(sample)
          .values([
            { group: 'g', code: 'c' },
            { group: 'h', code: 'c' },
          ])
          .onConflictDoUpdate({ target: sample.code, set: { count: 1 } }),
    ],
    [
      'VALIDATION',
      'excluded.<column> of a column the row does not give',
      () =>
        db
          .insert(sample)
          .values({ group: 'g', code: 'c' })
          .onConflictDoUpdate({ target: sample.code, set: { label: sql`excluded.label` } }),
    ],
    [
      'VALIDATION',
      'a conflict target that is no unique key',
      () => db.insert(sample).values({ group: 'g' }).onConflictDoNothing({ target: sample.count }),
    ],
  ]
  for (const [code, name, build] of refused)
    it(`refuses ${name} (${code})`, () => {
      expect(() => translated(build())).toThrow(expect.objectContaining({ code }))
    })
})
