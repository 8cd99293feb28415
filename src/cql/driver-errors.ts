import cassandra from 'cassandra-driver'
import { TandemError, type ErrorCode } from '../errors.js'

const { errors, types } = cassandra
const codes = types.responseErrorCodes

/**
 * What the failed request was: it decides whether a timeout may have changed data.
 * - `connect`: opening the pool (nothing was sent);
 * - `read`: a SELECT (never changes data);
 * - `write`: a statement that changes data (plain, LWT or batch);
 * - `ddl`: a schema change (its statements are IF NOT EXISTS: re-running $push settles a timeout).
 */
export type DriverOp = 'connect' | 'read' | 'write' | 'ddl'

export interface DriverErrorContext {
  readonly op: DriverOp
  /** the configured user, named in P1000's message */
  readonly username?: string | undefined
  /** whether the client was configured with TLS (the hint differs) */
  readonly tls?: boolean | undefined
}

/** The `meta.outcome` of an error: whether the failed request may have changed data. */
export type Outcome = 'not-applied' | 'unknown'

interface ResponseErrorFields {
  code: number
  message: string
  consistencies?: number
  required?: number
  alive?: number
  received?: number
  blockFor?: number
  failures?: number
  writeType?: string
  keyspace?: string
  table?: string
}

interface SocketErrorFields {
  isSocketError?: boolean
  requestNotWritten?: boolean
  innerError?: unknown
}

/** Node's TLS failures carry OpenSSL/X.509 codes (ERR_SSL_…, CERT_…, UNABLE_TO_…, DEPTH_ZERO_…, ERR_TLS_…). */
const TLS_CODE = /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_|ERR_OSSL_)/
const TLS_TEXT = /\b(SSL|TLS|certificate|handshake)\b/i

function isTlsFailure(e: unknown): boolean {
  if (!e || typeof e !== 'object') return false
  const code = (e as { code?: unknown }).code
  if (typeof code === 'string' && TLS_CODE.test(code)) return true
  const inner = (e as SocketErrorFields).innerError
  if (inner && inner !== e && isTlsFailure(inner)) return true
  return e instanceof Error && !(e instanceof errors.ResponseError) && TLS_TEXT.test(e.message)
}

/** A socket closed or reset while the driver was opening a connection (a TLS-only node drops a plain client). */
function isClosedAtConnect(e: unknown): boolean {
  if (!(e instanceof Error)) return false
  const code = (e as { code?: unknown }).code
  return (
    (e as SocketErrorFields).isSocketError === true ||
    /socket was closed|socket hang up/i.test(e.message) ||
    code === 'ECONNRESET' ||
    code === 'EPIPE'
  )
}

const consistencyNames = new Map<number, string>(
  Object.entries(types.consistencies as Record<string, unknown>)
    .filter((e): e is [string, number] => typeof e[1] === 'number')
    .map(([name, code]) => [code, name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()]),
)
const consistencyName = (c: number | undefined): string =>
  c === undefined ? '?' : (consistencyNames.get(c) ?? String(c))

/** The errors behind a NoHostAvailableError, host by host. */
function innerErrors(e: cassandra.errors.NoHostAvailableError): [string, unknown][] {
  const inner = (e as { innerErrors?: Record<string, unknown> }).innerErrors
  return inner ? Object.entries(inner) : []
}

function tandem(code: ErrorCode, message: string, cause: unknown, meta: Record<string, unknown> = {}): TandemError {
  return new TandemError(code, message, { cause, meta })
}

