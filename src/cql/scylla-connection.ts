import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { ConnectionOptions } from 'node:tls'
import cassandra from 'cassandra-driver'
import { validationError } from '../errors.js'

/** PEM text (a string holding `-----BEGIN`, or a Buffer), or the path of a PEM file (relative to the cwd). */
export type PemSource = string | Buffer

/** `scylla.tls`: TLS to every node, certificate verification on unless `rejectUnauthorized: false`. */
export interface ScyllaTlsOptions {
  /** CA certificate(s) the servers' certificates are checked against; default: Node's system CAs */
  ca?: PemSource | PemSource[]
  /** client certificate, for servers that require or accept one (mutual TLS); with `key` */
  cert?: PemSource
  /** the client certificate's private key (unencrypted PEM) */
  key?: PemSource
  /** default true: a certificate that does not verify (CA, name, dates) refuses the connection */
  rejectUnauthorized?: boolean
  /**
   * the name every node's certificate is checked against (also sent as SNI); default: the address the driver
   * connects to, so each node's certificate needs its IP in subjectAltName
   */
  servername?: string
}

/** `scylla.policies`: the driver policies users tune, each with the driver's default unless set. */
export interface ScyllaPolicies {
  /**
   * 'default': the driver's RetryPolicy. Once each: a read timeout where enough replicas answered but without
   * data (same node), an unavailable coordinator (next node), an idempotent write whose batch-log write timed out;
   * a client timeout, socket error or overloaded node moves an idempotent statement (tandem's reads and plain
   * writes and batches, never an LWT) to the next node. 'never': all of these go to the caller at once
   * (a request never written to a socket is still resent: it cannot have applied). Or a driver RetryPolicy.
   */
  retry?: 'default' | 'never' | cassandra.policies.retry.RetryPolicy
  /**
   * Speculative execution of reads: when a SELECT has not answered after `delayMs`, the same read is sent to
   * the next replica too (at most `maxExecutions` extra, default 1); the first answer wins. Reads only (tandem
   * marks them idempotent; writes are never sent twice by this). Default off.
   */
  speculativeReads?: false | { delayMs: number; maxExecutions?: number }
  /** connections to each node of the local data center; default 1 (the driver's, protocol v4) */
  connectionsPerHost?: number
  /** requests in flight on one connection; default 2048 (the driver's) */
  maxRequestsPerConnection?: number
}

/** The connection-related part of `ScyllaOptions`. */
export interface ScyllaConnectionOptions {
  /** default SCYLLA_USERNAME; PlainTextAuthProvider (ScyllaDB's and Cassandra's PasswordAuthenticator) */
  username?: string
  /** default SCYLLA_PASSWORD */
  password?: string
  /** true: TLS with Node's system CAs; default: SCYLLA_TLS_CA (PEM path) or SCYLLA_TLS=1, else off */
  tls?: boolean | ScyllaTlsOptions
  policies?: ScyllaPolicies
}

/** What the executor adds to cassandra-driver's ClientOptions (and the user it names in P1000's message). */
export interface DriverConnection {
  username?: string
  authProvider?: cassandra.auth.AuthProvider
  sslOptions?: ConnectionOptions
  policies?: {
    retry?: cassandra.policies.retry.RetryPolicy
    speculativeExecution?: cassandra.policies.speculativeExecution.SpeculativeExecutionPolicy
  }
  pooling?: { coreConnectionsPerHost?: Record<number, number>; maxRequestsPerConnection?: number }
}

const WHERE = 'createDb scylla'

/** A retry policy that never retries: every failure reaches the caller (and tandem's own handling) at once. */
class NeverRetry extends cassandra.policies.retry.RetryPolicy {
  override onReadTimeout(): cassandra.policies.retry.DecisionInfo {
    return this.rethrowResult()
  }
  override onRequestError(): cassandra.policies.retry.DecisionInfo {
    return this.rethrowResult()
  }
  override onUnavailable(): cassandra.policies.retry.DecisionInfo {
    return this.rethrowResult()
  }
  override onWriteTimeout(): cassandra.policies.retry.DecisionInfo {
    return this.rethrowResult()
  }
}

