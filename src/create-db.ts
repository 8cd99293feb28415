import type { PgTable } from 'drizzle-orm/pg-core'
import type { SchemaInfo } from './schema/model.js'
import { readSchema } from './schema/read-schema.js'
import type { LayoutOptions } from './schema/scylla-layout.js'
import { ScyllaBackend, type ScyllaOptions } from './cql/scylla-backend.js'
import type { Backend } from './adapter/backend.js'
import { TandemError, validationError } from './errors.js'
import { ModelDelegate } from './adapter/model-delegate.js'
import { recordingBackend, ShapeRecorder } from './adapter/shape-recorder.js'
import { PostgresBackend, type PostgresOptions } from './postgres/postgres-backend.js'
import type { ModelClient, ModelClients } from './adapter/types.js'

export interface CreateDbOptions<S extends Record<string, unknown>> {
  /** the Drizzle schema module: `import * as schema from './schema'` */
  schema: S
  /** default from USE_SCYLLA ('true' or '1' → 'scylla', else 'postgres') */
  backend?: 'postgres' | 'scylla'
  postgres?: PostgresOptions
  scylla?: ScyllaOptions
  /** ScyllaDB layout per model: partition and clustering keys (see README, "ScyllaDB layout") */
  layout?: LayoutOptions
  /**
   * Appends each distinct call shape (no values) to this file as one JSON line, for `tandem check`;
   * default TANDEM_RECORD_SHAPES; `false` turns it off whatever the environment says
   */
  recordShapes?: string | false
}

export interface DbControls {
  readonly $backend: 'postgres' | 'scylla'
  /** the schema as tandem read it */
  readonly $schema: SchemaInfo
  /** creates what the active backend needs (tables, types, keyspace, lookup tables); idempotent */
  $push(): Promise<void>
  /** the DDL `$push` runs, in order, without running it */
  $ddl(): string[]
  $health(): Promise<{ backend: 'postgres' | 'scylla'; ok: boolean; latencyMs: number; error?: string }>
  $disconnect(): Promise<void>
}

export type TandemDb<S extends Record<string, unknown>> = DbControls & ModelClients<S>

const backends = new WeakMap<object, PostgresBackend | ScyllaBackend>()

/** The backend behind a client, for tandem's own modules (credits); not part of the public API. */
export function backendOf(db: object): PostgresBackend | ScyllaBackend {
  const b = backends.get(db)
  if (!b) throw validationError('tandem-orm', 'expected a client made by createDb()')
  return b
}

function backendFromEnv(): 'postgres' | 'scylla' {
  const flag = (process.env.USE_SCYLLA ?? '').trim().toLowerCase()
  return flag === 'true' || flag === '1' ? 'scylla' : 'postgres'
}

/**
 * Creates the client: one delegate per table of the schema (`db.<exportName>`), running on PostgreSQL
 * or ScyllaDB as `backend` (or USE_SCYLLA) says.
 * @example const db = createDb({ schema }); await db.$push(); await db.profile.findFirst({ where: { userId } })
 */
export function createDb<S extends Record<string, unknown>>(options: CreateDbOptions<S>): TandemDb<S> {
  if (!options || typeof options !== 'object' || !options.schema)
    throw validationError('createDb', 'pass { schema } (the Drizzle schema module)')
  const known = ['schema', 'backend', 'postgres', 'scylla', 'layout', 'recordShapes']
  for (const key of Object.keys(options))
    if (!known.includes(key))
      throw validationError('createDb', `unknown option \`${key}\`; options are ${known.join(', ')}`)
  const kind = options.backend ?? backendFromEnv()
  if (kind !== 'postgres' && kind !== 'scylla')
    throw validationError('createDb', '`backend` must be "postgres" or "scylla"')
  const info = readSchema(options.schema)
  const backend =
    kind === 'scylla'
      ? new ScyllaBackend(info, options.scylla, options.layout)
      : new PostgresBackend(info, options.postgres)
  if (kind === 'postgres' && options.layout) {
    // layout only matters to ScyllaDB, but it is still checked so a typo shows on PostgreSQL too
    for (const name of Object.keys(options.layout))
      if (!info.models.has(name)) throw validationError('createDb', `layout names unknown model \`${name}\``)
  }

  const controls: DbControls = {
    $backend: kind,
    $schema: info,
    $push: () => backend.push(),
    $ddl: () => backend.ddl(),
    $disconnect: () => backend.close(),
    $health: async () => {
      const started = performance.now()
      try {
        await backend.ping()
        return { backend: kind, ok: true, latencyMs: performance.now() - started }
      } catch (e) {
        return {
          backend: kind,
          ok: false,
          latencyMs: performance.now() - started,
          error: e instanceof Error ? e.message : String(e),
        }
      }
    },
  }
  const recordTo = options.recordShapes === false ? undefined : options.recordShapes || process.env.TANDEM_RECORD_SHAPES
  if (recordTo !== undefined && typeof recordTo !== 'string')
    throw validationError('createDb', '`recordShapes` must be a file path (or false)')
  // recording wraps the backend the delegates call; off, they call it directly (no cost)
  const runs = recordTo ? recordingBackend(backend, new ShapeRecorder(recordTo)) : backend
  const delegates = new Map<string, ModelDelegate>()
  for (const model of info.models.values()) {
    if (model.name in controls)
      throw new TandemError('VALIDATION', `createDb: model name \`${model.name}\` clashes with a client method`)
    delegates.set(model.name, new ModelDelegate(model, runs))
  }
  for (const delegate of delegates.values()) delegate.delegates = delegates
  const db: TandemDb<S> = Object.assign(controls, modelClients<S>(delegates))
  backends.set(db, backend)
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
function modelClients<S>(delegates: ReadonlyMap<string, ModelDelegate>): ModelClients<S> {
  const clients: Record<string, ModelClient<PgTable>> = Object.fromEntries(delegates)
  return clients as ModelClients<S>
}
