import { InvalidArgumentError, type Command } from 'commander'
import { sync } from '../../move/sync.js'
import { contextOf, type RegisterCommand } from '../cli-context.js'
import { EXIT } from '../cli-errors.js'
import type { BackendName } from '../open-db.js'
import {
  fromOption,
  modelsOption,
  positiveInt,
  progressOf,
  skippedLines,
  table,
  toOption,
  withStores,
} from '../move-report.js'

interface SyncFlags {
  from: BackendName
  to: BackendName
  since?: Date
  deletes?: boolean
  full?: boolean
  models?: string[]
  pageSize?: number
  concurrency?: number
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** `--since`: an ISO-8601 time, or a duration back from now (`90s`, `15m`, `2h`, `7d`). */
export function parseSince(value: string, now = Date.now()): Date {
  const ago = /^(\d+)([smhd])$/.exec(value.trim())
  const date = ago ? new Date(now - Number(ago[1]) * UNITS[ago[2]!]!) : new Date(value)
  if (Number.isNaN(date.getTime()))
    throw new InvalidArgumentError(
      `--since must be an ISO time (2024-05-01T12:00:00Z) or a duration (15m, 2h, 7d), got "${value}"`,
    )
  return date
}

/** `tandem sync --from A --to B [--since TIME] [--deletes]`: incremental copy, last write wins (src/move/sync.ts). */
export const registerSync: RegisterCommand = (program: Command) => {
  program
    .command('sync')
    .description(
      "copy the rows changed since --since (by each model's $onUpdate/updatedAt column; last write wins, a newer target row is kept); models without one are compared row by row",
    )
    .addOption(fromOption())
    .addOption(toOption())
    .option(
      '--since <time>',
      'only rows changed after this ISO time or this long ago (15m, 2h, 7d); default every row',
      (v) => parseSince(v),
    )
    .option('--deletes', 'also delete target rows whose keys are gone from the source')
    .option('--full', 'every row of every model (--since ignored)')
    .addOption(modelsOption())
    .option('--page-size <n>', 'rows read per page (default 500)', positiveInt('--page-size'))
    .option(
      '--concurrency <n>',
      'rows (ScyllaDB) or statements (PostgreSQL) written at once (default 16)',
      positiveInt('--concurrency'),
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 synced, 1 rows skipped (unique collisions, unresolved foreign keys), 2 error.',
    )
    .action(async (flags: SyncFlags, command: Command) => {
      const loaded = await contextOf(command).config()
      await withStores(loaded, flags.from, flags.to, async ({ from, to }) => {
        const progress = progressOf()
        const r = await sync(from, to, {
          since: flags.since,
          deletes: flags.deletes,
          full: flags.full,
          models: flags.models,
          pageSize: flags.pageSize,
          concurrency: flags.concurrency,
          onProgress: progress.listener,
        }).finally(() => progress.stop())
        const lines = [
          `sync ${r.from} → ${r.to}${flags.since ? ` since ${flags.since.toISOString()}` : ''} (started ${r.startedAt.toISOString()}: the next run's --since)`,
          table(
            ['model', 'mode', 'scanned', 'written', 'unchanged', 'skipped', 'deleted'],
            r.models.map((m) => [m.model, m.mode, m.scanned, m.written, m.unchanged, m.skipped.length, m.deleted]),
          ),
          ...r.models.flatMap((m) => skippedLines(m.model, m.skipped)),
        ]
        process.stdout.write(`${lines.join('\n')}\n`)
        if (r.models.some((m) => m.skipped.length)) process.exitCode = EXIT.found
      })
    })
}