const NO_MORE = { nextExecution: (): number => -1 }

/** Speculative executions for SELECTs only (the driver's constant policy would also repeat idempotent writes). */
class SpeculativeReads implements cassandra.policies.speculativeExecution.SpeculativeExecutionPolicy {
  constructor(
    private readonly delayMs: number,
    private readonly maxExecutions: number,
  ) {}
  init(): void {}
  shutdown(): void {}
  getOptions(): Map<string, object> {
    return new Map<string, object>([
      ['delay', Object(this.delayMs) as object],
      ['maxSpeculativeExecutions', Object(this.maxExecutions) as object],
    ])
  }
  newPlan(_keyspace: string, query: string | object[]): { nextExecution: () => number } {
    if (typeof query !== 'string' || !/^\s*select\s/i.test(query)) return NO_MORE
    let sent = 0
    return { nextExecution: () => (sent++ < this.maxExecutions ? this.delayMs : -1) }
  }
}

function positiveInteger(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    throw validationError(WHERE, `${name} must be a positive integer (got ${String(value)})`)
  return value
}

/** PEM text as it is; any other string is a file read now, so a wrong path fails createDb, not the first call. */
function pem(source: unknown, name: string): string | Buffer {
  if (Buffer.isBuffer(source)) return source
  if (typeof source !== 'string' || source.length === 0)
    throw validationError(WHERE, `${name} must be PEM text or the path of a PEM file`)
  if (source.includes('-----BEGIN')) return source
  try {
    return readFileSync(resolve(source))
  } catch (e) {
    throw validationError(
      WHERE,
      `${name}: cannot read ${resolve(source)} (${e instanceof Error ? e.message : String(e)}); pass PEM text or a readable path`,
    )
  }
}

function tlsOptions(
  tls: boolean | ScyllaTlsOptions | undefined,
  env: NodeJS.ProcessEnv,
): ConnectionOptions | undefined {
  if (tls === false) return undefined
  if (tls === undefined) {
    if (env.SCYLLA_TLS_CA) return { ca: pem(env.SCYLLA_TLS_CA, 'SCYLLA_TLS_CA'), rejectUnauthorized: true }
    return env.SCYLLA_TLS === '1' || env.SCYLLA_TLS === 'true' ? { rejectUnauthorized: true } : undefined
  }
  if (tls === true) return { rejectUnauthorized: true }
  if (typeof tls !== 'object' || tls === null || Array.isArray(tls))
    throw validationError(WHERE, 'tls must be true, false or { ca, cert, key, rejectUnauthorized, servername }')
  const known = ['ca', 'cert', 'key', 'rejectUnauthorized', 'servername']
  for (const k of Object.keys(tls))
    if (!known.includes(k)) throw validationError(WHERE, `unknown tls option \`${k}\`; options are ${known.join(', ')}`)
  if ((tls.cert === undefined) !== (tls.key === undefined))
    throw validationError(WHERE, 'tls.cert and tls.key go together (a client certificate and its private key)')
  if (tls.rejectUnauthorized !== undefined && typeof tls.rejectUnauthorized !== 'boolean')
    throw validationError(WHERE, 'tls.rejectUnauthorized must be a boolean')
  // the driver's own default is rejectUnauthorized: false; tandem verifies unless told not to
  const out: ConnectionOptions = { rejectUnauthorized: tls.rejectUnauthorized ?? true }
  if (tls.ca !== undefined)
    out.ca = Array.isArray(tls.ca) ? tls.ca.map((c, i) => pem(c, `tls.ca[${i}]`)) : pem(tls.ca, 'tls.ca')
  if (tls.cert !== undefined) out.cert = pem(tls.cert, 'tls.cert')
  if (tls.key !== undefined) out.key = pem(tls.key, 'tls.key')
  if (tls.servername !== undefined) {
    if (typeof tls.servername !== 'string' || !tls.servername)
      throw validationError(WHERE, 'tls.servername must be a host name')
    out.servername = tls.servername
  }
  return out
}

