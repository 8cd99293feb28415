import cassandra from 'cassandra-driver'
import { callScope, ttlText } from './call-options.js'
import { driverError, type DriverOp } from './driver-errors.js'
import type { DriverConnection } from './scylla-connection.js'
import type { Telemetry } from '../observe/telemetry.js'

const { types } = cassandra

export interface CqlStatement {
  readonly query: string
  readonly params: readonly unknown[]
}

export interface ExecutorOptions {
  contactPoints: string[]
  localDataCenter: string
  connectTimeoutMs: number
  readTimeoutMs: number
  /** the driver's codes of the keyspace-wide defaults (LOCAL_QUORUM / LOCAL_SERIAL unless configured) */
  consistency?: number | undefined
  serialConsistency?: number | undefined
  /** Scylla-only `USING TIMEOUT`; off by default so Cassandra works too */
  usingTimeoutMs?: number | undefined
  /** credentials, TLS and driver policies (scylla-connection.ts) */
  connection?: DriverConnection | undefined
  logger?: ((level: string, message: string) => void) | undefined
  /** named in error messages (P1000) */
  username?: string | undefined
  /** the TLS options, if any (error messages hint at TLS when a connect fails without them) */
  tls?: object | undefined
  /** set when the client reports statements (query events, tracing) */
  telemetry?: Telemetry | undefined
}

const PAGE = 1000
/** options of every read, made once (the driver does not change them) */
const READ = { prepare: true, isIdempotent: true, fetchSize: PAGE } as const
const SERIAL_READ = { ...READ, consistency: types.consistencies.localSerial } as const
const WRITE = { prepare: true, isIdempotent: true } as const
const WRITE_ONCE = { prepare: true, isIdempotent: false } as const
const BATCH_BYTES_LIMIT = 40_000

type QueryOptions = cassandra.QueryOptions

/**
 * The driver options of one request under the call's `$scylla` options (none: the fixed objects as they
 * are). `serial` reads keep their serial consistency.
 */
function scoped<O extends QueryOptions>(base: O, serial = false): O {
  const call = callScope.getStore()
  if (!call || (call.timeoutMs === undefined && (serial || call.consistency === undefined))) return base
  const o: O = { ...base }
  if (call.timeoutMs !== undefined) o.readTimeout = call.timeoutMs
  if (!serial && call.consistency !== undefined) o.consistency = call.consistency
  return o
}

/** A write under the call's `ttl` (inserts and updates get `USING TTL ?`, bound; other statements as they are). */
function withTtl(query: string, params: readonly unknown[]): { query: string; params: unknown[] } {
  const ttl = callScope.getStore()?.ttl
  const t = ttl === undefined ? null : ttlText(query)
  if (!t) return { query, params: params as unknown[] }
  return { query: t.text, params: t.first ? [ttl, ...params] : [...params, ttl] }
}

function approximateBytes(statements: readonly CqlStatement[]): number {
  let n = 0
  for (const s of statements) for (const p of s.params) n += typeof p === 'string' ? p.length * 3 : 16
  return n
}

/**
 * The only place that talks to cassandra-driver: prepared statements always (token-aware routing),
 * paging on pageState (never on row counts), LWT results read by `[applied]`, and every driver failure
 * turned into a coded TandemError (driver-errors.ts; a write that may have applied: OUTCOME_UNKNOWN).
 */
export class CqlExecutor {
  readonly client: cassandra.Client
  private connected: Promise<void> | undefined

  constructor(private readonly options: ExecutorOptions) {
    this.serialRead =
      options.serialConsistency === undefined ? SERIAL_READ : { ...READ, consistency: options.serialConsistency }
    const { authProvider, sslOptions, policies, pooling } = options.connection ?? {}
    this.client = new cassandra.Client({
      ...(authProvider ? { authProvider } : {}),
      ...(sslOptions ? { sslOptions } : {}),
      ...(policies ? { policies } : {}),
      contactPoints: options.contactPoints,
      localDataCenter: options.localDataCenter,
      encoding: { useBigIntAsLong: true, useBigIntAsVarint: true },
      socketOptions: { connectTimeout: options.connectTimeoutMs, readTimeout: options.readTimeoutMs },
      queryOptions: {
        consistency: options.consistency ?? types.consistencies.localQuorum,
        serialConsistency: options.serialConsistency ?? types.consistencies.localSerial,
        prepare: true,
      },
      pooling: { warmup: true, ...pooling },
    })
    if (options.logger) {
      const log = options.logger
      this.client.on('log', (level: string, _cls: string, message: string) => {
        if (level === 'warning' || level === 'error') log(level, message)
      })
    }
  }

