import type postgres from 'postgres'
import type { Model, Row, SchemaInfo } from '../schema/model.js'
import { postgresDdl } from '../schema/postgres-ddl.js'
import type {
  Backend,
  BackendTransactionOptions,
  IsolationLevel,
  Operation,
  PushOptions,
  PushReport,
  RawQuery,
  Statement,
} from '../adapter/backend.js'
import { validationError } from '../errors.js'
import type { Telemetry } from '../observe/telemetry.js'
import { sqlRawError } from '../raw/raw-errors.js'
import { shapeOf, templateOf } from '../adapter/query.js'
import { PlanCache } from '../cache/plan-cache.js'
import { compileSql, type CompiledSql } from './sql-compiler.js'
import { compileInclude } from './sql-include.js'
import { compileAggregate } from './sql-aggregate.js'
import { openPool, SqlExecutor, type PostgresOptions } from './sql-executor.js'
import { rowDecoder, type Parsers } from './postgres-values.js'
import { PostgresStore } from './postgres-store.js'
import type { RowStore } from '../move/row-store.js'

export type { PostgresOptions } from './sql-executor.js'

/**
 * A compiled statement and its row decoder, cached per shape: of the model's columns by name, or, for a
 * findMany with an include, of the statement's rows as arrays (`values`).
 */
type Plan = CompiledSql &
  (
    | { readonly values: false; readonly decode: (raw: Record<string, unknown>) => Row }
    | { readonly values: true; readonly decode: (raw: readonly unknown[]) => Row }
  )

/** Prisma's isolation level names → PostgreSQL's. */
const ISOLATION: Record<IsolationLevel, string> = {
  ReadUncommitted: 'read uncommitted',
  ReadCommitted: 'read committed',
  RepeatableRead: 'repeatable read',
  Serializable: 'serializable',
}

/** PostgreSQL allows 65535 bind parameters per statement; createMany is split below that. */
const MAX_PARAMS = 60_000

/**
 * The PostgreSQL backend: drizzle-orm's SQL over postgres.js. Each operation shape is compiled once
 * (sql-compiler.ts) into a prepared statement and cached; a call binds its values only.
 */
export class PostgresBackend implements Backend {
  readonly kind = 'postgres' as const
  /** a findMany's include is compiled into its one statement (sql-include.ts) */
  readonly includes = 'compiled' as const
  /** the statements this backend runs and how their errors are coded: the session credits use */
  readonly sql: SqlExecutor
  /** row-level access for migrate, verify, sync and dual mode (src/move/row-store.ts) */
  readonly store: RowStore

  /** `tx`: run on one transaction's connection, sharing the parent's plans (see `transaction`) */
  constructor(
    private readonly schema: SchemaInfo,
    options: PostgresOptions = {},
    tx?: { client: postgres.Sql; plans: PlanCache<Plan>; parsers: Parsers; telemetry: Telemetry | undefined },
    private readonly plans: PlanCache<Plan> = tx?.plans ?? new PlanCache<Plan>(2000),
  ) {
    this.sql = new SqlExecutor(tx?.client ?? openPool(options), schema, tx?.telemetry)
    this.store = new PostgresStore(schema, this.sql)
    this.parsers = tx?.parsers ?? (this.sql.client as unknown as { options: { parsers: Parsers } }).options.parsers
  }

  /** the driver's value parsers by type oid: how an included row's values are decoded as top-level ones are */
  private readonly parsers: Parsers

  /** Runs `fn` in one transaction: everything or nothing (nested writes). */
  async transaction<T>(fn: (tx: Backend) => Promise<T>, options: BackendTransactionOptions = {}): Promise<T> {
    const level = options.isolationLevel && ISOLATION[options.isolationLevel]
    try {
      return (await this.sql.client.begin(level ? `isolation level ${level}` : '', (client) =>
        fn(
          new PostgresBackend(
            this.schema,
            {},
            {
              client: client as unknown as postgres.Sql,
              plans: this.plans,
              parsers: this.parsers,
              telemetry: this.sql.telemetry,
            },
          ),
        ),
      )) as T
    } catch (e) {
      // errors of the calls inside are already coded; this codes BEGIN/COMMIT failures
      throw this.sql.translate(undefined, e)
    }
  }