/**
 * The TandemError for a cassandra-driver failure (the driver error kept as `cause`); a TandemError passes
 * as it is. Every error gets a code:
 * - refused credentials → `P1000`; TLS failures and unreachable or overloaded nodes, read timeouts,
 *   requests refused before they ran (unavailable, overloaded, bootstrapping) → `BACKEND_UNAVAILABLE`
 *   with `meta.outcome: 'not-applied'` for writes;
 * - a write that may have applied (server write timeout or write failure, client timeout, a socket closed
 *   after the request was sent) → `OUTCOME_UNKNOWN` with `meta.outcome: 'unknown'` and the server's
 *   `writeType` (CAS, SIMPLE, BATCH, BATCH_LOG, UNLOGGED_BATCH, …): callers that can read the row back
 *   resolve it;
 * - a missing keyspace, table or column → `P1003` / `P2021` / `P2022` (run `tandem push`); a permission
 *   missing → `P1010`; anything else the server or driver rejects (syntax, invalid, protocol, server error)
 *   → `BACKEND_ERROR`.
 * @example try { … } catch (e) { throw driverError(e, { op: 'write' }) }
 */
export function driverError(e: unknown, context: DriverErrorContext): unknown {
  if (e instanceof TandemError) return e
  if (!(e instanceof Error)) return e
  const { op } = context
  const write = op === 'write'

  if (e instanceof errors.AuthenticationError) return credentials(e, context)
  if (e instanceof errors.NoHostAvailableError) return noHost(e, context)
  if (e instanceof errors.OperationTimedOutError) {
    const host = (e as { host?: string }).host
    const where = host ? ` (host ${host})` : ''
    if (op === 'connect')
      return tandem('BACKEND_UNAVAILABLE', `ScyllaDB did not answer while connecting${where}: ${e.message}`, e)
    if (write) return unknownOutcome(e, `ScyllaDB did not answer the write in time${where}`, { host })
    return tandem(
      'BACKEND_UNAVAILABLE',
      `ScyllaDB did not answer the ${op === 'ddl' ? 'schema change (re-run $push)' : 'read'} in time${where}; retry, or raise scylla.readTimeoutMs / $scylla({ timeoutMs })`,
      e,
      { host },
    )
  }
  if (e instanceof errors.BusyConnectionError)
    return tandem(
      'BACKEND_UNAVAILABLE',
      `${e.message}: too many requests in flight for the connection pool; lower the concurrency or retry`,
      e,
      write ? { outcome: 'not-applied' } : {},
    )
  if (e instanceof errors.ResponseError) return response(e as unknown as ResponseErrorFields & Error, context)
  const socket = e as SocketErrorFields & Error
  if (socket.isSocketError || /socket was closed/i.test(e.message)) {
    if (op === 'connect') return connectClosed(e, context)
    if (write && !socket.requestNotWritten)
      return unknownOutcome(e, 'The connection to the ScyllaDB node closed after the write was sent')
    return tandem(
      'BACKEND_UNAVAILABLE',
      `The connection to the ScyllaDB node closed (${e.message}); the node may be down, retry`,
      e,
      write ? { outcome: 'not-applied' } : {},
    )
  }
  if (isTlsFailure(e)) return tlsFailure(e, context)
  if (e instanceof errors.ArgumentError || e instanceof errors.NotSupportedError)
    return tandem('BACKEND_ERROR', `cassandra-driver refused the request: ${e.message}`, e)
  if (e instanceof errors.DriverError)
    return tandem(
      op === 'connect' ? 'BACKEND_UNAVAILABLE' : 'BACKEND_ERROR',
      `cassandra-driver failed: ${e.message}`,
      e,
    )
  // a Node socket error (ECONNREFUSED, ETIMEDOUT, …) that reached us directly
  const sys = (e as { code?: unknown }).code
  if (typeof sys === 'string' && /^E[A-Z]+$/.test(sys))
    return tandem('BACKEND_UNAVAILABLE', `ScyllaDB cannot be reached (${sys}): ${e.message}`, e)
  return e
}

/** Whether an error says a write may have applied (resolve it by reading back, or report it as it is). */
export function isOutcomeUnknown(e: unknown): e is TandemError {
  return e instanceof TandemError && e.code === 'OUTCOME_UNKNOWN'
}

function unknownOutcome(cause: Error, what: string, meta: Record<string, unknown> = {}): TandemError {
  const detail = cause instanceof errors.NoHostAvailableError ? '' : ` (${cause.message})`
  return tandem(
    'OUTCOME_UNKNOWN',
    `${what}; it may or may not have applied${detail}. Read the data back before retrying a write that is not idempotent`,
    cause,
    { outcome: 'unknown', ...meta },
  )
}

