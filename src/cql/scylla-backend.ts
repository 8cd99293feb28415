import type { Model, Row, SchemaInfo } from '../schema/model.js'
import { deriveAllTables, type LayoutOptions, type ModelTables } from '../schema/scylla-layout.js'
import type {
  Backend,
  BackendTransactionOptions,
  Operation,
  PushOptions,
  PushReport,
  RawQuery,
  SchemaChange,
  Statement,
} from '../adapter/backend.js'
import type { Telemetry } from '../observe/telemetry.js'
import { cqlRawError } from './cql-raw-error.js'
import { cqlRows } from '../raw/raw-values.js'
import { applyUpdate } from '../adapter/evaluate.js'
import { aggregateColumns, aggregateRows } from '../adapter/aggregate.js'
import type { ReadQuery, UpdateOps } from '../adapter/query.js'
import { TandemError, validationError } from '../errors.js'
import { PlanCache } from '../cache/plan-cache.js'
import { serverCode } from './driver-errors.js'
import { SERVER_LWT_BUDGET_MS } from './settle-outcome.js'
import { CqlExecutor } from './cql-executor.js'
import { ReadPath } from './read-path.js'
import { ReferentialActions } from './referential-actions.js'
import { scyllaDdl } from './scylla-ddl.js'
import { planSchemaChanges, readLiveSchema } from './scylla-live-schema.js'
import { LookupFill, type Duplicate, type FillCheckpoint } from './lookup-fill.js'
import type { ServerIdentity, TabletsOption } from './scylla-tablets.js'
import { mapLimit, ScyllaSession } from './scylla-session.js'
import { ScyllaUndoLog } from './scylla-undo.js'
import { sameValue, WriteProtocol } from './write-protocol.js'
import { ScyllaStore } from './scylla-store.js'
import { DEFAULT_SEQUENCE_BLOCK, ScyllaSequences } from './scylla-sequence.js'
import type { RowStore } from '../move/row-store.js'
import { callScope, consistencyCode, ttlText, type ResolvedCallOptions } from './call-options.js'
import { driverConnection, type DriverConnection, type ScyllaConnectionOptions } from './scylla-connection.js'

/** `createDb({ scylla })`; `username`, `password`, `tls` and `policies` are documented in scylla-connection.ts. */
export interface ScyllaOptions extends ScyllaConnectionOptions {
  /** host[:port] list; default SCYLLA_HOSTS (or SCYLLA_HOST), comma separated */
  contactPoints?: string[]
  /** default SCYLLA_DATACENTER or 'datacenter1' */
  localDataCenter?: string
  /** default SCYLLA_KEYSPACE or 'tandem' */
  keyspace?: string
  /** replication of the keyspace `$push` creates; default { class: 'NetworkTopologyStrategy', <dc>: 1 } */
  replication?: Record<string, string | number>
  /** default 5000 */
  connectTimeoutMs?: number
  /** per-request client timeout; default 12000 */
  readTimeoutMs?: number
  /** keyspace-wide default consistency; default SCYLLA_CONSISTENCY or 'localQuorum' */
  consistency?: string
  /** consistency of lightweight transactions' Paxos phase; default 'localSerial' */
  serialConsistency?: string
  /** how many rows of a createMany/updateMany/deleteMany are written at once; default 32 */
  writeConcurrency?: number
  /**
   * compare-and-set retries of an update that loses to other writers of its row (other processes: this
   * process combines its own, see README "Hot rows") before it fails with P2034, nothing changed; default 16
   */
  casRetries?: number
  /**
   * how long after sending an LWT whose answer was lost (client timeout, closed connection) tandem waits
   * before judging it "not applied": the server may still run it for up to its cas_contention_timeout +
   * write_request_timeout. Default 3500 (the servers' defaults, 1 s + 2 s, and a margin); set it to your
   * cluster's sum plus a margin when you raised them
   */
  lwtSettleMs?: number
  /**
   * tablets of the keyspace `$push` creates: 'auto' (default) disables them on ScyllaDB versions whose LWT does
   * not work on tablets (before 2025.4) and adds nothing elsewhere; true/false force the clause on ScyllaDB
   * (true is refused on Cassandra, which has no tablets; false adds nothing there)
   */
  tablets?: TabletsOption
  /** receives driver warnings and failures tandem recovers from; a library never writes to stdout */
  logger?: (level: string, message: string) => void
  /**
   * ids of a serial / identity column a process takes from the column's sequence at once (one LWT per block,
   * see scylla-sequence.ts); default 100. Larger: fewer LWTs, bigger gaps when processes stop
   */
  sequenceBlock?: number
}

