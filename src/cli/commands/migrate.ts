import { Option, type Command } from 'commander'
import { migrate, type MigrateResult } from '../../move/migrate.js'
import type { VerifyMode } from '../../move/verify.js'
import { contextOf, type RegisterCommand } from '../cli-context.js'
import { EXIT } from '../cli-errors.js'
import type { BackendName } from '../open-db.js'
import {
  fromOption,
  megabytes,
  modelsOption,
  positiveInt,
  progressOf,
  skippedLines,
  table,
  toOption,
  verifyReport,
  withStores,
} from '../move-report.js'

interface MigrateFlags {
  from: BackendName
  to: BackendName
  models?: string[]
  concurrency?: number
  rate?: number
  pageSize?: number
  checkOnly?: boolean
  force?: boolean
  /** a directory, or false for --no-backup */
  backup?: string | false
  verify: VerifyMode
  sample?: number
}

/** `tandem migrate --from A --to B`: copies every model's rows (src/move/migrate.ts), resumable, then verifies. */
export const registerMigrate: RegisterCommand = (program: Command) => {
  program
    .command('migrate')
    .description(
      "copy every model's rows from one backend to the other (lookup tables filled on ScyllaDB), resumable after a kill, then verify",
    )
    .addOption(fromOption())
    .addOption(toOption())
    .addOption(modelsOption())
    .option(
      '--concurrency <n>',
      'rows (ScyllaDB) or statements (PostgreSQL) written at once (default 16)',
      positiveInt('--concurrency'),
    )
    .option('--rate <rows>', 'at most this many rows per second (default: unlimited)', positiveInt('--rate'))
    .option(
      '--page-size <n>',
      'rows read per page; at most two pages are in memory (default 500)',
      positiveInt('--page-size'),
    )
    .option(
      '--check-only',
      'write nothing; report per model source rows, target rows, what would be copied, whether the target is ready',
    )
    .option('--force', 'copy into target models that have rows: back them up (see --backup), empty them, then copy')
    .option(
      '--backup <dir>',
      'where --force backs the target rows up, one <model>.jsonl per model (default ./tandem-backup-<time>)',
    )
    .option('--no-backup', 'with --force: do not back the target rows up')
    .addOption(
      new Option('--verify <mode>', 'the verification after copying')
        .choices(['count', 'sample', 'full'])
        .default('sample'),
    )
    .option('--sample <n>', 'rows per model --verify sample compares (default 100)', positiveInt('--sample'))
    .addHelpText(
      'after',
      '\nA killed run continues where it stopped when run again (checkpoints are kept in the target).' +
        '\nExit codes: 0 copied and verified, 1 rows skipped (unique collisions) or differences found, or --check-only found a model it would refuse, 2 error (a non-empty target without --force: TARGET_NOT_EMPTY).',
    )
    .action(async (flags: MigrateFlags, command: Command) => {
      const loaded = await contextOf(command).config()
      await withStores(loaded, flags.from, flags.to, async ({ from, to }) => {
        const progress = progressOf()
        let result: MigrateResult
        try {
          result = await migrate(from, to, {
            models: flags.models,
            concurrency: flags.concurrency,
            rate: flags.rate,
            pageSize: flags.pageSize,
            checkOnly: flags.checkOnly,
            force: flags.force,
            backupDir: typeof flags.backup === 'string' ? flags.backup : undefined,
            noBackup: flags.backup === false,
            verify: flags.verify,
            sample: flags.sample,
            onProgress: progress.listener,
          })
        } finally {
          progress.stop()
        }
        process.stdout.write(`${report(result)}\n`)
        if (result.checks) {
          if (result.checks.some((c) => c.refused || !c.schemaReady)) process.exitCode = EXIT.found
          return
        }
        const skipped = result.models.some((m) => m.skipped.length > 0)
        if (skipped || (result.verification && !result.verification.ok)) process.exitCode = EXIT.found
      })
    })
}

function report(r: MigrateResult): string {
  if (r.checks)
    return [
      `migrate ${r.from} → ${r.to} (check only: nothing written)`,
      table(
        ['model', 'source rows', 'target rows', 'would copy', 'schema ready', 'checkpoint', 'refused'],
        r.checks.map((c) => [
          c.model,
          c.sourceRows,
          c.targetRows ?? '-',
          c.wouldCopy,
          c.schemaReady ? 'yes' : `no (missing ${c.missingTables.join(', ')})`,
          c.resume,
          c.refused ? 'yes (has rows; --force)' : 'no',
        ]),
      ),
    ].join('\n')
  const lines = [
    `migrate ${r.from} → ${r.to}`,
    table(
      ['model', 'copied', 'unchanged', 'skipped', 'seconds', 'rows/s', 'resumed'],
      r.models.map((m) => [
        m.model,
        m.copied,
        m.unchanged,
        m.skipped.length,
        m.seconds,
        Math.round(m.rowsPerSecond),
        m.resumed,
      ]),
    ),
  ]
  const copied = r.models.reduce((n, m) => n + m.copied, 0)
  lines.push(
    `total: ${copied} rows in ${r.seconds.toFixed(1)} s (${Math.round(r.seconds > 0 ? copied / r.seconds : copied)} rows/s), peak RSS ${megabytes(r.peakRssBytes)}`,
  )
  for (const m of r.models) if (m.backup) lines.push(`backup: ${m.model}: ${m.backup.rows} rows in ${m.backup.file}`)
  const skipped = r.models.flatMap((m) => skippedLines(m.model, m.skipped))
  if (skipped.length) lines.push('skipped rows (not copied):', ...skipped)
  if (r.verification) lines.push(verifyReport(r.verification))
  return lines.join('\n')
}
