import { createDb } from '../../src/index.js'
import { creditsSchema } from '../../src/credits/index.js'
import { testUrl, type BackendKind } from '../support/backends.js'

/** A client with only the credits models, pushed to the test database of the given backend. */
export async function openCreditsDb(backend: BackendKind) {
  const db = createDb({
    schema: creditsSchema,
    backend,
    postgres: { url: testUrl() },
    scylla: { keyspace: 'tandem_test' },
  })
  await db.$push()
  return db
}
