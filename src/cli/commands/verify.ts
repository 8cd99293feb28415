import type { Command } from 'commander'
import { verify } from '../../move/verify.js'
import { contextOf, type RegisterCommand } from '../cli-context.js'
import { EXIT } from '../cli-errors.js'
import type { BackendName } from '../open-db.js'
import {
  fromOption,
  modelsOption,
  positiveInt,
  progressOf,
  toOption,
  verifyReport,
  withStores,
} from '../move-report.js'

interface VerifyFlags {
  from: BackendName
  to: BackendName
  models?: string[]
  sample?: number
  pageSize?: number
  maxDifferences?: number
}

/** `tandem verify --from A --to B`: compares rows by primary key and ScyllaDB's lookup tables (src/move/verify.ts). */
export const registerVerify: RegisterCommand = (program: Command) => {
  program
    .command('verify')
    .description(
      'compare the rows of both backends by primary key, field by field (every row, or --sample N per model), and on ScyllaDB that every unique value resolves through its lookup to its row and no lookup entry lacks its row',
    )
    .addOption(fromOption())
    .addOption(toOption())
    .addOption(modelsOption())
    .option('--sample <n>', 'check N random rows per model (and side) instead of every row', positiveInt('--sample'))
    .option('--page-size <n>', 'rows read per page (default 500)', positiveInt('--page-size'))
    .option(
      '--max-differences <n>',
      'differences printed (default 20; all are counted)',
      positiveInt('--max-differences'),
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 no differences, 1 differences found (the first are printed with their keys), 2 error.',
    )
    .action(async (flags: VerifyFlags, command: Command) => {
      const loaded = await contextOf(command).config()
      await withStores(loaded, flags.from, flags.to, async ({ from, to }) => {
        const progress = progressOf()
        const result = await verify(from, to, {
          models: flags.models,
          mode: flags.sample ? 'sample' : 'full',
          sample: flags.sample,
          pageSize: flags.pageSize,
          maxDifferences: flags.maxDifferences,
          onProgress: progress.listener,
        }).finally(() => progress.stop())
        process.stdout.write(`${verifyReport(result)}\n`)
        if (!result.ok) process.exitCode = EXIT.found
      })
    })
}
