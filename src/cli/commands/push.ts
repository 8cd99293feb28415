import { Option, type Command } from 'commander'
import type { PushProgress, PushReport } from '../../adapter/backend.js'
import { contextOf, type RegisterCommand } from '../cli-context.js'
import { EXIT } from '../cli-errors.js'
import { positiveInt } from '../move-report.js'
import { BACKEND_NAMES, dbFor, withDb, type BackendName, type CliDb } from '../open-db.js'
import type { LoadedConfig } from '../config-loader.js'
import { createProgress } from '../progress.js'

interface PushFlags {
  backend?: BackendName
  dryRun?: boolean
  /** false with --no-backfill */
  backfill: boolean
  pageSize?: number
}

/** `tandem push [--backend B] [--dry-run] [--no-backfill]`: db.$push() for the config's schema. */
export const registerPush: RegisterCommand = (program: Command) => {
  program
    .command('push')
    .description(
      "create what the backend needs for the config's schema (tables, types, keyspace, lookup tables); on ScyllaDB also add new columns and new lookup tables to live tables and fill them from the rows there; never drops anything",
    )
    .addOption(
      new Option(
        '-b, --backend <name>',
        "backend to push to (default: the config's `backend`, else USE_SCYLLA)",
      ).choices(BACKEND_NAMES),
    )
    .option(
      '--dry-run',
      'ScyllaDB: read the keyspace and list the changes push would make (and what it refuses), changing nothing; PostgreSQL, or no ScyllaDB hosts configured: print the DDL without connecting',
    )
    .option(
      '--no-backfill',
      'ScyllaDB: create new lookup tables but leave their fill from existing rows to a later push',
    )
    .option(
      '--page-size <n>',
      'ScyllaDB: base rows read per page while filling a lookup (default 500)',
      positiveInt('--page-size'),
    )
    .addHelpText(
      'after',
      '\nA killed fill continues where it stopped at the next push (its checkpoint is kept in the keyspace).' +
        '\nExit codes: 0 done, 1 --dry-run found changes push refuses, 2 error (SCHEMA_CHANGE_REFUSED: a key or type change; P2002: existing rows share a value of a new unique key).',
    )
    .action(async (flags: PushFlags, command: Command) => {
      const loaded = await contextOf(command).config()
      if (flags.dryRun) return dryRun(loaded, flags.backend)
      // what $push decided about the keyspace (ScyllaDB tablets) is printed, unless the config has its own
      // logger or a start-up fallback (whose warning goes to stderr only when no logger is set)
      const scylla = loaded.config.scylla ?? {}
      const logger =
        scylla.logger ??
        ((_level: string, message: string) => {
          // only $push's own notes: driver warnings stay out of the CLI's one-line error contract
          if (message.startsWith('$push: ')) process.stdout.write(`${message.slice('$push: '.length)}\n`)
        })
      const withNotes = loaded.config.fallback
        ? loaded
        : { ...loaded, config: { ...loaded.config, scylla: { ...scylla, logger } } }
      await withDb(withNotes, flags.backend, async (db) => {
        const progress = createProgress()
        const started = new Set<string>()
        const onProgress = (p: PushProgress) => {
          const label = `${p.table} (fill)`
          if (!started.has(label)) {
            started.add(label)
            progress.start(label)
          }
          progress.update(label, p.rows)
          if (p.done) progress.finish(label)
        }
        let report: PushReport
        try {
          report = await db.$push({ backfill: flags.backfill, pageSize: flags.pageSize, onProgress })
        } finally {
          progress.stop()
        }
        process.stdout.write(summary(db, report))
      })
    })
}

function summary(db: CliDb, report: PushReport): string {
  const ran = report.changes.filter((c) => c.statement).length
  const lines = [
    `pushed ${db.$backend}: ${ran} statements (existing objects kept)` +
      (report.filled.length ? `; filled ${report.filled.map((f) => `${f.table} from ${f.rows} rows`).join(', ')}` : ''),
  ]
  if (db.$backend !== 'postgres')
    for (const c of report.changes)
      if (c.kind === 'create-table' || c.kind === 'add-column' || c.kind === 'kept' || c.kind === 'skipped')
        lines.push(`  ${c.description}`)
  if (report.pending.length) lines.push(`not filled yet (run push again to fill): ${report.pending.join(', ')}`)
  return `${lines.join('\n')}\n`
}

/** Whether a ScyllaDB host is configured (else a dry run has nothing to compare with, and prints the DDL). */
function hasScyllaHosts(loaded: LoadedConfig): boolean {
  return Boolean(loaded.config.scylla?.contactPoints?.length || process.env.SCYLLA_HOSTS || process.env.SCYLLA_HOST)
}

async function dryRun(loaded: LoadedConfig, backend: BackendName | undefined): Promise<void> {
  const probe = dbFor(loaded, backend)
  const compare = probe.$backend === 'scylla' && hasScyllaHosts(loaded)
  if (!compare) {
    try {
      for (const stmt of probe.$ddl()) process.stdout.write(`${stmt};\n`)
    } finally {
      await probe.$disconnect()
    }
    return
  }
  await probe.$disconnect()
  await withDb(loaded, backend, async (db) => {
    const report = await db.$push({ dryRun: true })
    const todo = report.changes.filter((c) => c.kind !== 'kept' && c.kind !== 'refused' && c.kind !== 'skipped')
    const out: string[] = []
    for (const c of report.changes) {
      out.push(`${c.kind}: ${c.description}`)
      if (c.statement) out.push(`  ${c.statement};`)
    }
    const refused = report.changes.some((c) => c.kind === 'refused')
    if (refused) out.push('push refuses this schema (SCHEMA_CHANGE_REFUSED): it would change nothing')
    else if (todo.length === 0) out.push('nothing to change: the keyspace already matches the schema')
    process.stdout.write(`${out.join('\n')}\n`)
    if (refused) process.exitCode = EXIT.found
  })
}
