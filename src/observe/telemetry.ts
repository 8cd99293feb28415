import { AsyncLocalStorage } from 'node:async_hooks'
import { validationError } from '../errors.js'
import {
  loadOtel,
  SPAN_KIND_CLIENT,
  SPAN_KIND_INTERNAL,
  STATUS_ERROR,
  type OtelApi,
  type OtelSpan,
  type OtelTracer,
} from './tracing.js'

/** Prisma's log levels. */
export type LogLevel = 'query' | 'info' | 'warn' | 'error'
/** `createDb({ log: [{ emit, level }] })`: `'event'` delivers to `db.$on(level, …)`, `'stdout'` prints it. */
export interface LogDefinition {
  level: LogLevel
  emit: 'stdout' | 'event'
}

/** What `db.$on('query', e)` receives: one per statement tandem sends (model calls, lookups, LWTs, batches, raw). */
export interface QueryEvent {
  timestamp: Date
  /** the SQL or CQL text as sent (placeholders, never values) */
  query: string
  /** the bound values as a JSON array (bigints as strings), as Prisma gives them */
  params: string
  /** how many values were bound */
  paramCount: number
  /** milliseconds from sending to the answer (or the failure) */
  duration: number
  /** the call it belongs to: `profile.findMany`, `$queryRaw`, … or `tandem` (health checks, mirroring, push) */
  target: string
  backend: 'postgres' | 'scylla'
  /** set when the statement failed: the error's message */
  error?: string
}

/** What `db.$on('info' | 'warn' | 'error', e)` receives. */
export interface LogEvent {
  timestamp: Date
  message: string
  /** the call (`profile.create`, `$queryRaw`) or the part of tandem (`scylla`, `dual`, `fallback`) it comes from */
  target: string
}

const LEVELS: readonly LogLevel[] = ['query', 'info', 'warn', 'error']

/** Where a statement runs: the model call around it (for the event's target and the parent span). */
interface CallScope {
  readonly target: string
  readonly span: OtelSpan | undefined
}

