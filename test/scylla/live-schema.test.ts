// Schema changes on live tables (issue 11, item 7), against the local Cassandra node: `$push` adds columns and
// lookup tables to a keyspace that already has rows, fills the new lookups from those rows (paged, resumable,
// safe while the application writes), reports duplicates of a new unique key, refuses key and type changes,
// and never drops anything. Its own keyspace, dropped at the end.
import { spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import cassandra from 'cassandra-driver'
import { bigint, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { createDb } from '../../src/index.js'
import { backendOf } from '../../src/create-db.js'
import type { ScyllaBackend } from '../../src/cql/scylla-backend.js'
import { TandemError } from '../../src/errors.js'
import type { Row } from '../../src/schema/model.js'
import { BIN_TS, runCli, tempProject, TANDEM } from '../cli/cli-support.js'

const KS = 'tandem_live_schema'
const TSX = import.meta.resolve('tsx')

let admin: cassandra.Client

beforeAll(async () => {
  admin = new cassandra.Client({
    contactPoints: process.env.SCYLLA_HOSTS!.split(','),
    localDataCenter: process.env.SCYLLA_DATACENTER ?? 'datacenter1',
    encoding: { useBigIntAsLong: true },
  })
  await admin.connect()
  await admin.execute(`DROP KEYSPACE IF EXISTS ${KS}`, [], { readTimeout: 60_000 })
})

afterAll(async () => {
  await admin.execute(`DROP KEYSPACE IF EXISTS ${KS}`, [], { readTimeout: 60_000 })
  await admin.shutdown()
})

type Schema = Record<string, unknown>
function open(schema: Schema, layout?: Record<string, { partitionKey: string[]; clusteringKey?: string[] }>) {
  return createDb({ schema, backend: 'scylla', scylla: { keyspace: KS }, ...(layout ? { layout } : {}) })
}

/** Any model client of a db, untyped (the schemas here change from test to test). */
interface AnyClient {
  create(args: { data: Record<string, unknown> }): Promise<Row>
  findUnique(args: { where: Record<string, unknown> }): Promise<Row | null>
  findMany(args: { where: Record<string, unknown> }): Promise<Row[]>
  update(args: { where: Record<string, unknown>; data: Record<string, unknown> }): Promise<Row>
  delete(args: { where: Record<string, unknown> }): Promise<Row>
}
const client = (db: object, model: string) => (db as Record<string, AnyClient>)[model]!

async function tableNames(): Promise<string[]> {
  const rs = await admin.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [KS])
  return rs.rows.map((r) => r.table_name as string).sort()
}

async function columnsOf(table: string): Promise<Record<string, string>> {
  const rs = await admin.execute(
    'SELECT column_name, type FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?',
    [KS, table],
  )
  return Object.fromEntries(rs.rows.map((r) => [r.column_name as string, r.type as string]))
}

async function countRows(table: string): Promise<number> {
  let n = 0
  let pageState: string | undefined
  do {
    const rs = await admin.execute(`SELECT * FROM ${KS}.${table}`, [], { prepare: true, fetchSize: 1000, pageState })
    n += rs.rows.length
    pageState = rs.pageState ?? undefined
  } while (pageState)
  return n
}

/** Every row of a model through the store, then the lookup integrity check (rows → entries, entries → rows). */
async function integrity(db: object, model: string) {
  const backend = backendOf(db) as ScyllaBackend
  const m = backend.store.schema.models.get(model)!
  const rows: Row[] = []
  let cursor: string | undefined
  do {
    const page = await backend.store.scan(m, cursor, 1000)
    rows.push(...page.rows)
    cursor = page.next
  } while (cursor)
  const integrity = backend.store.integrity!
  return { rows, missing: await integrity.checkRows(m, rows), orphans: await integrity.checkEntries(m) }
}

const uuids = (n: number) => Array.from({ length: n }, () => cassandra.types.Uuid.random().toString())

describe('push evolves a live keyspace', () => {
  const v1 = {
    account: pgTable('account', {
      id: uuid('id').primaryKey(),
      email: text('email').notNull(),
      team: text('team'),
      name: text('name'),
    }),
  }
  const v2 = {
    account: pgTable(
      'account',
      {
        id: uuid('id').primaryKey(),
        email: text('email').notNull().unique(),
        team: text('team'),
        name: text('name'),
        handle: text('handle').unique(),
        score: integer('score'),
      },
      (t) => [index('account_team_idx').on(t.team)],
    ),
  }
  const ids = uuids(30)
  const teamOf = (i: number) => (i % 3 === 0 ? 'red' : i % 3 === 1 ? 'blue' : null)

  it('v1 with rows; dry run of v2 lists the changes and changes nothing', async () => {
    const db1 = open(v1)
    try {
      await db1.$push()
      const accounts = client(db1, 'account')
      for (let i = 0; i < ids.length; i++)
        await accounts.create({ data: { id: ids[i], email: `a${i}@live`, team: teamOf(i), name: `n${i}` } })
    } finally {
      await db1.$disconnect()
    }
    const db2 = open(v2)
    try {
      const report = await db2.$push({ dryRun: true })
      const lines = report.changes.map((c) => `${c.kind} ${c.table ?? ''}`)
      expect(lines).toEqual([
        'create-table account__by_email',
        'create-table account__by_handle',
        'create-table account__by_team',
        'add-column account',
        'add-column account',
        'fill-lookup account__by_email',
        'fill-lookup account__by_handle',
        'fill-lookup account__by_team',
      ])
      expect(report.changes.filter((c) => c.kind === 'add-column').map((c) => c.statement)).toEqual([
        `ALTER TABLE "${KS}"."account" ADD "handle" text`,
        `ALTER TABLE "${KS}"."account" ADD "score" int`,
      ])
      expect(report.pending).toEqual(['account__by_email', 'account__by_handle', 'account__by_team'])
      expect(await tableNames()).toEqual(['account'])
      expect(Object.keys(await columnsOf('account')).sort()).toEqual(['email', 'id', 'name', 'team'])
    } finally {
      await db2.$disconnect()
    }
  })

  it('push v2 without the fill adds columns and tables; reads through the new lookups miss old rows until filled', async () => {
    const db2 = open(v2)
    try {
      const report = await db2.$push({ backfill: false })
      expect(report.filled).toEqual([])
      expect(report.pending).toEqual(['account__by_email', 'account__by_handle', 'account__by_team'])
      expect(await tableNames()).toEqual([
        'account',
        'account__by_email',
        'account__by_handle',
        'account__by_team',
        'tandem_meta',
      ])
      expect(await columnsOf('account')).toMatchObject({ handle: 'text', score: 'int' })
      // a new column is null in every existing row: no unique entry for those rows
      const accounts = client(db2, 'account')
      expect(await accounts.findUnique({ where: { id: ids[0] } })).toMatchObject({ handle: null, score: null })
      expect(await accounts.findUnique({ where: { email: 'a0@live' } })).toBeNull()
    } finally {
      await db2.$disconnect()
    }
  })

  it('values set by a raw CQL write (old code, a data load) and by v2 updates; push fills every new lookup', async () => {
    for (let i = 0; i < 5; i++)
      await admin.execute(`UPDATE ${KS}.account SET handle = ? WHERE id = ?`, [`h${i}`, ids[i]], { prepare: true })
    // a value written with a TTL: its entry must expire with it
    await admin.execute(`UPDATE ${KS}.account USING TTL 3600 SET handle = ? WHERE id = ?`, ['h4', ids[4]], {
      prepare: true,
    })
    const db2 = open(v2)
    const accounts = client(db2, 'account')
    try {
      // the new code maintains the new lookups for what it writes, before any fill
      await accounts.update({ where: { id: ids[5] }, data: { handle: 'h5', score: 7 } })
      const progress: { table: string; rows: number; done: boolean }[] = []
      const report = await db2.$push({ pageSize: 7, onProgress: (p) => progress.push(p) })
      expect(report.filled).toEqual([
        { table: 'account__by_email', rows: 30 },
        { table: 'account__by_handle', rows: 30 },
        { table: 'account__by_team', rows: 30 },
      ])
      expect(report.pending).toEqual([])
      // paged: 30 rows in pages of 7 (the last page may come back empty)
      const emailProgress = progress.filter((p) => p.table === 'account__by_email')
      expect(emailProgress.length).toBeGreaterThanOrEqual(5)
      expect(emailProgress.at(-1)).toMatchObject({ rows: 30, done: true })
      for (let i = 0; i < ids.length; i++)
        expect(await accounts.findUnique({ where: { email: `a${i}@live` } })).toMatchObject({ id: ids[i] })
      for (let i = 0; i < 6; i++)
        expect(await accounts.findUnique({ where: { handle: `h${i}` } })).toMatchObject({ id: ids[i] })
      expect((await accounts.findMany({ where: { team: 'red' } })).length).toBe(10)
      expect((await accounts.findMany({ where: { team: 'blue' } })).length).toBe(10)
      // the unique keys hold for new writes
      await expect(accounts.create({ data: { id: uuids(1)[0], email: 'a3@live' } })).rejects.toMatchObject({
        code: 'P2002',
      })
      await expect(accounts.update({ where: { id: ids[9] }, data: { handle: 'h1' } })).rejects.toMatchObject({
        code: 'P2002',
      })
      const ttl = await admin.execute(`SELECT TTL(id) AS t FROM ${KS}.account__by_handle WHERE handle = ?`, ['h4'], {
        prepare: true,
      })
      expect(ttl.first()?.t).toBeGreaterThan(3000)
      expect(ttl.first()?.t).toBeLessThanOrEqual(3600)
      const noTtl = await admin.execute(`SELECT TTL(id) AS t FROM ${KS}.account__by_handle WHERE handle = ?`, ['h3'], {
        prepare: true,
      })
      expect(noTtl.first()?.t).toBeNull()
      // only non-null values have entries: 6 handles, 30 emails, 20 teams
      expect(await countRows('account__by_handle')).toBe(6)
      expect(await countRows('account__by_email')).toBe(30)
      expect(await countRows('account__by_team')).toBe(20)
      const check = await integrity(db2, 'account')
      expect(check.rows.length).toBe(30)
      expect(check.missing).toEqual([])
      expect(check.orphans).toEqual([])
      // a second push has nothing left to do
      const again = await db2.$push()
      expect(again.changes.filter((c) => c.kind !== 'kept')).toEqual([])
      expect(again.filled).toEqual([])
    } finally {
      await db2.$disconnect()
    }
  })

  it('refuses a type change and a changed key with SCHEMA_CHANGE_REFUSED naming the way (tandem migrate), changing nothing', async () => {
    const v3 = {
      account: pgTable('account', {
        id: uuid('id').primaryKey(),
        email: text('email').notNull().unique(),
        team: text('team'),
        name: text('name'),
        handle: text('handle').unique(),
        score: bigint('score', { mode: 'number' }),
        bio: text('bio'),
      }),
    }
    const cases: [Schema, Parameters<typeof open>[1], RegExp][] = [
      [v3, undefined, /account\.score: the type is int in the database and bigint in the schema/],
      [v2, { account: { partitionKey: ['email'], clusteringKey: ['id'] } }, /account: the partition key is \(id\)/],
    ]
    for (const [schema, layout, what] of cases) {
      const db = open(schema, layout)
      try {
        const dry = await db.$push({ dryRun: true })
        expect(dry.changes.filter((c) => c.kind === 'refused').map((c) => c.description)).toEqual(
          expect.arrayContaining([expect.stringMatching(what)]),
        )
        const error = await db.$push().then(
          () => undefined,
          (e: unknown) => e,
        )
        expect(error).toBeInstanceOf(TandemError)
        expect(error).toMatchObject({ code: 'SCHEMA_CHANGE_REFUSED' })
        expect((error as Error).message).toMatch(what)
        expect((error as Error).message).toContain('tandem migrate')
      } finally {
        await db.$disconnect()
      }
    }
    // nothing ran: not even v3's harmless new column
    expect(await columnsOf('account')).toMatchObject({ score: 'int' })
    expect(await columnsOf('account')).not.toHaveProperty('bio')
  })

  it('a column the schema no longer has is kept with its values (never dropped)', async () => {
    const { name: _name, ...rest } = {
      id: uuid('id').primaryKey(),
      email: text('email').notNull().unique(),
      team: text('team'),
      name: text('name'),
      handle: text('handle').unique(),
      score: integer('score'),
    }
    const db = open({ account: pgTable('account', rest, (t) => [index('account_team_idx').on(t.team)]) })
    try {
      const report = await db.$push()
      expect(report.changes.map((c) => `${c.kind}: ${c.description}`)).toEqual([
        'kept: column account.name is not in the schema: kept (push never drops data)',
      ])
      const rs = await admin.execute(`SELECT name FROM ${KS}.account WHERE id = ?`, [ids[4]], { prepare: true })
      expect(rs.first()?.name).toBe('n4')
      expect(await countRows('account')).toBe(30)
    } finally {
      await db.$disconnect()
    }
  })
})

describe('index entries carry the write time of what they index', () => {
  const columns = {
    id: uuid('id').primaryKey(),
    channelId: uuid('channel_id').notNull(),
    createdAt: timestamp('created_at').notNull(),
    author: text('author'),
  }
  const layout = { msg: { partitionKey: ['channelId'], clusteringKey: ['createdAt', 'id'] } }
  const v1 = { msg: pgTable('msg', columns) }
  // one index on a regular column, one on a clustering column (no write time of its own: the row's newest cell)
  const v2 = {
    msg: pgTable('msg', columns, (t) => [
      index('msg_author_idx').on(t.author),
      index('msg_created_idx').on(t.createdAt),
    ]),
  }

  it("a writer's delete of an entry wins over the fill's insert, whichever arrives first", async () => {
    const channel = uuids(1)[0]!
    const ids = uuids(6)
    const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, i))
    const db1 = open(v1, layout)
    try {
      await db1.$push()
      for (let i = 0; i < ids.length; i++)
        await client(db1, 'msg').create({
          data: { id: ids[i], channelId: channel, createdAt: at(i), author: `u${i % 2}` },
        })
    } finally {
      await db1.$disconnect()
    }
    const db2 = open(v2, layout)
    try {
      await db2.$push({ backfill: false })
      // what a writer that deleted or moved row 0 after the fill read it would leave: tombstones of its entries,
      // timed just after the row's last write, arriving before the fill's inserts
      const key = [channel, at(0), ids[0]]
      const rs = await admin.execute(
        `SELECT WRITETIME(author) AS w FROM ${KS}.msg WHERE channel_id = ? AND created_at = ? AND id = ?`,
        key,
        { prepare: true },
      )
      const later = (rs.first()!.w as bigint) + 1n
      await admin.execute(
        `DELETE FROM ${KS}.msg__by_author USING TIMESTAMP ? WHERE author = ? AND channel_id = ? AND created_at = ? AND id = ?`,
        [later, 'u0', ...key],
        { prepare: true },
      )
      await admin.execute(
        `DELETE FROM ${KS}.msg__by_created_at USING TIMESTAMP ? WHERE created_at = ? AND channel_id = ? AND id = ?`,
        [later, at(0), channel, ids[0]],
        { prepare: true },
      )
      const report = await db2.$push()
      expect(report.filled).toEqual([
        { table: 'msg__by_author', rows: 6 },
        { table: 'msg__by_created_at', rows: 6 },
      ])
      // row 0's entries stay deleted; every other row has both
      expect(await countRows('msg__by_author')).toBe(5)
      expect(await countRows('msg__by_created_at')).toBe(5)
      const byAuthor = await client(db2, 'msg').findMany({ where: { author: 'u1' } })
      expect(byAuthor.map((r) => r.id).sort()).toEqual([ids[1], ids[3], ids[5]].sort())
    } finally {
      await db2.$disconnect()
    }
  })
})

