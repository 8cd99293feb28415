import type { PgTable } from 'drizzle-orm/pg-core'
import type { SchemaInfo } from './schema/model.js'
import { readSchema } from './schema/read-schema.js'
import type { LayoutOptions } from './schema/scylla-layout.js'
import { ScyllaBackend, type ScyllaOptions } from './cql/scylla-backend.js'
import type { Backend, PushOptions, PushReport } from './adapter/backend.js'
import { TandemError, validationError } from './errors.js'
import { ModelDelegate } from './adapter/model-delegate.js'
import { buildClient, type ClientParts } from './adapter/client-build.js'
import { refusedClient } from './schema/column-types.js'
import { recordingBackend, ShapeRecorder } from './adapter/shape-recorder.js'
import { PostgresBackend, type PostgresOptions } from './postgres/postgres-backend.js'
import type { ModelClient, ModelClients } from './adapter/types.js'
import type { ClientScope } from './adapter/extension-types.js'
import { DualBackend, type DualControls } from './dual/dual-backend.js'
import { dualSettings, type DualOptions } from './dual/dual-options.js'
import { FallbackBackend } from './dual/fallback-backend.js'
import { sync } from './move/sync.js'
import { resolveCallOptions, type ScyllaCallOptions } from './cql/call-options.js'
import { telemetryFrom, type LogDefinition, type LogLevel } from './observe/telemetry.js'
import { dualWithEvents, eventMethods, scyllaWithEvents, type EventMethods } from './observe/client-events.js'
import { watchedClient } from './observe/watched-client.js'
import { rawMethods, type RawMethods } from './raw/raw-client.js'

export type { ScyllaCallOptions } from './cql/call-options.js'

export interface CreateDbOptions<S extends Record<string, unknown>> {
  /** the Drizzle schema module: `import * as schema from './schema'` */
  schema: S
  /**
   * default from USE_SCYLLA ('true' or '1' → 'scylla'; 'dual' → 'dual' with PostgreSQL primary; else 'postgres')
   */
  backend?: 'postgres' | 'scylla' | 'dual'
  postgres?: PostgresOptions
  scylla?: ScyllaOptions
  /** ScyllaDB layout per model: partition and clustering keys (see README, "ScyllaDB layout") */
  layout?: LayoutOptions
  /** dual mode (`backend: 'dual'`): both databases at once; see README, "Dual mode" */
  dual?: DualOptions
  /**
   * Start-up fallback: with backend 'scylla', run on PostgreSQL when ScyllaDB cannot be reached at the first
   * call (never switching back; credit balances refuse to change on it). See README, "Dual mode".
   */
  fallback?: 'postgres'
  /**
   * Appends each distinct call shape (no values) to this file as one JSON line, for `tandem check`;
   * default TANDEM_RECORD_SHAPES; `false` turns it off whatever the environment says
   */
  recordShapes?: string | false
  /**
   * As Prisma's: levels printed to stdout (`['query', 'warn']`) or delivered to `db.$on` (`[{ emit: 'event',
   * level: 'query' }]`). Off by default, at no cost. See README, "Logging, events and tracing"
   */
  log?: (LogLevel | LogDefinition)[]
  /**
   * OpenTelemetry spans (when the application has `@opentelemetry/api` and registers a tracer provider): one
   * `tandem.<model>.<method>` span per call with a child span per statement. Default false
   */
  tracing?: boolean
}

export type { EventMethods } from './observe/client-events.js'

/** What `$health()` resolves to (one per database in dual mode). */
export interface Health {
  backend: 'postgres' | 'scylla'
  ok: boolean
  latencyMs: number
  error?: string
}

export interface DbControls {
  readonly $backend: 'postgres' | 'scylla'
  /** the schema as tandem read it */
  readonly $schema: SchemaInfo
  /**
   * creates what the active backend needs (tables, types, keyspace, lookup tables); idempotent. On ScyllaDB it
   * also adds new columns and new lookup tables to live tables and fills the lookups from the existing rows
   * (resumable), refuses a key or type change (SCHEMA_CHANGE_REFUSED), and never drops anything
   * @example const report = await db.$push({ onProgress: (p) => console.error(p.table, p.rows) })
   */
  $push(options?: PushOptions): Promise<PushReport>
  /** the DDL `$push` runs, in order, without running it */
  $ddl(): string[]
  $health(): Promise<Health>
  $disconnect(): Promise<void>
}