  private ready = false

  /**
   * cassandra-driver's execute, reported to the client's telemetry when it has one (one check otherwise). Every
   * statement goes through here or `sendBatch`: reads, pages, writes, LWTs, lookups, DDL and raw `$cql`.
   */
  private execute(query: string, params: unknown[], options: QueryOptions): Promise<cassandra.types.ResultSet> {
    const t = this.options.telemetry
    if (t === undefined) return this.client.execute(query, params, options)
    return t.statement('scylla', query, params, () => this.client.execute(query, params, options))
  }

  private sendBatch(
    statements: { query: string; params: unknown[] }[],
    options: QueryOptions,
  ): Promise<cassandra.types.ResultSet> {
    const t = this.options.telemetry
    if (t === undefined) return this.client.batch(statements, options)
    const text = `BEGIN UNLOGGED BATCH ${statements.map((s) => s.query).join('; ')} APPLY BATCH`
    return t.statement(
      'scylla',
      text,
      statements.flatMap((s) => s.params),
      () => this.client.batch(statements, options),
    )
  }
  /** serial reads at the configured serial consistency (LOCAL_SERIAL unless `scylla.serialConsistency`) */
  private readonly serialRead: QueryOptions

  connect(): Promise<void> {
    this.connected ??= this.client.connect().then(
      () => {
        this.ready = true
      },
      (e: unknown) => {
        this.connected = undefined
        throw this.failure(e, 'connect')
      },
    )
    return this.connected
  }

  /** Reads every row (following pageState), or stops once `limit` rows are in. */
  async select(
    query: string,
    params: readonly unknown[],
    limit?: number,
    serial = false,
  ): Promise<Record<string, unknown>[]> {
    if (!this.ready) await this.connect()
    // the statement's LIMIT bounds the rows; tiny pages only add paging work on the server
    const options = scoped(serial ? this.serialRead : READ, serial)
    let rs: cassandra.types.ResultSet
    try {
      rs = await this.execute(query, params as unknown[], options)
    } catch (e) {
      throw this.failure(e, 'read')
    }
    let rows = rs.rows as unknown as Record<string, unknown>[]
    // the common case, one page: the driver's rows as they are
    if (!rs.pageState || (limit !== undefined && rows.length >= limit))
      return limit !== undefined && rows.length > limit ? rows.slice(0, limit) : rows
    rows = [...rows]
    let pageState: string | undefined = rs.pageState
    while (pageState && (limit === undefined || rows.length < limit)) {
      const page = await this.guard('read', () => this.execute(query, params as unknown[], { ...options, pageState }))
      for (const r of page.rows) rows.push(r as unknown as Record<string, unknown>)
      pageState = page.pageState ?? undefined
    }
    return limit === undefined ? rows : rows.slice(0, limit)
  }

  /**
   * One page of a statement's rows: at most `fetchSize`, from the driver's paging state (hex text, valid
   * across connections and processes); `pageState` is undefined after the last page.
   */
  async page(
    query: string,
    params: readonly unknown[],
    fetchSize: number,
    pageState: string | undefined,
  ): Promise<{ rows: Record<string, unknown>[]; pageState: string | undefined }> {
    if (!this.ready) await this.connect()
    const rs = await this.guard('read', () =>
      this.execute(query, params as unknown[], scoped({ prepare: true, isIdempotent: true, fetchSize, pageState })),
    )
    return { rows: rs.rows as unknown as Record<string, unknown>[], pageState: rs.pageState ?? undefined }
  }

