import { dirname, resolve } from 'node:path'
import { backendOf, createDb, type TandemDb } from '../create-db.js'
import type { ScyllaOptions } from '../cql/scylla-backend.js'
import { TandemError } from '../errors.js'
import type { LoadedConfig } from './config-loader.js'

export type BackendName = 'postgres' | 'scylla'
export const BACKEND_NAMES: readonly BackendName[] = ['postgres', 'scylla']

export type CliDb = TandemDb<Record<string, unknown>>

/**
 * A client over the config's schema on `backend` (default: what the config, else the environment, selects),
 * with no connection opened. Options the config leaves out stay undefined so createDb reads the
 * environment as it always does.
 */
export function dbFor(loaded: LoadedConfig, backend?: BackendName): CliDb {
  const { config } = loaded
  const scylla = scyllaOptions(config.scylla, dirname(loaded.file))
  // the CLI's own calls are not the application's call shapes: never recorded
  return createDb({ ...config, ...(scylla ? { scylla } : {}), ...(backend ? { backend } : {}), recordShapes: false })
}

/** `scylla.tls` file paths in a config file are relative to that file (PEM text is kept as it is). */
function scyllaOptions(scylla: ScyllaOptions | undefined, base: string): ScyllaOptions | undefined {
  const tls = scylla?.tls
  if (!scylla || !tls || typeof tls !== 'object') return scylla
  const path = <T>(v: T): T | string => (typeof v === 'string' && !v.includes('-----BEGIN') ? resolve(base, v) : v)
  const out = { ...tls }
  if (tls.ca !== undefined) out.ca = Array.isArray(tls.ca) ? tls.ca.map(path) : path(tls.ca)
  if (tls.cert !== undefined) out.cert = path(tls.cert)
  if (tls.key !== undefined) out.key = path(tls.key)
  return { ...scylla, tls: out }
}

/**
 * Checks the database answers (within the backend's connect timeout): an unreachable one is
 * BACKEND_UNAVAILABLE, refused credentials P1000, before the command does anything.
 */
export async function reach(db: CliDb): Promise<void> {
  try {
    await backendOf(db).ping()
  } catch (e) {
    if (e instanceof TandemError) throw e
    throw new TandemError(
      'BACKEND_UNAVAILABLE',
      `${db.$backend} is unavailable: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    )
  }
}

/**
 * Opens a client for the command, checks it answers, runs `fn`, and always disconnects.
 * @example await withDb(loaded, 'scylla', (db) => db.$push())
 */
export async function withDb<T>(
  loaded: LoadedConfig,
  backend: BackendName | undefined,
  fn: (db: CliDb) => Promise<T>,
): Promise<T> {
  const db = dbFor(loaded, backend)
  try {
    await reach(db)
    return await fn(db)
  } finally {
    await db.$disconnect().catch(() => {})
  }
}