/** The controls of a dual-mode client: both databases pushed, checked and closed together, and `$dual`. */
export interface DualDbControls {
  readonly $backend: 'dual'
  readonly $schema: SchemaInfo
  /** creates what both databases need; idempotent */
  $push(options?: PushOptions): Promise<PushReport>
  /** the primary's DDL, then the secondary's */
  $ddl(): string[]
  /** one entry per database, the primary first */
  $health(): Promise<Health[]>
  /** closes both databases and stops the health loop */
  $disconnect(): Promise<void>
  readonly $dual: DualControls
}

/** `db.$scylla(options)`: the model clients again, each call run with those per-call options. */
export interface ScyllaScope<S extends Record<string, unknown>> {
  /**
   * ScyllaDB: calls use `consistency`, `timeoutMs` (per request) and `ttl` (seconds, on the writes: base
   * row and lookup entries). PostgreSQL: `ttl` is refused (VALIDATION), the rest ignored. Dual mode and
   * `fallback`: refused (VALIDATION).
   */
  $scylla(options: ScyllaCallOptions): ModelClients<S>
}

/** A client on one database (`backend: 'postgres' | 'scylla'`). */
export type SingleDb<S extends Record<string, unknown>> = DbControls &
  ModelClients<S> &
  ScyllaScope<S> &
  RawMethods &
  EventMethods &
  ClientScope<S, DbControls & ScyllaScope<S> & RawMethods & EventMethods, {}, RawMethods>
/** A client on both databases (`backend: 'dual'`). */
export type DualDb<S extends Record<string, unknown>> = DualDbControls &
  ModelClients<S> &
  ScyllaScope<S> &
  RawMethods &
  EventMethods &
  ClientScope<S, DualDbControls & ScyllaScope<S> & RawMethods & EventMethods, {}, RawMethods>
/** What `createDb` returns when the backend comes from the environment: either; `$backend` tells which. */
export type TandemDb<S extends Record<string, unknown>> = SingleDb<S> | DualDb<S>

type AnyBackend = PostgresBackend | ScyllaBackend | DualBackend | FallbackBackend
const backends = new WeakMap<object, AnyBackend>()
/** per client: the single database backend it runs on now (dual: the active one; fallback: the chosen one) */
const current = new WeakMap<object, () => PostgresBackend | ScyllaBackend>()

/**
 * The database backend a client runs on now, for tandem's own modules and tests; not part of the public
 * API. A dual-mode client answers with its active database's backend.
 */
export function backendOf(db: object): PostgresBackend | ScyllaBackend {
  const b = current.get(db)
  if (!b) throw validationError('tandem-orm', 'expected a client made by createDb()')
  return b()
}

/** The backend a client's calls go through (dual and fallback wrappers included), for the credits ledger. */
export function clientBackendOf(db: object): AnyBackend {
  const b = backends.get(db)
  if (!b) throw validationError('tandem-orm', 'expected a client made by createDb()')
  return b
}

function backendFromEnv(): 'postgres' | 'scylla' | 'dual' {
  const flag = (process.env.USE_SCYLLA ?? '').trim().toLowerCase()
  return flag === 'dual' ? 'dual' : flag === 'true' || flag === '1' ? 'scylla' : 'postgres'
}

async function healthOf(backend: { kind: 'postgres' | 'scylla'; ping(): Promise<void> }): Promise<Health> {
  const started = performance.now()
  try {
    await backend.ping()
    return { backend: backend.kind, ok: true, latencyMs: performance.now() - started }
  } catch (e) {
    return {
      backend: backend.kind,
      ok: false,
      latencyMs: performance.now() - started,
      error: e instanceof Error ? e.message : String(e),
    }
  }
}

