// Credentials, TLS and driver policies as cassandra-driver options (src/cql/scylla-connection.ts): options
// first, then SCYLLA_USERNAME / SCYLLA_PASSWORD / SCYLLA_TLS_CA / SCYLLA_TLS; bad options are VALIDATION at once.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import cassandra from 'cassandra-driver'
import { afterAll, describe, expect, it } from 'vitest'
import { driverConnection } from '../../src/cql/scylla-connection.js'

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
const dir = mkdtempSync(join(tmpdir(), 'tandem-tls-'))
const caFile = join(dir, 'ca.pem')
writeFileSync(caFile, PEM)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const none = {}

describe('credentials', () => {
  it('username and password give a PlainTextAuthProvider; none gives no provider', () => {
    const c = driverConnection({ username: 'tandem', password: 's3cret' }, none)
    expect(c.authProvider).toBeInstanceOf(cassandra.auth.PlainTextAuthProvider)
    expect(driverConnection({}, none).authProvider).toBeUndefined()
  })

  it('reads SCYLLA_USERNAME / SCYLLA_PASSWORD; options win over the environment', () => {
    const env = { SCYLLA_USERNAME: 'env-user', SCYLLA_PASSWORD: 'env-pw' }
    const fromEnv = driverConnection({}, env).authProvider as unknown as { username: string; password: string }
    expect([fromEnv.username, fromEnv.password]).toEqual(['env-user', 'env-pw'])
    const own = driverConnection({ username: 'me', password: 'pw' }, env).authProvider as unknown as {
      username: string
    }
    expect(own.username).toBe('me')
  })

  it('a username without a password (or the reverse) is VALIDATION naming what is missing', () => {
    expect(() => driverConnection({ username: 'tandem' }, none)).toThrow(
      expect.objectContaining({ code: 'VALIDATION', message: expect.stringContaining('SCYLLA_PASSWORD') }),
    )
    expect(() => driverConnection({ password: 'x' }, none)).toThrow(
      expect.objectContaining({ code: 'VALIDATION', message: expect.stringContaining('SCYLLA_USERNAME') }),
    )
  })
})

describe('tls', () => {
  it('is off unless asked for', () => {
    expect(driverConnection({}, none).sslOptions).toBeUndefined()
  })

  it('verifies certificates by default (the driver alone would not)', () => {
    expect(driverConnection({ tls: true }, none).sslOptions).toEqual({ rejectUnauthorized: true })
    expect(driverConnection({ tls: {} }, none).sslOptions).toEqual({ rejectUnauthorized: true })
    expect(driverConnection({ tls: { rejectUnauthorized: false } }, none).sslOptions).toEqual({
      rejectUnauthorized: false,
    })
  })

  it('takes PEM text as it is and reads a path (at createDb, so a wrong path fails there)', () => {
    expect(driverConnection({ tls: { ca: PEM } }, none).sslOptions?.ca).toBe(PEM)
    expect(String(driverConnection({ tls: { ca: caFile } }, none).sslOptions?.ca)).toBe(PEM)
    expect(driverConnection({ tls: { ca: [PEM, caFile] } }, none).sslOptions?.ca).toHaveLength(2)
    const missing = join(dir, 'nope.pem')
    expect(() => driverConnection({ tls: { ca: missing } }, none)).toThrow(
      expect.objectContaining({ code: 'VALIDATION', message: expect.stringContaining(missing) }),
    )
  })

  it('SCYLLA_TLS_CA (a PEM path) and SCYLLA_TLS=1 turn TLS on; tls: false turns it off again', () => {
    const ca = driverConnection({}, { SCYLLA_TLS_CA: caFile }).sslOptions
    expect(ca?.rejectUnauthorized).toBe(true)
    expect(String(ca?.ca)).toBe(PEM)
    expect(driverConnection({}, { SCYLLA_TLS: '1' }).sslOptions).toEqual({ rejectUnauthorized: true })
    expect(driverConnection({ tls: false }, { SCYLLA_TLS: '1', SCYLLA_TLS_CA: caFile }).sslOptions).toBeUndefined()
  })

  it('client certificates need their key; servername is passed; unknown keys are refused', () => {
    const mtls = driverConnection({ tls: { ca: PEM, cert: PEM, key: PEM, servername: 'db.example.com' } }, none)
    expect(mtls.sslOptions).toMatchObject({ cert: PEM, key: PEM, servername: 'db.example.com' })
    expect(() => driverConnection({ tls: { cert: PEM } }, none)).toThrow(
      expect.objectContaining({ code: 'VALIDATION', message: expect.stringContaining('tls.cert and tls.key') }),
    )
    expect(() => driverConnection({ tls: { cafile: caFile } as never }, none)).toThrow(
      expect.objectContaining({ code: 'VALIDATION', message: expect.stringContaining('cafile') }),
    )
  })
})

