// migrate, verify and sync end to end through the real `tandem` CLI on real databases of their own: every model
// of the conformance schema PostgreSQL → ScyllaDB and back, verified clean; a run killed with SIGKILL half-way
// and run again completes with nothing missing or doubled; a non-empty target is refused without --force and
// backed up with it; --check-only writes nothing; sync copies only what changed, keeps newer target rows,
// reports unique collisions and deletes what the source lost; verify finds a row changed and a lookup entry
// added behind tandem's back, with their keys.
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backendOf } from '../../src/create-db.js'
import { verify } from '../../src/move/verify.js'
import { sync } from '../../src/move/sync.js'
import { fromJsonRow } from '../../src/move/json-rows.js'
import type { TestDb } from '../support/backends.js'
import { runCli, startCli } from './cli-runner.js'
import { dropDatabases, modelOf, openNamed, seed, storeOf, type SeedCounts } from './move-support.js'

const SOURCE = 'tandem_move' // PostgreSQL source (seeded) and ScyllaDB target
const BACK = 'tandem_move_back' // PostgreSQL target of ScyllaDB → PostgreSQL
const KILL = 'tandem_move_kill' // ScyllaDB target of the run killed half-way

let pg: TestDb
let cql: TestDb
let back: TestDb
let killed: TestDb
let counts: SeedCounts
const total = () => Object.values(counts).reduce((a, b) => a + b, 0)

beforeAll(async () => {
  await dropDatabases({ postgres: [SOURCE, BACK], scylla: [SOURCE, KILL] })
  ;[pg, cql, back, killed] = await Promise.all([
    openNamed('postgres', SOURCE),
    openNamed('scylla', SOURCE),
    openNamed('postgres', BACK),
    openNamed('scylla', KILL),
  ])
  counts = await seed(pg)
}, 180_000)

afterAll(async () => {
  for (const db of [pg, cql, back, killed]) await db?.$disconnect()
})