describe('a new unique key over rows that share values', () => {
  const v1 = { member: pgTable('member', { id: text('id').primaryKey(), nick: text('nick').notNull() }) }
  const v2 = { member: pgTable('member', { id: text('id').primaryKey(), nick: text('nick').notNull().unique() }) }
  const rows = [
    ['m-a', 'x'],
    ['m-b', 'x'],
    ['m-c', 'y'],
    ['m-d', 'z'],
    ['m-e', 'z'],
  ] as const

  it('is reported as P2002 with the values and the rows, nothing dropped; fixed rows then fill', async () => {
    const db1 = open(v1)
    try {
      await db1.$push()
      for (const [id, nick] of rows) await client(db1, 'member').create({ data: { id, nick } })
    } finally {
      await db1.$disconnect()
    }
    const db2 = open(v2)
    const members = client(db2, 'member')
    try {
      const error = await db2.$push().then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toMatchObject({ code: 'P2002' })
      const duplicates = (error as TandemError).meta!.duplicates as {
        value: { nick: string }
        keys: { id: string }[]
      }[]
      expect(duplicates.map((d) => d.value.nick).sort()).toEqual(['x', 'z'])
      for (const d of duplicates) {
        expect(d.keys).toHaveLength(2)
        const holders = rows.filter(([, nick]) => nick === d.value.nick).map(([id]) => id)
        expect(d.keys.map((k) => k.id).sort()).toEqual(holders)
        for (const id of holders) expect((error as Error).message).toContain(id)
      }
      // nothing dropped: every row is there, unchanged
      expect(await countRows('member')).toBe(5)
      // the fill is still pending: the next push runs it again from the start
      const dry = await db2.$push({ dryRun: true })
      expect(dry.pending).toEqual(['member__by_nick'])
      // the person fixes the data (through the new code, which claims the new values), and pushes again
      await members.update({ where: { id: 'm-b' }, data: { nick: 'x2' } })
      await members.update({ where: { id: 'm-e' }, data: { nick: 'z2' } })
      const report = await db2.$push()
      expect(report.filled).toEqual([{ table: 'member__by_nick', rows: 5 }])
      for (const [id, nick] of [
        ['m-a', 'x'],
        ['m-b', 'x2'],
        ['m-c', 'y'],
        ['m-d', 'z'],
        ['m-e', 'z2'],
      ])
        expect(await members.findUnique({ where: { nick } })).toMatchObject({ id })
      const check = await integrity(db2, 'member')
      expect(check.missing).toEqual([])
      expect(check.orphans).toEqual([])
    } finally {
      await db2.$disconnect()
    }
  })
})