describe('policies', () => {
  it('leaves the driver defaults alone unless set', () => {
    expect(driverConnection({ policies: {} }, none)).toEqual({})
  })

  it("retry: 'never' rethrows every failure; a RetryPolicy instance is used as it is", () => {
    const never = driverConnection({ policies: { retry: 'never' } }, none).policies?.retry
    expect(never).toBeInstanceOf(cassandra.policies.retry.RetryPolicy)
    const info = { query: 'SELECT 1', executionOptions: {}, nbRetry: 0 } as never
    const rethrow = new cassandra.policies.retry.RetryPolicy().rethrowResult().decision
    expect(never!.onReadTimeout(info, 1, 1, 1, false).decision).toBe(rethrow)
    expect(never!.onUnavailable(info, 1, 1, 0 as never).decision).toBe(rethrow)
    expect(never!.onWriteTimeout(info, 1, 0, 1, 'BATCH_LOG').decision).toBe(rethrow)
    expect(never!.onRequestError(info, 1, new Error('x')).decision).toBe(rethrow)
    const own = new cassandra.policies.retry.RetryPolicy()
    expect(driverConnection({ policies: { retry: own } }, none).policies?.retry).toBe(own)
    expect(() => driverConnection({ policies: { retry: 'always' as never } }, none)).toThrow(
      expect.objectContaining({ code: 'VALIDATION' }),
    )
  })

  it('speculativeReads: SELECTs get maxExecutions extra executions after delayMs; writes and batches none', () => {
    const spec = driverConnection({ policies: { speculativeReads: { delayMs: 50, maxExecutions: 2 } } }, none).policies
      ?.speculativeExecution
    const read = spec!.newPlan('ks', 'SELECT * FROM t WHERE id = ?')
    expect([read.nextExecution(), read.nextExecution(), read.nextExecution()]).toEqual([50, 50, -1])
    expect(spec!.newPlan('ks', 'INSERT INTO t (id) VALUES (?)').nextExecution()).toBe(-1)
    expect(spec!.newPlan('ks', 'UPDATE t SET a = 1 WHERE id = 1 IF a = 0').nextExecution()).toBe(-1)
    expect(spec!.newPlan('ks', [{ query: 'SELECT 1' }]).nextExecution()).toBe(-1)
    expect(() => driverConnection({ policies: { speculativeReads: { delayMs: -1 } } }, none)).toThrow(
      expect.objectContaining({ code: 'VALIDATION', message: expect.stringContaining('delayMs') }),
    )
  })

  it('connectionsPerHost and maxRequestsPerConnection set the pool of local nodes', () => {
    const c = driverConnection({ policies: { connectionsPerHost: 4, maxRequestsPerConnection: 1024 } }, none)
    expect(c.pooling).toEqual({
      coreConnectionsPerHost: { [cassandra.types.distance.local]: 4, [cassandra.types.distance.remote]: 1 },
      maxRequestsPerConnection: 1024,
    })
    expect(() => driverConnection({ policies: { connectionsPerHost: 0 } }, none)).toThrow(
      expect.objectContaining({ code: 'VALIDATION', message: expect.stringContaining('connectionsPerHost') }),
    )
  })
})