const ONE_ROW = (where: ReadQuery['where']): ReadQuery => ({
  where,
  orderBy: [],
  take: undefined,
  skip: undefined,
  unique: true,
})

/**
 * The ScyllaDB backend: reads go through the compiled read of their shape (never a scan, see
 * read-path.ts), writes through the write protocol (write-protocol.ts) and the referential actions
 * (referential-actions.ts). Rows written by a *Many call are all-or-nothing by compensation.
 */
export class ScyllaBackend implements Backend {
  readonly kind = 'scylla' as const
  /** related rows come from the delegate's loader: bounded waves of reads */
  readonly includes = 'loader' as const
  private readonly tables: Map<string, ModelTables>
  private readonly dataCenter: string
  private readonly consistency: number | undefined
  private readonly serialConsistency: number | undefined
  /** credentials, TLS and driver policies, checked (PEM files read) by the constructor */
  private readonly connection: DriverConnection
  private executor: CqlExecutor | undefined
  /** the plans of every read and update shape (shared by the undo log of nested writes) */
  readonly plans = new PlanCache<object>(2000)
  /** what the parts of this backend (and the credits ledger) share */
  readonly session: ScyllaSession
  /** row-level access for migrate, verify, sync and dual mode (src/move/row-store.ts) */
  readonly store: RowStore
  private readonly reads: ReadPath
  private readonly writes: WriteProtocol
  private readonly actions: ReferentialActions

  constructor(
    private readonly schema: SchemaInfo,
    private readonly options: ScyllaOptions = {},
    layout?: LayoutOptions,
  ) {
    this.tables = deriveAllTables(schema, layout)
    const keyspace = options.keyspace ?? process.env.SCYLLA_KEYSPACE ?? 'tandem'
    if (!/^[A-Za-z][A-Za-z0-9_]{0,47}$/.test(keyspace))
      throw validationError('createDb', `keyspace "${keyspace}" must be letters, digits and _ (at most 48)`)
    if (options.tablets !== undefined && options.tablets !== 'auto' && typeof options.tablets !== 'boolean')
      throw validationError('createDb', `scylla.tablets must be 'auto', true or false (got ${String(options.tablets)})`)
    // checked now, so a bad name fails createDb rather than the first call
    const consistency = options.consistency ?? process.env.SCYLLA_CONSISTENCY
    this.consistency = consistency ? consistencyCode(consistency, 'createDb scylla.consistency') : undefined
    this.serialConsistency = options.serialConsistency
      ? consistencyCode(options.serialConsistency, 'createDb scylla.serialConsistency', true)
      : undefined
    const casRetries = options.casRetries
    const lwtSettleMs = options.lwtSettleMs
    if (lwtSettleMs !== undefined && !(Number.isInteger(lwtSettleMs) && lwtSettleMs >= 0 && lwtSettleMs <= 600_000))
      throw validationError(
        'createDb',
        `scylla.lwtSettleMs must be a whole number of milliseconds from 0 to 600000 (got ${String(lwtSettleMs)})`,
      )
    if (casRetries !== undefined && !(Number.isInteger(casRetries) && casRetries >= 0 && casRetries <= 1000))
      throw validationError(
        'createDb',
        `scylla.casRetries must be a whole number from 0 to 1000 (got ${String(casRetries)})`,
      )
    this.dataCenter = options.localDataCenter ?? process.env.SCYLLA_DATACENTER ?? 'datacenter1'
    this.connection = driverConnection(options)
    this.session = new ScyllaSession(
      () => this.exec,
      keyspace,
      this.tables,
      (m, e) => this.warn(m, e),
      lwtSettleMs ?? SERVER_LWT_BUDGET_MS,
    )
    this.reads = new ReadPath(this.session, this.plans)
    this.writes = new WriteProtocol(this.session, this.reads, this.plans, casRetries)
    this.actions = new ReferentialActions(this.session, this.reads, this.writes)
    const block = options.sequenceBlock
    if (block !== undefined && !(Number.isInteger(block) && block >= 1 && block <= 1_000_000))
      throw validationError(
        'createDb',
        `scylla.sequenceBlock must be a whole number from 1 to 1000000 (got ${String(block)})`,
      )
    this.sequences = new ScyllaSequences(this.session, block)
    this.store = new ScyllaStore(schema, this.session, this.sequences)
  }

