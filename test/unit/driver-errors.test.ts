import { createServer } from 'node:net'
import cassandra from 'cassandra-driver'
import { describe, expect, it } from 'vitest'
import { driverError, isOutcomeUnknown, serverCode, type DriverOp } from '../../src/cql/driver-errors.js'
import { TandemError } from '../../src/errors.js'

const { errors, types } = cassandra
const c = types.responseErrorCodes

/** A server error as cassandra-driver decodes it (lib/readers.js readError: code, message, extra fields). */
function response(code: number, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new errors.ResponseError(code, message), extra)
}

/** The driver's "Socket was closed" (connection.js clearAndInvokePending). */
function socketClosed(requestNotWritten = false): Error {
  // DriverError is abstract in the typings only; the driver itself throws `new types.DriverError('Socket was closed')`
  const e = new (errors.DriverError as unknown as new (m: string) => Error)('Socket was closed') as Error & {
    isSocketError?: boolean
    requestNotWritten?: boolean
  }
  e.isSocketError = true
  if (requestNotWritten) e.requestNotWritten = true
  return e
}

function mapped(e: unknown, op: DriverOp, extra: { username?: string; tls?: boolean } = {}): TandemError {
  const m = driverError(e, { op, ...extra })
  expect(m).toBeInstanceOf(TandemError)
  const t = m as TandemError
  expect(t.cause).toBe(e)
  expect(t.message.length).toBeGreaterThan(20)
  return t
}

