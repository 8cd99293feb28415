// tandem credits import FILE on both backends: JSON lines or a JSON array, idempotent re-runs, bad input refused.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDb } from '../../src/index.js'
import { createCredits, creditsSchema } from '../../src/credits/index.js'
import { BACKENDS } from '../support/backends.js'
import { APP_SCHEMA, appConfig, CLI_DB, cliUrl, ensureCliDatabase, runCli, tempProject } from './cli-support.js'

describe('tandem credits import', () => {
  let app: ReturnType<typeof tempProject>
  beforeAll(async () => {
    await ensureCliDatabase()
    app = tempProject({ ...APP_SCHEMA, 'tandem.config.ts': appConfig() })
    for (const backend of BACKENDS) {
      const r = await runCli(['push', '--backend', backend], { cwd: app.dir })
      expect(r.stderr).toBe('')
    }
  })
  afterAll(() => app.remove())

  describe.each(BACKENDS)('on %s', (backend) => {
    const db = () =>
      createDb({ schema: creditsSchema, backend, postgres: { url: cliUrl() }, scylla: { keyspace: CLI_DB } })
    const run = `${backend}-${process.pid}-${Date.now().toString(36)}`

    it('imports JSON lines, skips on a re-run, and writes the audit row', async () => {
      const file = join(app.dir, `${backend}.jsonl`)
      const users = [`${run}-a`, `${run}-b`]
      writeFileSync(
        file,
        `{"userId":"${users[0]}","balance":250}\n\n{"userId":"${users[1]}","balance":3,"reason":"from redis"}\n`,
      )
      const first = await runCli(['credits', 'import', file, '--backend', backend], { cwd: app.dir })
      expect(first.stderr).toBe('')
      expect(first.code).toBe(0)
      expect(first.stdout).toBe(`imported 2 of 2 users on ${backend}, skipped 0\n`)
      const again = await runCli(['credits', 'import', file, '-b', backend], { cwd: app.dir })
      expect(again.code).toBe(0)
      expect(again.stdout).toBe(
        `skipped "${users[0]}": already imported\nskipped "${users[1]}": already imported\n` +
          `imported 0 of 2 users on ${backend}, skipped 2\n`,
      )
      const client = db()
      try {
        const credits = createCredits(client, { ttlMs: 0 })
        expect(await credits.balance(users[0]!)).toBe(250)
        expect(await credits.balance(users[1]!)).toBe(3)
        expect(await credits.history(users[1]!)).toEqual([
          expect.objectContaining({ type: 'import', amount: 3, balanceAfter: 3, reason: 'from redis' }),
        ])
      } finally {
        await client.$disconnect()
      }
    })

    it('takes a JSON array', async () => {
      const file = join(app.dir, `${backend}.json`)
      writeFileSync(file, JSON.stringify([{ userId: `${run}-arr`, balance: 9 }], null, 2))
      const r = await runCli(['credits', 'import', file, '-b', backend], { cwd: app.dir })
      expect(r.code).toBe(0)
      expect(r.stdout).toBe(`imported 1 of 1 users on ${backend}, skipped 0\n`)
    })

    it('refuses bad input with exit 2 and writes nothing', async () => {
      const file = join(app.dir, `${backend}-bad.jsonl`)
      const good = `${run}-notwritten`
      writeFileSync(file, `{"userId":"${good}","balance":5}\n{"userId":"${run}-neg","balance":-5}\n`)
      const r = await runCli(['credits', 'import', file, '-b', backend], { cwd: app.dir })
      expect(r.code).toBe(2)
      expect(r.stdout).toBe('')
      expect(r.stderr).toBe('tandem: VALIDATION: credits.import: row 2: `balance` must be a safe integer ≥ 0, got -5\n')
      const notJson = join(app.dir, `${backend}-garbage.jsonl`)
      writeFileSync(notJson, `{"userId":"${good}","balance":5}\nnot json\n`)
      const g = await runCli(['credits', 'import', notJson, '-b', backend], { cwd: app.dir })
      expect(g.code).toBe(2)
      expect(g.stderr).toMatch(/^tandem: VALIDATION: .*garbage\.jsonl:2: not a JSON line/)
      const client = db()
      try {
        expect(await client.userCredits.findUnique({ where: { userId: good } })).toBeNull()
      } finally {
        await client.$disconnect()
      }
    })
  })
})