  /** ids of serial / identity columns (scylla-sequence.ts) */
  private readonly sequences: ScyllaSequences

  /** A failure tandem recovered from (the caller sees the original error): logged, never swallowed silently. */
  private warn(message: string, error: unknown): void {
    this.options.logger?.('warning', `${message}: ${error instanceof Error ? error.message : String(error)}`)
  }

  private get exec(): CqlExecutor {
    if (!this.executor) {
      const hosts =
        this.options.contactPoints ??
        (process.env.SCYLLA_HOSTS ?? process.env.SCYLLA_HOST ?? '')
          .split(',')
          .map((h) => h.trim())
          .filter(Boolean)
      if (hosts.length === 0)
        throw validationError(
          'createDb',
          'no ScyllaDB hosts: pass scylla.contactPoints or set SCYLLA_HOSTS (npm run db:up prints it)',
        )
      this.executor = new CqlExecutor({
        contactPoints: hosts,
        localDataCenter: this.dataCenter,
        connectTimeoutMs: this.options.connectTimeoutMs ?? 5000,
        readTimeoutMs: this.options.readTimeoutMs ?? 12000,
        consistency: this.consistency,
        serialConsistency: this.serialConsistency,
        connection: this.connection,
        username: this.connection.username,
        tls: this.connection.sslOptions,
        logger: this.options.logger,
        telemetry: this.telemetry,
      })
    }
    return this.executor
  }

  private telemetry: Telemetry | undefined

  /** Reports every statement of this backend to the client's telemetry (set before the first call). */
  observe(telemetry: Telemetry): void {
    this.telemetry = telemetry
  }

  /** A raw CQL statement (`$cql`), values bound; SQL is refused (there is no SQL on ScyllaDB). */
  async raw(query: RawQuery): Promise<Record<string, unknown>[] | number> {
    if (query.language !== 'cql')
      throw validationError(
        query.method,
        `${query.method} sends SQL and this client runs on ScyllaDB: use $cql\`SELECT … WHERE id = \${id}\`` +
          ' (values are bound) or $cqlUnsafe(text, ...values)',
      )
    // unqualified table names are the configured keyspace's (a keyspace not pushed yet: P1003)
    await this.exec.useKeyspace(this.session.keyspace)
    try {
      return cqlRows(await this.exec.rawStatement(query.text, query.values))
    } catch (e) {
      throw cqlRawError(query.method, e)
    }
  }

