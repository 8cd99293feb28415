// Opens the conformance client for one backend against the real local servers (started by global setup):
// PostgreSQL database `tandem_test` (C.UTF-8: code-point order like CQL) and Cassandra keyspace `tandem_test`,
// both created fresh once per test run (see global-setup.ts) and pushed once per file.
import { createDb, type SingleDb } from '../../src/index.js'
import * as schema from './schema.js'

export const BACKENDS = ['postgres', 'scylla'] as const
export type BackendKind = (typeof BACKENDS)[number]

const { layout, ...models } = schema
export type TestSchema = typeof models
export type TestDb = SingleDb<TestSchema>

export function testUrl(): string {
  const url = new URL(process.env.DATABASE_URL!)
  url.pathname = '/tandem_test'
  return url.toString()
}

/** A client on the given backend with the conformance schema pushed. */
/**
 * The test node's cas_contention_timeout (5 s) + write_request_timeout (10 s), plus a margin
 * (testinfra/cassandra/cassandra.yaml): an LWT whose answer was lost may apply that long after it was sent.
 */
export const TEST_NODE_LWT_SETTLE_MS = 15_500

export async function openDb(backend: BackendKind): Promise<TestDb> {
  const db = createDb({
    schema: models,
    backend,
    postgres: { url: testUrl() },
    scylla: { keyspace: 'tandem_test', lwtSettleMs: TEST_NODE_LWT_SETTLE_MS },
    layout: layout as never,
  })
  await db.$push()
  return db
}

let counter = 0
/** A value unique to this run and call, for keys that must not collide between tests. */
export function uid(prefix = 'x'): string {
  counter++
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`
}
