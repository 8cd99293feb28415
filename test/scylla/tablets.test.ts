// `scylla.tablets` against the local server, which is Apache Cassandra 5 (no tablets): `$push` must read the
// server identity, add no tablets clause with 'auto' or false, and refuse true with VALIDATION. The ScyllaDB
// side (which versions get tablets disabled) is unit-tested as DDL text in test/unit/scylla-tablets.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import cassandra from 'cassandra-driver'
import { pgTable, text } from 'drizzle-orm/pg-core'
import { createDb } from '../../src/index.js'
import { backendOf } from '../../src/create-db.js'
import type { ScyllaBackend } from '../../src/cql/scylla-backend.js'
import type { TabletsOption } from '../../src/cql/scylla-tablets.js'
import { TandemError } from '../../src/errors.js'

const KEYSPACE = 'tandem_tablets'
const note = pgTable('note', { id: text('id').primaryKey(), slug: text('slug').notNull().unique() })

let admin: cassandra.Client

beforeAll(async () => {
  admin = new cassandra.Client({
    contactPoints: process.env.SCYLLA_HOSTS!.split(','),
    localDataCenter: process.env.SCYLLA_DATACENTER ?? 'datacenter1',
  })
  await admin.connect()
})

afterAll(async () => {
  await admin.execute(`DROP KEYSPACE IF EXISTS ${KEYSPACE}`, [], { readTimeout: 60_000 })
  await admin.shutdown()
})

function open(tablets: TabletsOption | undefined, logs: string[] = []) {
  return createDb({
    schema: { note },
    backend: 'scylla',
    scylla: { keyspace: KEYSPACE, tablets, logger: (level, message) => logs.push(`${level}: ${message}`) },
  })
}

describe('scylla.tablets on Cassandra 5', () => {
  it('reads the server identity as Cassandra 5.0', async () => {
    const db = open(undefined)
    try {
      const id = await (backendOf(db) as ScyllaBackend).serverIdentity()
      expect(id.product).toBe('cassandra')
      expect(id.version).toMatch(/^5\.0\./)
    } finally {
      await db.$disconnect()
    }
  })

  for (const tablets of [undefined, 'auto', false] as const) {
    it(`tablets ${String(tablets)}: $push creates the keyspace with no tablets clause, and the model works`, async () => {
      await admin.execute(`DROP KEYSPACE IF EXISTS ${KEYSPACE}`, [], { readTimeout: 60_000 })
      const logs: string[] = []
      const db = open(tablets, logs)
      try {
        await db.$push()
        const ks = await admin.execute('SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?', [
          KEYSPACE,
        ])
        expect(ks.rows).toHaveLength(1)
        expect(logs.filter((l) => l.includes('tablets'))).toEqual([])
        const row = await db.note.create({ data: { id: 'a', slug: 'first' } })
        expect(row).toEqual({ id: 'a', slug: 'first' })
        expect(await db.note.findUnique({ where: { slug: 'first' } })).toEqual({ id: 'a', slug: 'first' })
      } finally {
        await db.$disconnect()
      }
    })
  }

  it('tablets true: $push is refused with VALIDATION and creates nothing', async () => {
    await admin.execute(`DROP KEYSPACE IF EXISTS ${KEYSPACE}`, [], { readTimeout: 60_000 })
    const db = open(true)
    try {
      const err = await db.$push().then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err).toBeInstanceOf(TandemError)
      expect((err as TandemError).code).toBe('VALIDATION')
      expect((err as TandemError).message).toMatch(/Apache Cassandra 5\.0\.\d+, which has no tablets/)
      const ks = await admin.execute('SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?', [
        KEYSPACE,
      ])
      expect(ks.rows).toHaveLength(0)
    } finally {
      await db.$disconnect()
    }
  })

  it('$ddl() (no I/O) shows the keyspace without a clause and a comment on what $push decides', () => {
    const db = open('auto')
    expect(db.$ddl()[0]).toMatch(
      /^CREATE KEYSPACE IF NOT EXISTS "tandem_tablets" WITH replication = \{'class': 'NetworkTopologyStrategy', 'datacenter1': 1\} \/\* tablets 'auto': \$push reads the server version;/,
    )
  })

  it('an unknown tablets value is refused at createDb', () => {
    expect(() => open('yes' as never)).toThrow(/scylla.tablets must be 'auto', true or false/)
  })
})