  /** Reports every statement of this backend (and its transactions) to the client's telemetry. */
  observe(telemetry: Telemetry): void {
    this.sql.telemetry = telemetry
  }

  /** A raw SQL statement, on this backend's connection (a transaction's, inside one); CQL is refused. */
  async raw(query: RawQuery): Promise<Record<string, unknown>[] | number> {
    if (query.language !== 'sql')
      throw validationError(
        query.method,
        `${query.method} sends ScyllaDB CQL and this client runs on PostgreSQL: use $queryRaw\`…\` (rows) or ` +
          '$executeRaw`…` (row count)',
      )
    try {
      return await this.sql.rawStatement(query.text, query.values, query.result)
    } catch (e) {
      throw sqlRawError(query.method, e, (x) => this.sql.translate(undefined, x))
    }
  }

  async run(model: Model, operation: Operation): Promise<Row[] | number> {
    if (operation.op === 'insert' && operation.rows.length === 0) return []
    if (operation.op === 'insert' && operation.rows.length > 1) return this.insertChunked(model, operation)
    const { plan, values } = this.planFor(model, operation)
    if (plan.values) {
      const result = await this.sql.queryValues(model.name, plan.text, plan.bind(values))
      const rows = new Array<Row>(result.length)
      for (let i = 0; i < result.length; i++) rows[i] = plan.decode(result[i]!)
      return rows
    }
    const result = await this.sql.query(model.name, plan.text, plan.bind(values))
    if (operation.op === 'count') return Number(Object.values(result[0] ?? {})[0] ?? 0)
    const rows = new Array<Row>(result.length)
    for (let i = 0; i < result.length; i++) rows[i] = plan.decode(result[i]!)
    return rows
  }

  /** Large createMany calls are split so no statement exceeds PostgreSQL's bind parameter limit. */
  private async insertChunked(model: Model, operation: Extract<Operation, { op: 'insert' }>): Promise<Row[]> {
    const perRow = Math.max(1, Object.keys(operation.rows[0]!).length)
    const size = Math.max(1, Math.min(1000, Math.floor(MAX_PARAMS / perRow)))
    const out: Row[] = []
    for (let i = 0; i < operation.rows.length; i += size) {
      const { plan, values } = this.planFor(model, { ...operation, rows: operation.rows.slice(i, i + size) })
      for (const r of await this.sql.query(model.name, plan.text, plan.bind(values)))
        out.push((plan.decode as (raw: Record<string, unknown>) => Row)(r))
    }
    return out
  }

  /** The compiled plan of the operation's shape (compiled on first sight) and the call's values. */
  private planFor(model: Model, operation: Operation): { plan: Plan; values: unknown[] } {
    const shape = shapeOf(model.name, operation)
    let plan = this.plans.get(shape.key)
    if (!plan) {
      const template = templateOf(operation)
      if (template.op === 'aggregate') plan = { ...compileAggregate(model, template), values: false }
      else if (template.op === 'findMany' && template.include) {
        const compiled = compileInclude(model, template.query, template.include)
        plan = { ...compiled, values: true, decode: compiled.decoder(this.parsers) }
      } else plan = { ...compileSql(model, template), values: false, decode: rowDecoder(model) }
      this.plans.set(shape.key, plan)
    }
    return { plan, values: shape.values }
  }

  explain(model: Model, operation: Operation): Statement[] {
    return [{ text: this.planFor(model, operation).plan.text, table: model.table }]
  }

  ddl(): string[] {
    return postgresDdl(this.schema)
  }

  /**
   * Runs the idempotent DDL (IF NOT EXISTS / guarded): missing enums, enum values, tables, indexes and foreign keys
   * are created; an existing table is not altered (new columns or unique keys on it need a migration tool, see
   * the README: drizzle-kit). Each statement is listed as a change, whether or not the database needed it.
   */
  async push(options: PushOptions = {}): Promise<PushReport> {
    const statements = this.ddl()
    if (!options.dryRun) for (const stmt of statements) await this.sql.raw(stmt)
    return {
      changes: statements.map((statement) => ({
        kind: 'statement' as const,
        description: 'idempotent DDL (creates only what is missing)',
        statement,
      })),
      filled: [],
      pending: [],
    }
  }

  async ping(): Promise<void> {
    await this.sql.raw('select 1')
  }

  async close(): Promise<void> {
    await this.sql.client.end({ timeout: 5 })
  }
}