describe('tandem migrate / verify / sync', () => {
  it('bad flags are one coded line and exit 2, before any work', async () => {
    const target = { postgres: SOURCE, scylla: KILL }
    const cases: [string[], RegExp][] = [
      [['migrate', '--from', 'scylla', '--to', 'scylla'], /^tandem: VALIDATION: --from and --to must differ/],
      [
        ['migrate', '--from', 'postgres', '--to', 'scylla', '--concurrency', '0'],
        /^tandem: VALIDATION: .*--concurrency must be a positive integer/,
      ],
      [
        ['sync', '--from', 'postgres', '--to', 'scylla', '--since', 'yesterday'],
        /^tandem: VALIDATION: .*--since must be an ISO time/,
      ],
      [
        ['verify', '--from', 'postgres', '--to', 'scylla', '--models', 'nope'],
        /^tandem: VALIDATION: models: unknown model `nope`/,
      ],
    ]
    for (const [args, message] of cases) {
      const r = await runCli(target, args)
      expect([r.code, r.stderr.trim().split('\n').length], args.join(' ')).toEqual([2, 1])
      expect(r.stderr).toMatch(message)
    }
  })

  it('--check-only reports per model and writes nothing', async () => {
    const r = await runCli({ postgres: SOURCE, scylla: KILL }, [
      'migrate',
      '--from',
      'postgres',
      '--to',
      'scylla',
      '--check-only',
    ])
    expect(r.stderr).not.toMatch(/tandem: /)
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/check only: nothing written/)
    expect(r.stdout).toMatch(/^message\s+150\s+0\s+150\s+yes\s+none\s+no$/m)
    for (const name of Object.keys(counts)) expect(await storeOf(killed).count(modelOf(killed, name))).toBe(0)
    expect((await storeOf(killed).listMeta('migrate:')).size).toBe(0)
    const backend = backendOf(killed)
    if (backend.kind !== 'scylla') throw new Error('expected the ScyllaDB backend')
    const tables = await backend.session.exec.select(
      'SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?',
      [KILL],
    )
    expect(tables.map((t) => t.table_name)).not.toContain('tandem_meta') // not even tandem's own table
  })

  it('migrates every model PostgreSQL → ScyllaDB and back, verified clean', async () => {
    const there = await runCli({ postgres: SOURCE, scylla: SOURCE }, [
      'migrate',
      '--from',
      'postgres',
      '--to',
      'scylla',
      '--verify',
      'full',
    ])
    expect(there.stderr).not.toMatch(/tandem: /)
    expect(there.code, there.stdout).toBe(0)
    expect(there.stdout).toMatch(/verify \(full\): no differences/)
    expect(there.stdout).toMatch(/peak RSS \d+ MiB/)
    const returned = await runCli({ postgres: BACK, scylla: SOURCE }, [
      'migrate',
      '--from',
      'scylla',
      '--to',
      'postgres',
    ])
    expect(returned.stderr).not.toMatch(/tandem: /)
    expect(returned.code).toBe(0)
    for (const [a, b] of [
      [pg, cql],
      [cql, back],
    ] as const) {
      const v = await verify(storeOf(a), storeOf(b), { mode: 'full' })
      expect(v.differences).toEqual([])
      for (const m of v.models)
        expect([m.model, m.countA, m.countB]).toEqual([m.model, counts[m.model], counts[m.model]])
    }
    // rows copied with their serial / identity ids moved each target's sequence past them: a new row's id is new
    // (the source's largest ids: every target holds the same rows, verified above)
    const gadgetTop = (await pg.gadget.findFirst({ orderBy: { id: 'desc' }, select: { id: true } }))!.id
    const ticketTop = (await pg.ticket.findFirst({ orderBy: { id: 'desc' }, select: { id: true } }))!.id
    for (const db of [cql, back]) {
      const g = await db.gadget.create({ data: { owner: 'after-migrate' } })
      const t = await db.ticket.create({ data: { queue: 'after-migrate', title: 'new' } })
      expect(g.id).toBeGreaterThan(gadgetTop)
      expect(t.id > ticketTop).toBe(true)
      await db.gadget.delete({ where: { id: g.id } })
      await db.ticket.delete({ where: { id: t.id } })
    }
  })

  it('a run killed with SIGKILL half-way continues when run again: nothing missing, nothing doubled', async () => {
    const target = { postgres: SOURCE, scylla: KILL }
    const child = startCli(target, [
      'migrate',
      '--from',
      'postgres',
      '--to',
      'scylla',
      '--page-size',
      '10',
      '--rate',
      '120',
    ])
    const exited = new Promise((r) => child.once('exit', r))
    const store = storeOf(killed)
    let progressed = 0
    for (let i = 0; i < 300 && progressed < total() / 3; i++) {
      await new Promise((r) => setTimeout(r, 50))
      // the child creates tandem_meta: right after, a read of it can meet a node still applying the new table
      const meta = await store.listMeta('migrate:postgres:scylla:').catch(() => new Map<string, string>())
      const checkpoints = [...meta.values()].map((v) => JSON.parse(v) as { copied: number })
      progressed = checkpoints.reduce((n, c) => n + c.copied, 0)
    }
    child.kill('SIGKILL')
    await exited
    expect(progressed).toBeGreaterThanOrEqual(total() / 3)
    let copied = 0
    for (const name of Object.keys(counts)) copied += await store.count(modelOf(killed, name))
    expect(copied).toBeGreaterThan(0)
    expect(copied).toBeLessThan(total())

    const again = await runCli(target, ['migrate', '--from', 'postgres', '--to', 'scylla', '--verify', 'full'])
    expect(again.stderr).not.toMatch(/tandem: /)
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/\s(yes|done)$/m) // at least one model continued from its checkpoint
    const v = await verify(storeOf(pg), store, { mode: 'full' })
    expect(v.differences).toEqual([])
    for (const m of v.models) expect([m.model, m.countB]).toEqual([m.model, counts[m.model]])
  })

  it('refuses a non-empty target without --force; --force backs it up first', async () => {
    const target = { postgres: SOURCE, scylla: SOURCE }
    const refused = await runCli(target, [
      'migrate',
      '--from',
      'scylla',
      '--to',
      'postgres',
      '--models',
      'setting,sample',
    ])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/^tandem: TARGET_NOT_EMPTY: .*sample \(50\), setting \(30\)/m)
    const dir = mkdtempSync(join(tmpdir(), 'tandem-backup-'))
    const forced = await runCli(target, [
      'migrate',
      '--from',
      'scylla',
      '--to',
      'postgres',
      '--models',
      'setting,sample',
      '--force',
      '--backup',
      dir,
    ])
    expect(forced.stderr).not.toMatch(/tandem: /)
    expect(forced.code).toBe(0)
    const lines = readFileSync(join(dir, 'sample.jsonl'), 'utf8').trim().split('\n')
    expect(lines.length).toBe(counts.sample)
    expect(readFileSync(join(dir, 'setting.jsonl'), 'utf8').trim().split('\n').length).toBe(counts.setting)
    const model = modelOf(pg, 'sample')
    const restored = lines.map((l) => fromJsonRow(model, JSON.parse(l) as Record<string, unknown>))
    expect(restored.some((r) => typeof r.huge === 'bigint')).toBe(true)
    const v = await verify(storeOf(pg), storeOf(cql), { mode: 'full', models: ['sample', 'setting'] })
    expect(v.differences).toEqual([])
  })

  it('sync --since copies only changed rows, keeps newer target rows, reports unique collisions; --deletes removes rows gone', async () => {
    const since = new Date()
    await new Promise((r) => setTimeout(r, 20))
    const profiles = (await pg.profile.findMany({ orderBy: { userId: 'asc' }, take: 4 })) as { id: string }[]
    for (const p of profiles.slice(0, 3)) await pg.profile.update({ where: { id: p.id }, data: { name: 'changed' } })
    const p4 = profiles[3]!
    await pg.profile.update({ where: { id: p4.id }, data: { name: 'pg-older' } })
    await new Promise((r) => setTimeout(r, 20))
    await cql.profile.update({ where: { id: p4.id }, data: { name: 'scylla-newer' } })
    const mine = await pg.profile.create({ data: { userId: 'collide', name: 'from postgres' } })
    const theirs = await cql.profile.create({ data: { userId: 'collide', name: 'already in scylla' } })
    const gone = (await pg.message.findMany({ take: 2 })) as { id: string }[]
    for (const m of gone) await pg.message.delete({ where: { id: m.id } })
    await pg.setting.create({ data: { scope: 'new', key: 'k', value: 'v' } })

    const target = { postgres: SOURCE, scylla: SOURCE }
    const first = await runCli(target, ['sync', '--from', 'postgres', '--to', 'scylla', '--since', since.toISOString()])
    expect(first.stderr).not.toMatch(/tandem: /)
    expect(first.code).toBe(1) // the collision
    // profile: 5 rows changed since (3 + p4 + the colliding one): 3 written, p4 kept (newer in the target), 1 skipped
    expect(first.stdout).toMatch(/^profile\s+changed\s+5\s+3\s+1\s+1\s+0$/m)
    expect(first.stdout).toContain(`profile {"id":"${mine.id}"}: unique: userId="collide" belongs to another row`)
    expect(first.stdout).toMatch(/^setting\s+compare\s+31\s+1\s+30\s+0\s+0$/m)
    const read = (id: string) => cql.profile.findUnique({ where: { id } }) as Promise<{ name: string } | null>
    for (const p of profiles.slice(0, 3)) expect((await read(p.id))?.name).toBe('changed')
    expect((await read(p4.id))?.name).toBe('scylla-newer')
    expect((await read(theirs.id))?.name).toBe('already in scylla')
    expect(await read(mine.id)).toBeNull()

    await pg.profile.delete({ where: { id: mine.id } })
    const second = await runCli(target, [
      'sync',
      '--from',
      'postgres',
      '--to',
      'scylla',
      '--since',
      since.toISOString(),
      '--deletes',
    ])
    expect(second.stderr).not.toMatch(/tandem: /)
    expect(second.code).toBe(0)
    expect(second.stdout).toMatch(/^message\s+changed\s+\d+\s+0\s+\d+\s+0\s+2$/m)
    expect(await read(theirs.id)).toBeNull() // gone from the source
    for (const m of gone) expect(await cql.message.findUnique({ where: { id: m.id } })).toBeNull()

    // a row of a model without update time that --deletes removed comes back when the source has it again
    const key = { scope_key: { scope: 'new', key: 'k' } }
    await pg.setting.delete({ where: key })
    expect((await sync(storeOf(pg), storeOf(cql), { models: ['setting'], deletes: true })).models[0]!.deleted).toBe(1)
    await pg.setting.create({ data: { scope: 'new', key: 'k', value: 'again' } })
    await sync(storeOf(pg), storeOf(cql), { models: ['setting'] })
    expect(await cql.setting.findUnique({ where: key })).toMatchObject({ value: 'again' })

    // the newer target row stays until the source has a newer version still
    await pg.profile.update({ where: { id: p4.id }, data: { name: 'pg-newest' } })
    await sync(storeOf(pg), storeOf(cql), { since })
    expect((await read(p4.id))?.name).toBe('pg-newest')
    const v = await verify(storeOf(pg), storeOf(cql), { mode: 'full' })
    expect(v.differences).toEqual([])
  })

  it('verify finds a row changed and a lookup entry added behind its back, with their keys (exit 1)', async () => {
    const backend = backendOf(cql)
    if (backend.kind !== 'scylla') throw new Error('expected the ScyllaDB backend')
    const t = backend.session.tablesOf('profile')
    const lookup = t.uniques.find((u) => u.keyFields.includes('userId'))!
    const [victim] = (await pg.profile.findMany({ orderBy: { userId: 'desc' }, take: 1 })) as { id: string }[]
    await backend.session.exec.write(`UPDATE ${SOURCE}.profile SET name = 'tampered' WHERE id = ?`, [victim!.id])
    const ghost = randomUUID()
    await backend.session.exec.write(`INSERT INTO ${SOURCE}.${lookup.name} (user_id, id) VALUES (?, ?)`, [
      'ghost-user',
      ghost,
    ])
    const r = await runCli({ postgres: SOURCE, scylla: SOURCE }, [
      'verify',
      '--from',
      'postgres',
      '--to',
      'scylla',
      '--models',
      'profile',
    ])
    expect(r.stderr).not.toMatch(/tandem: /)
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/verify \(full\): 2 difference/)
    expect(r.stdout).toContain(`profile {"id":"${victim!.id}"}: name: "`)
    expect(r.stdout).toContain(`"tampered" in scylla`)
    expect(r.stdout).toContain(
      `profile {"userId":"ghost-user","id":"${ghost}"}: lookup (scylla): ${lookup.name}: orphan-entry`,
    )
  })
})
