// migrate ScyllaDB → PostgreSQL with a self-referencing model: the source's token order puts children before
// their parents, PostgreSQL's foreign key refuses them, and migrate retries them after the model's other rows,
// so every row arrives; a row whose parent never arrives is reported with its key, not dropped silently.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pgTable, text, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core'
import { randomUUID } from 'node:crypto'
import { createDb } from '../../src/index.js'
import { backendOf } from '../../src/create-db.js'
import { migrate } from '../../src/move/migrate.js'
import { dropDatabases, urlOf } from './move-support.js'

const NAME = 'tandem_move_fk'

const category = pgTable('category', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  parentId: uuid('parent_id').references((): AnyPgColumn => category.id, { onDelete: 'cascade' }),
})
const schema = { category }

const open = async (backend: 'postgres' | 'scylla') => {
  const db = createDb({ schema, backend, postgres: { url: urlOf(NAME) }, scylla: { keyspace: NAME } })
  await db.$push()
  return db
}
let pg: Awaited<ReturnType<typeof open>>
let cql: Awaited<ReturnType<typeof open>>

beforeAll(async () => {
  await dropDatabases({ postgres: [NAME], scylla: [NAME] })
  ;[pg, cql] = await Promise.all([open('postgres'), open('scylla')])
})

afterAll(async () => {
  await pg?.$disconnect()
  await cql?.$disconnect()
})

describe('migrate and foreign keys', () => {
  it('copies a self-referencing tree into PostgreSQL whatever order the source gives it', async () => {
    // a tree four levels deep: every row but the roots points at a row made before it
    const ids: string[] = []
    for (let i = 0; i < 120; i++) {
      const id = randomUUID()
      const parentId = i < 3 ? null : ids[Math.floor((i - 3) / 3)]!
      await cql.category.create({ data: { id, name: `c${i}`, parentId } })
      ids.push(id)
    }
    const phases = new Set<string>()
    const r = await migrate(backendOf(cql).store, backendOf(pg).store, {
      pageSize: 25,
      verify: 'full',
      onProgress: (e) => phases.add(e.phase),
    })
    expect(phases).toContain('retry') // some children did come before their parents
    const [m] = r.models
    expect(m).toMatchObject({ model: 'category', copied: 120, skipped: [] })
    expect(r.verification?.differences).toEqual([])
    expect(await pg.category.count()).toBe(120)
  })

  it('reports rows whose parent never arrives, with their keys', async () => {
    const orphan = randomUUID()
    // written behind the ScyllaDB backend's reference check: its parent does not exist anywhere
    const backend = backendOf(cql)
    if (backend.kind !== 'scylla') throw new Error('expected the ScyllaDB backend')
    await backend.session.exec.write(`INSERT INTO ${NAME}.category (id, name, parent_id) VALUES (?, ?, ?)`, [
      orphan,
      'orphan',
      randomUUID(),
    ])
    const r = await migrate(backendOf(cql).store, backendOf(pg).store, { force: true, noBackup: true, verify: false })
    const [m] = r.models
    expect(m!.copied).toBe(120)
    expect(m!.skipped).toMatchObject([{ key: { id: orphan }, reason: 'foreign-key' }])
    expect(m!.skipped[0]!.detail).toMatch(/parent_id/)
  })
})
