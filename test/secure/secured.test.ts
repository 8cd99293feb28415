// The secured smoke set: tandem on a Cassandra node that requires password authentication and client TLS
// (scripts/secure-node.mjs, started or reused by global setup, which exports SECURE_SCYLLA_*), and the ways a
// connection to it fails: each one coded, and fast.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import cassandra from 'cassandra-driver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCredits, creditsSchema } from '../../src/credits/index.js'
import { backendOf } from '../../src/create-db.js'
import { ScyllaBackend } from '../../src/cql/scylla-backend.js'
import { createDb, type ScyllaOptions } from '../../src/index.js'
import { runCli, TANDEM, tempProject } from '../cli/cli-support.js'
import { uid } from '../support/backends.js'
import { profile } from '../support/schema.js'

/** a model with a unique lookup, and the credits models: a small keyspace, quick to create */
const models = { profile }
const KEYSPACE = 'tandem_secure'
/**
 * Every failure must come well before the connect timeout: half of it is the bound (not a tight figure, so a
 * loaded machine does not fail the test; the measured times are printed after the file).
 */
const CONNECT_TIMEOUT_MS = 10_000
const AT_ONCE_MS = CONNECT_TIMEOUT_MS / 2

const secure = {
  hosts: process.env.SECURE_SCYLLA_HOSTS!,
  username: process.env.SECURE_SCYLLA_USERNAME!,
  password: process.env.SECURE_SCYLLA_PASSWORD!,
  ca: process.env.SECURE_SCYLLA_TLS_CA!,
}
/** the client certificate the node's CA signed (made beside ca.pem by scripts/secure-node.mjs) */
const clientCert = join(secure.ca, '..', 'client.pem')
const clientKey = join(secure.ca, '..', 'client.key')

/** A client on the secured node: the right credentials and CA unless `scylla` says otherwise. */
function open(scylla: ScyllaOptions = {}) {
  return createDb({
    schema: { ...models, ...creditsSchema },
    backend: 'scylla',
    scylla: {
      contactPoints: [secure.hosts],
      keyspace: KEYSPACE,
      username: secure.username,
      password: secure.password,
      tls: { ca: secure.ca },
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      ...scylla,
    },
  })
}

/** How long a call took to settle, and the error it rejected with. */
async function timed(fn: () => Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now()
  try {
    await fn()
    return { ms: performance.now() - started, error: undefined }
  } catch (error) {
    return { ms: performance.now() - started, error }
  }
}

/** Runs a failing connection attempt and returns its error (the client is always closed). */
async function failure(
  what: string,
  scylla: ScyllaOptions,
): Promise<{ ms: number; error: { code?: string; message: string } }> {
  const db = open(scylla)
  try {
    const r = await timed(() => db.profile.findUnique({ where: { userId: 'nobody' } }))
    expect(r.error, 'the call should have failed').toBeDefined()
    const error = r.error as { code?: string; message: string }
    figures.push(`${what}: ${error.code} in ${Math.round(r.ms)} ms`)
    return { ms: r.ms, error }
  } finally {
    await db.$disconnect()
  }
}

/** How long each failure took to be reported, printed after the file (quoted in the README). */
const figures: string[] = []

/** A self-signed CA the node has never heard of (its certificate, PEM). */
function strangerCa(dir: string): string {
  const ca = join(dir, 'stranger-ca.pem')
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'stranger-ca.key'), '-out', ca, '-days', '1', '-subj', '/CN=stranger'], // prettier-ignore
    { stdio: 'ignore' },
  )
  return ca
}

/** The keyspaces of this file start empty (the test schema may have changed since the last run). */
async function dropKeyspaces(): Promise<void> {
  const client = new cassandra.Client({
    contactPoints: [secure.hosts],
    localDataCenter: 'datacenter1',
    authProvider: new cassandra.auth.PlainTextAuthProvider(secure.username, secure.password),
    sslOptions: { ca: readFileSync(secure.ca), rejectUnauthorized: true },
  })
  try {
    for (const ks of [KEYSPACE, `${KEYSPACE}_cli`])
      await client.execute(`DROP KEYSPACE IF EXISTS ${ks}`, [], { readTimeout: 60_000 })
  } finally {
    await client.shutdown()
  }
}