/**
 * Creates the client: one delegate per table of the schema (`db.<exportName>`), running on PostgreSQL
 * or ScyllaDB as `backend` (or USE_SCYLLA) says.
 * @example const db = createDb({ schema }); await db.$push(); await db.profile.findFirst({ where: { userId } })
 */
export function createDb<S extends Record<string, unknown>>(
  options: CreateDbOptions<S> & { backend: 'dual' },
): DualDb<S>
export function createDb<S extends Record<string, unknown>>(
  options: CreateDbOptions<S> & { backend: 'postgres' | 'scylla' },
): SingleDb<S>
export function createDb<S extends Record<string, unknown>>(options: CreateDbOptions<S>): TandemDb<S>
export function createDb<S extends Record<string, unknown>>(options: CreateDbOptions<S>): TandemDb<S> {
  if (!options || typeof options !== 'object' || !options.schema)
    throw validationError('createDb', 'pass { schema } (the Drizzle schema module)')
  const known = [
    'schema',
    'backend',
    'postgres',
    'scylla',
    'layout',
    'dual',
    'fallback',
    'recordShapes',
    'log',
    'tracing',
  ]
  for (const key of Object.keys(options))
    if (!known.includes(key))
      throw validationError('createDb', `unknown option \`${key}\`; options are ${known.join(', ')}`)
  const kind = options.backend ?? backendFromEnv()
  if (kind !== 'postgres' && kind !== 'scylla' && kind !== 'dual')
    throw validationError('createDb', '`backend` must be "postgres", "scylla" or "dual"')
  // `dual` options are checked whatever the backend (one config serves the dual-mode app and the CLI's
  // single-database clients), and used only in dual mode
  if (options.dual !== undefined && kind !== 'dual') dualSettings(options.dual)
  if (options.fallback !== undefined && (options.fallback !== 'postgres' || kind !== 'scylla'))
    throw validationError('createDb', '`fallback` takes "postgres", with backend "scylla"')
  const info = readSchema(options.schema)
  if (kind !== 'scylla' && options.layout) {
    // layout only matters to ScyllaDB, but it is still checked so a typo shows on PostgreSQL too
    for (const name of Object.keys(options.layout))
      if (!info.models.has(name)) throw validationError('createDb', `layout names unknown model \`${name}\``)
  }
  const telemetry = telemetryFrom(options.log, options.tracing)
  // tandem's own messages (driver warnings, recovered failures, dual mode's switches) also go to `log`
  const scyllaOptions = scyllaWithEvents(options.scylla, telemetry)
  const settings = kind === 'dual' ? dualWithEvents(dualSettings(options.dual), telemetry) : undefined
  const watch = telemetry?.watchesStatements ? telemetry : undefined
  const scylla = () => {
    const b = new ScyllaBackend(info, scyllaOptions, options.layout)
    if (watch) b.observe(watch)
    return b
  }
  const postgres = () => {
    const b = new PostgresBackend(info, options.postgres)
    if (watch) b.observe(watch)
    return b
  }
  let backend: AnyBackend
  let now: () => PostgresBackend | ScyllaBackend
  if (settings) {
    const members = { postgres: postgres(), scylla: scylla() }
    const dual = new DualBackend(info, members, settings, sync)
    now = () => members[dual.active]
    backend = dual
  } else if (kind === 'scylla' && options.fallback) {
    const logger = scyllaOptions?.logger
    const [preferred, fallback] = [scylla(), postgres()]
    const chooser = new FallbackBackend(preferred, fallback, (m) =>
      logger ? logger('warning', m) : process.stderr.write(`tandem warning: ${m}\n`),
    )
    now = () => (chooser.onFallback ? fallback : preferred)
    backend = chooser
  } else {
    const single = kind === 'scylla' ? scylla() : postgres()
    now = () => single
    backend = single
  }

  const common = {
    $schema: info,
    $push: (options?: PushOptions) => backend.push(options),
    $ddl: () => backend.ddl(),
    $disconnect: () => backend.close(),
  }
  const controls: DbControls | DualDbControls =
    backend instanceof DualBackend
      ? { ...common, $backend: 'dual', $health: () => (backend as DualBackend).healthAll(), $dual: backend.controls }
      : { ...common, $backend: kind === 'scylla' ? 'scylla' : 'postgres', $health: () => healthOf(backend) }
  const recordTo = options.recordShapes === false ? undefined : options.recordShapes || process.env.TANDEM_RECORD_SHAPES
  if (recordTo !== undefined && typeof recordTo !== 'string')
    throw validationError('createDb', '`recordShapes` must be a file path (or false)')
  // recording wraps the backend the delegates call; off, they call it directly (no cost)
  const recorder = recordTo ? new ShapeRecorder(recordTo) : undefined
  const raws = rawMethods(() => backend, telemetry)
  for (const model of info.models.values())
    if (
      model.name in controls ||
      model.name in raws ||
      ['$scylla', '$on', '$transaction', '$extends'].includes(model.name)
    )
      throw new TandemError('VALIDATION', `createDb: model name \`${model.name}\` clashes with a client method`)
  const runsOver = (over: Backend) => (recorder ? recordingBackend(over, recorder) : over)
  const delegatesOn = (runs: Backend) => {
    const delegates = new Map<string, ModelDelegate>()
    for (const model of info.models.values())
      delegates.set(model.name, refusedClient(model, new ModelDelegate(model, runs)))
    for (const delegate of delegates.values()) delegate.delegates = delegates
    if (!telemetry?.watchesCalls) return delegates
    // the client hands out watched views; relations inside a call still use the delegates themselves
    const watched = new Map<string, ModelDelegate>()
    for (const [name, d] of delegates)
      watched.set(
        name,
        watchedClient(d, name, d.model.table, telemetry, () => runs.kind),
      )
    return watched
  }
  const $scylla = (callOptions: ScyllaCallOptions): ModelClients<S> => {
    const resolved = resolveCallOptions(callOptions)
    if (backend instanceof ScyllaBackend) return modelClients<S>(delegatesOn(runsOver(backend.scoped(resolved))))
    if (backend instanceof PostgresBackend) {
      if (resolved.ttl !== undefined)
        throw validationError('$scylla', '`ttl` is ScyllaDB-only: PostgreSQL rows do not expire')
      return db // consistency and timeoutMs mean nothing to PostgreSQL
    }
    throw validationError('$scylla', 'per-call ScyllaDB options are not supported in dual mode or with `fallback`')
  }
  // models, $transaction and $extends (client-build.ts); extended clients are registered like this one
  const parts: ClientParts = {
    schema: info,
    delegatesOn,
    controls: Object.assign(controls, { $scylla }, eventMethods(telemetry), raws),
    txControls: (tx) => ({ $backend: controls.$backend, $schema: info, ...rawMethods(() => tx, telemetry) }),
    register: (client) => {
      backends.set(client, backend)
      current.set(client, now)
    },
  }
  // the assertion is modelClients' (below): the keys are the schema's, known only at run time
  const db = buildClient(
    parts,
    runsOver(backend),
    [],
    false,
    controls as unknown as Record<string, unknown>,
  ) as TandemDb<S>
  return db
}

/**
 * The delegates as the `db.<exportName>` clients. readSchema made one model per pgTable export of S,
 * named by its export key and over that very table (`model.drizzle === schema[key]`), so the delegate
 * under key K runs over S[K] and the object is a ModelClients<S>. The keys are known only at run time,
 * and TypeScript types an object built from runtime keys with an index signature, never as a mapped type
 * over `keyof S`: this one assertion is unavoidable. It is narrow, with no `unknown` in between: from
 * a record of ModelClient<PgTable> (each ModelDelegate checked against ModelClient by its class's
 * `implements` and by the annotation below) to the mapped type.
 */
function modelClients<S extends Record<string, unknown>>(
  delegates: ReadonlyMap<string, ModelDelegate>,
): ModelClients<S> {
  const clients: Record<string, ModelClient<PgTable>> = Object.fromEntries(delegates)
  return clients as ModelClients<S>
}