describe('a writer racing the fill between its page read and its writes', () => {
  const columns = { id: uuid('id').primaryKey(), code: text('code').notNull(), zone: text('zone') }
  const v1 = { seat: pgTable('seat', columns) }
  const v2 = {
    seat: pgTable('seat', { ...columns, code: text('code').notNull().unique() }, (t) => [
      index('seat_zone_idx').on(t.zone),
    ]),
  }

  it('a changed or deleted row keeps no entry, and its old unique value is free at once', async () => {
    const ids = uuids(40)
    const db1 = open(v1)
    try {
      await db1.$push()
      for (let i = 0; i < ids.length; i++)
        await client(db1, 'seat').create({ data: { id: ids[i], code: `s${i}`, zone: `z${i % 3}` } })
    } finally {
      await db1.$disconnect()
    }
    const db2 = open(v2)
    const seats = client(db2, 'seat')
    const backend = backendOf(db2) as ScyllaBackend
    const changed: string[] = []
    const deleted: string[] = []
    try {
      // the application (new schema) changes and deletes rows the fill has read and not yet written entries for
      backend.afterFillPageRead = async (table, rows) => {
        const mine = rows.filter((r) => !deleted.includes(r.id as string) && !changed.includes(r.id as string))
        for (const r of mine.slice(0, 4)) {
          if (table === 'seat__by_code')
            await seats.update({ where: { id: r.id }, data: { code: `re-${r.code as string}`, zone: 'moved' } })
          else await seats.update({ where: { id: r.id }, data: { zone: 'moved-again' } })
          changed.push(r.id as string)
        }
        for (const r of mine.slice(4, 8)) {
          await seats.delete({ where: { id: r.id } })
          deleted.push(r.id as string)
        }
      }
      const report = await db2.$push({ pageSize: 100 })
      expect(report.filled).toEqual([
        { table: 'seat__by_code', rows: 40 },
        { table: 'seat__by_zone', rows: 36 },
      ])
      expect(changed).toHaveLength(8)
      expect(deleted).toHaveLength(8)
      const check = await integrity(db2, 'seat')
      expect(check.rows.length).toBe(32)
      expect(check.missing).toEqual([])
      expect(check.orphans).toEqual([])
      // the values the changed and deleted rows held are free now, not after an orphan grace period
      for (const id of [...changed.slice(0, 4), ...deleted]) {
        const i = ids.indexOf(id)
        await seats.create({ data: { id: uuids(1)[0], code: `s${i}`, zone: 'new' } })
      }
      expect((await seats.findMany({ where: { zone: 'moved-again' } })).length).toBe(4)
      expect((await seats.findMany({ where: { zone: 'moved' } })).map((r) => r.id).sort()).toEqual(
        changed.slice(0, 4).sort(),
      )
    } finally {
      backend.afterFillPageRead = undefined
      await db2.$disconnect()
    }
  })
})