function credentials(e: Error, context: DriverErrorContext): TandemError {
  const who = context.username === undefined ? 'no user (none configured)' : `user ${JSON.stringify(context.username)}`
  const missing = /provider not set/i.test(e.message)
  return tandem(
    'P1000',
    missing
      ? `ScyllaDB requires authentication and ${who} was given; set scylla.username/password or SCYLLA_USERNAME/SCYLLA_PASSWORD`
      : `ScyllaDB refused the credentials for ${who} (${e.message}); check scylla.username/password or SCYLLA_USERNAME/SCYLLA_PASSWORD`,
    e,
  )
}

/** `cause`: the error to keep; `inner`: the one that says what failed (a NoHostAvailableError's host error). */
function tlsFailure(cause: unknown, context: DriverErrorContext, host?: string, inner: unknown = cause): TandemError {
  const at = host ? ` with ${host}` : ''
  const message = inner instanceof Error ? inner.message : String(inner)
  const hint = /wrong version number|WRONG_VERSION/i.test(message)
    ? 'the node does not speak TLS on this port: remove scylla.tls or point at its TLS port'
    : 'check scylla.tls (ca, cert, key; servername must match the certificate)'
  return tandem('BACKEND_UNAVAILABLE', `The TLS handshake${at} failed (${message}); ${hint}`, cause, {
    tls: true,
    tlsConfigured: context.tls === true,
  })
}

function connectClosed(e: unknown, context: DriverErrorContext, host?: string, inner: unknown = e): TandemError {
  const at = host ? ` ${host}` : ''
  const message = inner instanceof Error ? inner.message : String(inner)
  const hint = context.tls
    ? 'check that the node accepts TLS on this port'
    : 'if the node accepts only TLS clients, set scylla.tls (or SCYLLA_TLS=1); otherwise is it running? (npm run db:up)'
  return tandem(
    'BACKEND_UNAVAILABLE',
    `ScyllaDB node${at} closed the connection while connecting (${message}); ${hint}`,
    e,
  )
}

function noHost(e: cassandra.errors.NoHostAvailableError, context: DriverErrorContext): unknown {
  const inner = innerErrors(e)
  const auth = inner.find(([, x]) => x instanceof errors.AuthenticationError)
  if (auth) return credentials(auth[1] as Error, context)
  const tls = inner.find(([, x]) => isTlsFailure(x))
  if (tls) return tlsFailure(e, context, tls[0], tls[1])
  // a write the driver retried on other hosts: if any attempt may have reached a replica, so may the write
  if (context.op === 'write') {
    const reached = inner.find(([, x]) => {
      const mapped = driverError(x, context)
      return isOutcomeUnknown(mapped)
    })
    if (reached)
      return unknownOutcome(
        e,
        `No ScyllaDB node confirmed the write (${reached[0]}: ${reached[1] instanceof Error ? reached[1].message : String(reached[1])})`,
      )
  }
  if (context.op === 'connect' && inner.length > 0 && inner.every(([, x]) => isClosedAtConnect(x)))
    return connectClosed(e, context, inner.map(([h]) => h).join(', '), inner[0]![1])
  const hosts = inner.map(([h, x]) => `${h}: ${x instanceof Error ? x.message : String(x)}`).join('; ')
  return tandem(
    'BACKEND_UNAVAILABLE',
    `No ScyllaDB node could serve the request${hosts ? ` (${hosts})` : ''}. Is it running? (npm run db:up; check scylla.contactPoints)`,
    e,
    context.op === 'write' ? { outcome: 'not-applied' } : {},
  )
}

