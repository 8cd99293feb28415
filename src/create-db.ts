import type { SchemaInfo } from './schema/model.js'
import { readSchema } from './schema/read-schema.js'
import type { LayoutOptions } from './schema/scylla-layout.js'
import { ScyllaBackend, type ScyllaOptions } from './cql/scylla-backend.js'
import type { Backend } from './adapter/backend.js'
import { TandemError, validationError } from './errors.js'
import { ModelDelegate } from './adapter/model-delegate.js'
import { PostgresBackend, type PostgresOptions } from './postgres/postgres-backend.js'
import type { ModelClients } from './adapter/types.js'

export interface CreateDbOptions<S extends Record<string, unknown>> {
  /** the Drizzle schema module: `import * as schema from './schema'` */
  schema: S
  /** default from USE_SCYLLA ('true' or '1' → 'scylla', else 'postgres') */
  backend?: 'postgres' | 'scylla'
  postgres?: PostgresOptions
  scylla?: ScyllaOptions
  /** ScyllaDB layout per model: partition and clustering keys (see README, "ScyllaDB layout") */
  layout?: LayoutOptions
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
  if (!options || typeof options !== 'object' || !options.schema) throw validationError('createDb', 'pass { schema } (the Drizzle schema module)')
  const known = ['schema', 'backend', 'postgres', 'scylla', 'layout']
  for (const key of Object.keys(options)) if (!known.includes(key)) throw validationError('createDb', `unknown option \`${key}\`; options are ${known.join(', ')}`)
  const kind = options.backend ?? backendFromEnv()
  if (kind !== 'postgres' && kind !== 'scylla') throw validationError('createDb', '`backend` must be "postgres" or "scylla"')
  const info = readSchema(options.schema)
  const backend = kind === 'scylla' ? new ScyllaBackend(info, options.scylla, options.layout) : new PostgresBackend(info, options.postgres)
  if (kind === 'postgres' && options.layout) {
    // layout only matters to ScyllaDB, but it is still checked so a typo shows on PostgreSQL too
    for (const name of Object.keys(options.layout)) if (!info.models.has(name)) throw validationError('createDb', `layout names unknown model \`${name}\``)
  }

  const db: Record<string, unknown> = {
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
        return { backend: kind, ok: false, latencyMs: performance.now() - started, error: e instanceof Error ? e.message : String(e) }
      }
    },
  }
  const delegates = new Map<string, ModelDelegate>()
  for (const model of info.models.values()) {
    if (model.name in db) throw new TandemError('VALIDATION', `createDb: model name \`${model.name}\` clashes with a client method`)
    const delegate = new ModelDelegate(model, backend)
    delegates.set(model.name, delegate)
    db[model.name] = delegate
  }
  for (const delegate of delegates.values()) delegate.delegates = delegates
  backends.set(db, backend)
  return db as unknown as TandemDb<S>
}