describe('a fill while the application writes', () => {
  const v1 = {
    ticket: pgTable('ticket', { id: uuid('id').primaryKey(), ref: text('ref').notNull(), queue: text('queue') }),
  }
  const v2 = {
    ticket: pgTable(
      'ticket',
      { id: uuid('id').primaryKey(), ref: text('ref').notNull().unique(), queue: text('queue') },
      (t) => [index('ticket_queue_idx').on(t.queue)],
    ),
  }

  it('every row ends with its entries, and no deleted or changed row keeps one', async () => {
    const ids = uuids(600)
    const db1 = open(v1)
    try {
      await db1.$push()
    } finally {
      await db1.$disconnect()
    }
    await cassandra.concurrent.executeConcurrent(
      admin,
      `INSERT INTO ${KS}.ticket (id, ref, queue) VALUES (?, ?, ?)`,
      ids.map((id, i) => [id, `r${i}`, `q${i % 4}`]),
      { concurrencyLevel: 64, executionProfile: undefined },
    )
    const db2 = open(v2)
    const tickets = client(db2, 'ticket')
    let writes: Promise<void> | undefined
    let firstProgress: () => void = () => {}
    const filling = new Promise<void>((r) => (firstProgress = r))
    try {
      // the writers start once the tables exist (the new code needs them) and the fill has begun
      const pushed = db2.$push({ pageSize: 40, onProgress: () => firstProgress() })
      await filling
      writes = (async () => {
        const work: Promise<unknown>[] = []
        for (let i = 0; i < 40; i++) {
          work.push(tickets.delete({ where: { id: ids[599 - i] } }))
          work.push(tickets.update({ where: { id: ids[500 - i] }, data: { queue: `moved${i}` } }))
          work.push(tickets.update({ where: { id: ids[400 - i] }, data: { ref: `new-r${i}` } }))
          work.push(tickets.create({ data: { id: uuids(1)[0], ref: `fresh${i}`, queue: 'q0' } }))
          if (work.length >= 16) await Promise.all(work.splice(0))
        }
        await Promise.all(work)
      })()
      const [report] = await Promise.all([pushed, writes])
      expect(report.filled.map((f) => f.table)).toEqual(['ticket__by_queue', 'ticket__by_ref'])
      const check = await integrity(db2, 'ticket')
      expect(check.rows.length).toBe(600)
      expect(check.missing).toEqual([])
      expect(check.orphans).toEqual([])
      for (let i = 0; i < 40; i++) {
        expect(await tickets.findUnique({ where: { ref: `new-r${i}` } })).toMatchObject({ id: ids[400 - i] })
        expect(await tickets.findUnique({ where: { ref: `r${400 - i}` } })).toBeNull()
        expect(await tickets.findUnique({ where: { ref: `r${599 - i}` } })).toBeNull()
      }
      // the old refs of changed rows are free again, at once (no orphan entry blocks them)
      await tickets.create({ data: { id: uuids(1)[0], ref: 'r400' } })
      expect((await tickets.findMany({ where: { queue: 'moved0' } })).map((r) => r.id)).toEqual([ids[500]])
    } finally {
      await db2.$disconnect()
    }
  })
})