function driverPolicies(p: ScyllaPolicies | undefined): Pick<DriverConnection, 'policies' | 'pooling'> {
  if (p === undefined) return {}
  if (typeof p !== 'object' || p === null || Array.isArray(p))
    throw validationError(
      WHERE,
      'policies must be { retry, speculativeReads, connectionsPerHost, maxRequestsPerConnection }',
    )
  const known = ['retry', 'speculativeReads', 'connectionsPerHost', 'maxRequestsPerConnection']
  for (const k of Object.keys(p))
    if (!known.includes(k))
      throw validationError(WHERE, `unknown policies option \`${k}\`; options are ${known.join(', ')}`)
  const policies: NonNullable<DriverConnection['policies']> = {}
  if (p.retry === 'never') policies.retry = new NeverRetry()
  else if (p.retry instanceof cassandra.policies.retry.RetryPolicy) policies.retry = p.retry
  else if (p.retry !== undefined && p.retry !== 'default')
    throw validationError(WHERE, "policies.retry must be 'default', 'never' or a cassandra-driver RetryPolicy")
  const spec = p.speculativeReads
  if (spec !== undefined && spec !== false) {
    if (typeof spec !== 'object' || spec === null)
      throw validationError(WHERE, 'policies.speculativeReads must be false or { delayMs, maxExecutions? }')
    const delay = spec.delayMs
    if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0)
      throw validationError(
        WHERE,
        `policies.speculativeReads.delayMs must be a number of ms >= 0 (got ${String(delay)})`,
      )
    const max =
      spec.maxExecutions === undefined
        ? 1
        : positiveInteger(spec.maxExecutions, 'policies.speculativeReads.maxExecutions')
    policies.speculativeExecution = new SpeculativeReads(delay, max)
  }
  const pooling: NonNullable<DriverConnection['pooling']> = {}
  if (p.connectionsPerHost !== undefined) {
    const n = positiveInteger(p.connectionsPerHost, 'policies.connectionsPerHost')
    const { local, remote } = cassandra.types.distance
    pooling.coreConnectionsPerHost = { [local]: n, [remote]: 1 }
  }
  if (p.maxRequestsPerConnection !== undefined)
    pooling.maxRequestsPerConnection = positiveInteger(p.maxRequestsPerConnection, 'policies.maxRequestsPerConnection')
  return {
    ...(Object.keys(policies).length ? { policies } : {}),
    ...(Object.keys(pooling).length ? { pooling } : {}),
  }
}

/**
 * Credentials, TLS and policies as cassandra-driver options: options first, then the environment
 * (SCYLLA_USERNAME, SCYLLA_PASSWORD, SCYLLA_TLS_CA, SCYLLA_TLS). Checked (and PEM files read) when called, so
 * createDb fails on a bad option with VALIDATION naming it.
 * @example driverConnection({ username: 'tandem', password: 's3cret', tls: { ca: './ca.pem' } })
 */
export function driverConnection(
  options: ScyllaConnectionOptions,
  env: NodeJS.ProcessEnv = process.env,
): DriverConnection {
  const username = options.username ?? env.SCYLLA_USERNAME
  const password = options.password ?? env.SCYLLA_PASSWORD
  if (username !== undefined && typeof username !== 'string') throw validationError(WHERE, 'username must be a string')
  if (password !== undefined && typeof password !== 'string') throw validationError(WHERE, 'password must be a string')
  if (Boolean(username) !== Boolean(password))
    throw validationError(
      WHERE,
      username
        ? 'username without a password: pass scylla.password or set SCYLLA_PASSWORD'
        : 'password without a username: pass scylla.username or set SCYLLA_USERNAME',
    )
  const out: DriverConnection = driverPolicies(options.policies)
  if (username && password) {
    out.username = username
    out.authProvider = new cassandra.auth.PlainTextAuthProvider(username, password)
  }
  const ssl = tlsOptions(options.tls, env)
  if (ssl) out.sslOptions = ssl
  return out
}
