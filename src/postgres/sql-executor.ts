import postgres from 'postgres'
import { drizzle } from 'drizzle-orm/postgres-js'
import type { SchemaInfo } from '../schema/model.js'
import { TandemError, uniqueViolation, validationError } from '../errors.js'
import type { Telemetry } from '../observe/telemetry.js'
import { pgParam, pgRows, type RawRow } from '../raw/raw-values.js'

export interface PostgresOptions {
  /** connection URL; default DATABASE_URL */
  url?: string
  /** pool size (postgres.js `max`); default 10 */
  max?: number
  /** how long to wait for a connection before BACKEND_UNAVAILABLE; default 5000 ms */
  connectTimeoutMs?: number
}

const PREPARED = { prepare: true } as const

/** The postgres.js pool for the options (URL from DATABASE_URL when not given). */
export function openPool(options: PostgresOptions): postgres.Sql {
  const url = options.url ?? process.env.DATABASE_URL
  if (!url)
    throw validationError(
      'createDb',
      'no PostgreSQL URL: pass postgres.url or set DATABASE_URL (npm run db:up prints one)',
    )
  const pool = postgres(url, {
    max: options.max ?? 10,
    connect_timeout: Math.ceil((options.connectTimeoutMs ?? 5000) / 1000),
    onnotice: () => {},
    // postgres.js pipelining slows a busy pool down over time (porsager/postgres#747, measured in
    // benchmarks/): one query in flight per connection. (0 breaks sql.begin: BEGIN goes out before the
    // connection is reserved.) The option exists at runtime but is missing from its type definitions.
    ...({ max_pipeline: 1 } as object),
  })
  // drizzle's postgres.js driver sets the pool's serializers and parsers so that drizzle's column
  // encoders and decoders (which tandem binds and decodes with) see the raw values: json goes out
  // stringified once, timestamps and dates come back as text
  drizzle(pool)
  return pool
}

/**
 * Runs statements on one postgres.js client (the pool, or one transaction's connection) and turns
 * driver errors into tandem's codes. Statements are always prepared.
 */
export class SqlExecutor {
  constructor(
    readonly client: postgres.Sql,
    private readonly schema: SchemaInfo,
    /** set when the client reports statements (query events, tracing); undefined costs one check per statement */
    public telemetry?: Telemetry,
  ) {}

  /** Runs a prepared statement; `model` names the model in error messages. */
  async query(model: string | undefined, text: string, params: readonly unknown[]): Promise<Record<string, unknown>[]> {
    try {
      if (this.telemetry !== undefined)
        return (await this.telemetry.statement('postgres', text, params, () =>
          this.client.unsafe(text, params as never[], PREPARED),
        )) as unknown as Record<string, unknown>[]
      return (await this.client.unsafe(text, params as never[], PREPARED)) as unknown as Record<string, unknown>[]
    } catch (e) {
      throw this.translate(model, e)
    }
  }

  /** Runs a prepared statement and returns its rows as arrays of values, in select-list order. */
  async queryValues(model: string | undefined, text: string, params: readonly unknown[]): Promise<unknown[][]> {
    try {
      if (this.telemetry !== undefined)
        return (await this.telemetry.statement('postgres', text, params, () =>
          this.client.unsafe(text, params as never[], PREPARED).values(),
        )) as unknown as unknown[][]
      return (await this.client.unsafe(text, params as never[], PREPARED).values()) as unknown as unknown[][]
    } catch (e) {
      throw this.translate(model, e)
    }
  }

  /** Runs a statement as given (DDL, health checks), unprepared. */
  async raw(text: string): Promise<void> {
    try {
      if (this.telemetry !== undefined)
        await this.telemetry.statement('postgres', text, [], () => this.client.unsafe(text))
      else await this.client.unsafe(text)
    } catch (e) {
      throw this.translate(undefined, e)
    }
  }