describe('a push killed mid-fill (SIGKILL) continues where it stopped', () => {
  const ROWS = 2000
  const v1Event = pgTable('event', { id: uuid('id').primaryKey(), code: text('code').notNull(), kind: text('kind') })
  const v2Event = pgTable(
    'event',
    { id: uuid('id').primaryKey(), code: text('code').notNull().unique(), kind: text('kind') },
    (t) => [index('event_kind_idx').on(t.kind)],
  )
  // v2 as a module the CLI loads
  const schemaFile = `import { index, pgTable, text, uuid } from 'drizzle-orm/pg-core'
export const event = pgTable(
  'event',
  { id: uuid('id').primaryKey(), code: text('code').notNull().unique(), kind: text('kind') },
  (t) => [index('event_kind_idx').on(t.kind)],
)
`
  const config = `import { defineConfig } from '${TANDEM}'
export default defineConfig({ schema: './schema.ts', backend: 'scylla', scylla: { keyspace: '${KS}' } })
`

  it('the re-run resumes from the checkpoint and every row ends with its entries', async () => {
    const app = tempProject({ 'schema.ts': schemaFile, 'tandem.config.ts': config })
    try {
      const db1 = open({ event: v1Event })
      await db1.$push().finally(() => db1.$disconnect())
      const ids = uuids(ROWS)
      await cassandra.concurrent.executeConcurrent(
        admin,
        `INSERT INTO ${KS}.event (id, code, kind) VALUES (?, ?, ?)`,
        ids.map((id, i) => [id, `c${i}`, `k${i % 7}`]),
        { concurrencyLevel: 64 },
      )

      // a real `tandem push` in a child process, SIGKILLed once its checkpoint shows a few pages done
      const child = spawn(process.execPath, ['--import', TSX, BIN_TS, 'push', '--page-size', '100'], {
        cwd: app.dir,
        env: process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stderr = ''
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
      let checkpointAtKill: { rows: number; page?: string } | undefined
      const deadline = Date.now() + 120_000
      while (Date.now() < deadline && child.exitCode === null) {
        const rs = await admin
          .execute(`SELECT value FROM ${KS}.tandem_meta WHERE key = ?`, ['push:fill:event__by_code'], { prepare: true })
          .catch(() => undefined)
        const value = rs?.first()?.value as string | undefined
        const cp = value ? (JSON.parse(value) as { rows: number; page?: string }) : undefined
        if (cp && cp.rows >= 300) {
          child.kill('SIGKILL')
          checkpointAtKill = cp
          break
        }
        await new Promise((r) => setTimeout(r, 20))
      }
      await exited
      // progress lines only, no error, until the kill
      expect(stderr).not.toContain('tandem:')
      expect(child.signalCode).toBe('SIGKILL')
      expect(checkpointAtKill!.rows).toBeGreaterThanOrEqual(300)
      expect(checkpointAtKill!.rows).toBeLessThan(ROWS)
      const after = await admin.execute(
        `SELECT value FROM ${KS}.tandem_meta WHERE key = ?`,
        ['push:fill:event__by_code'],
        {
          prepare: true,
        },
      )
      const left = JSON.parse(after.first()!.value as string) as { rows: number; page?: string }
      expect(left.page).toBeDefined()
      // entries of the rows read before the kill are there; the rest are not yet
      const before = await countRows('event__by_code')
      expect(before).toBeGreaterThanOrEqual(left.rows)
      expect(before).toBeLessThan(ROWS)

      // the re-run (the same CLI) continues from the checkpoint, not from the start
      const db2 = open({ event: v2Event })
      const dry = await db2.$push({ dryRun: true }).finally(() => db2.$disconnect())
      expect(dry.changes.map((c) => c.description)).toContain(
        `fill event__by_code from the existing rows of event (resumes after ${left.rows} rows)`,
      )
      const third = await runCli(['push', '--page-size', '100'], { cwd: app.dir, timeoutMs: 400_000 })
      expect(third.code).toBe(0)
      // progress on stderr counts from the start of the fill, resumed runs included
      expect(third.stderr).toContain(`event__by_code (fill) ${ROWS}/${ROWS} rows`)
      expect(third.stderr).not.toContain('tandem:')
      expect(third.stdout).toContain(`filled event__by_code from ${ROWS} rows, event__by_kind from ${ROWS} rows`)
      expect(await countRows('event__by_code')).toBe(ROWS)
      expect(await countRows('event__by_kind')).toBe(ROWS)
      expect(await countRows('event')).toBe(ROWS)
      const meta = await admin.execute(`SELECT key FROM ${KS}.tandem_meta`)
      expect(meta.rows.map((r) => r.key as string).filter((k) => k.startsWith('push:fill:'))).toEqual([])
      const db = open({ event: v2Event })
      try {
        const check = await integrity(db, 'event')
        expect(check.rows.length).toBe(ROWS)
        expect(check.missing).toEqual([])
        expect(check.orphans).toEqual([])
        expect(await client(db, 'event').findUnique({ where: { code: `c${ROWS - 1}` } })).toMatchObject({
          id: ids[ROWS - 1],
        })
      } finally {
        await db.$disconnect()
      }
    } finally {
      app.remove()
    }
  }, 600_000)
})
