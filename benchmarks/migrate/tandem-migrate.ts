// tandem's side of the migrate benchmark: `migrate()` (what `tandem migrate --from postgres --to scylla` runs) from
// the built package, PostgreSQL → Cassandra, for the chat tables, `--concurrency` rows in flight, no verification
// (the harness compares row counts afterwards, for both implementations). Run as a child process by
// migrate-bench.ts so its peak RSS is its own; prints one JSON line: { rows, seconds, peakRssMiB }.
import { createDb } from '../tandem.js'
import { backendOf } from '../../dist/create-db.js'
import { migrate } from '../../dist/move/migrate.js'
import { chatSchema, layout } from '../schema.js'
import { childArgs, report } from './child-args.js'

const args = childArgs()

async function main(): Promise<void> {
  const pg = createDb({ schema: chatSchema, backend: 'postgres', postgres: { url: args.pg, max: 2 } })
  const scylla = createDb({
    schema: chatSchema,
    backend: 'scylla',
    scylla: { contactPoints: args.hosts, localDataCenter: args.dc, keyspace: args.keyspace },
    layout: layout as never,
  })
  try {
    const r = await migrate(backendOf(pg).store, backendOf(scylla).store, {
      models: ['profile', 'channel', 'member', 'message'],
      concurrency: args.concurrency,
      pageSize: args.page,
      verify: false,
    })
    const rows = r.models.reduce((n, m) => n + m.copied + m.unchanged, 0)
    const skipped = r.models.reduce((n, m) => n + m.skipped.length, 0)
    if (skipped) throw new Error(`${skipped} rows skipped: ${JSON.stringify(r.models.map((m) => m.skipped[0]))}`)
    report(rows, r.seconds, r.peakRssBytes / 2 ** 20)
  } finally {
    await Promise.all([pg.$disconnect(), scylla.$disconnect()])
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`tandem-migrate: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
  process.exit(1)
})
