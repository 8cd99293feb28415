// tandem failover / failback / status against a running dual-mode client (this process), on the CLI tests'
// own database and keyspace (tandem_cli): the control record switches the client, status shows it.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDb, type DualDb } from '../../src/index.js'
import {
  APP_SCHEMA,
  appConfig,
  cliUrl,
  CLI_DB,
  dropCliKeyspace,
  ensureCliDatabase,
  runCli,
  TANDEM,
  tempProject,
} from '../cli/cli-support.js'
import { until } from './dual-support.js'

const DUAL = `
  backend: 'dual',
  dual: { primary: 'postgres', secondary: 'scylla', healthIntervalMs: 100 },`

let app: ReturnType<typeof tempProject>
let db: DualDb<Record<string, unknown>>
let schema: Record<string, unknown>

beforeAll(async () => {
  await ensureCliDatabase()
  await dropCliKeyspace()
  app = tempProject({ ...APP_SCHEMA, 'tandem.config.ts': appConfig(DUAL) })
  const pushed = await runCli(['push'], { cwd: app.dir })
  expect(pushed.stderr).toBe('')
  expect(pushed.code).toBe(0)
  schema = (await import(join(app.dir, 'src/db/schema.ts'))) as Record<string, unknown>
  db = createDb({
    schema,
    backend: 'dual',
    postgres: { url: cliUrl() },
    scylla: { keyspace: CLI_DB },
    dual: { healthIntervalMs: 100, syncIntervalMs: 0, logger: () => {} },
  })
  await db.$push()
  // its first report (instances publish at most once a second)
  await until('the instance reports', async () => (await db.$dual.instances()).length > 0, 10_000)
}, 120_000)

afterAll(async () => {
  await db?.$disconnect()
  app?.remove()
})

describe('tandem failover, failback, status', () => {
  it('status shows both databases and the running instance', async () => {
    const r = await runCli(['status'], { cwd: app.dir })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^primary postgres; active postgres/)
    expect(r.stdout).toMatch(/postgres\s+yes/)
    expect(r.stdout).toMatch(/scylla\s+yes/)
    const json = await runCli(['status', '--json'], { cwd: app.dir })
    const parsed = JSON.parse(json.stdout) as { active: string; instances: { id: string; active: string }[] }
    expect(parsed.active).toBe('postgres')
    expect(parsed.instances.length).toBeGreaterThanOrEqual(1)
  }, 60_000)

  it('failover switches the running instance; failback copies back and switches it again', async () => {
    const over = await runCli(['failover', '--wait', '20'], { cwd: app.dir })
    expect(over.stderr).toBe('')
    expect(over.code).toBe(0)
    expect(over.stdout).toContain('active scylla (manual')
    await until('the client follows', () => db.$dual.status().active === 'scylla', 10_000)
    const users = (db as unknown as Record<string, { create(a: object): Promise<{ id: string }> }>).cliUser!
    const u = await users.create({ data: { email: `failover-${Date.now()}@x` } })
    const back = await runCli(['failback', '--wait', '20'], { cwd: app.dir })
    expect(back.stderr).toBe('')
    expect(back.code).toBe(0)
    expect(back.stdout).toContain('active postgres (manual')
    await until('the client follows back', () => db.$dual.status().active === 'postgres', 10_000)
    // the user written on ScyllaDB during the failover is on PostgreSQL
    const single = createDb({ schema, backend: 'postgres', postgres: { url: cliUrl() } })
    try {
      const client = (single as unknown as Record<string, { findUnique(a: object): Promise<unknown> }>).cliUser!
      const found = await client.findUnique({ where: { id: u.id } })
      expect(found).not.toBeNull()
    } finally {
      await single.$disconnect()
    }
  }, 90_000)

  it('exit 2 with a coded line when neither database answers', async () => {
    const dead = tempProject({
      ...APP_SCHEMA,
      'tandem.config.ts': `import { defineConfig } from '${TANDEM}'
export default defineConfig({
  schema: './src/db/schema.ts',
  postgres: { url: 'postgres://x:y@127.0.0.1:1/none', connectTimeoutMs: 1000 },
  scylla: { contactPoints: ['127.0.0.1:1'], keyspace: 'none', connectTimeoutMs: 1000 },
})
`,
    })
    try {
      const r = await runCli(['status'], { cwd: dead.dir })
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(/^tandem: BACKEND_UNAVAILABLE: /)
    } finally {
      dead.remove()
    }
  }, 60_000)
})
