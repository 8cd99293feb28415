// tandem push on both backends from a tandem.config.ts whose TypeScript schema imports a sibling module, and
// tandem check on call shapes recorded by an application run on PostgreSQL (TANDEM_RECORD_SHAPES).
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDb } from '../../src/index.js'
import {
  APP_SCHEMA,
  appConfig,
  CLI_DB,
  cliSql,
  cliUrl,
  dropCliKeyspace,
  ensureCliDatabase,
  runCli,
  TANDEM,
  tempProject,
} from './cli-support.js'

/** The model client of the temp project's schema, typed as far as these tests use it. */
interface RowClient {
  create(args: object): Promise<Record<string, unknown>>
  findUnique(args: object): Promise<Record<string, unknown> | null>
}

/** An application run: calls of every kind, some of which ScyllaDB's layout would refuse. */
const APP = `import { createDb } from '${TANDEM}'
import * as schema from './src/db/schema.js'

const db = createDb({ schema, backend: 'postgres', postgres: { url: ${JSON.stringify(cliUrl())} } })
const tag = Math.random().toString(36).slice(2)
for (let round = 0; round < 2; round++) {
  // served on ScyllaDB
  const u = await db.cliUser.create({ data: { email: tag + round + '@x', name: 'A' + tag } })
  await db.cliUser.findUnique({ where: { email: u.email } })
  await db.cliPost.createMany({ data: [{ authorId: u.id, title: 't1' }, { authorId: u.id, title: 't2' }] })
  await db.cliPost.findMany({ where: { authorId: u.id }, orderBy: { createdAt: 'desc' }, take: 5 })
  await db.cliPost.findMany({ where: { status: 'draft', authorId: u.id } })
  await db.cliUser.findMany({ where: { id: u.id }, include: { posts: { where: { title: 't1' } } } })
  await db.cliUser.update({ where: { id: u.id }, data: { age: { increment: 1 } } })
  // refused on ScyllaDB
  await db.cliUser.findMany({ where: { name: 'A' + tag } })
  await db.cliPost.findMany({ where: { title: { startsWith: 't' } }, orderBy: { createdAt: 'desc' }, take: 3 })
  await db.cliUser.updateMany({ where: { name: 'nobody' + tag }, data: { age: 3 } })
  await db.cliPost.deleteMany({ where: { title: 'none' + tag } })
  await db.cliPost.findMany({ where: { authorId: u.id }, include: { author: true } })
}
await db.$disconnect()
`

