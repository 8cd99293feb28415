// tandem check's planning, with no database: recorded shapes (as the recorder writes them, values as slots)
// re-planned on the ScyllaDB layout, an include expanded into the loader's reads, and the fixes suggested.
import { describe, expect, it } from 'vitest'
import type { Operation } from '../../src/adapter/backend.js'
import { methodOf, type RecordedShape } from '../../src/adapter/shape-recorder.js'
import { shapeOf, templateOf } from '../../src/adapter/query.js'
import { backendOf, createDb } from '../../src/create-db.js'
import { checkShapes, operationText, readsOf } from '../../src/cli/shape-check.js'
import * as schema from '../support/schema.js'

const { layout, ...models } = schema
// never connects: explain plans with no I/O (no host is even configured)
const db = createDb({ schema: models, backend: 'scylla', layout: layout as never, scylla: { contactPoints: [] } })
const scylla = backendOf(db)
const info = db.$schema
const model = (name: string) => info.models.get(name)!

/** A shape as recordShapes writes it: the operation's template, JSON round-tripped. */
function recorded(name: string, operation: Operation): RecordedShape {
  return JSON.parse(
    JSON.stringify({
      v: 1,
      model: name,
      method: methodOf(operation),
      key: shapeOf(name, operation).key,
      operation: templateOf(operation),
    }),
  ) as RecordedShape
}

const read = (where: unknown, extra: object = {}): { query: never } =>
  ({ query: { where, orderBy: [], take: undefined, skip: undefined, unique: false, ...extra } }) as never
const cmp = (field: string, op: string, value: unknown) => ({ kind: 'cmp', field, op, value })

describe('checkShapes', () => {
  const shapes = [
    recorded('profile', { op: 'findMany', ...read(cmp('userId', 'eq', 'u1'), { unique: true, take: 1 }) }),
    recorded('profile', { op: 'findMany', ...read(cmp('name', 'eq', 'Ann')) }),
    recorded('message', {
      op: 'findMany',
      ...read(cmp('channelId', 'eq', 'c1'), { orderBy: [{ field: 'createdAt', dir: 'desc' }], take: 50 }),
    }),
    recorded('message', {
      op: 'update',
      ...read(cmp('memberId', 'gt', 'm')),
      set: { content: { op: 'set', value: 'x' } },
    }),
    recorded('server', { op: 'count', ...read(cmp('name', 'startsWith', 'a')) }),
    recorded('gone', { op: 'count', ...read(undefined) }),
    // served: the loader reads servers and channels by their foreign keys (lookup tables ScyllaDB keeps)
    recorded('profile', {
      op: 'findMany',
      ...read(cmp('id', 'eq', 'p1')),
      include: {
        scalars: undefined,
        relations: [
          {
            relation: 'servers',
            scalars: undefined,
            relations: [],
            counts: [{ relation: 'channels', where: undefined }],
            query: read(undefined).query,
          },
        ],
        counts: undefined,
      },
    }),
  ]
  const result = checkShapes(info, (m, op) => scylla.explain(m, op), shapes)

  it('counts served, refused and stale shapes', () => {
    expect(result).toMatchObject({ checked: 7, served: 3 })
    expect(result.refused.map((r) => `${r.shape.model}.${r.shape.method} ${r.read}`)).toEqual([
      'profile.findMany where name = ?',
      'message.updateMany where memberId > ? set (content)',
      'server.count where name startsWith ?',
    ])
    expect(result.stale.map((s) => s.model)).toEqual(['gone'])
  })

  it('suggests an index or a layout for equality filters, and what is missing otherwise', () => {
    const [name, range, prefix] = result.refused
    expect(name!.code).toBe('UNSERVABLE_QUERY')
    expect(name!.fix).toBe(
      "add index('profile_name_idx').on(t.name) to the Drizzle table 'profile' (pgTable('profile', {…}, (t) => [ … ]); " +
        "tandem keeps a lookup table for it), or give profile the layout { profile: { partitionKey: ['name'] } }",
    )
    expect(range!.fix).toMatch(/^the filter has no equality on a field .*: add an equality on a key \(channelId;/)
    expect(range!.fix).toContain("clusteringKey: ['memberId']")
    expect(prefix!.fix).toMatch(/add an equality on a key \(id; inviteCode; profileId\) to the call$/)
  })
})

describe('readsOf', () => {
  it('expands a compiled include into the reads the ScyllaDB loader does', () => {
    const op: Operation = {
      op: 'findMany',
      ...read(cmp('id', 'eq', 'p1')),
      include: {
        scalars: undefined,
        relations: [
          {
            relation: 'servers',
            scalars: undefined,
            relations: [],
            counts: [{ relation: 'channels', where: undefined }],
            query: read(cmp('name', 'eq', 's'), { orderBy: [{ field: 'createdAt', dir: 'asc' }] }).query,
          },
        ],
        counts: undefined,
      },
    }
    expect(readsOf(info, model('profile'), op).map((r) => `${r.model.name} ${operationText(r.operation)}`)).toEqual([
      'profile where id = ?',
      'server where name = ? and profileId in (?) orderBy createdAt asc',
      'channel where serverId in (?)',
    ])
  })
})