function paramsJson(values: readonly unknown[]): string {
  try {
    return JSON.stringify(values, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
  } catch {
    return `[${values.length} values]`
  }
}

/**
 * A client's logging, events and tracing (`createDb({ log, tracing })`). Off (no `log`, no `tracing`),
 * createDb makes none and nothing is wrapped: the executors see `undefined` and do nothing more per statement.
 * On, the executors pass each statement through `statement` and the client's model calls through `call`.
 */
export class Telemetry {
  private readonly event = new Set<LogLevel>()
  private readonly stdout = new Set<LogLevel>()
  private readonly listeners = new Map<LogLevel, ((e: never) => void)[]>()
  private readonly scope = new AsyncLocalStorage<CallScope>()
  private otel: OtelApi | undefined
  private tracer: OtelTracer | undefined
  private loading: Promise<void> | undefined

  constructor(log: readonly (LogLevel | LogDefinition)[], tracing: boolean) {
    for (const entry of log) {
      if (typeof entry === 'string') this.stdout.add(entry)
      else (entry.emit === 'event' ? this.event : this.stdout).add(entry.level)
    }
    this.tracing = tracing
    if (tracing)
      this.loading = loadOtel().then((api) => {
        this.otel = api
        this.tracer = api?.trace.getTracer('tandem-orm')
        this.loading = undefined // later calls skip the await
      })
  }

  private readonly tracing: boolean

  /** whether statements are timed and reported (query events or tracing): the executors get it only then */
  get watchesStatements(): boolean {
    return this.tracing || this.has('query')
  }

  /** whether client calls are wrapped (for statements' targets, spans, and error events) */
  get watchesCalls(): boolean {
    return this.watchesStatements || this.has('error')
  }

  /** whether the level goes anywhere (an event, stdout) */
  has(level: LogLevel): boolean {
    return this.event.has(level) || this.stdout.has(level)
  }

  /** `db.$on(level, listener)`: the level must be configured with `emit: 'event'`, as Prisma's types require. */
  on(level: unknown, listener: unknown): void {
    if (!LEVELS.includes(level as LogLevel))
      throw validationError('$on', `unknown event ${JSON.stringify(level)}; events are ${LEVELS.join(', ')}`)
    if (typeof listener !== 'function') throw validationError('$on', 'the listener must be a function')
    const l = level as LogLevel
    if (!this.event.has(l))
      throw validationError(
        '$on',
        `'${l}' events are not enabled: create the client with log: [{ emit: 'event', level: '${l}' }]`,
      )
    let list = this.listeners.get(l)
    if (!list) this.listeners.set(l, (list = []))
    list.push(listener as (e: never) => void)
  }

  private deliver(level: LogLevel, e: QueryEvent | LogEvent): void {
    // the `emit: 'stdout'` form the application asked for (Prisma's): query/info on stdout, warn/error on stderr
    if (this.stdout.has(level)) {
      const text = level === 'query' ? (e as QueryEvent).query : (e as LogEvent).message
      const stream = level === 'warn' || level === 'error' ? process.stderr : process.stdout
      stream.write(`tandem:${level} ${text}\n`)
    }
    for (const l of this.listeners.get(level) ?? []) {
      try {
        ;(l as (e: QueryEvent | LogEvent) => void)(e)
      } catch {
        // a listener's failure must not fail the call it observes
      }
    }
  }

  /** Reports an info/warn/error message (`target`: where it comes from). */
  log(level: 'info' | 'warn' | 'error', message: string, target = 'tandem'): void {
    if (this.has(level)) this.deliver(level, { timestamp: new Date(), message, target })
  }

  /**
   * Runs one statement: timed for the query event, inside a child span of the call's span when tracing.
   * Only called when telemetry is on (the executors check for it).
   */
  async statement<T>(
    backend: 'postgres' | 'scylla',
    text: string,
    values: readonly unknown[],
    run: () => Promise<T>,
  ): Promise<T> {
    if (this.loading) await this.loading
    const call = this.scope.getStore()
    const span = this.tracer?.startSpan(
      'tandem.db_query',
      {
        kind: SPAN_KIND_CLIENT,
        attributes: { 'db.system': backend === 'postgres' ? 'postgresql' : 'cassandra', 'db.query.text': text },
      },
      call?.span && this.otel ? this.otel.trace.setSpan(this.otel.context.active(), call.span) : undefined,
    )
    const timestamp = new Date()
    const started = performance.now()
    let error: unknown
    try {
      return await run()
    } catch (e) {
      error = e
      if (span) fail(span, e)
      throw e
    } finally {
      span?.end()
      if (this.has('query'))
        this.deliver('query', {
          timestamp,
          query: text,
          params: paramsJson(values),
          paramCount: values.length,
          duration: performance.now() - started,
          target: call?.target ?? 'tandem',
          backend,
          ...(error === undefined ? {} : { error: error instanceof Error ? error.message : String(error) }),
        })
    }
  }

  /**
   * Runs one client call (`profile.findMany`, `$queryRaw`): its statements report it as their target, a span
   * `tandem.<target>` holds theirs when tracing, and a failure is reported as an 'error' event.
   */
  async call<T>(
    target: string,
    attributes: { system: 'postgres' | 'scylla'; operation: string; collection?: string },
    run: () => Promise<T>,
  ): Promise<T> {
    if (this.loading) await this.loading
    const otel = this.otel
    const span = this.tracer?.startSpan(`tandem.${target}`, {
      kind: SPAN_KIND_INTERNAL,
      attributes: {
        'db.system': attributes.system === 'postgres' ? 'postgresql' : 'cassandra',
        'db.operation': attributes.operation,
        ...(attributes.collection ? { 'db.collection.name': attributes.collection } : {}),
      },
    })
    const scope: CallScope = { target, span }
    try {
      const inScope = () => this.scope.run(scope, run)
      // the application's own spans made inside the call (a registered context manager) nest under it too
      return await (span && otel
        ? otel.context.with(otel.trace.setSpan(otel.context.active(), span), inScope)
        : inScope())
    } catch (e) {
      if (span) fail(span, e)
      this.log('error', e instanceof Error ? e.message : String(e), target)
      throw e
    } finally {
      span?.end()
    }
  }
}

function fail(span: OtelSpan, e: unknown): void {
  span.recordException(e instanceof Error ? e : String(e))
  const code = (e as { code?: unknown })?.code
  if (typeof code === 'string') span.setAttribute('tandem.error.code', code)
  span.setStatus({ code: STATUS_ERROR, message: e instanceof Error ? e.message : String(e) })
}

/**
 * The `log` and `tracing` options checked (VALIDATION naming what is wrong), or undefined when both are off
 * (the client then has no telemetry at all).
 * @example telemetryFrom(['query', { emit: 'event', level: 'warn' }], false)
 */
export function telemetryFrom(log: unknown, tracing: unknown): Telemetry | undefined {
  if (tracing !== undefined && typeof tracing !== 'boolean')
    throw validationError('createDb', '`tracing` must be true or false')
  if (log !== undefined && !Array.isArray(log))
    throw validationError(
      'createDb',
      "`log` must be an array of levels ('query', 'info', 'warn', 'error') or { emit: 'event' | 'stdout', level }",
    )
  const entries = (log ?? []) as unknown[]
  for (const entry of entries) {
    if (typeof entry === 'string') {
      if (!LEVELS.includes(entry as LogLevel))
        throw validationError(
          'createDb',
          `log: unknown level ${JSON.stringify(entry)}; levels are ${LEVELS.join(', ')}`,
        )
      continue
    }
    if (!entry || typeof entry !== 'object')
      throw validationError('createDb', `log: expected a level or { emit, level }, got ${JSON.stringify(entry)}`)
    const { level, emit, ...rest } = entry as Record<string, unknown>
    const extra = Object.keys(rest)
    if (extra.length) throw validationError('createDb', `log: unknown property \`${extra[0]}\` (use emit and level)`)
    if (!LEVELS.includes(level as LogLevel))
      throw validationError('createDb', `log: unknown level ${JSON.stringify(level)}; levels are ${LEVELS.join(', ')}`)
    if (emit !== 'event' && emit !== 'stdout')
      throw validationError('createDb', `log: emit must be 'event' or 'stdout' (got ${JSON.stringify(emit)})`)
  }
  if (entries.length === 0 && tracing !== true) return undefined
  return new Telemetry(entries as (LogLevel | LogDefinition)[], tracing === true)
}
