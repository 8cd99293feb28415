// The `tandem` CLI's contract: a real --help for every command, and one coded line on stderr with exit 2 for
// bad flags, a missing or broken config and an unreachable database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { APP_SCHEMA, appConfig, runCli, tempProject } from './cli-support.js'

const CODED = /^tandem: [A-Z_0-9]+: \S.*\n$/

describe('tandem --help', () => {
  it.each([
    [[], ['db', 'push', 'check', 'credits', '--config']],
    [['db'], ['up', 'down']],
    [['db', 'up'], ['DATABASE_URL']],
    [['db', 'down'], ['stop']],
    [['push'], ['--backend', 'postgres', 'scylla', '--dry-run']],
    [['check'], ['--shapes', 'TANDEM_RECORD_SHAPES', 'Exit codes']],
    [['credits'], ['import']],
    [
      ['credits', 'import'],
      ['<file>', 'JSON lines', '--backend', '--concurrency'],
    ],
  ])('tandem %j --help', async (command, words) => {
    const r = await runCli([...command, '--help'])
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('')
    expect(r.stdout).toContain(`Usage: tandem${command.length ? ` ${command.join(' ')}` : ''}`)
    for (const w of words) expect(r.stdout).toContain(w)
  })
})

describe('errors: one coded line, exit 2', () => {
  let app: ReturnType<typeof tempProject>
  beforeAll(() => {
    app = tempProject({ ...APP_SCHEMA, 'tandem.config.ts': appConfig() })
  })
  afterAll(() => app.remove())

  it('an unknown flag', async () => {
    const r = await runCli(['push', '--bogus'], { cwd: app.dir })
    expect(r).toMatchObject({ code: 2, stdout: '', stderr: "tandem: VALIDATION: unknown option '--bogus'\n" })
  })

  it('a bad flag value', async () => {
    const r = await runCli(['push', '--backend', 'mysql'], { cwd: app.dir })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(CODED)
    expect(r.stderr).toContain('VALIDATION')
    expect(r.stderr).toContain('postgres, scylla')
  })

  it('an unknown command, with a suggestion', async () => {
    const r = await runCli(['pussh'], { cwd: app.dir })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(CODED)
    expect(r.stderr).toContain('push')
  })

  it('a missing required option', async () => {
    const r = await runCli(['check'], { cwd: app.dir })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(CODED)
    expect(r.stderr).toContain('--shapes')
  })

  it('a command group without its subcommand: its help, then a coded line', async () => {
    const r = await runCli(['db'], { cwd: app.dir })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('Usage: tandem db')
    expect(r.stderr.trimEnd().split('\n').at(-1)).toMatch(/^tandem: VALIDATION: missing command/)
  })

  it('no config file in the directory', async () => {
    const empty = tempProject({})
    try {
      const r = await runCli(['push'], { cwd: empty.dir })
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(CODED)
      expect(r.stderr).toMatch(/^tandem: CONFIG: no tandem\.config\.ts .* in .*; create one/)
    } finally {
      empty.remove()
    }
  })

  it('--config naming a missing file', async () => {
    const r = await runCli(['push', '--config', 'nope.config.ts'], { cwd: app.dir })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^tandem: CONFIG: config file .*nope\.config\.ts not found\n$/)
  })

  it('a config that does not load, or exports no config', async () => {
    const broken = tempProject({
      'broken.config.ts': 'export default {{ nope',
      'empty.config.ts': 'export const x = 1\n',
      'noschema.config.ts': "export default { schema: './missing.ts' }\n",
    })
    try {
      for (const [file, message] of [
        ['broken.config.ts', /^tandem: CONFIG: could not load .*broken\.config\.ts/],
        ['empty.config.ts', /^tandem: CONFIG: .*empty\.config\.ts must export the config as its default export/],
        ['noschema.config.ts', /^tandem: CONFIG: could not load the schema .*missing\.ts/],
      ] as const) {
        const r = await runCli(['push', '-c', file], { cwd: broken.dir })
        expect(r.code, file).toBe(2)
        expect(r.stderr, file).toMatch(CODED)
        expect(r.stderr, file).toMatch(message)
      }
    } finally {
      broken.remove()
    }
  })

  it('an unreachable PostgreSQL: BACKEND_UNAVAILABLE within the connect timeout', async () => {
    const closed = tempProject({
      ...APP_SCHEMA,
      'tandem.config.ts': appConfig().replace(/url: "[^"]*"/, 'url: "postgres://tandem:tandem@127.0.0.1:1/tandem_cli"'),
    })
    try {
      const started = Date.now()
      const r = await runCli(['push', '--backend', 'postgres'], { cwd: closed.dir })
      expect(r.code).toBe(2)
      expect(r.stdout).toBe('')
      expect(r.stderr).toMatch(CODED)
      expect(r.stderr).toMatch(/^tandem: BACKEND_UNAVAILABLE: PostgreSQL is unavailable/)
      expect(Date.now() - started).toBeLessThan(20_000)
    } finally {
      closed.remove()
    }
  })

  it('an unreachable ScyllaDB (SCYLLA_HOSTS from the environment): BACKEND_UNAVAILABLE', async () => {
    const started = Date.now()
    const r = await runCli(['push', '--backend', 'scylla'], { cwd: app.dir, env: { SCYLLA_HOSTS: '127.0.0.1:1' } })
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(CODED)
    expect(r.stderr).toMatch(/^tandem: BACKEND_UNAVAILABLE: /)
    expect(Date.now() - started).toBeLessThan(20_000)
  })

  it('DATABASE_URL from the environment fills what the config leaves out (a closed port here)', async () => {
    const envOnly = tempProject({
      ...APP_SCHEMA,
      'tandem.config.ts': `export default { schema: './src/db/schema.ts' }\n`,
    })
    try {
      const r = await runCli(['push'], {
        cwd: envOnly.dir,
        env: { DATABASE_URL: 'postgres://tandem:tandem@127.0.0.1:1/x', USE_SCYLLA: undefined },
      })
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(/^tandem: BACKEND_UNAVAILABLE: PostgreSQL is unavailable \(ECONNREFUSED\)/)
    } finally {
      envOnly.remove()
    }
  })
})