function response(e: ResponseErrorFields & Error, context: DriverErrorContext): unknown {
  const write = context.op === 'write'
  const notApplied = write ? { outcome: 'not-applied' } : {}
  const cl = consistencyName(e.consistencies)
  switch (e.code) {
    case codes.badCredentials:
      return credentials(e, context)
    case codes.unavailableException:
      return tandem(
        'BACKEND_UNAVAILABLE',
        `Not enough ScyllaDB replicas are up for ${cl} (${e.alive ?? '?'} alive, ${e.required ?? '?'} required); nothing was done. Retry once the nodes are back, or lower the consistency`,
        e,
        { ...notApplied, consistency: cl, alive: e.alive, required: e.required },
      )
    case codes.overloaded:
    case codes.isBootstrapping:
    case codes.truncateError:
      return tandem(
        'BACKEND_UNAVAILABLE',
        `The ScyllaDB node ${e.code === codes.overloaded ? 'is overloaded' : e.code === codes.isBootstrapping ? 'is still starting (bootstrapping)' : 'could not truncate'}: ${e.message}; retry`,
        e,
        notApplied,
      )
    case codes.readTimeout:
    case codes.readFailure:
      return tandem(
        'BACKEND_UNAVAILABLE',
        `ScyllaDB replicas did not answer a read at ${cl} in time (${e.received ?? '?'} of ${e.blockFor ?? '?'} answered): ${e.message}; retry`,
        e,
        { consistency: cl, received: e.received, blockFor: e.blockFor },
      )
    case codes.writeTimeout:
    case codes.writeFailure:
      if (context.op === 'ddl')
        return tandem('BACKEND_UNAVAILABLE', `A schema change timed out (${e.message}); re-run $push`, e)
      return unknownOutcome(
        e,
        `ScyllaDB replicas did not confirm a ${e.writeType ?? ''} write at ${cl} (${e.received ?? '?'} of ${e.blockFor ?? '?'} acknowledged${e.code === codes.writeFailure ? `, ${e.failures ?? '?'} failed` : ''})`.replace(
          '  ',
          ' ',
        ),
        { writeType: e.writeType, consistency: cl, received: e.received, blockFor: e.blockFor },
      )
    case codes.unauthorized:
      return tandem(
        'P1010',
        `ScyllaDB denied ${context.username === undefined ? 'the user' : `user ${JSON.stringify(context.username)}`} access: ${e.message}; GRANT the permission on the keyspace`,
        e,
      )
    case codes.invalid:
    case codes.configError:
    case codes.alreadyExists:
      return schemaError(e)
    case codes.syntaxError:
    case codes.protocolError:
    case codes.serverError:
    case codes.functionFailure:
    case codes.unprepared:
    case codes.clientWriteFailure:
    default:
      return tandem(
        'BACKEND_ERROR',
        `ScyllaDB rejected a statement (error 0x${e.code.toString(16).padStart(4, '0')}): ${e.message}`,
        e,
        { serverCode: e.code },
      )
  }
}

/** Invalid requests are almost always a schema the database does not have yet: say which and how to fix it. */
function schemaError(e: ResponseErrorFields & Error): TandemError {
  const m = e.message
  if (/keyspace .* does not exist|keyspace .*not found/i.test(m))
    return tandem('P1003', `The ScyllaDB keyspace does not exist (${m}); run \`tandem push\` (or db.$push())`, e)
  if (/unconfigured table|table .* does not exist|undefined table/i.test(m))
    return tandem('P2021', `The table does not exist on ScyllaDB (${m}); run \`tandem push\` (or db.$push())`, e)
  if (/undefined column|undefined name|no column/i.test(m))
    return tandem(
      'P2022',
      `A column does not exist on ScyllaDB (${m}); run \`tandem push\` to add new columns (or db.$push())`,
      e,
    )
  return tandem(
    'BACKEND_ERROR',
    `ScyllaDB rejected a statement (error 0x${e.code.toString(16).padStart(4, '0')}): ${m}`,
    e,
    { serverCode: e.code },
  )
}

/** The server's error code (0x2200 Invalid, …) behind an error, mapped or not; undefined for client-side failures. */
export function serverCode(e: unknown): number | undefined {
  const raw = e instanceof TandemError ? e.cause : e
  return raw instanceof errors.ResponseError ? raw.code : undefined
}
