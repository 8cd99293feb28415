// The two RowStores on real databases: scans page through every row in key order (resumable by cursor),
// `copy` never replaces a newer row and reports unique collisions, `mirror` makes the row exactly the given
// one (old lookup entries removed), and ScyllaDB's integrity check sees what a write behind tandem's back left.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Row } from '../../src/schema/model.js'
import { keyText, type RowStore } from '../../src/move/row-store.js'
import { sameRow } from '../../src/move/row-compare.js'
import { backendOf } from '../../src/create-db.js'
import type { TestDb } from '../support/backends.js'
import { dropDatabases, modelOf, openNamed, seed, storeOf, type SeedCounts } from './move-support.js'

const NAME = 'tandem_move_store'
let pg: TestDb
let cql: TestDb
let counts: SeedCounts

async function scanAll(store: RowStore, model: string, db: TestDb, limit: number, from?: string): Promise<Row[]> {
  const out: Row[] = []
  let cursor = from
  do {
    const page = await store.scan(modelOf(db, model), cursor, limit)
    expect(page.rows.length).toBeLessThanOrEqual(limit)
    out.push(...page.rows)
    cursor = page.next
  } while (cursor)
  return out
}

beforeAll(async () => {
  await dropDatabases({ postgres: [NAME], scylla: [NAME] })
  pg = await openNamed('postgres', NAME)
  cql = await openNamed('scylla', NAME)
  counts = await seed(pg)
})

afterAll(async () => {
  await pg?.$disconnect()
  await cql?.$disconnect()
})

