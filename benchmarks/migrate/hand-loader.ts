// A hand-written PostgreSQL → Cassandra loader for the benchmark's chat tables: what a team writes without tandem
// (the baseline of the migrate benchmark). Keyset pages of 1000 rows by primary key with raw postgres.js (the next
// page read while the current one is written), and per row the base INSERT plus every lookup entry tandem's layout
// has for that table, with raw cassandra-driver (prepared, LOCAL_QUORUM), `--concurrency` rows in flight. It
// neither checks nor resumes anything. Run as a child process by migrate-bench.ts; prints one JSON line:
// { rows, seconds, peakRssMiB }.
import cassandra from 'cassandra-driver'
import postgres from 'postgres'
import { cqlClientOptions } from '../clients.js'
import { childArgs, report } from './child-args.js'

const args = childArgs()

type Pg = Record<string, unknown>
interface Copy {
  table: string
  columns: string
  /** the statements one row becomes: its base row and its lookup entries */
  writes: (r: Pg) => [string, unknown[]][]
}

const ks = args.keyspace
const q = (table: string, cols: string[]) =>
  `INSERT INTO "${ks}"."${table}" (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`
const PROFILE = q('profile', ['id', 'user_id', 'name', 'email', 'created_at', 'updated_at'])
const PROFILE_BY_USER = q('profile__by_user_id', ['user_id', 'id'])
const CHANNEL = q('channel', ['id', 'name', 'created_at'])
const MEMBER = q('member', ['id', 'profile_id', 'role', 'created_at'])
const MEMBER_BY_PROFILE = q('member__by_profile_id', ['profile_id', 'id'])
const MESSAGE = q('message', ['channel_id', 'created_at', 'id', 'author_id', 'content'])
const MESSAGE_BY_ID = q('message__by_id', ['id', 'channel_id', 'created_at'])
const MESSAGE_BY_AUTHOR = q('message__by_author_id', ['author_id', 'channel_id', 'created_at', 'id'])

const COPIES: Copy[] = [
  {
    table: 'profile',
    columns: 'id, user_id, name, email, created_at, updated_at',
    writes: (r) => [
      [PROFILE, [r.id, r.user_id, r.name, r.email, r.created_at, r.updated_at]],
      [PROFILE_BY_USER, [r.user_id, r.id]],
    ],
  },
  { table: 'channel', columns: 'id, name, created_at', writes: (r) => [[CHANNEL, [r.id, r.name, r.created_at]]] },
  {
    table: 'member',
    columns: 'id, profile_id, role, created_at',
    writes: (r) => [
      [MEMBER, [r.id, r.profile_id, r.role, r.created_at]],
      [MEMBER_BY_PROFILE, [r.profile_id, r.id]],
    ],
  },
  {
    table: 'message',
    columns: 'id, channel_id, author_id, content, created_at',
    writes: (r) => [
      [MESSAGE, [r.channel_id, r.created_at, r.id, r.author_id, r.content]],
      [MESSAGE_BY_ID, [r.id, r.channel_id, r.created_at]],
      [MESSAGE_BY_AUTHOR, [r.author_id, r.channel_id, r.created_at, r.id]],
    ],
  },
]

async function main(): Promise<void> {
  const concurrency = args.concurrency
  const page = args.page
  const sql = postgres(args.pg, { max: 2, onnotice: () => {} })
  const cql = new cassandra.Client(cqlClientOptions(args.hosts, args.dc))
  await cql.connect()
  const started = performance.now()
  let rows = 0
  const read = (c: Copy, after: unknown) =>
    after === undefined
      ? sql.unsafe(`SELECT ${c.columns} FROM ${c.table} ORDER BY id LIMIT ${page}`)
      : sql.unsafe(`SELECT ${c.columns} FROM ${c.table} WHERE id > $1 ORDER BY id LIMIT ${page}`, [after as string])
  for (const c of COPIES) {
    let next = read(c, undefined)
    for (;;) {
      const batch = (await next) as unknown as Pg[]
      if (batch.length === 0) break
      if (batch.length === page) next = read(c, batch[batch.length - 1]!.id)
      let i = 0
      const worker = async () => {
        while (i < batch.length) {
          const r = batch[i++]!
          await Promise.all(c.writes(r).map(([text, params]) => cql.execute(text, params, { prepare: true })))
        }
      }
      await Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, worker))
      rows += batch.length
      if (batch.length < page) break
    }
  }
  const seconds = (performance.now() - started) / 1000
  await Promise.all([sql.end({ timeout: 5 }), cql.shutdown()])
  report(rows, seconds, process.resourceUsage().maxRSS / 1024)
}

main().catch((e: unknown) => {
  process.stderr.write(`hand-loader: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
  process.exit(1)
})
