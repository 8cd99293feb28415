// Vitest global setup (runs once, in the main process, before any test worker is forked).
// Makes DATABASE_URL, SCYLLA_HOSTS and SCYLLA_DATACENTER available to every test file: uses the ones already
// in the environment, else starts (or reuses) the local databases with scripts/db.mjs. Workers are forked
// after this runs and inherit process.env. For the whole suite (or test/secure) it also starts or reuses the
// secured node (scripts/secure-node.mjs: password authentication and client TLS, 127.0.0.5) and exports
// SECURE_SCYLLA_*. The databases are left running at teardown so reruns are fast; stop them with
// `npm run db:down`.
import { localEnv, up } from '../../scripts/db.mjs'

export default async function setup(): Promise<void> {
  // `vitest run test/unit` (npm run test:unit) and the type tests (test/types, only type-checked) need no database
  const filters = process.argv.slice(2).filter((a) => !a.startsWith('-') && a !== 'run')
  const noDatabase = (f: string) => ['test/unit', 'test/types'].some((dir) => f.replace(/^\.\//, '').startsWith(dir))
  if (filters.length > 0 && filters.every(noDatabase)) return

  // the secured node (password + client TLS, test/secure) only for the whole suite or when its tests are asked for
  const secured = filters.length === 0 || filters.some((f) => f.includes('secure')) ? upSecured() : undefined
  await Promise.all([plain(), secured])
}

/**
 * SECURE_SCYLLA_HOSTS, _USERNAME, _PASSWORD, _TLS_CA for test/secure: from the environment when set (a secured
 * server of your own), else the local secured node of scripts/secure-node.mjs (started or reused). Other names
 * than SCYLLA_* so the other tests keep the plain node.
 */
async function upSecured(): Promise<void> {
  if (process.env.SECURE_SCYLLA_HOSTS) return
  const { upSecure } = await import('../../scripts/secure-node.mjs')
  const env = await upSecure()
  process.env.SECURE_SCYLLA_HOSTS = env.SCYLLA_HOSTS
  process.env.SECURE_SCYLLA_USERNAME = env.SCYLLA_USERNAME
  process.env.SECURE_SCYLLA_PASSWORD = env.SCYLLA_PASSWORD
  process.env.SECURE_SCYLLA_TLS_CA = env.SCYLLA_TLS_CA
}

/** DATABASE_URL and SCYLLA_HOSTS of the plain servers every other test uses. */
async function plain(): Promise<void> {
  const pg = process.env.DATABASE_URL
  const cql = process.env.SCYLLA_HOSTS || process.env.SCYLLA_HOST
  // Values equal to our own local servers (e.g. exported from `npm run -s db:up`) still go through up(), which
  // reuses them when running and restarts them after `npm run db:down`.
  const external = pg && cql && pg !== localEnv.DATABASE_URL && cql !== localEnv.SCYLLA_HOSTS
  if (external) {
    process.env.SCYLLA_HOSTS = cql
    process.env.SCYLLA_DATACENTER ??= 'datacenter1'
    await resetTestDatabases()
    return
  }
  const env = await up()
  process.env.DATABASE_URL = env.DATABASE_URL
  process.env.SCYLLA_HOSTS = env.SCYLLA_HOSTS
  process.env.SCYLLA_DATACENTER = env.SCYLLA_DATACENTER
  await resetTestDatabases()
}

/**
 * Fresh test databases (PostgreSQL `tandem_test` in C.UTF-8, keyspace `tandem_test`) whenever the DDL of
 * the test schemas changed since the last reset; otherwise they are kept, so concurrent runs do not pull
 * the databases from under each other (tests isolate their rows with unique values).
 */
export async function resetTestDatabases(): Promise<void> {
  const { createHash } = await import('node:crypto')
  const { createDb } = await import('../../src/index.js')
  const { creditsSchema } = await import('../../src/credits/index.js')
  const { layout, ...models } = await import('./schema.js')
  const ddl = (['postgres', 'scylla'] as const).flatMap((backend) =>
    createDb({
      schema: { ...models, ...creditsSchema },
      backend,
      postgres: { url: process.env.DATABASE_URL! },
      scylla: { keyspace: 'tandem_test' },
      layout: layout as never,
    }).$ddl(),
  )
  const fingerprint = createHash('sha1').update(JSON.stringify(ddl)).digest('hex')
  await recreateTestDatabases(fingerprint)
}

/** The fingerprint of the schema the test databases were made for lives beside them (any checkout sees it). */
async function recreateTestDatabases(fingerprint: string): Promise<void> {
  const { default: postgres } = await import('postgres')
  const admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} })
  let drop = false
  try {
    await admin.unsafe('CREATE TABLE IF NOT EXISTS tandem_test_schema (fingerprint text NOT NULL)')
    const known = await admin.unsafe('SELECT fingerprint FROM tandem_test_schema')
    drop = known[0]?.fingerprint !== fingerprint
    if (drop) {
      await admin.unsafe('DROP DATABASE IF EXISTS tandem_test WITH (FORCE)')
      await admin.unsafe('DELETE FROM tandem_test_schema')
      await admin.unsafe('INSERT INTO tandem_test_schema (fingerprint) VALUES ($1)', [fingerprint])
    }
    const exists = await admin.unsafe(`SELECT 1 FROM pg_database WHERE datname = 'tandem_test'`)
    if (exists.length === 0) {
      await admin.unsafe(
        `CREATE DATABASE tandem_test TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'`,
      )
    }
  } finally {
    await admin.end()
  }
  if (!drop) return
  const { default: cassandra } = await import('cassandra-driver')
  const client = new cassandra.Client({
    contactPoints: process.env.SCYLLA_HOSTS!.split(','),
    localDataCenter: process.env.SCYLLA_DATACENTER ?? 'datacenter1',
  })
  try {
    await client.execute('DROP KEYSPACE IF EXISTS tandem_test', [], { readTimeout: 60_000 })
  } finally {
    await client.shutdown()
  }
}