describe('driver errors → coded TandemErrors', () => {
  it('every numeric ResponseError code gets a code, for reads and writes', () => {
    const expected: Record<string, [read: string, write: string]> = {
      serverError: ['BACKEND_ERROR', 'BACKEND_ERROR'],
      protocolError: ['BACKEND_ERROR', 'BACKEND_ERROR'],
      badCredentials: ['P1000', 'P1000'],
      unavailableException: ['BACKEND_UNAVAILABLE', 'BACKEND_UNAVAILABLE'],
      overloaded: ['BACKEND_UNAVAILABLE', 'BACKEND_UNAVAILABLE'],
      isBootstrapping: ['BACKEND_UNAVAILABLE', 'BACKEND_UNAVAILABLE'],
      truncateError: ['BACKEND_UNAVAILABLE', 'BACKEND_UNAVAILABLE'],
      writeTimeout: ['OUTCOME_UNKNOWN', 'OUTCOME_UNKNOWN'],
      readTimeout: ['BACKEND_UNAVAILABLE', 'BACKEND_UNAVAILABLE'],
      readFailure: ['BACKEND_UNAVAILABLE', 'BACKEND_UNAVAILABLE'],
      functionFailure: ['BACKEND_ERROR', 'BACKEND_ERROR'],
      writeFailure: ['OUTCOME_UNKNOWN', 'OUTCOME_UNKNOWN'],
      syntaxError: ['BACKEND_ERROR', 'BACKEND_ERROR'],
      unauthorized: ['P1010', 'P1010'],
      invalid: ['BACKEND_ERROR', 'BACKEND_ERROR'],
      configError: ['BACKEND_ERROR', 'BACKEND_ERROR'],
      alreadyExists: ['BACKEND_ERROR', 'BACKEND_ERROR'],
      unprepared: ['BACKEND_ERROR', 'BACKEND_ERROR'],
      clientWriteFailure: ['BACKEND_ERROR', 'BACKEND_ERROR'],
    }
    const all = Object.entries(c as unknown as Record<string, number>).filter(([, v]) => typeof v === 'number')
    expect(all.length).toBeGreaterThanOrEqual(19)
    for (const [name, code] of all) {
      expect(expected[name], `a mapping for ${name}`).toBeDefined()
      const [read, write] = expected[name]!
      expect(mapped(response(code, `server says ${name}`), 'read').code, name).toBe(read)
      expect(mapped(response(code, `server says ${name}`), 'write').code, name).toBe(write)
      expect(serverCode(driverError(response(code, 'x'), { op: 'read' }))).toBe(code)
    }
  })

  it('a write timeout keeps its writeType, consistency and counts; the outcome is unknown', () => {
    const e = response(c.writeTimeout, 'Server timeout during write query at consistency SERIAL', {
      consistencies: types.consistencies.serial,
      received: 0,
      blockFor: 2,
      writeType: 'CAS',
    })
    const m = mapped(e, 'write')
    expect(m.code).toBe('OUTCOME_UNKNOWN')
    expect(isOutcomeUnknown(m)).toBe(true)
    expect(m.meta).toMatchObject({
      outcome: 'unknown',
      writeType: 'CAS',
      consistency: 'SERIAL',
      received: 0,
      blockFor: 2,
    })
    expect(m.message).toMatch(/CAS write at SERIAL \(0 of 2 acknowledged\).*may or may not have applied/)
    const batchLog = mapped(response(c.writeTimeout, 'x', { writeType: 'BATCH_LOG', consistencies: 6 }), 'write')
    expect(batchLog.meta).toMatchObject({ writeType: 'BATCH_LOG', consistency: 'LOCAL_QUORUM' })
  })

  it('unavailable: nothing was done, with replica counts', () => {
    const m = mapped(
      response(c.unavailableException, 'Not enough replicas', { consistencies: 6, required: 2, alive: 1 }),
      'write',
    )
    expect(m.code).toBe('BACKEND_UNAVAILABLE')
    expect(m.meta).toMatchObject({ outcome: 'not-applied', consistency: 'LOCAL_QUORUM', alive: 1, required: 2 })
    expect(m.message).toMatch(/1 alive, 2 required\); nothing was done/)
  })

  it('a missing table, column or keyspace names `tandem push`', () => {
    expect(mapped(response(c.invalid, 'unconfigured table profiles'), 'read').code).toBe('P2021')
    expect(mapped(response(c.invalid, 'Undefined column name nick in table ks.profiles'), 'write').code).toBe('P2022')
    const ks = mapped(response(c.invalid, "Keyspace 'nope' does not exist"), 'read')
    expect(ks.code).toBe('P1003')
    expect(ks.message).toMatch(/tandem push/)
    // Cassandra's answer for system.versions keeps its server code for the caller that expects it
    expect(serverCode(driverError(response(c.invalid, 'table versions does not exist'), { op: 'read' }))).toBe(0x2200)
  })

  it('client timeouts: a read is unavailable, a write may have applied', () => {
    const e = new errors.OperationTimedOutError(
      'The host 127.0.0.2:9042 did not reply before timeout 12000 ms',
      '127.0.0.2:9042',
    )
    expect(mapped(e, 'read').code).toBe('BACKEND_UNAVAILABLE')
    const w = mapped(e, 'write')
    expect(w.code).toBe('OUTCOME_UNKNOWN')
    expect(w.meta).toMatchObject({ outcome: 'unknown', host: '127.0.0.2:9042' })
    expect(mapped(e, 'connect').code).toBe('BACKEND_UNAVAILABLE')
  })

  it('"Socket was closed": unknown after the request was written, not applied before', () => {
    expect(mapped(socketClosed(), 'write').code).toBe('OUTCOME_UNKNOWN')
    const before = mapped(socketClosed(true), 'write')
    expect(before.code).toBe('BACKEND_UNAVAILABLE')
    expect(before.meta).toMatchObject({ outcome: 'not-applied' })
    expect(mapped(socketClosed(), 'read').code).toBe('BACKEND_UNAVAILABLE')
  })

  it('BusyConnectionError: unavailable, not sent', () => {
    const m = mapped(new errors.BusyConnectionError('127.0.0.1:9042', 2048, 1), 'write')
    expect(m.code).toBe('BACKEND_UNAVAILABLE')
    expect(m.meta).toMatchObject({ outcome: 'not-applied' })
    expect(m.message).toMatch(/lower the concurrency/)
  })

  it('NoHostAvailableError: by what the hosts answered', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })
    const down = mapped(new errors.NoHostAvailableError({ '127.0.0.1:1': refused }), 'read')
    expect(down.code).toBe('BACKEND_UNAVAILABLE')
    expect(down.message).toMatch(/127\.0\.0\.1:1: connect ECONNREFUSED/)
    // a write tried on a host that then timed out may have reached a replica
    const timedOut = new errors.OperationTimedOutError('no reply', '127.0.0.2:9042')
    const maybe = mapped(
      new errors.NoHostAvailableError({ '127.0.0.2:9042': timedOut, '127.0.0.3:9042': refused }),
      'write',
    )
    expect(maybe.code).toBe('OUTCOME_UNKNOWN')
    const none = mapped(new errors.NoHostAvailableError({ '127.0.0.3:9042': refused }), 'write')
    expect(none.code).toBe('BACKEND_UNAVAILABLE')
    expect(none.meta).toMatchObject({ outcome: 'not-applied' })
  })

  it('refused credentials: P1000 naming the user and the settings', () => {
    const auth = new errors.AuthenticationError('Provided username app and/or password are incorrect')
    const direct = mapped(auth, 'connect', { username: 'app' })
    expect(direct.code).toBe('P1000')
    expect(direct.message).toMatch(
      /refused the credentials for user "app".*scylla\.username\/password or SCYLLA_USERNAME\/SCYLLA_PASSWORD/,
    )
    const viaPool = driverError(new errors.NoHostAvailableError({ '127.0.0.1:9042': auth }), {
      op: 'connect',
      username: 'app',
    })
    expect((viaPool as TandemError).code).toBe('P1000')
    const none = mapped(new errors.AuthenticationError('Authentication provider not set'), 'connect')
    expect(none.code).toBe('P1000')
    expect(none.message).toMatch(/requires authentication/)
    expect(mapped(response(c.badCredentials, 'bad'), 'connect').code).toBe('P1000')
  })

  it('a socket closed while connecting: BACKEND_UNAVAILABLE with a hint about scylla.tls', () => {
    const m = mapped(new errors.NoHostAvailableError({ '127.0.0.1:9142': socketClosed() }), 'connect')
    expect(m.code).toBe('BACKEND_UNAVAILABLE')
    expect(m.message).toMatch(/closed the connection while connecting.*scylla\.tls/)
  })

  it('a TLS failure: BACKEND_UNAVAILABLE naming scylla.tls', () => {
    const cert = Object.assign(new Error('self-signed certificate in certificate chain'), {
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
    })
    const m = mapped(new errors.NoHostAvailableError({ '127.0.0.1:9142': cert }), 'connect', { tls: true })
    expect(m.code).toBe('BACKEND_UNAVAILABLE')
    expect(m.message).toMatch(/TLS handshake with 127\.0\.0\.1:9142 failed.*scylla\.tls/)
  })

  it("errors that are not the driver's pass as they are; TandemErrors too", () => {
    const own = new TandemError('P2025', 'x')
    expect(driverError(own, { op: 'write' })).toBe(own)
    const bug = new TypeError('undefined is not a function')
    expect(driverError(bug, { op: 'write' })).toBe(bug)
  })

  // real sockets, real cassandra-driver: a TLS client against a server that does not speak TLS
  it('a TLS client against a plain server: the real driver error maps to BACKEND_UNAVAILABLE about TLS', async () => {
    const server = createServer((s) => {
      s.on('error', () => {})
      s.end('not tls at all, just bytes\n')
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as { port: number }).port
    const client = new cassandra.Client({
      contactPoints: [`127.0.0.1:${port}`],
      localDataCenter: 'datacenter1',
      sslOptions: { rejectUnauthorized: true },
      socketOptions: { connectTimeout: 3000 },
    })
    try {
      const e = await client.connect().then(
        () => undefined,
        (x: unknown) => x,
      )
      expect(e).toBeInstanceOf(errors.NoHostAvailableError)
      const m = mapped(e, 'connect', { tls: true })
      expect(m.code).toBe('BACKEND_UNAVAILABLE')
      expect(m.message).toMatch(/TLS|tls/)
    } finally {
      await client.shutdown().catch(() => {})
      server.close()
    }
  })
})
