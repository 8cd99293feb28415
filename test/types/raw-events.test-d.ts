// Type tests of the raw-statement methods and the event API (type-checked only, never run).
import { describe, expectTypeOf, test } from 'vitest'
import { createDb, Prisma, sql, type LogEvent, type QueryEvent, type RawRow, type Sql } from '../../src/index.js'
import * as schema from '../support/schema.js'

const db = createDb({ schema, log: [{ emit: 'event', level: 'query' }, 'warn'], tracing: true })

describe('raw statements', () => {
  test('$queryRaw / $cql resolve to rows (or the type given, as Prisma), $executeRaw to a count', () => {
    expectTypeOf(db.$queryRaw`SELECT 1`).resolves.toEqualTypeOf<RawRow[]>()
    expectTypeOf(db.$queryRaw<{ id: string }[]>`SELECT id FROM profile`).resolves.toEqualTypeOf<{ id: string }[]>()
    expectTypeOf(db.$queryRaw(sql`SELECT 1`)).resolves.toEqualTypeOf<RawRow[]>()
    expectTypeOf(db.$executeRaw`DELETE FROM profile`).resolves.toEqualTypeOf<number>()
    expectTypeOf(db.$queryRawUnsafe('SELECT $1', 1)).resolves.toEqualTypeOf<RawRow[]>()
    expectTypeOf(db.$executeRawUnsafe('DELETE FROM profile WHERE id = $1', 'x')).resolves.toEqualTypeOf<number>()
    expectTypeOf(db.$cql`SELECT * FROM profile`).resolves.toEqualTypeOf<RawRow[]>()
    expectTypeOf(Prisma.sql`a ${1}`).toEqualTypeOf<Sql>()
    // @ts-expect-error the Unsafe forms take the text as a string
    void db.$queryRawUnsafe(sql`SELECT 1`)
  })
})

describe('events', () => {
  test('$on gives query events to query listeners and log events to the others', () => {
    db.$on('query', (e) => expectTypeOf(e).toEqualTypeOf<QueryEvent>())
    db.$on('warn', (e) => expectTypeOf(e).toEqualTypeOf<LogEvent>())
    expectTypeOf<QueryEvent['backend']>().toEqualTypeOf<'postgres' | 'scylla'>()
    // @ts-expect-error not an event
    db.$on('beforeExit', () => {})
    // @ts-expect-error not a level
    createDb({ schema, log: ['debug'] })
  })
})
