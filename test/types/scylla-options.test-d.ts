// Type tests of the ScyllaDB connection options (type-checked only): credentials, TLS and driver policies.
import cassandra from 'cassandra-driver'
import { describe, expectTypeOf, test } from 'vitest'
import { createDb, type ScyllaOptions, type ScyllaPolicies, type ScyllaTlsOptions } from '../../src/index.js'
import * as schema from '../support/schema.js'

const { layout: _layout, ...models } = schema

describe('scylla connection options', () => {
  test('credentials, TLS (PEM text, Buffer or path; a list of CAs) and policies are typed options', () => {
    createDb({
      schema: models,
      backend: 'scylla',
      scylla: {
        username: 'app',
        password: 's3cret',
        tls: { ca: ['./ca.pem', Buffer.from('')], cert: './client.pem', key: './client.key', servername: 'db' },
        policies: {
          retry: 'never',
          speculativeReads: { delayMs: 20, maxExecutions: 2 },
          connectionsPerHost: 4,
          maxRequestsPerConnection: 1024,
        },
      },
    })
    createDb({ schema: models, backend: 'scylla', scylla: { tls: true, policies: { speculativeReads: false } } })
    expectTypeOf<ScyllaOptions['tls']>().toEqualTypeOf<boolean | ScyllaTlsOptions | undefined>()
    expectTypeOf<ScyllaPolicies['retry']>().toEqualTypeOf<
      'default' | 'never' | cassandra.policies.retry.RetryPolicy | undefined
    >()
  })

  test('misspelled options and unknown policy names do not compile', () => {
    // @ts-expect-error not a TLS option (ca takes the path)
    createDb({ schema: models, backend: 'scylla', scylla: { tls: { cafile: './ca.pem' } } })
    // @ts-expect-error not a retry policy name
    createDb({ schema: models, backend: 'scylla', scylla: { policies: { retry: 'always' } } })
    // @ts-expect-error speculative reads need their delay
    createDb({ schema: models, backend: 'scylla', scylla: { policies: { speculativeReads: { maxExecutions: 2 } } } })
  })
})