describe('secured node (password authentication + client TLS required)', () => {
  let db: ReturnType<typeof open>
  let tmp: string
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'tandem-secure-'))
    await dropKeyspaces()
    db = open()
    await db.$push()
  })
  afterAll(async () => {
    await db?.$disconnect()
    rmSync(tmp, { recursive: true, force: true })
    console.log(`secured node, first call of a new client: ${figures.join('; ')}`)
  })

  it('smoke set: create, findUnique through a lookup, update, delete, credits', async () => {
    const userId = uid('sec')
    const created = await db.profile.create({ data: { userId, name: 'Ada' } })
    expect(await db.profile.findUnique({ where: { userId } })).toEqual(created) // through the unique lookup
    await expect(db.profile.create({ data: { userId, name: 'dup' } })).rejects.toMatchObject({ code: 'P2002' })
    const updated = await db.profile.update({ where: { userId }, data: { name: 'Ada L.' } })
    expect(updated).toMatchObject({ id: created.id, name: 'Ada L.' })
    expect(await db.profile.delete({ where: { id: created.id } })).toMatchObject({ id: created.id })
    expect(await db.profile.findUnique({ where: { userId } })).toBeNull()

    const credits = createCredits(db)
    const user = uid('sec-credits')
    await credits.grant(user, 10, { idempotencyKey: `${user}-grant` })
    const spent = await Promise.all(Array.from({ length: 4 }, () => credits.deduct(user, 2)))
    expect(spent.map((s) => s.balance).sort()).toEqual([2, 4, 6, 8])
    await expect(credits.deduct(user, 5)).rejects.toMatchObject({ code: 'INSUFFICIENT_CREDITS' })
    expect(await db.userCredits.findUnique({ where: { userId: user } })).toMatchObject({ balance: 2 })
  })

  it('SCYLLA_USERNAME, SCYLLA_PASSWORD and SCYLLA_TLS_CA are the defaults', async () => {
    const vars = { SCYLLA_USERNAME: secure.username, SCYLLA_PASSWORD: secure.password, SCYLLA_TLS_CA: secure.ca }
    Object.assign(process.env, vars)
    const fromEnv = createDb({
      schema: models,
      backend: 'scylla',
      scylla: { contactPoints: [secure.hosts], keyspace: KEYSPACE },
    })
    try {
      const p = await fromEnv.profile.create({ data: { userId: uid('env'), name: 'Env' } })
      expect(await fromEnv.profile.findUnique({ where: { id: p.id } })).toEqual(p)
    } finally {
      for (const k of Object.keys(vars)) delete process.env[k]
      await fromEnv.$disconnect()
    }
  })

  it('TLS with a client certificate (tls.cert, tls.key) connects too', async () => {
    // the node does not ask for one (Cassandra 5.0's require_client_auth is all or nothing): this checks that
    // the options reach the TLS socket and a handshake with them succeeds, not that the server verifies them
    const mtls = open({ tls: { ca: secure.ca, cert: clientCert, key: clientKey } })
    try {
      expect(await mtls.profile.findUnique({ where: { userId: 'nobody' } })).toBeNull()
    } finally {
      await mtls.$disconnect()
    }
  })

  it('a wrong password is P1000 at once', async () => {
    const r = await failure('wrong password', { password: `${secure.password}-wrong` })
    expect(r.error).toMatchObject({ code: 'P1000' })
    expect(r.error.message).toContain(secure.username)
    expect(r.ms).toBeLessThan(AT_ONCE_MS)
  })

  it('no credentials at all is P1000 at once', async () => {
    const r = await failure('no credentials', { username: undefined, password: undefined })
    expect(r.error).toMatchObject({ code: 'P1000' })
    expect(r.ms).toBeLessThan(AT_ONCE_MS)
  })

  it('no TLS against the TLS-only node is a coded error within the connect timeout, not a hang', async () => {
    const r = await failure('no TLS', { tls: false })
    expect(r.error.code).toBe('BACKEND_UNAVAILABLE')
    expect(r.error.message).toMatch(/TLS/)
    expect(r.ms).toBeLessThan(AT_ONCE_MS)
  })

  it('TLS against a node that does not speak it (the plain test node) is a coded error naming the cause', async () => {
    const r = await failure('TLS to a plain node', { contactPoints: process.env.SCYLLA_HOSTS!.split(',') })
    expect(r.error.code).toBe('BACKEND_UNAVAILABLE')
    expect(r.error.message).toMatch(/does not speak TLS/)
    expect(r.ms).toBeLessThan(AT_ONCE_MS)
  })

  it('a CA that did not sign the node’s certificate is a coded TLS error', async () => {
    const r = await failure('another CA', { tls: { ca: readFileSync(strangerCa(tmp), 'utf8') } })
    expect(r.error.code).toBe('BACKEND_UNAVAILABLE')
    expect(r.error.message).toMatch(/TLS|certificate/)
    expect(r.ms).toBeLessThan(AT_ONCE_MS)
  })

  it('verification is on by default: the system CAs alone refuse the node; rejectUnauthorized: false accepts it', async () => {
    const r = await failure('system CAs only', { tls: true })
    expect(r.error.code).toBe('BACKEND_UNAVAILABLE')
    expect(r.error.message).toMatch(/certificate/)
    const lax = open({ tls: { rejectUnauthorized: false } })
    try {
      expect(await lax.profile.findUnique({ where: { userId: 'nobody' } })).toBeNull()
    } finally {
      await lax.$disconnect()
    }
  })

  it('tls.servername: the certificate is checked against that name instead of the address', async () => {
    // the node's certificate names IP:127.0.0.5 and DNS:localhost
    const named = open({ tls: { ca: secure.ca, servername: 'localhost' } })
    try {
      expect(await named.profile.findUnique({ where: { userId: 'nobody' } })).toBeNull()
    } finally {
      await named.$disconnect()
    }
    const r = await failure('servername not in the certificate', {
      tls: { ca: secure.ca, servername: 'db.example.com' },
    })
    expect(r.error.code).toBe('BACKEND_UNAVAILABLE')
    expect(r.error.message).toContain('db.example.com')
  })

  it('policies reach the driver: connections per host, speculative reads, no retries', async () => {
    const tuned = open({
      policies: { connectionsPerHost: 3, speculativeReads: { delayMs: 5, maxExecutions: 2 }, retry: 'never' },
    })
    try {
      const p = await tuned.profile.create({ data: { userId: uid('pol'), name: 'P' } })
      expect(await tuned.profile.findUnique({ where: { userId: p.userId } })).toEqual(p)
      const backend = backendOf(tuned)
      if (!(backend instanceof ScyllaBackend)) throw new Error('expected the ScyllaDB backend')
      const state = backend.session.exec.client.getState()
      const hosts = state.getConnectedHosts()
      expect(hosts.map((h) => h.address)).toEqual([secure.hosts])
      expect(state.getOpenConnections(hosts[0]!)).toBe(3)
    } finally {
      await tuned.$disconnect()
    }
  })

  it('tandem push runs from a config whose tls.ca path is relative to the config file', async () => {
    const app = tempProject({
      'certs/ca.pem': readFileSync(secure.ca, 'utf8'),
      'schema.ts': `import { pgTable, text } from 'drizzle-orm/pg-core'
export const cliNote = pgTable('cli_note', { id: text('id').primaryKey(), body: text('body') })
`,
      'tandem.config.ts': `import { defineConfig } from '${TANDEM}'
export default defineConfig({
  schema: './schema.ts',
  scylla: {
    contactPoints: [${JSON.stringify(secure.hosts)}],
    keyspace: '${KEYSPACE}_cli',
    username: ${JSON.stringify(secure.username)},
    password: process.env.APP_SCYLLA_PASSWORD,
    tls: { ca: './certs/ca.pem' },
  },
})
`,
    })
    try {
      const refused = await runCli(['push', '--backend', 'scylla'], {
        cwd: app.dir,
        timeoutMs: 120_000,
        env: { APP_SCYLLA_PASSWORD: 'wrong' },
      })
      expect(refused.code).toBe(2)
      expect(refused.stderr).toMatch(/^tandem: P1000: /)
      const ok = await runCli(['push', '--backend', 'scylla'], {
        cwd: app.dir,
        timeoutMs: 120_000,
        env: { APP_SCYLLA_PASSWORD: secure.password },
      })
      expect(ok.code, ok.stderr).toBe(0)
    } finally {
      app.remove()
    }
  }, 240_000)

  it('tandem db up --secure prints the secured node’s lines (the node is reused)', async () => {
    const r = await runCli(['db', 'up', '--secure'], { timeoutMs: 120_000 })
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines).toEqual([
      `DATABASE_URL=${process.env.DATABASE_URL}`,
      `SCYLLA_HOSTS=${secure.hosts}`,
      'SCYLLA_DATACENTER=datacenter1',
      `SCYLLA_USERNAME=${secure.username}`,
      `SCYLLA_PASSWORD=${secure.password}`,
      `SCYLLA_TLS_CA=${secure.ca}`,
    ])
  }, 150_000)
})