  async write(query: string, params: readonly unknown[], idempotent = true): Promise<void> {
    if (!this.ready) await this.connect()
    const w = withTtl(query, params)
    await this.guard('write', () => this.execute(w.query, w.params, scoped(idempotent ? WRITE : WRITE_ONCE)))
  }

  /** A lightweight transaction: returns whether it applied and the current row when it did not. */
  async lwt(
    query: string,
    params: readonly unknown[],
  ): Promise<{ applied: boolean; current: Record<string, unknown> | undefined }> {
    if (!this.ready) await this.connect()
    const w = withTtl(query, params)
    const rs = await this.guard('write', () => this.execute(w.query, w.params, scoped(WRITE_ONCE)))
    const row = rs.first() as unknown as Record<string, unknown> | null
    const applied = row?.['[applied]'] === true
    return { applied, current: applied || !row ? undefined : row }
  }

  /**
   * Independent idempotent writes as one UNLOGGED batch (one request; no atomicity and no batch log, which
   * stalls until a dead node is convicted), or a single write when there is one.
   */
  async unloggedBatch(statements: readonly CqlStatement[]): Promise<void> {
    if (statements.length === 0) return
    if (statements.length === 1) return this.write(statements[0]!.query, statements[0]!.params)
    if (approximateBytes(statements) > BATCH_BYTES_LIMIT) {
      // Cassandra refuses batches over batch_size_fail_threshold (50 KiB by default): run the statements
      // one by one, in the caller's order (lookup entries before the base row they point at)
      for (const s of statements) await this.write(s.query, s.params)
      return
    }
    await this.connect()
    await this.guard('write', () =>
      this.sendBatch(
        statements.map((s) => withTtl(s.query, s.params)),
        scoped({ prepare: true, logged: false, isIdempotent: true }),
      ),
    )
  }

  private using: Promise<void> | undefined

  /**
   * Makes `keyspace` the session's keyspace (`USE`; the driver switches every connection), once: raw CQL
   * names tables unqualified, as an application does; tandem's own statements are qualified and unaffected.
   */
  useKeyspace(keyspace: string): Promise<void> {
    this.using ??= this.connect()
      .then(() => this.guard('ddl', () => this.client.execute(`USE "${keyspace}"`)))
      .then(
        () => {},
        (e: unknown) => {
          this.using = undefined
          throw e
        },
      )
    return this.using
  }

  /**
   * A user's raw statement (`$cql`): prepared when it has values (bound, typed by the server's metadata), sent
   * as it is otherwise (DDL, USE). A SELECT is read to its last page; anything else runs once, not idempotent
   * (never retried: an LWT or counter update must not apply twice), and gives the rows it returned (an LWT's
   * `[applied]` row; none for a plain write). Errors are coded by driver-errors.ts.
   */
  async rawStatement(query: string, params: readonly unknown[]): Promise<Record<string, unknown>[]> {
    if (!this.ready) await this.connect()
    const prepare = params.length > 0
    const read = /^\s*select\b/i.test(query)
    const options = scoped(read ? { ...READ, prepare } : { prepare, isIdempotent: false })
    const rs = await this.guard(read ? 'read' : 'write', () => this.execute(query, params as unknown[], options))
    const rows = (rs.rows ?? []) as unknown as Record<string, unknown>[]
    if (!rs.pageState) return rows
    const all = [...rows]
    let pageState: string | undefined = rs.pageState
    while (pageState) {
      const page = await this.guard('read', () => this.execute(query, params as unknown[], { ...options, pageState }))
      for (const r of page.rows) all.push(r as unknown as Record<string, unknown>)
      pageState = page.pageState ?? undefined
    }
    return all
  }

  async ddl(query: string): Promise<void> {
    await this.connect()
    await this.guard('ddl', () => this.execute(query, [], { prepare: false, readTimeout: 60_000 }))
  }

  async close(): Promise<void> {
    await this.client.shutdown()
  }

  private async guard<T>(op: DriverOp, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (e) {
      throw this.failure(e, op)
    }
  }

  private failure(e: unknown, op: DriverOp): unknown {
    return driverError(e, { op, username: this.options.username, tls: this.options.tls !== undefined })
  }
}