describe('RowStore', () => {
  it('copies every model PostgreSQL → ScyllaDB page by page, rows equal on both sides', async () => {
    const from = storeOf(pg)
    const to = storeOf(cql)
    for (const name of Object.keys(counts)) {
      const model = modelOf(pg, name)
      const rows = await scanAll(from, name, pg, 7)
      expect(rows.length).toBe(counts[name])
      expect(new Set(rows.map((r) => keyText(model, r))).size).toBe(rows.length)
      const result = await to.write(model, rows, 'copy')
      expect(result.skipped).toEqual([])
      expect(result.written).toBe(rows.length)
      expect(await to.count(model)).toBe(rows.length)
      const back = await scanAll(to, name, cql, 11)
      expect(back.length).toBe(rows.length)
      const byKey = new Map(back.map((r) => [keyText(model, r), r]))
      for (const r of rows)
        expect(sameRow(model, r, byKey.get(keyText(model, r))!), `${name} ${keyText(model, r)}`).toBe(true)
      const read = await to.readByKeys(model, rows.slice(0, 5))
      expect(read.length).toBe(Math.min(5, rows.length))
      expect(await to.integrity!.checkRows(model, back)).toEqual([])
      expect(await to.integrity!.checkEntries(model)).toEqual([])
    }
  })

  it('a scan cursor is valid in another process (a new connection continues where the first left off)', async () => {
    for (const db of [pg, cql]) {
      const model = modelOf(db, 'message')
      const first = await storeOf(db).scan(model, undefined, 40)
      const other = await openNamed(db.$backend, NAME)
      try {
        const rest = await scanAll(storeOf(other), 'message', other, 1000, first.next)
        const keys = new Set([...first.rows, ...rest].map((r) => keyText(model, r)))
        expect(keys.size).toBe(first.rows.length + rest.length)
        expect(keys.size).toBe(counts.message)
      } finally {
        await other.$disconnect()
      }
    }
  })

  it('copy is idempotent: a second copy of the same rows changes nothing and doubles nothing', async () => {
    const model = modelOf(pg, 'message')
    const rows = await scanAll(storeOf(pg), 'message', pg, 50)
    const again = await storeOf(cql).write(model, rows, 'copy')
    expect(again.skipped).toEqual([])
    expect(await storeOf(cql).count(model)).toBe(rows.length)
    const pgAgain = await storeOf(pg).write(model, rows, 'copy')
    expect(pgAgain.written).toBe(0)
    expect(pgAgain.skipped.every((s) => s.reason === 'newer')).toBe(true)
  })

  it('copy never replaces a newer row, and replaces an older one (update-time model)', async () => {
    for (const db of [pg, cql]) {
      const store = storeOf(db)
      const model = modelOf(db, 'profile')
      const [row] = await store.readByKeys(model, [{ id: (await scanAll(storeOf(pg), 'profile', pg, 100))[3]!.id }])
      const older = {
        ...row!,
        name: 'older',
        updatedAt: new Date((row!.updatedAt as Date as unknown as number) - 1000),
      }
      const r1 = await store.write(model, [older], 'copy')
      expect(r1.written).toBe(0)
      expect(r1.skipped[0]?.reason).toBe('newer')
      expect((await store.readByKeys(model, [row!]))[0]!.name).toBe(row!.name)
      const newer = { ...row!, name: 'newer', updatedAt: new Date((row!.updatedAt as Date).getTime() + 1000) }
      expect((await store.write(model, [newer], 'copy')).written).toBe(1)
      expect((await store.readByKeys(model, [row!]))[0]!.name).toBe('newer')
      await store.write(model, [row!], 'mirror')
      expect((await store.readByKeys(model, [row!]))[0]!.name).toBe(row!.name)
    }
  })

  it('a fresh copy (no reads) still loses to what the application wrote or deleted meanwhile (write timestamps)', async () => {
    const store = storeOf(cql)
    const model = modelOf(cql, 'profile')
    const [a, b] = (await storeOf(pg).scan(model, undefined, 20)).rows.slice(10, 12)
    await cql.profile.update({ where: { id: a!.id as string }, data: { name: 'app-newer' } })
    await cql.profile.delete({ where: { id: b!.id as string } })
    const r = await store.write(model, [a!, b!], 'copy', { fresh: true })
    expect(r.skipped).toEqual([])
    expect((await store.readByKeys(model, [a!]))[0]!.name).toBe('app-newer')
    expect(await store.readByKeys(model, [b!])).toEqual([])
    expect(await store.integrity!.checkEntries(model)).toEqual([])
    // put them back as they were in the source (mirror writes with the current time)
    expect((await store.write(model, [a!, b!], 'mirror')).written).toBe(2)
    expect(await store.integrity!.checkRows(model, [a!, b!])).toEqual([])
  })

  it('a copy moving a unique value removes the old entry as of its own time, so a later owner of that value keeps it', async () => {
    const store = storeOf(cql)
    const model = modelOf(cql, 'profile')
    const now = Date.now()
    const a = {
      id: randomUUID(),
      userId: 'swap-x',
      name: 'a',
      email: null,
      imageUrl: null,
      createdAt: new Date(now - 5000),
      updatedAt: new Date(now - 3000),
    }
    const c = { ...a, id: randomUUID(), name: 'c', updatedAt: new Date(now - 1000) }
    expect((await store.write(model, [a], 'copy')).written).toBe(1)
    // a's newer version took another value; then c (later still) took a's old one
    const a2 = { ...a, userId: 'swap-y', updatedAt: new Date(now - 2000) }
    expect((await store.write(model, [a2], 'copy')).written).toBe(1)
    expect((await store.write(model, [c], 'copy')).skipped).toEqual([])
    expect(await store.integrity!.checkRows(model, [a2, c])).toEqual([])
    expect(await store.integrity!.checkEntries(model)).toEqual([])
    await store.deleteByKeys(model, [a2, c])
  })

  it('a unique value owned by another row is reported, not overwritten', async () => {
    for (const db of [pg, cql]) {
      const store = storeOf(db)
      const model = modelOf(db, 'profile')
      const [a, b] = await store.scan(model, undefined, 2).then((p) => p.rows)
      const clash = { ...a!, id: '00000000-0000-4000-8000-000000000001', userId: b!.userId as string }
      const r = await store.write(model, [clash], 'copy')
      expect(r.written).toBe(0)
      expect(r.skipped).toMatchObject([{ key: { id: clash.id }, reason: 'unique' }])
      expect(await store.readByKeys(model, [clash])).toEqual([])
      if (db === cql) expect(await store.integrity!.checkEntries(model)).toEqual([])
    }
  })

  it('mirror moves unique and index entries with the values; deleteByKeys removes rows and entries', async () => {
    const store = storeOf(cql)
    const model = modelOf(cql, 'sample')
    const [row] = (await store.scan(model, undefined, 50)).rows.filter((r) => r.code !== null && r.label !== null)
    const changed = { ...row!, code: `${row!.code}-moved`, group: 'g-moved' }
    expect((await store.write(model, [changed], 'mirror')).written).toBe(1)
    expect(await store.integrity!.checkRows(model, [changed])).toEqual([])
    expect(await store.integrity!.checkEntries(model)).toEqual([])
    expect(await store.deleteByKeys(model, [{ id: row!.id }])).toBe(1)
    expect(await store.readByKeys(model, [row!])).toEqual([])
    expect(await store.integrity!.checkEntries(model)).toEqual([])
    // a row of a layout model (primary key lookup → base key) read and deleted by primary key
    const msg = modelOf(cql, 'message')
    const [m] = (await store.scan(msg, undefined, 1)).rows
    expect(await store.readByKeys(msg, [{ id: m!.id }])).toHaveLength(1)
    expect(await store.deleteByKeys(msg, [{ id: m!.id }])).toBe(1)
    expect(await store.readByKeys(msg, [{ id: m!.id }])).toEqual([])
    expect(await store.integrity!.checkEntries(msg)).toEqual([])
  })

  it('the integrity check finds an orphan lookup entry and a row whose entry is missing', async () => {
    const store = storeOf(cql)
    const model = modelOf(cql, 'server')
    const exec = backendOf(cql)
    if (exec.kind !== 'scylla') throw new Error('expected scylla')
    const t = exec.session.tablesOf(model)
    const u = t.uniques[0]!
    await exec.session.exec.write(`INSERT INTO ${NAME}.${u.name} (invite_code, id) VALUES (?, ?)`, [
      'orphan-invite',
      '00000000-0000-4000-8000-0000000000aa',
    ])
    const [row] = (await store.scan(model, undefined, 1)).rows
    await exec.session.exec.write(`DELETE FROM ${NAME}.${u.name} WHERE invite_code = ?`, [row!.inviteCode])
    const entries = await store.integrity!.checkEntries(model)
    expect(entries).toMatchObject([{ problem: 'orphan-entry', key: { inviteCode: 'orphan-invite' } }])
    const rows = await store.integrity!.checkRows(model, [row!])
    expect(rows).toMatchObject([{ problem: 'missing-entry', key: { id: row!.id } }])
  })

  it('keeps meta records, and samples, counts and scans changed rows', async () => {
    for (const db of [pg, cql]) {
      const store = storeOf(db)
      await store.setMeta('test:a', '1')
      await store.setMeta('test:b', '2')
      await store.setMeta('other', '3')
      expect(await store.getMeta('test:a')).toBe('1')
      expect([...(await store.listMeta('test:'))]).toEqual([
        ['test:a', '1'],
        ['test:b', '2'],
      ])
      await store.deleteMeta('test:a')
      expect(await store.getMeta('test:a')).toBeUndefined()
      const model = modelOf(db, 'setting')
      const sample = await store.sample(model, 10)
      expect(sample.length).toBe(10)
      expect(new Set(sample.map((r) => keyText(model, r))).size).toBe(10)
      expect(await store.missingTables(model)).toEqual([])
      const msg = modelOf(db, 'message')
      const since = new Date(Date.UTC(2024, 0, 1) + 600 * 60_000)
      const changed: Row[] = []
      let cursor: string | undefined
      do {
        const page = await store.scanSince(msg, since, cursor, 20)
        changed.push(...page.rows)
        cursor = page.next
      } while (cursor)
      expect(changed.length).toBeGreaterThan(0)
      expect(changed.every((r) => (r.updatedAt as Date) > since)).toBe(true)
    }
  })
})