  /**
   * A user's raw statement (`$queryRaw`, `$executeRaw`): values bound (never spliced into the text) on an
   * unnamed statement, so arbitrary texts do not pile up prepared statements on the server; without values
   * it goes as a simple query (several statements allowed; the last one's result counts). Errors are
   * thrown as the driver gave them (the backend codes them: P2010).
   */
  async rawStatement(text: string, values: readonly unknown[], result: 'rows' | 'count'): Promise<RawRow[] | number> {
    const params = values.map(pgParam)
    const send = () =>
      params.length > 0 ? this.client.unsafe(text, params as never[], { prepare: false }) : this.client.unsafe(text)
    const sent = (await (this.telemetry !== undefined
      ? this.telemetry.statement('postgres', text, values, send)
      : send())) as unknown as RawRow[] & { count?: number | null; columns?: { name: string; type: number }[] }
    // several statements (simple query): a Result per statement
    const last = (
      Array.isArray(sent[0]) && sent.length > 0 && !sent.columns ? sent[sent.length - 1] : sent
    ) as typeof sent
    if (result === 'count') return last.count ?? 0
    return pgRows(last, last.columns)
  }

  /** A driver error → tandem's code; an error that already has one passes unchanged. */
  translate(model: string | undefined, thrown: unknown): unknown {
    if (thrown instanceof TandemError) return thrown
    // drizzle wraps driver errors in DrizzleQueryError; the PostgreSQL fields are on its cause
    const cause = (thrown as { cause?: { code?: unknown } })?.cause
    const e = cause && typeof cause === 'object' && typeof cause.code === 'string' ? cause : thrown
    const err = e as { code?: string; constraint_name?: string; table_name?: string; message?: string }
    const owner = model ?? ((err.table_name && this.schema.byTable.get(err.table_name)) || 'unknown')
    switch (err.code) {
      case '23505': {
        const key = [...this.schema.models.values()]
          .flatMap((m) => m.uniqueKeys.map((u) => ({ m, u })))
          .find((x) => x.u.name === err.constraint_name)
        return uniqueViolation(key?.m.name ?? owner, key?.u.fields ?? [err.constraint_name ?? 'unknown'], e)
      }
      case '23503':
        return new TandemError(
          'P2003',
          `Foreign key constraint violated on the constraint: \`${err.constraint_name}\``,
          { meta: { modelName: owner, field_name: err.constraint_name }, cause: e },
        )
      case '23502':
        return new TandemError('P2011', `Null constraint violation on ${owner}: ${err.message}`, {
          meta: { modelName: owner },
          cause: e,
        })
      case '22003':
        return new TandemError('P2020', `Value out of range for the type: ${err.message}`, {
          meta: { details: err.message },
          cause: e,
        })
      case '22P02':
      case '22007':
      case '22008':
        return validationError(owner, `PostgreSQL rejected a value: ${err.message}`)
      case '40001':
      case '40P01':
        return new TandemError(
          'P2034',
          `Transaction failed due to a write conflict or a deadlock (${err.code}); nothing was written, please retry`,
          { cause: e },
        )
      case '28P01':
      case '28000':
        return new TandemError('P1000', `PostgreSQL refused the credentials: ${err.message}`, { cause: e })
      case 'ECONNREFUSED':
      case 'CONNECT_TIMEOUT':
      case 'ENOTFOUND':
      case 'CONNECTION_CLOSED':
      case 'CONNECTION_ENDED':
      case 'CONNECTION_DESTROYED':
      // the connection was lost mid-statement (the server process died): whether the statement ran is unknown
      case 'ECONNRESET':
      case 'EPIPE':
      case '57P02':
      case 'EHOSTUNREACH':
      case 'ETIMEDOUT':
      case '57P01':
      case '57P03':
        return new TandemError(
          'BACKEND_UNAVAILABLE',
          `PostgreSQL is unavailable (${err.code}): ${err.message}. Is it running? (npm run db:up)`,
          { cause: e },
        )
      default:
        return thrown
    }
  }
}
