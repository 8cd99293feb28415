// The built `tandem` bin (dist/cli/bin.js, as an installed package runs it): a shebang, --help, `db up`
// resolving scripts/db.mjs from dist, and a config importing `defineConfig` from 'tandem-orm' itself.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { APP_SCHEMA, cliUrl, ROOT, runCli, tempProject } from './cli-support.js'

const BIN = join(ROOT, 'dist/cli/bin.js')

/** The newest modification time under a directory (ms). */
function newest(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { withFileTypes: true }).map((e) =>
      e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
    ),
  )
}

describe('dist/cli/bin.js', () => {
  beforeAll(() => {
    // build only when dist is missing or older than the sources (npm run build: tsc, about 15 s)
    if (!existsSync(BIN) || statSync(BIN).mtimeMs < newest(join(ROOT, 'src')))
      execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'ignore' })
  }, 120_000)

  it('is an executable node script', () => {
    expect(readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true)
    expect(statSync(BIN).mode & 0o111).not.toBe(0)
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }
    expect(pkg.bin).toEqual({ tandem: './dist/cli/bin.js' })
  })

  it('--help', async () => {
    const r = await runCli(['--help'], { entry: BIN })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Usage: tandem')
    expect(r.stdout).toContain('push')
  })

  it('db up prints only the KEY=value lines on stdout (databases from the environment are reused)', async () => {
    const r = await runCli(['db', 'up'], { entry: BIN })
    expect(r.code).toBe(0)
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      `DATABASE_URL=${process.env.DATABASE_URL}`,
      `SCYLLA_HOSTS=${process.env.SCYLLA_HOSTS}`,
      `SCYLLA_DATACENTER=${process.env.SCYLLA_DATACENTER ?? 'datacenter1'}`,
    ])
  })

  it("loads a config that imports defineConfig from 'tandem-orm', as an installed package would", async () => {
    const app = tempProject({
      ...APP_SCHEMA,
      'tandem.config.ts': `import { defineConfig } from 'tandem-orm'
export default defineConfig({ schema: './src/db/schema.ts', postgres: { url: ${JSON.stringify(cliUrl())} } })
`,
    })
    try {
      const r = await runCli(['push', '--dry-run', '--backend', 'postgres'], { cwd: app.dir, entry: BIN })
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      expect(r.stdout).toContain('CREATE TABLE IF NOT EXISTS "cli_user"')
    } finally {
      app.remove()
    }
  })
})