  async run(model: Model, operation: Operation): Promise<Row[] | number> {
    const t = this.session.tablesOf(model)
    const concurrency = this.options.writeConcurrency ?? 32
    switch (operation.op) {
      case 'findMany':
        return this.reads.read(t, operation.query, `${model.name}.findMany`)
      case 'count':
        return (
          await this.reads.read(
            t,
            { ...operation.query, take: undefined, skip: undefined, orderBy: [] },
            `${model.name}.count`,
          )
        ).length
      case 'aggregate':
        // in memory over the rows read through a key (the read refuses an unkeyed where before any I/O)
        return aggregateRows(
          model,
          await this.reads.read(
            t,
            operation.query,
            `${model.name}.aggregate`,
            aggregateColumns(model, operation.query, operation.spec),
          ),
          operation.spec,
        )
      case 'insert': {
        const rows = await this.sequences.fill(model, operation.rows)
        await this.actions.checkReferences(t, rows, `${model.name}.create`)
        const settled = await mapLimit(rows, concurrency, (row) =>
          this.writes.insertOne(t, row, operation.skipDuplicates).then(
            (value) => ({ value }),
            (error: unknown) => ({ error }),
          ),
        )
        const failed = settled.find((r): r is { error: unknown } => 'error' in r)
        const stored = settled.flatMap((r) => ('value' in r && r.value ? [r.value] : []))
        if (failed) {
          // createMany is one statement on PostgreSQL: all rows or none. Take back the rows this call wrote.
          await mapLimit(stored, concurrency, (row) => this.writes.deleteRow(t, row)).catch((e: unknown) =>
            this.warn(`${model.name}.createMany: could not take back every row of a failed call`, e),
          )
          throw failed.error
        }
        return stored
      }
      case 'update': {
        // a hot-row update by key (increment, …) joins the others of its row without a read of its own
        const byKey = this.writes.updateByKey(t, operation.query, operation.set)
        if (byKey) {
          const row = await byKey
          return row ? [row] : []
        }
        const rows = await this.reads.read(t, operation.query, `${model.name}.update`)
        await this.checkChangedReferences(t, rows, operation.set)
        const settled = await mapLimit(rows, concurrency, (row) =>
          this.writes.updateOne(t, row, operation.set, operation.query).then(
            (value) => ({ row, value }),
            (error: unknown) => ({ row, error }),
          ),
        )
        const failed = settled.find((r): r is { row: Row; error: unknown } => 'error' in r)
        if (failed) {
          // updateMany is one statement on PostgreSQL: all rows or none. Put back the rows this call changed.
          const done = settled.flatMap((r) => ('value' in r && r.value ? [{ before: r.row, after: r.value }] : []))
          await mapLimit(done, concurrency, ({ before, after }) => {
            const restore: UpdateOps = Object.fromEntries(
              Object.keys(operation.set).map((f) => [f, { op: 'set' as const, value: before[f] }]),
            )
            return this.writes.updateOne(t, after, restore, ONE_ROW(undefined))
          }).catch((e: unknown) =>
            this.warn(`${model.name}.updateMany: could not put back every row of a failed call`, e),
          )
          throw failed.error
        }
        return settled.flatMap((r) => ('value' in r && r.value ? [r.value] : []))
      }
      case 'delete': {
        const rows = await this.reads.read(t, operation.query, `${model.name}.delete`)
        const removed = await mapLimit(rows, concurrency, (row) => this.actions.deleteOne(t, row))
        return rows.filter((_, i) => removed[i])
      }
    }
  }

  /** A foreign key an update changes must point at an existing row (checked once per distinct parent). */
  private async checkChangedReferences(t: ModelTables, rows: readonly Row[], set: UpdateOps): Promise<void> {
    const fks = t.model.foreignKeys.filter((fk) => fk.fields.some((f) => f in set))
    if (fks.length === 0 || rows.length === 0) return
    const next = rows.map((r) => applyUpdate(t.model, r, set))
    for (const fk of fks) {
      const changed = next.filter((n, i) => fk.fields.some((f) => !sameValue(t.model, f, rows[i]![f], n[f])))
      await this.actions.checkReferences(t, changed, `${t.model.name}.update`, [fk])
    }
  }