describe('tandem push and tandem check', () => {
  let app: ReturnType<typeof tempProject>
  beforeAll(async () => {
    await ensureCliDatabase()
    await dropCliKeyspace()
    await cliSql((sql) =>
      sql.unsafe(
        'drop table if exists cli_post, cli_user, credit_transactions, user_credits cascade; drop type if exists cli_role, credit_transaction_type',
      ),
    )
    app = tempProject({ ...APP_SCHEMA, 'tandem.config.ts': appConfig(), 'app.ts': APP })
  })
  afterAll(() => app.remove())

  it('push creates the schema on PostgreSQL (TypeScript config and schema, no build step)', async () => {
    const r = await runCli(['push', '--backend', 'postgres'], { cwd: app.dir })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^pushed postgres: \d+ statements/)
    const tables = await cliSql(
      (sql) => sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    )
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(['cli_post', 'cli_user', 'credit_transactions', 'user_credits']),
    )
    const role = await cliSql((sql) => sql`select unnest(enum_range(null::cli_role))::text as v`)
    expect(role.map((r) => r.v)).toEqual(['admin', 'member'])
    // idempotent
    expect((await runCli(['push', '--backend', 'postgres'], { cwd: app.dir })).code).toBe(0)
  })

  it('push creates the keyspace, tables and lookup tables on ScyllaDB', async () => {
    const r = await runCli(['push', '-b', 'scylla'], { cwd: app.dir })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^pushed scylla: \d+ statements/)
    // the pushed tables answer: a client over the same schema writes and reads a row on them
    const schema = (await import(join(app.dir, 'src/db/schema.ts'))) as Record<string, unknown>
    const db = createDb({ schema, backend: 'scylla', scylla: { keyspace: CLI_DB } })
    const users = (db as unknown as { cliUser: RowClient }).cliUser
    try {
      const u = await users.create({ data: { email: `${Date.now()}@scylla` } })
      expect(await users.findUnique({ where: { email: u.email } })).toMatchObject({ role: 'member' })
    } finally {
      await db.$disconnect()
    }
  })

  it('push --dry-run prints the DDL without connecting', async () => {
    const r = await runCli(['push', '--dry-run', '-b', 'scylla'], { cwd: app.dir, env: { SCYLLA_HOSTS: undefined } })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`CREATE TABLE IF NOT EXISTS "${CLI_DB}"."cli_post__by_status"`)
  })

  it('recordShapes records on ScyllaDB too: each distinct shape once per process', async () => {
    const file = join(app.dir, 'scylla-shapes.jsonl')
    const schema = (await import(join(app.dir, 'src/db/schema.ts'))) as Record<string, unknown>
    const db = createDb({ schema, backend: 'scylla', scylla: { keyspace: CLI_DB }, recordShapes: file })
    const users = (db as unknown as { cliUser: RowClient }).cliUser
    try {
      for (let i = 0; i < 3; i++) {
        const u = await users.create({ data: { email: `${Date.now()}-${i}@rec` } })
        await users.findUnique({ where: { email: u.email } })
      }
      // a call refused by validation never reaches the backend: nothing to record
      await expect(users.findUnique({ where: { id: 'not-a-uuid', email: 'x' } })).rejects.toThrow()
    } finally {
      await db.$disconnect()
    }
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { method: string; key: string })
    expect(lines.map((l) => l.method)).toEqual(['create', 'findUnique'])
    expect(readFileSync(file, 'utf8')).not.toContain('@rec')
  })

  describe('check', () => {
    let shapes: string
    let run: { status: number | null; stderr: string }
    beforeAll(async () => {
      shapes = join(app.dir, 'shapes.jsonl')
      // the application runs on PostgreSQL with recording turned on from the environment
      const { spawnSync } = await import('node:child_process')
      run = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), 'app.ts'], {
        cwd: app.dir,
        env: { ...process.env, TANDEM_RECORD_SHAPES: shapes },
        encoding: 'utf8',
      })
    }, 120_000)

    it('is recorded by TANDEM_RECORD_SHAPES, one line per distinct shape, with no values', () => {
      expect(run.stderr).toBe('')
      expect(run.status).toBe(0)
      const lines = readFileSync(shapes, 'utf8').trim().split('\n')
      const keys = lines.map((l) => (JSON.parse(l) as { key: string }).key)
      // two rounds of the same calls: each shape once
      expect(new Set(keys).size).toBe(keys.length)
      expect(lines.length).toBeGreaterThanOrEqual(12)
      // values are left out: no email, name or title written by the app is in the file
      const text = readFileSync(shapes, 'utf8')
      expect(text).not.toMatch(/@x|"t1"|"A[a-z0-9]+"|nobody|"draft"/)
      expect(JSON.parse(lines[0]!)).toMatchObject({ v: 1, model: 'cliUser', method: 'create' })
    })

    it('reports exactly the shapes ScyllaDB would refuse, with a fix, and exits 1 (without connecting)', async () => {
      const r = await runCli(['check', '--shapes', shapes], {
        cwd: app.dir,
        env: { SCYLLA_HOSTS: undefined, DATABASE_URL: undefined },
      })
      expect(r.stderr).toBe('')
      expect(r.code).toBe(1)
      const refused = r.stdout.split('\n').filter((l) => l.startsWith('refused'))
      expect(refused).toEqual([
        'refused  cliUser.findMany  where name = ?',
        'refused  cliPost.findMany  where title startsWith ? orderBy createdAt desc take ?',
        'refused  cliUser.updateMany  where name = ? set (age)',
        'refused  cliPost.deleteMany  where title = ?',
      ])
      expect(r.stdout).toContain("fix: add index('cli_user_name_idx').on(t.name) to the Drizzle table 'cli_user'")
      expect(r.stdout).toContain("or give cliUser the layout { cliUser: { partitionKey: ['name'] } }")
      expect(r.stdout).toContain("fix: add index('cli_post_title_idx').on(t.title)")
      expect(r.stdout).toContain("clusteringKey: [['createdAt', 'desc']]")
      expect(r.stdout).toContain('UNSERVABLE_QUERY: cliUser.update: no key serves this filter')
      expect(r.stdout).toMatch(/checked (\d+) call shapes: (\d+) served, 4 refused\n$/)
    })

    it('exits 0 when every recorded shape is served', async () => {
      const served = join(app.dir, 'served.jsonl')
      const lines = readFileSync(shapes, 'utf8').trim().split('\n')
      const keep = lines.filter((l) => {
        const s = JSON.parse(l) as { method: string; key: string }
        return !/name:eq|title:startsWith|title:eq/.test(s.key)
      })
      writeFileSync(served, keep.join('\n') + '\n')
      const r = await runCli(['check', '-s', served], { cwd: app.dir })
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      expect(r.stdout).toBe(`checked ${keep.length} call shapes: ${keep.length} served, 0 refused\n`)
    })

    it('refuses a file that is not recorded shapes (exit 2)', async () => {
      const bad = join(app.dir, 'bad.jsonl')
      writeFileSync(bad, '{"model":"cliUser"}\n')
      const r = await runCli(['check', '-s', bad], { cwd: app.dir })
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(/^tandem: VALIDATION: .*bad\.jsonl:1: not a recorded call shape/)
    })
  })
})