  /** The statements a call runs, in order: its read from the same compiled read `run` uses, then its writes. */
  explain(model: Model, operation: Operation): Statement[] {
    const t = this.session.tablesOf(model)
    const st = (table: ModelTables['base']) => this.session.statements(table)
    const out: Statement[] = []
    switch (operation.op) {
      case 'findMany':
      case 'count':
        out.push(...this.reads.explain(t, operation.query, `${model.name}.${operation.op}`))
        break
      case 'aggregate':
        out.push(
          ...this.reads
            .explain(
              t,
              operation.query,
              `${model.name}.aggregate`,
              aggregateColumns(model, operation.query, operation.spec),
            )
            .map((st) => ({ ...st, note: `${st.note ? `${st.note}; ` : ''}aggregated in memory over the rows read` })),
        )
        break
      case 'insert':
        if ([...model.fields.values()].some((f) => f.defaultValue?.kind === 'autoincrement'))
          out.push({
            text: `UPDATE ${this.session.keyspace}.tandem_meta SET value = ? WHERE key = ? IF value = ?`,
            table: 'tandem_meta',
            note: `a block of ${this.options.sequenceBlock ?? DEFAULT_SEQUENCE_BLOCK} ids (LWT), only when this process has used up its block`,
          })
        for (const u of t.uniques)
          out.push({ text: st(u).insertIfNotExists, table: u.name, note: 'claims the unique value (LWT)' })
        out.push({
          text: t.baseKeyIsPrimary ? st(t.base).insertIfNotExists : st(t.base).insert,
          table: t.base.name,
          note: t.baseKeyIsPrimary
            ? 'LWT: the primary key is unique'
            : 'plain write, after its index entries (the primary key is claimed)',
        })
        for (const ix of t.indexes)
          out.push({ text: st(ix).insert, table: ix.name, note: 'index entry (plain idempotent write)' })
        break
      case 'update': {
        const read = this.reads.explain(t, operation.query, `${model.name}.update`)
        const combined = this.writes.combinesByKey(t, operation.query, operation.set)
        for (const st of read)
          out.push(
            combined
              ? {
                  ...st,
                  note: `${st.note ? `${st.note}; ` : ''}once per group of concurrent updates of the row, none while its last compare-and-set left it known`,
                }
              : st,
          )
        const arithmetic = Object.entries(operation.set)
          .filter(([, op]) => op.op !== 'set')
          .map(([f]) => f)
        const set = Object.keys(operation.set).filter((f) => !t.baseKey.includes(f))
        if (set.length)
          out.push({
            text: this.writes.updateText(t, set, arithmetic),
            table: t.base.name,
            note: arithmetic.length
              ? 'per matched row: compare-and-set (LWT), retried on contention; concurrent ones on one row are combined'
              : 'per matched row (LWT)',
          })
        for (const ix of t.indexes.filter((ix) => ix.fields.some((f) => f in operation.set)))
          out.push({
            text: st(ix).insert,
            table: ix.name,
            note: 'index entry moved (insert before, delete after; plain writes)',
          })
        for (const u of t.uniques.filter((u) => u.keyFields.some((f) => f in operation.set)))
          out.push({
            text: st(u).insertIfNotExists,
            table: u.name,
            note: 'claims the new unique value (LWT); the old entry is released after',
          })
        break
      }
      case 'delete':
        out.push(...this.reads.explain(t, operation.query, `${model.name}.delete`))
        out.push({
          text: st(t.base).deleteIfExists,
          table: t.base.name,
          note: 'per matched row (LWT), then its index entries (plain writes)',
        })
        for (const ix of t.indexes) out.push({ text: st(ix).delete, table: ix.name })
        for (const u of t.uniques) out.push({ text: st(u).deleteIfOwned, table: u.name, note: 'released by LWT' })
        break
    }
    return out
  }

  ddl(): string[] {
    return this.ddlFor(undefined).statements
  }

  private ddlFor(server: ServerIdentity | undefined): { statements: string[]; note?: string } {
    return scyllaDdl(
      this.session.keyspace,
      this.options.replication ?? { class: 'NetworkTopologyStrategy', [this.dataCenter]: 1 },
      this.tables.values(),
      this.options.tablets ?? 'auto',
      server,
    )
  }

  /**
   * ScyllaDB answers from `system.versions` (its own version; `system.local.release_version` is a Cassandra
   * compatibility number there); Cassandra has no such table. system.local is read first so that an
   * unreachable server fails here, and is never taken for Cassandra.
   */
  async serverIdentity(): Promise<ServerIdentity> {
    const local = await this.exec.select('SELECT release_version FROM system.local', [])
    const release = String(local[0]?.release_version ?? '')
    try {
      const rows = await this.exec.select("SELECT version FROM system.versions WHERE key = 'local'", [])
      const version = rows[0]?.version
      if (typeof version === 'string') return { product: 'scylla', version }
    } catch (e) {
      // Cassandra answers Invalid (0x2200, "table versions does not exist"); anything else (a timeout) is not an
      // answer, and guessing Cassandra would give a ScyllaDB keyspace tablets its LWT cannot use
      if (serverCode(e) !== 0x2200) throw e
    }
    return { product: 'cassandra', version: release }
  }

  /** tests only: called after each page a lookup fill reads, before its rows get entries (see LookupFill) */
  afterFillPageRead: ((table: string, rows: Row[]) => Promise<void>) | undefined

  /**
   * Creates what is missing and evolves live tables (src/cql/scylla-live-schema.ts decides what): new tables,
   * new columns (`ALTER TABLE … ADD`), new lookup tables over existing rows filled by LookupFill (paged,
   * resumable from its checkpoint in `tandem_meta`). A key or type change is refused before anything runs;
   * nothing is ever dropped.
   */
  async push(options: PushOptions = {}): Promise<PushReport> {
    const { statements, note } = this.ddlFor(await this.serverIdentity())
    if (note && !options.dryRun) this.options.logger?.('info', `$push: ${note}`)
    const keyspace = this.session.keyspace
    const live = await readLiveSchema((q, p) => this.exec.select(q, p), keyspace)
    const plan = planSchemaChanges(keyspace, statements[0]!, this.tables.values(), live)
    const fill = new LookupFill(this.session, this.writes, this.store, this.afterFillPageRead)
    const known = new Map<string, ModelTables>()
    for (const t of this.tables.values()) for (const table of [...t.uniques, ...t.indexes]) known.set(table.name, t)
    // fills left by an earlier push (killed, --no-backfill, or duplicates found) continue
    const earlier = live.keyspaceExists ? await fill.pending() : new Map<string, FillCheckpoint>()
    const resumed = [...earlier].filter(([table]) => !plan.fills.some((f) => f.table === table))
    const changes = [
      ...plan.changes,
      ...skippedModels(this.schema),
      ...resumed.map(([table, c]) => ({
        kind: 'fill-lookup' as const,
        table,
        description: known.has(table)
          ? `fill ${table} from the existing rows of ${c.model} (${c.page ? `resumes after ${c.rows} rows` : 'from the start'})`
          : `forget the unfinished fill of ${table} (no longer in the schema; the table is kept)`,
      })),
    ]
    const waiting = [...plan.fills.map((f) => f.table), ...resumed.map(([table]) => table)].filter((t) => known.has(t))
    if (options.dryRun) return { changes, filled: [], pending: waiting }
    if (plan.refusals.length)
      throw new TandemError(
        'SCHEMA_CHANGE_REFUSED',
        `$push: keyspace ${keyspace} cannot take this schema in place (nothing was changed): ${plan.refusals.join('; ')}. ` +
          'ScyllaDB cannot change a primary, partition or clustering key or a column type of a live table. Keep the ' +
          'old definition, or move the data: point scylla.keyspace (SCYLLA_KEYSPACE) at a new keyspace, `tandem push` ' +
          'there, and copy the rows into it with `tandem migrate` (from PostgreSQL, e.g. while in dual mode).',
        { meta: { keyspace, refusals: plan.refusals } },
      )
    for (const change of plan.changes) {
      if (!change.statement) continue
      const f = plan.fills.find((x) => x.table === change.table)
      if (change.kind === 'create-table' && f) await fill.mark(f.model, f.table)
      await this.exec.ddl(change.statement).catch((e: unknown) => {
        // two pushes at once: the column the other one added is what this one wanted
        if (change.kind === 'add-column' && /already exist/i.test((e as Error).message)) return
        throw e
      })
    }
    const filled: { table: string; rows: number }[] = []
    const duplicates: Duplicate[] = []
    let duplicateCount = 0
    if (options.backfill !== false) {
      const todo = await fill.pending()
      for (const [name, checkpoint] of todo) {
        const t = known.get(name)
        const table = t && [...t.uniques, ...t.indexes].find((x) => x.name === name)
        if (!t || !table) {
          await fill.forget(name)
          continue
        }
        const result = await fill.fill(t, table, checkpoint, options.pageSize ?? 500, options.onProgress)
        filled.push({ table: name, rows: result.rows })
        duplicates.push(...result.duplicates)
        duplicateCount += result.duplicateCount
      }
    }
    if (duplicateCount > 0) throw duplicateValues(duplicates, duplicateCount)
    return {
      changes,
      filled,
      pending: options.backfill === false ? waiting : [],
    }
  }

  async ping(): Promise<void> {
    await this.exec.select('SELECT release_version FROM system.local', [])
  }

  async transaction<T>(fn: (tx: Backend) => Promise<T>, options: BackendTransactionOptions = {}): Promise<T> {
    if (options.isolationLevel !== undefined)
      throw validationError(
        '$transaction',
        `isolationLevel "${options.isolationLevel}" cannot be given on ScyllaDB: it has no multi-row isolation, so ` +
          'a transaction there is all-or-nothing by undo but never isolated from concurrent writers (README, ' +
          '"Transactions"); leave isolationLevel out',
      )
    const log = new ScyllaUndoLog(this, (m, e) => this.warn(m, e))
    try {
      return await fn(log)
    } catch (e) {
      await log.rollback()
      throw e
    }
  }

  /**
   * A view of this backend whose calls run with `db.$scylla`'s options: each call runs inside its own
   * async scope carrying them (the executor reads them there), so calls of other clients never see them.
   */
  scoped(options: ResolvedCallOptions): Backend {
    const within = <T>(fn: () => T): T => callScope.run(options, fn)
    return {
      kind: this.kind,
      includes: this.includes,
      run: (model, operation) => within(() => this.run(model, operation)),
      // the statements as this client sends them: writes with their `USING TTL ?`
      explain: (model, operation) =>
        this.explain(model, operation).map((st) => {
          const t = options.ttl === undefined ? null : ttlText(st.text)
          return t ? { ...st, text: t.text } : st
        }),
      ddl: () => this.ddl(),
      push: (o) => this.push(o),
      ping: () => within(() => this.ping()),
      close: () => this.close(),
      transaction: (fn, o) => within(() => this.transaction(fn, o)),
      raw: (query) => within(() => this.raw(query)),
    }
  }

  async close(): Promise<void> {
    await this.executor?.close()
    this.executor = undefined
  }
}

/** The `skipped` changes of a push: models with a column type tandem does not serve get no CQL tables. */
function skippedModels(schema: SchemaInfo): SchemaChange[] {
  return [...schema.models.values()]
    .filter((m) => m.unsupported.length > 0)
    .map((m) => ({
      kind: 'skipped' as const,
      table: m.table,
      description: `skip model ${m.name} (table ${m.table}): ${m.unsupported.map((u) => `column "${u.column}" has type ${u.sqlType}`).join(', ')}, which tandem does not serve; its calls are refused`,
    }))
}

/**
 * P2002 for values of a new unique key that existing rows share: every value with the rows holding it (the
 * entry's holder first). Nothing is dropped; the fill starts over at the next push.
 */
function duplicateValues(duplicates: readonly Duplicate[], count: number): TandemError {
  const shown = duplicates
    .slice(0, 10)
    .map((d) => `${d.table} ${JSON.stringify(d.value)} held by ${d.keys.map((k) => JSON.stringify(k)).join(' and ')}`)
  return new TandemError(
    'P2002',
    `$push: ${count} value(s) of a new unique key are held by more than one existing row: ${shown.join('; ')}` +
      `${count > shown.length ? `; … ${count - shown.length} more (the first 100 are in meta.duplicates)` : ''}. Nothing was dropped: the ` +
      'first row keeps the value. Change or remove the others, then run push again (the fill starts over).',
    {
      meta: {
        modelName: duplicates[0]?.model,
        target: duplicates[0] ? Object.keys(duplicates[0].value) : [],
        duplicates,
      },
    },
  )
}
